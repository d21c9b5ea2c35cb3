"""Tests of the simulated-versus-real comparison: KS statistics and the figure."""

import numpy as np
import pytest

from physics_dnn.susy.columns import FEATURES
from physics_dnn.susy.compare import ks_statistic, ks_table, plot_comparison


def brute_force_ks(a, b):
    """sup |F_a − F_b| straight from the definition, at every pooled value."""
    return max(abs(np.mean(a <= x) - np.mean(b <= x)) for x in np.concatenate([a, b]))


def uci_like(n, rng):
    """Random events in the UCI layout: a label column, then 18 features."""
    return np.column_stack(
        [rng.integers(0, 2, n), rng.normal(size=(n, len(FEATURES)))]
    ).astype(np.float64)


def test_identical_samples_give_zero():
    sample = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    assert ks_statistic(sample, sample) == 0.0
    assert ks_statistic(sample, sample[::-1].copy()) == 0.0


def test_disjoint_samples_give_one():
    assert ks_statistic(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])) == 1.0
    assert ks_statistic(np.array([3.0, 4.0, 5.0]), np.array([1.0, 2.0])) == 1.0


def test_ties_step_both_cdfs_at_once():
    # At x = 1: F_a = 2/3, F_b = 1/3; at x = 2 both reach 1. Walking the pooled
    # sorted values one at a time, a's two 1s before b's, would give 2/3.
    a, b = np.array([1.0, 1.0, 2.0]), np.array([1.0, 2.0, 2.0])
    assert ks_statistic(a, b) == pytest.approx(1 / 3)
    assert ks_statistic(b, a) == pytest.approx(1 / 3)


def test_small_case_by_hand():
    # F_a − F_b at 1, 2, 3, 4: 1/4 − 0, 3/4 − 2/4, 1 − 3/4, 1 − 1.
    a, b = np.array([2.0, 1.0, 3.0, 2.0]), np.array([2.0, 4.0, 3.0, 2.0])
    assert ks_statistic(a, b) == pytest.approx(0.25)


def test_matches_the_definition_on_samples_with_many_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 6, rng.integers(1, 30)).astype(float)
        b = rng.integers(1, 8, rng.integers(1, 30)).astype(float)
        assert ks_statistic(a, b) == pytest.approx(brute_force_ks(a, b))


def test_empty_sample_is_rejected():
    with pytest.raises(ValueError, match="at least one value"):
        ks_statistic(np.array([]), np.array([1.0]))


def test_ks_table_has_one_row_per_column_and_class():
    rng = np.random.default_rng(1)
    simulated, real = uci_like(400, rng), uci_like(150, rng)
    rows = ks_table(simulated, real)
    assert len(rows) == 2 * len(FEATURES)
    assert [(row["column"], row["class"]) for row in rows] == [
        (name, class_name)
        for name in FEATURES
        for class_name in ("signal", "background")
    ]
    for row in rows:
        assert set(row) == {"column", "class", "ks", "n_simulated", "n_real"}
        assert 0 <= row["ks"] <= 1
        label = 1.0 if row["class"] == "signal" else 0.0
        assert row["n_simulated"] == np.sum(simulated[:, 0] == label)
        assert row["n_real"] == np.sum(real[:, 0] == label)
    # Each entry is the KS statistic of that column within that class.
    first = rows[0]
    signal_sim, signal_real = simulated[:, 0] == 1, real[:, 0] == 1
    assert first["ks"] == ks_statistic(simulated[signal_sim, 1], real[signal_real, 1])


def test_ks_table_rejects_a_wrong_layout():
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError, match="shape"):
        ks_table(uci_like(50, rng)[:, 1:], uci_like(50, rng))


def test_plot_comparison_writes_png_and_pdf(tmp_path):
    rng = np.random.default_rng(3)
    simulated, real = uci_like(2_000, rng), uci_like(300, rng)
    paths = [tmp_path / "comparison.png", tmp_path / "comparison.pdf"]
    plot_comparison(simulated, real, ks_table(simulated, real), paths)
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    assert paths[1].read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "comparison.pdf",
        "comparison.png",
    ]
