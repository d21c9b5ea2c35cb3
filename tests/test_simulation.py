"""Tests of the built-in Monte Carlo and of its UCI-format writer."""

import dataclasses
import gzip
import re

import numpy as np
import pytest

from susy_dnn.columns import COLUMNS, FEATURES, LOW_LEVEL
from susy_dnn.features import NORMALISATION, high_level_features
from susy_dnn.simulation import (
    SimulationParameters,
    simulate_detector_level,
    simulate_events,
    write_uci_csv,
)

N_EVENTS = 20_000
SIGNAL_FRACTION = 0.458
UCI_NUMBER = r"-?\d\.\d{18}e[+-]\d{2}"


@pytest.fixture(scope="module")
def events():
    return simulate_events(N_EVENTS, SIGNAL_FRACTION, seed=11)


@pytest.fixture(scope="module")
def physical():
    """Detector-level signal and background events in physical units."""
    rng = np.random.default_rng(5)
    return {
        signal: simulate_detector_level(5_000, signal, rng) for signal in (True, False)
    }


def column(events, name):
    return events[:, COLUMNS.index(name)]


def test_layout_and_labels(events):
    assert events.shape == (N_EVENTS, len(COLUMNS))
    assert events.dtype == np.float64
    labels = column(events, "label")
    assert set(np.unique(labels)) == {0.0, 1.0}
    assert labels.sum() == round(N_EVENTS * SIGNAL_FRACTION)
    # Rows are shuffled, not signal first.
    assert 0 < labels[: N_EVENTS // 10].mean() < 1


def test_same_seed_same_events_other_seed_other_events():
    first = simulate_events(500, 0.5, seed=3)
    np.testing.assert_array_equal(first, simulate_events(500, 0.5, seed=3))
    assert not np.array_equal(first, simulate_events(500, 0.5, seed=4))


def test_columns_are_normalised_like_uci(events):
    assert np.all(np.isfinite(events))
    for name in FEATURES:
        values = column(events, name)
        kind = NORMALISATION[name]
        if kind == "mean":
            assert values.min() >= 0, name
            assert values.mean() == pytest.approx(1.0), name
        elif kind == "standardise":
            assert values.mean() == pytest.approx(0.0, abs=1e-9), name
            assert values.std() == pytest.approx(1.0), name
    cos_theta = column(events, "cos_theta_r1")
    assert 0 <= cos_theta.min() and cos_theta.max() <= 1
    # A uniform azimuth standardises to the range ±√3.
    assert np.abs(column(events, "lepton_1_phi")).max() == pytest.approx(
        np.sqrt(3), rel=1e-2
    )
    # MT2 is exactly 0 whenever m⃗ points between the leptons.
    assert 0 < np.mean(column(events, "MT2") == 0) < 0.5


def test_detector_level_leptons_pass_the_acceptance_and_are_pt_ordered(physical):
    parameters = SimulationParameters()
    for sample in physical.values():
        assert len(sample["lepton_1_pT"]) == 5_000
        assert np.all(sample["lepton_1_pT"] >= sample["lepton_2_pT"])
        assert np.all(sample["lepton_2_pT"] > parameters.lepton_pt_min)
        for name in ("lepton_1_eta", "lepton_2_eta"):
            assert np.all(np.abs(sample[name]) < parameters.lepton_eta_max)
        for name in ("lepton_1_phi", "lepton_2_phi", "missing_energy_phi"):
            assert np.all(np.abs(sample[name]) <= np.pi)


def test_jets_can_only_lower_met_rel(physical):
    for sample in physical.values():
        low_level = [sample[name] for name in LOW_LEVEL]
        lepton_only = high_level_features(*low_level)["MET_rel"]
        with_jets = high_level_features(
            *low_level, jet_px=sample["jet_px"], jet_py=sample["jet_py"]
        )["MET_rel"]
        assert np.all(with_jets <= lepton_only)
        assert np.mean(with_jets < lepton_only) > 0.05


def test_mt2_respects_the_parent_mass_endpoints():
    # With an exact detector, m⃗ is the sum of the invisible momenta, so MT2
    # (zero test mass) cannot exceed the endpoint of either decay: m_W for
    # W → ℓν, and (m_χ² − m_χ0²)/m_χ for χ̃± → ℓ + invisible of mass ≥ m_χ0.
    # Initial-state radiation does not change that.
    parameters = SimulationParameters(
        w_width=1e-6, lepton_pt_resolution=0.0, recoil_resolution=0.0
    )
    chargino, neutralino = parameters.chargino_mass, parameters.neutralino_mass
    endpoints = {
        False: parameters.w_mass,
        True: (chargino**2 - neutralino**2) / chargino,
    }
    rng = np.random.default_rng(6)
    for signal, endpoint in endpoints.items():
        sample = simulate_detector_level(5_000, signal, rng, parameters)
        mt2 = high_level_features(*(sample[name] for name in LOW_LEVEL))["MT2"]
        assert mt2.max() <= endpoint * (1 + 1e-9)
        assert mt2.max() > 0.8 * endpoint


def test_signal_and_background_separable_but_not_trivially(events):
    labels = column(events, "label") == 1
    n_signal, n_background = labels.sum(), (~labels).sum()
    areas = []
    for name in FEATURES:
        # Area under the ROC curve of one column, from its rank sum.
        ranks = np.argsort(np.argsort(column(events, name))) + 1
        auc = (ranks[labels].sum() - n_signal * (n_signal + 1) / 2) / (
            n_signal * n_background
        )
        areas.append(max(auc, 1 - auc))
    # Signal carries more missing energy, but no single column separates it.
    met = column(events, "missing_energy_magnitude")
    assert met[labels].mean() > met[~labels].mean()
    assert max(areas) > 0.6
    assert max(areas) < 0.98


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0, 0.5, 1), "n_events"),
        ((-3, 0.5, 1), "n_events"),
        ((10.0, 0.5, 1), "n_events"),
        ((True, 0.5, 1), "n_events"),
        ((10, 0.0, 1), "signal_fraction"),
        ((10, 1.0, 1), "signal_fraction"),
        ((10, float("nan"), 1), "signal_fraction"),
        ((10, 0.5, -1), "seed"),
    ],
)
def test_bad_arguments_are_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        simulate_events(*arguments)


def test_parameters_are_frozen_and_checked():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SimulationParameters().chargino_mass = 500.0
    with pytest.raises(ValueError, match="chargino_mass - neutralino_mass"):
        SimulationParameters(chargino_mass=200.0, neutralino_mass=195.0)


def test_a_single_event_works():
    assert simulate_events(1, 0.3, seed=0).shape == (1, len(COLUMNS))


@pytest.mark.parametrize("name", ["events.csv", "events.csv.gz"])
def test_write_uci_csv_round_trip(tmp_path, events, name):
    path = tmp_path / name
    write_uci_csv(path, events[:300])
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", newline="") as stream:
        text = stream.read()
    lines = text.split("\n")
    assert lines.pop() == ""  # every line, the last too, ends in "\n"
    assert len(lines) == 300
    row = re.compile(",".join([UCI_NUMBER] * len(COLUMNS)))
    assert all(row.fullmatch(line) for line in lines)
    read_back = np.loadtxt(path, delimiter=",")
    expected = events[:300].astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(read_back, expected)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_write_uci_csv_gzip_is_reproducible(tmp_path, events):
    write_uci_csv(tmp_path / "a.csv.gz", events[:100])
    write_uci_csv(tmp_path / "b.csv.gz", events[:100])
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()


def test_write_uci_csv_leaves_no_file_on_error(tmp_path, events):
    path = tmp_path / "events.csv"
    path.write_text("old\n")
    with pytest.raises(ValueError, match="shape"):
        write_uci_csv(path, events[:, :18])
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


def test_write_uci_csv_failing_midway_leaves_no_partial_file(tmp_path, events):
    # The bad value sits past the first chunk, so some rows were written.
    bad = events.astype(object)
    bad[-1, 1] = "not a number"
    path = tmp_path / "events.csv.gz"
    with pytest.raises(ValueError):
        write_uci_csv(path, bad)
    assert list(tmp_path.iterdir()) == []
