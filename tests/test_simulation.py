"""Tests of the built-in Monte Carlo and of its UCI-format writer."""

import dataclasses
import gzip
import re

import numpy as np
import pytest

from physics_dnn.susy.columns import COLUMNS, FEATURES, LOW_LEVEL
from physics_dnn.susy.compare import ks_table
from physics_dnn.susy.features import (
    NORMALISATION,
    high_level_features,
    physical_low_level,
)
from physics_dnn.susy.simulation import (
    SimulationParameters,
    _t_channel,
    _w_decay_angle,
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


def met_rel_with_and_without_jets(sample):
    """MET_rel of detector-level events seeing the jets, and the leptons only."""
    low_level = [sample[name] for name in LOW_LEVEL]
    with_jets = high_level_features(
        *low_level, jet_px=sample["jet_px"], jet_py=sample["jet_py"]
    )["MET_rel"]
    return with_jets, high_level_features(*low_level)["MET_rel"]


def test_jets_can_only_lower_met_rel(physical):
    for sample in physical.values():
        with_jets, lepton_only = met_rel_with_and_without_jets(sample)
        assert np.all(with_jets <= lepton_only)
        assert np.mean(with_jets < lepton_only) > 0.05


# An event's MET_rel counts as lowered by a jet when it is more than this
# fraction below the lepton-only value: well above the float32 rounding of the
# published columns, well below the typical drop.
LOWERED = 1e-3


def test_jets_lower_met_rel_as_often_as_in_the_real_rows(real_rows_csv):
    # In the real rows the published MET_rel is the lepton-only value times one
    # common factor (the unknown normalisation), except where a jet is nearest
    # to m⃗: about 15% of the events, 20% of signal and 11% of background.
    real = np.loadtxt(real_rows_csv, delimiter=",")
    low_level = physical_low_level(real[:, 1:])
    lepton_only = high_level_features(*(low_level[n] for n in LOW_LEVEL))["MET_rel"]
    ratio = real[:, COLUMNS.index("MET_rel")] / lepton_only
    real_lowered = ratio / np.median(ratio) < 1 - LOWERED

    rng = np.random.default_rng(8)
    for signal in (True, False):
        label = 1.0 if signal else 0.0
        expected = real_lowered[real[:, 0] == label].mean()
        # 10,000 simulated events: a binomial error of 0.004 on the fraction,
        # small next to the real rows' own (about 0.02 and 0.013).
        with_jets, lepton_only = met_rel_with_and_without_jets(
            simulate_detector_level(10_000, signal, rng)
        )
        simulated = np.mean(with_jets < (1 - LOWERED) * lepton_only)
        assert simulated == pytest.approx(expected, abs=0.05), signal


# The largest Kolmogorov–Smirnov distance allowed between a simulated column
# (30,000 events) and the 447 signal or 553 background real rows, per class.
# The statistical floor: a perfect simulation, held against 1,000-row samples
# of itself with the same class counts, reaches 0.04 per column on average
# and 0.07 at the largest of the 36 (median), and exceeds 0.086 in 5%, 0.09 in
# about 3% and 0.096 in 1% of the samples. The built-in simulation reaches
# 0.075–0.080 at its largest (background lepton_2_eta, M_R and cos_theta_r1,
# seeds 21–25): near the floor, and below the bound with a margin of 0.01.
KS_BOUND = 0.09


def columns_too_far(simulated, real) -> dict[tuple[str, str], float]:
    """{(column, class): KS} of the columns farther than KS_BOUND from real."""
    rows = ks_table(simulated, real)
    assert len(rows) == 2 * len(FEATURES)
    return {
        (row["column"], row["class"]): round(row["ks"], 3)
        for row in rows
        if row["ks"] > KS_BOUND
    }


@pytest.mark.parametrize("seed", [21, 22])
def test_simulation_resembles_the_real_rows(real_rows_csv, seed):
    # Every feature, in signal and in background, within KS_BOUND.
    real = np.loadtxt(real_rows_csv, delimiter=",")
    simulated = simulate_events(30_000, SIGNAL_FRACTION, seed)
    assert not columns_too_far(simulated, real)


def test_resemblance_check_catches_one_wrong_column(real_rows_csv):
    # Shifted by 0.3 of its standard deviation, or 1.3 times as wide, any one
    # column goes past KS_BOUND (the least sensitive columns, the φs, η and
    # axial MET, need about 0.25 and 1.25), and only that column does.
    real = np.loadtxt(real_rows_csv, delimiter=",")
    simulated = simulate_events(30_000, SIGNAL_FRACTION, 21)
    for index, name in enumerate(FEATURES, start=1):
        for wrong in (simulated[:, index] + 0.3 * real[:, index].std(),
                      simulated[:, index] * 1.3):  # fmt: skip
            broken = simulated.copy()
            broken[:, index] = wrong
            too_far = columns_too_far(broken, real)
            assert {column for column, _ in too_far} == {name}, too_far


def test_mt2_respects_the_parent_mass_endpoints():
    # With an exact detector, m⃗ is the sum of the invisible momenta, so MT2
    # (zero test mass) cannot exceed the endpoint of either decay: m_W for
    # W → ℓν, and (m_χ² − m_χ0²)/m_χ for χ̃± → ℓ + invisible of mass ≥ m_χ0.
    # Initial-state radiation does not change that.
    parameters = SimulationParameters(
        w_width=1e-6,
        lepton_pt_resolution=0.0,
        recoil_resolution=0.0,
        jet_stochastic_resolution=0.0,
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


@pytest.mark.parametrize(
    ("helicity", "mean", "mean_square"),
    [
        ((1.0, 0.0, 0.0), 1 / 2, 2 / 5),  # (1 + cos θ)²
        ((0.0, 1.0, 0.0), 0.0, 1 / 5),  # sin²θ
        ((0.0, 0.0, 1.0), -1 / 2, 2 / 5),  # (1 − cos θ)²
        ((0.5, 0.0, 0.5), 0.0, 2 / 5),
    ],
)
def test_w_decay_angle_follows_the_helicity_shapes(helicity, mean, mean_square):
    cos_theta = _w_decay_angle(np.random.default_rng(9), 200_000, helicity)
    assert np.all(np.abs(cos_theta) <= 1)
    assert cos_theta.mean() == pytest.approx(mean, abs=0.005)
    assert np.mean(cos_theta**2) == pytest.approx(mean_square, abs=0.005)


@pytest.mark.parametrize("sqrt_s_hat", [170.0, 400.0])
def test_t_channel_angle_follows_the_propagator(sqrt_s_hat):
    # dσ/dcos θ ∝ 1/(κ − cos θ) + 1/(κ + cos θ) for two W of 80 GeV, where
    # κ = (√ŝ·E_W − m_W²)/(√ŝ·k); its CDF in closed form.
    n, w_mass = 200_000, 80.0
    masses = np.full(n, w_mass)
    cos_theta = _t_channel(
        np.random.default_rng(10), np.full(n, sqrt_s_hat), masses, masses
    )
    energy = sqrt_s_hat / 2
    k = np.sqrt(energy**2 - w_mass**2)
    kappa = (sqrt_s_hat * energy - w_mass**2) / (sqrt_s_hat * k)

    def one_sided_cdf(c):
        return np.log((kappa + 1) / (kappa - c)) / np.log((kappa + 1) / (kappa - 1))

    grid = np.linspace(-0.99, 0.99, 23)
    expected = (one_sided_cdf(grid) + 1 - one_sided_cdf(-grid)) / 2
    observed = np.searchsorted(np.sort(cos_theta), grid, side="right") / n
    np.testing.assert_allclose(observed, expected, atol=0.005)
    # Forward peaked: more events near |cos θ| = 1 than near 0.
    assert np.mean(np.abs(cos_theta) > 0.9) > np.mean(np.abs(cos_theta) < 0.1)


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
    with pytest.raises(ValueError, match="signal_w_helicity must sum to 1"):
        SimulationParameters(signal_w_helicity=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="background_w_helicity"):
        SimulationParameters(background_w_helicity=(1.2, 0.0, -0.2))


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
