"""The high-level columns of the UCI SUSY dataset, computed from the low-level ones.

Baldi, Sadowski and Whiteson (2014) give 10 "high-level" columns that physicists
derived from the 8 "low-level" lepton and missing-energy columns. This module
recomputes them in physical units, vectorised over arrays of events:

* MET_rel, axial MET: the missing transverse momentum m⃗ measured relative to
  the nearest object and to the dilepton axis;
* M_R, M_TR_2, R: the razor variables;
* MT2: the stransverse mass of Lester and Summers;
* S_R, M_Delta_R, dPhi_r_b, cos_theta_r1: the super-razor variables of
  Buckley, Lykken, Rogan and Spiropulu (arXiv:1310.4827).

Leptons are massless, so a lepton four-vector is
p = pT·(cosh η, cos φ, sin φ, sinh η) as (E, px, py, pz); four-vectors are
arrays whose last axis holds (E, px, py, pz). It also holds the UCI
normalisation, both ways: :func:`physical_low_level` undoes it for the 8
low-level columns of the published file and :func:`normalise_uci` applies it
to the columns of a whole simulated data set.
"""

import numpy as np

from .columns import LOW_LEVEL

# How UCI normalised each column: "mean" divides a non-negative quantity by its
# dataset mean, "standardise" subtracts the mean and divides by the standard
# deviation, "raw" leaves the value as it is.
NORMALISATION = {
    "lepton_1_pT": "mean",
    "lepton_1_eta": "standardise",
    "lepton_1_phi": "standardise",
    "lepton_2_pT": "mean",
    "lepton_2_eta": "standardise",
    "lepton_2_phi": "standardise",
    "missing_energy_magnitude": "mean",
    "missing_energy_phi": "standardise",
    "MET_rel": "mean",
    "axial_MET": "standardise",
    "M_R": "mean",
    "M_TR_2": "mean",
    "R": "mean",
    "MT2": "mean",
    "S_R": "mean",
    "M_Delta_R": "mean",
    "dPhi_r_b": "mean",
    "cos_theta_r1": "raw",
}

# (scale, offset) that turn each published low-level column back into a
# physical value, x = scale·column + offset: UCI standardised every column with
# its own mean and standard deviation. Fitted on the first 1,000 real rows by
# minimising Σ(1 − R²) between recomputed and published high-level columns;
# they reach R² > 0.99999 for every column except MET_rel, which also saw jets
# (the rounder factors pT2 × 0.595, MET × 1.12, η × 1.2, φ × π/√3 and no
# offsets reach about 0.9999).
# Momenta come out in units of the dataset mean of the lepton-1 pT. Every
# high-level column is unchanged by a common rotation in φ or a common boost
# along z, so the offsets of the lepton-1 φ and the lepton-2 η are fixed at 0.
UCI_LOW_LEVEL_INVERSE = {
    "lepton_1_pT": (1.0, 0.0),
    "lepton_1_eta": (1.18918, 0.00104),
    "lepton_1_phi": (1.81091, 0.0),
    "lepton_2_pT": (0.59408, 0.0),
    "lepton_2_eta": (1.21387, 0.0),
    "lepton_2_phi": (1.81129, -0.00039),
    "missing_energy_magnitude": (1.11654, 0.0),
    "missing_energy_phi": (1.81186, -0.01225),
}

# Golden-section steps of the MT2 dual search: 0.618**48 < 1e-9 in the
# multiplier, far below the float32 precision of the published columns.
_GOLDEN_SECTION_STEPS = 48


def physical_low_level(features: np.ndarray) -> dict[str, np.ndarray]:
    """Undo the UCI normalisation of the 8 low-level columns.

    ``features`` holds events in rows with the low-level columns first, in
    ``columns.LOW_LEVEL`` order (the 18 features of the file, without the
    label, qualify). Returns the columns keyed by name: momenta in units of
    the dataset mean of the lepton-1 pT, angles in radians.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] < len(LOW_LEVEL):
        raise ValueError(
            f"features must be a 2-D array with at least {len(LOW_LEVEL)} "
            f"columns, got shape {features.shape}"
        )
    physical = {}
    for index, name in enumerate(LOW_LEVEL):
        scale, offset = UCI_LOW_LEVEL_INVERSE[name]
        physical[name] = scale * features[:, index] + offset
    return physical


def normalise_uci(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Normalise whole-dataset columns the way UCI did (see ``NORMALISATION``).

    ``columns`` maps feature names to physical values of every event. A column
    whose mean (or standard deviation) is 0 is left unscaled rather than
    turned into NaN, which only happens for degenerate, tiny samples.
    """
    unknown = sorted(set(columns) - set(NORMALISATION))
    if unknown:
        raise ValueError(f"columns without a known normalisation: {unknown}")
    normalised = {}
    for name, values in columns.items():
        values = np.asarray(values, dtype=np.float64)
        kind = NORMALISATION[name]
        if kind == "mean":
            normalised[name] = values / _nonzero(values.mean())
        elif kind == "standardise":
            normalised[name] = (values - values.mean()) / _nonzero(values.std())
        else:
            normalised[name] = values.copy()
    return normalised


def _nonzero(scale: float) -> float:
    return scale if scale > 0 else 1.0


def four_momentum(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Massless four-vectors pT·(cosh η, cos φ, sin φ, sinh η), shape (..., 4)."""
    return np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)],
        axis=-1,
    )


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-vectors ``p`` by the velocity ``beta`` (shape (..., 3)).

    Same convention as ROOT's ``TLorentzVector::Boost(β)``: a particle at rest
    ends up moving with velocity β, so boosting by −β brings a system that
    moves with β to rest.
    """
    energy, momentum = p[..., 0], p[..., 1:]
    beta2 = np.sum(beta * beta, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - beta2)
    beta_dot_p = np.sum(beta * momentum, axis=-1)
    # (γ − 1)/β² = γ²/(1 + γ); the right-hand side has no 0/0 at β = 0.
    gamma_term = gamma * gamma / (1.0 + gamma)
    boosted_momentum = (
        momentum + ((gamma_term * beta_dot_p + gamma * energy)[..., None]) * beta
    )
    boosted_energy = gamma * (energy + beta_dot_p)
    return np.concatenate([boosted_energy[..., None], boosted_momentum], axis=-1)


def delta_phi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned azimuthal angle in [0, π] between transverse vectors (..., 2)."""
    return np.abs(np.arctan2(_cross(a, b), np.sum(a * b, axis=-1)))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z component of the cross product of transverse vectors."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(v * v, axis=-1))


def met_rel(met: np.ndarray, object_phis: np.ndarray) -> np.ndarray:
    """Relative missing energy: |m⃗| if Δφ_min ≥ π/2, else |m⃗|·sin Δφ_min.

    ``met`` has shape (n, 2); ``object_phis`` (n, k) holds the azimuths of the
    leptons and jets, NaN for an absent jet. Δφ_min is the smallest angle
    between m⃗ and any present object.
    """
    met_phi = np.arctan2(met[:, 1], met[:, 0])
    # Wrap the differences into [−π, π) before taking their size.
    angles = np.abs((object_phis - met_phi[:, None] + np.pi) % (2 * np.pi) - np.pi)
    closest = np.nanmin(angles, axis=1)
    return _norm(met) * np.where(closest >= np.pi / 2, 1.0, np.sin(closest))


def razor_mass(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """M_R = √[(E1 + E2)² − (pz1 + pz2)²]."""
    pair = p1 + p2
    return np.sqrt(pair[..., 0] ** 2 - pair[..., 3] ** 2)


def transverse_razor_mass(
    p1: np.ndarray, p2: np.ndarray, met: np.ndarray
) -> np.ndarray:
    """M_TR_2 = √{[|m⃗|(pT1 + pT2) − m⃗·(p⃗T1 + p⃗T2)] / 2} (the square root)."""
    pt1, pt2 = p1[..., 1:3], p2[..., 1:3]
    scalar = _norm(met) * (_norm(pt1) + _norm(pt2))
    vector = np.sum(met * (pt1 + pt2), axis=-1)
    # The bracket is ≥ 0 by Cauchy–Schwarz; clip rounding below zero.
    return np.sqrt(np.maximum(scalar - vector, 0.0) / 2.0)


def mt2(vis1: np.ndarray, vis2: np.ndarray, met: np.ndarray) -> np.ndarray:
    """Stransverse mass for massless visible and invisible particles.

    MT2² = min over q⃗1 + q⃗2 = m⃗ of max[mT²(p⃗1, q⃗1), mT²(p⃗2, q⃗2)] with
    mT²(p⃗, q⃗) = 2(|p⃗||q⃗| − p⃗·q⃗). All arguments are transverse vectors of
    shape (n, 2).

    mT²(p⃗, ·) = 2σ_D is twice the support function of the disc D of radius
    |p⃗| centred on −p⃗, and both sides are convex. By the minimax theorem
    MT2² = max over λ ∈ [0, 1] of g(λ), where g(λ) = min over q⃗1 of
    λ·mT²(p⃗1, q⃗1) + (1 − λ)·mT²(p⃗2, m⃗ − q⃗1) is the support function, in
    direction m⃗, of the lens 2λD1 ∩ 2(1 − λ)D2. g is concave, so a
    golden-section search over λ finds its maximum for all events at once.
    MT2 is 0 exactly when m⃗ lies between the two visible directions; those
    events are set to 0 outright.
    """
    lens_support = _mt2_dual(vis1, vis2, met)
    mt2_squared = _maximise_concave(lens_support, len(met))
    # m⃗ = a·p⃗1 + b·p⃗2 with a, b ≥ 0: each invisible particle can be parallel
    # to its lepton, so both transverse masses vanish.
    orientation = _cross(vis1, vis2)
    between = (_norm(met) == 0) | (
        (orientation != 0)
        & (_cross(met, vis2) * orientation >= 0)
        & (_cross(vis1, met) * orientation >= 0)
    )
    return np.where(between, 0.0, np.sqrt(mt2_squared))


def _mt2_dual(vis1: np.ndarray, vis2: np.ndarray, met: np.ndarray):
    """Return g(λ) of :func:`mt2`, the dual function, for arrays of λ.

    The largest value of m⃗·x over the lens 2λD1 ∩ 2(1 − λ)D2 is reached at the
    support point of one disc, if that point lies inside the other disc, or
    at a corner of the lens: the origin or the circles' second intersection.
    """
    met_norm = _norm(met)
    met_unit = met / np.where(met_norm > 0, met_norm, 1.0)[:, None]
    # The support point of disc 2λD_i in direction m⃗ is 2λ·u⃗_i.
    u1 = _norm(vis1)[:, None] * met_unit - vis1
    u2 = _norm(vis2)[:, None] * met_unit - vis2
    mt2_1 = 2.0 * np.sum(met * u1, axis=-1)  # mT²(p⃗1, m⃗)
    mt2_2 = 2.0 * np.sum(met * u2, axis=-1)
    u1_sq, u2_sq = np.sum(u1 * u1, axis=-1), np.sum(u2 * u2, axis=-1)
    u1_dot_p2, u2_dot_p1 = np.sum(u1 * vis2, axis=-1), np.sum(u2 * vis1, axis=-1)
    p1_cross_p2 = _cross(vis1, vis2)
    p1_cross_m, p2_cross_m = _cross(vis1, met), _cross(vis2, met)

    def lens_support(lam: np.ndarray) -> np.ndarray:
        mu = 1.0 - lam
        # |x|² ≤ 2x·c is "x in the disc of centre c through the origin".
        disc_1 = np.where(lam * u1_sq <= -2.0 * mu * u1_dot_p2, lam * mt2_1, 0.0)
        disc_2 = np.where(mu * u2_sq <= -2.0 * lam * u2_dot_p1, mu * mt2_2, 0.0)
        # The second intersection is perpendicular to w⃗ = (1 − λ)p⃗2 − λp⃗1.
        w = mu[:, None] * vis2 - lam[:, None] * vis1
        w_sq = np.sum(w * w, axis=-1)
        corner = np.divide(
            4.0 * lam * mu * p1_cross_p2 * (mu * p2_cross_m - lam * p1_cross_m),
            w_sq,
            out=np.zeros_like(w_sq),
            where=w_sq > 0,
        )
        return np.maximum(np.maximum(disc_1, disc_2), np.maximum(corner, 0.0))

    return lens_support


def _maximise_concave(function, n: int) -> np.ndarray:
    """Maximum over [0, 1] of a concave ``function`` of n-event arrays.

    Golden-section search, vectorised: every event keeps its own bracket
    [low, high] with probes left < right, and each step spends one new call.
    """
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    low, high = np.zeros(n), np.ones(n)
    left, right = np.full(n, 1.0 - ratio), np.full(n, ratio)
    f_left, f_right = function(left), function(right)
    for _ in range(_GOLDEN_SECTION_STEPS):
        # A concave function has no maximum beyond the lower of two probes.
        up = f_left < f_right
        low = np.where(up, left, low)
        high = np.where(up, high, right)
        left, right = (
            np.where(up, right, high - ratio * (high - low)),
            np.where(up, low + ratio * (high - low), left),
        )
        f_new = function(np.where(up, right, left))
        f_left, f_right = np.where(up, f_right, f_new), np.where(up, f_new, f_left)
    return np.maximum(f_left, f_right)


def super_razor(
    p1: np.ndarray, p2: np.ndarray, met: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Super-razor variables (Buckley et al., arXiv:1310.4827) of two leptons.

    ``p1``, ``p2`` are lepton four-vectors (n, 4), ``met`` is m⃗ (n, 2).
    Returns (S_R, M_Delta_R, dPhi_r_b, cos_theta_r1) where cos_theta_r1 is
    |cos θ_R+1|, following the five steps of the construction.
    """
    # 1. Longitudinal boost to the frame where the dilepton has pz = 0.
    pair = p1 + p2
    beta_z = np.zeros(p1.shape[:-1] + (3,))
    beta_z[..., 2] = pair[..., 3] / pair[..., 0]
    p1, p2 = boost(p1, -beta_z), boost(p2, -beta_z)
    pair = p1 + p2
    # 2. The transverse momentum of the whole system and the mass scale ŝ_R.
    pt_cm = pair[..., 1:3] + met
    e_ll = pair[..., 0]
    pll_dot_ptcm = np.sum(pair[..., 1:3] * pt_cm, axis=-1)
    ptcm_sq = np.sum(pt_cm * pt_cm, axis=-1)
    s_hat = 2.0 * (
        e_ll**2 - pll_dot_ptcm + e_ll * np.sqrt(e_ll**2 + ptcm_sq - 2.0 * pll_dot_ptcm)
    )
    # 3. Transverse boost to the R frame, the rest frame of the pair of parents.
    beta_t = np.zeros_like(beta_z)
    beta_t[..., :2] = pt_cm / np.sqrt(ptcm_sq + s_hat)[..., None]
    p1, p2, pair = boost(p1, -beta_t), boost(p2, -beta_t), boost(pair, -beta_t)
    dphi_r_b = delta_phi(pair[..., 1:3], beta_t[..., :2])
    # 4. Opposite boosts from the R frame to each parent's rest frame (ℓ1 by
    # −β⃗_R, ℓ2 by +β⃗_R); only lepton 1 enters the columns.
    beta_r = (p1[..., 1:] - p2[..., 1:]) / (p1[..., 0] + p2[..., 0])[..., None]
    p1 = boost(p1, -beta_r)
    # 5. Lepton 1 in the rest frame of its parent: energy and decay angle.
    m_delta_r = 2.0 * p1[..., 0]
    cos_theta = np.sum(p1[..., 1:] * beta_r, axis=-1) / (
        _norm(p1[..., 1:]) * _norm(beta_r)
    )
    return np.sqrt(s_hat), m_delta_r, dphi_r_b, np.abs(cos_theta)


def high_level_features(
    lep1_pt: np.ndarray,
    lep1_eta: np.ndarray,
    lep1_phi: np.ndarray,
    lep2_pt: np.ndarray,
    lep2_eta: np.ndarray,
    lep2_phi: np.ndarray,
    met: np.ndarray,
    met_phi: np.ndarray,
    jet_px: np.ndarray | None = None,
    jet_py: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The 10 high-level columns, in physical units, before normalisation.

    Arguments are 1-D arrays over events; momenta in any one unit (GeV, or the
    units of :func:`physical_low_level`). ``jet_px`` and ``jet_py`` (n, k),
    NaN where an event has fewer than k jets, let MET_rel see the jets too;
    without them it is computed from the leptons alone. Returns the columns
    keyed by the names of ``columns.HIGH_LEVEL``; axial MET is not yet
    standardised.
    """
    p1 = four_momentum(*np.broadcast_arrays(lep1_pt, lep1_eta, lep1_phi))
    p2 = four_momentum(*np.broadcast_arrays(lep2_pt, lep2_eta, lep2_phi))
    met = np.asarray(met, dtype=np.float64)
    met_vector = np.stack([met * np.cos(met_phi), met * np.sin(met_phi)], axis=-1)
    object_phis = [np.asarray(lep1_phi)[:, None], np.asarray(lep2_phi)[:, None]]
    if (jet_px is None) != (jet_py is None):
        raise ValueError("jet_px and jet_py must be given together")
    if jet_px is not None:
        object_phis.append(np.arctan2(jet_py, jet_px))

    dilepton_pt = p1[:, 1:3] + p2[:, 1:3]
    m_r = razor_mass(p1, p2)
    m_tr = transverse_razor_mass(p1, p2, met_vector)
    s_r, m_delta_r, dphi_r_b, cos_theta_r1 = super_razor(p1, p2, met_vector)
    return {
        "MET_rel": met_rel(met_vector, np.concatenate(object_phis, axis=1)),
        # |m⃗|·cos Δφ(p⃗T1 + p⃗T2, m⃗): the projection of m⃗ on the dilepton axis.
        "axial_MET": np.sum(met_vector * dilepton_pt, axis=-1) / _norm(dilepton_pt),
        "M_R": m_r,
        "M_TR_2": m_tr,
        "R": m_tr / m_r,
        "MT2": mt2(p1[:, 1:3], p2[:, 1:3], met_vector),
        "S_R": s_r,
        "M_Delta_R": m_delta_r,
        "dPhi_r_b": dphi_r_b,
        "cos_theta_r1": cos_theta_r1,
    }
