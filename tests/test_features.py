"""Tests of the high-level column formulas against hand-made and real events."""

from pathlib import Path

import numpy as np
import pytest

from physics_dnn.susy.columns import FEATURES, HIGH_LEVEL, LOW_LEVEL
from physics_dnn.susy.features import (
    NORMALISATION,
    boost,
    high_level_features,
    mt2,
    normalise_uci,
    physical_low_level,
)

REAL_ROWS = Path(__file__).resolve().parents[2] / "shared/data/SUSY_1K.csv"


@pytest.fixture(scope="module")
def real_rows():
    """Published features of the first real rows and the recomputed columns."""
    if not REAL_ROWS.exists():
        pytest.skip(f"real SUSY rows not available at {REAL_ROWS}")
    published = np.loadtxt(REAL_ROWS, delimiter=",")[:, 1:]
    low_level = physical_low_level(published)
    recomputed = high_level_features(*(low_level[name] for name in LOW_LEVEL))
    return published, recomputed


def published_column(published, name):
    return published[:, FEATURES.index(name)]


@pytest.mark.parametrize(
    "name",
    ["M_R", "M_TR_2", "R", "S_R", "MT2", "M_Delta_R", "axial_MET", "dPhi_r_b"],
)
def test_recomputed_column_matches_published(real_rows, name):
    # The published columns are normalised by unknown dataset constants, so
    # compare by correlation; it must also be positive.
    published, recomputed = real_rows
    r = np.corrcoef(published_column(published, name), recomputed[name])[0, 1]
    assert r > 0
    assert r**2 >= 0.99999


def test_cos_theta_r1_matches_published_unscaled(real_rows):
    published, recomputed = real_rows
    difference = recomputed["cos_theta_r1"] - published_column(
        published, "cos_theta_r1"
    )
    assert np.median(np.abs(difference)) <= 1e-4


def test_mt2_is_zero_in_exactly_the_published_rows(real_rows):
    published, recomputed = real_rows
    published_zero = published_column(published, "MT2") == 0
    assert published_zero.any()
    np.testing.assert_array_equal(recomputed["MT2"] == 0, published_zero)


def test_lepton_only_met_rel_bounds_the_published_one(real_rows):
    # The published MET_rel also saw jets, which can only lower it. Relative to
    # the lepton-only value it is therefore one common factor (the unknown
    # normalisation) in events where no jet is nearest to m⃗, and below that
    # factor elsewhere; never above it, up to the reconstruction's precision.
    published, recomputed = real_rows
    ratio = published_column(published, "MET_rel") / recomputed["MET_rel"]
    factor = np.median(ratio)
    assert np.mean(np.abs(ratio / factor - 1) < 1e-3) > 0.6
    assert np.mean(ratio / factor < 0.99) > 0.05
    assert np.all(ratio / factor < 1.01)


def test_normalisation_table_covers_every_feature():
    assert set(NORMALISATION) == set(FEATURES)


def test_physical_low_level_rejects_too_few_columns():
    with pytest.raises(ValueError, match="at least 8 columns"):
        physical_low_level(np.zeros((3, 7)))


def test_normalise_uci_follows_the_table():
    rng = np.random.default_rng(0)
    columns = {
        "MT2": rng.exponential(50.0, 1000),
        "lepton_1_eta": rng.normal(0.3, 1.4, 1000),
        "cos_theta_r1": rng.random(1000),
    }
    normalised = normalise_uci(columns)
    assert normalised["MT2"].mean() == pytest.approx(1.0)
    assert normalised["lepton_1_eta"].mean() == pytest.approx(0.0, abs=1e-12)
    assert normalised["lepton_1_eta"].std() == pytest.approx(1.0)
    np.testing.assert_array_equal(normalised["cos_theta_r1"], columns["cos_theta_r1"])


def test_normalise_uci_rejects_unknown_columns():
    with pytest.raises(ValueError, match="jet_pt"):
        normalise_uci({"jet_pt": np.ones(3)})


def test_boost_moves_a_particle_at_rest_and_back():
    mass, beta = 91.0, np.array([[0.3, -0.2, 0.6]])
    at_rest = np.array([[mass, 0.0, 0.0, 0.0]])
    moving = boost(at_rest, beta)
    gamma = 1 / np.sqrt(1 - np.sum(beta**2))
    np.testing.assert_allclose(moving[0], gamma * mass * np.r_[1.0, beta[0]])
    np.testing.assert_allclose(boost(moving, -beta), at_rest, atol=1e-12)


def event(lep1, lep2, met, met_phi, **jets):
    """High-level columns of one event from (pT, eta, phi) of each lepton."""
    values = [np.atleast_1d(float(v)) for v in (*lep1, *lep2, met, met_phi)]
    return {
        name: column[0] for name, column in high_level_features(*values, **jets).items()
    }


def test_razor_masses_of_a_hand_made_event():
    # Leptons back to back in φ at η = ±0.5: the pz cancel, M_R = E1 + E2. m⃗
    # is perpendicular to both, so each term of M_TR_2 is |m⃗|·pT.
    columns = event((40, 0.5, 0), (40, -0.5, np.pi), 30, np.pi / 2)
    assert columns["M_R"] == pytest.approx(80 * np.cosh(0.5))
    assert columns["M_TR_2"] == pytest.approx(np.sqrt(30 * 80 / 2))
    assert columns["R"] == pytest.approx(columns["M_TR_2"] / columns["M_R"])


def test_met_relative_to_the_nearest_object():
    leptons = (50, 0.0, 0.0), (30, 1.0, np.pi)
    # m⃗ at 30° from lepton 1: MET_rel = |m⃗| sin 30°.
    assert event(*leptons, 40, np.pi / 6)["MET_rel"] == pytest.approx(20.0)
    # At 90° from both leptons it is |m⃗|; a jet at 60° from m⃗ lowers it.
    assert event(*leptons, 40, np.pi / 2)["MET_rel"] == pytest.approx(40.0)
    jet = {
        "jet_px": np.array([[np.cos(np.pi / 6), np.nan]]),
        "jet_py": np.array([[np.sin(np.pi / 6), np.nan]]),
    }
    with_jet = event(*leptons, 40, np.pi / 2, **jet)["MET_rel"]
    assert with_jet == pytest.approx(40 * np.sin(np.pi / 3))


def test_axial_met_is_the_projection_on_the_dilepton_axis():
    leptons = (50, 0.0, 0.2), (50, 1.0, -0.2)  # dilepton along +x
    assert event(*leptons, 40, 0.0)["axial_MET"] == pytest.approx(40.0)
    assert event(*leptons, 40, np.pi)["axial_MET"] == pytest.approx(-40.0)
    assert event(*leptons, 40, np.pi / 2)["axial_MET"] == pytest.approx(0.0, abs=1e-12)


def test_mt2_vanishes_when_met_points_between_the_leptons():
    leptons = (50, 0.0, 0.0), (30, 1.0, np.pi / 2)
    assert event(*leptons, 40, np.pi / 4)["MT2"] == 0.0
    assert event(*leptons, 40, -np.pi / 4)["MT2"] > 0.0


def test_mt2_equals_mct_without_upstream_momentum():
    # With m⃗ = −(p⃗1 + p⃗2) the massless MT2 is the contransverse mass,
    # MCT² = 2(|p⃗1||p⃗2| + p⃗1·p⃗2) (Lester, arXiv:1103.5682).
    rng = np.random.default_rng(1)
    vis1, vis2 = rng.normal(0, 40, (50, 2)), rng.normal(0, 40, (50, 2))
    mct = np.sqrt(
        2 * (np.linalg.norm(vis1, axis=1) * np.linalg.norm(vis2, axis=1))
        + 2 * np.sum(vis1 * vis2, axis=1)
    )
    np.testing.assert_allclose(mt2(vis1, vis2, -(vis1 + vis2)), mct, rtol=1e-9)


def brute_force_mt2_squared(vis1, vis2, met):
    """MT2² by direct minimisation over the split q⃗1 + q⃗2 = m⃗, one event.

    max(mT1², mT2²) is convex in q⃗1: along each ray q⃗1 = r·ê(θ) minimise it by
    ternary search, then zoom in on the best direction θ.
    """

    def mt_squared(p, q):
        return 2 * (np.linalg.norm(p) * np.linalg.norm(q, axis=-1) - q @ p)

    # The optimum can lie far out when the leptons are nearly back to back.
    reach = 1e4 * (np.linalg.norm(vis1) + np.linalg.norm(vis2) + np.linalg.norm(met))

    def best_along_rays(theta):
        direction = np.stack([np.cos(theta), np.sin(theta)], axis=-1)

        def objective(r):
            q1 = r[:, None] * direction
            return np.maximum(mt_squared(vis1, q1), mt_squared(vis2, met - q1))

        low, high = np.zeros(len(theta)), np.full(len(theta), reach)
        for _ in range(100):
            a, b = low + (high - low) / 3, high - (high - low) / 3
            go_low = objective(a) < objective(b)
            high, low = np.where(go_low, b, high), np.where(go_low, low, a)
        return objective((low + high) / 2)

    theta = np.linspace(-np.pi, np.pi, 721)
    for _ in range(25):
        values = best_along_rays(theta)
        best, step = theta[np.argmin(values)], theta[1] - theta[0]
        theta = np.linspace(best - step, best + step, 21)
    return values.min()


def test_mt2_agrees_with_brute_force_minimisation():
    rng = np.random.default_rng(2)
    vis1, vis2, met = (rng.normal(0, scale, (12, 2)) for scale in (50, 30, 40))
    # Add nearly back-to-back leptons, where the optimum lies far out.
    vis1[0], vis2[0], met[0] = (-28.7, -58.7), (15.5, 30.6), (-72.4, -49.8)
    expected = [
        brute_force_mt2_squared(*args) for args in zip(vis1, vis2, met, strict=True)
    ]
    # Compare squares: at MT2 = 0 the square root magnifies rounding.
    np.testing.assert_allclose(
        mt2(vis1, vis2, met) ** 2, expected, rtol=1e-9, atol=1e-6
    )


def test_high_level_columns_are_invariant_under_rotation_and_longitudinal_boost():
    rng = np.random.default_rng(3)
    n = 200
    args = [
        rng.uniform(20, 200, n),
        rng.normal(0, 1, n),
        rng.uniform(-np.pi, np.pi, n),
        rng.uniform(20, 200, n),
        rng.normal(0, 1, n),
        rng.uniform(-np.pi, np.pi, n),
        rng.uniform(0, 200, n),
        rng.uniform(-np.pi, np.pi, n),
    ]
    shifted = list(args)
    for index in (1, 4):  # a common shift in η is a boost along z
        shifted[index] = args[index] + 0.7
    for index in (2, 5, 7):  # a common shift in φ is a rotation
        shifted[index] = args[index] + 1.1
    original, transformed = high_level_features(*args), high_level_features(*shifted)
    assert tuple(original) == HIGH_LEVEL
    for name in HIGH_LEVEL:
        np.testing.assert_allclose(
            transformed[name], original[name], rtol=1e-7, atol=1e-9, err_msg=name
        )
