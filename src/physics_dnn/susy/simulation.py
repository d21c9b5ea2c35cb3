"""A Monte Carlo of SUSY-like dilepton events in the exact UCI SUSY layout.

The workflow's built-in offline data source. It follows the processes of
Baldi, Sadowski and Whiteson (2014), with the physics reduced to what shapes
the 18 columns:

* signal: pp → χ̃⁺χ̃⁻, each chargino χ̃± → W± χ̃⁰₁, W → ℓν;
* background: Standard-Model pp → W⁺W⁻ → ℓνℓν.

Production. The partonic mass √ŝ of the pair falls as a power law above
threshold times the two-body velocity β, with an effective slope for each
process that lumps together parton luminosity and partonic cross-section. The
pair rapidity is Gaussian with a width proportional to the kinematic limit
ln(√s/√ŝ), so the light W⁺W⁻ system reaches further forward than the heavy
chargino pair, as in the real rows. Charginos are produced with the
1 + cos²θ* of an s-channel spin-1 exchange; W⁺W⁻ with the forward peak of the
t-channel neutrino exchange, dσ/dcos θ* ∝ 1/|t|, symmetrised because the
quark comes from either proton.

Initial-state radiation (ISR). A Poisson number of emissions, each with an
exponential pT whose mean is a fixed fraction of √ŝ (a harder hard process
radiates harder), balance the transverse momentum of the pair. This recoil
is what lets m⃗ point away from the dilepton axis, and it is much larger for
the signal, as in the real rows.

Decays. χ̃± → W χ̃⁰₁ is isotropic; W masses follow a truncated Breit–Wigner.
In W → ℓν the charged lepton follows a mixture of the three helicity shapes,
(1 + cos θ)², sin²θ and (1 − cos θ)² about the W flight direction in the rest
frame of the W's parent, with fractions set separately for signal and
background. All boosts are exact.

Detector. The lepton pT is smeared with a relative resolution, and both
leptons must pass the pT and |η| cuts. ISR jets are smeared with a
stochastic resolution σ/pT = a/√pT; those above the jet threshold are the jets
that MET_rel sees (they lower it in about 15% of the real events). The
unclustered energy smears the missing momentum with a Gaussian per
component; the missing momentum is minus the sum of everything measured. The
high-level columns are computed from the detector-level quantities with
:mod:`physics_dnn.susy.features`, and all 18 columns normalised as UCI did, over the
whole sample, so the class composition matters.

Tuning. The defaults of :class:`SimulationParameters` were fitted to the first
1,000 real rows by minimising the two-sample Kolmogorov–Smirnov statistics of
all 18 columns, signal and background apart (:mod:`physics_dnn.susy.compare`), and
the fractions of events where a jet lowers MET_rel. With 30,000 simulated
events the worst of the 36 statistics is about 0.08, close to the 0.07 that
the real rows' own fluctuations give a perfect simulation. The parameters are
effective values of a toy, not measurements: the 36 GeV unclustered
resolution, say, is larger than a real detector's and also stands in for
whatever else the toy leaves out.

Not modelled: spin correlations between the two W bosons (each decays on its
own), the Wigner rotation between the W rest frames reached from the lab and
from the W's parent, parton distribution functions (only the power laws and
the Gaussian rapidity), jet pseudorapidity and jet acceptance (jets live in
the transverse plane; every one above threshold counts), lepton flavour (e and
μ share one resolution, full efficiency), isolation, τ leptons, pile-up and
the underlying event beyond the Gaussian smearing.
"""

import contextlib
import dataclasses
import gzip
import os

import numpy as np

from ..atomic import atomic_path
from .columns import COLUMNS, FEATURES, LOW_LEVEL
from .features import boost, high_level_features, normalise_uci


@dataclasses.dataclass(frozen=True)
class SimulationParameters:
    """Physics and detector parameters of the simulation; energies in GeV.

    The defaults were tuned to the first 1,000 rows of the real UCI file (see
    the module docstring); they are effective values of a toy model.
    """

    # Collider and production.
    sqrt_s: float = 8000.0
    chargino_mass: float = 285.0
    neutralino_mass: float = 155.0
    # dσ/d√ŝ ∝ β·(√ŝ)^−power above threshold: parton luminosities fall steeply.
    # Effective slopes, one per process, as the pairs sit at different √ŝ.
    signal_spectrum_power: float = 4.3
    background_spectrum_power: float = 4.7
    # Standard deviation of the Gaussian rapidity of the produced pair, as a
    # fraction of the kinematic limit ln(√s/√ŝ).
    pair_rapidity_spread: float = 0.36
    # W line shape, truncated to the virtuality range [low, high].
    w_mass: float = 80.4
    w_width: float = 2.1
    w_mass_range: tuple[float, float] = (10.0, 160.0)
    # Fractions (forward, longitudinal, backward) of the three shapes of the
    # charged-lepton angle in W → ℓν: (1 + cos θ)², sin²θ, (1 − cos θ)².
    signal_w_helicity: tuple[float, float, float] = (0.4, 0.35, 0.25)
    background_w_helicity: tuple[float, float, float] = (0.4, 0.4, 0.2)
    # ISR: a Poisson number of emissions (at most max_isr_jets), each with an
    # exponential pT of mean isr_pt_fraction·√ŝ and a uniform azimuth.
    isr_mean_emissions: float = 2.2
    isr_pt_fraction: float = 0.1
    max_isr_jets: int = 4
    # Detector.
    lepton_pt_min: float = 20.0
    lepton_eta_max: float = 2.5
    lepton_pt_resolution: float = 0.035  # relative
    jet_pt_min: float = 30.0  # jets that MET_rel sees
    jet_stochastic_resolution: float = 1.2  # σ/pT = a/√(pT/GeV)
    # Unclustered energy (underlying event, pile-up): Gaussian smearing of the
    # missing momentum, per transverse component.
    recoil_resolution: float = 36.0

    def __post_init__(self):
        low, high = self.w_mass_range
        if not 0 < low < self.w_mass < high:
            raise ValueError("w_mass_range must bracket w_mass and start above 0")
        if not self.chargino_mass - self.neutralino_mass > low:
            raise ValueError(
                "chargino_mass - neutralino_mass must exceed the lowest W mass"
            )
        if not 2 * self.chargino_mass < self.sqrt_s:
            raise ValueError("sqrt_s must exceed twice the chargino mass")
        if not min(self.signal_spectrum_power, self.background_spectrum_power) > 1:
            raise ValueError("the spectrum powers must exceed 1")
        if self.max_isr_jets < 1:
            raise ValueError("max_isr_jets must be at least 1")
        for name in ("signal_w_helicity", "background_w_helicity"):
            fractions = getattr(self, name)
            if len(fractions) != 3 or min(fractions) < 0:
                raise ValueError(f"{name} must be three non-negative fractions")
            if not np.isclose(sum(fractions), 1.0):
                raise ValueError(f"{name} must sum to 1")


def simulate_events(
    n_events: int,
    signal_fraction: float,
    seed: int,
    parameters: SimulationParameters = SimulationParameters(),
) -> np.ndarray:
    """Simulate events in the UCI SUSY layout.

    Returns an (n_events, 19) float64 array: the label (1 signal, 0
    background) in column 0, then the 18 normalised features in
    ``columns.FEATURES`` order. Exactly round(n_events·signal_fraction) events
    are signal; rows are in random order. The same seed gives the same array.
    """
    if isinstance(n_events, bool) or not isinstance(n_events, int | np.integer):
        raise ValueError(f"n_events must be an integer, got {n_events!r}")
    if n_events < 1:
        raise ValueError(f"n_events must be at least 1, got {n_events}")
    if not 0 < signal_fraction < 1:
        raise ValueError(
            f"signal_fraction must be strictly between 0 and 1, got {signal_fraction}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")

    n_signal = round(n_events * signal_fraction)
    signal_rng, background_rng, shuffle_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(3)
    )
    signal = simulate_detector_level(n_signal, True, signal_rng, parameters)
    background = simulate_detector_level(
        n_events - n_signal, False, background_rng, parameters
    )
    events = {key: np.concatenate([signal[key], background[key]]) for key in signal}

    columns = {name: events[name] for name in LOW_LEVEL}
    columns |= high_level_features(
        *(events[name] for name in LOW_LEVEL),
        jet_px=events["jet_px"],
        jet_py=events["jet_py"],
    )
    normalised = normalise_uci(columns)
    labels = np.concatenate([np.ones(n_signal), np.zeros(n_events - n_signal)])
    table = np.column_stack([labels] + [normalised[name] for name in FEATURES])
    return table[shuffle_rng.permutation(n_events)]


def simulate_detector_level(
    n_events: int,
    signal: bool,
    rng: np.random.Generator,
    parameters: SimulationParameters = SimulationParameters(),
) -> dict[str, np.ndarray]:
    """Accepted events of one process in physical units, before normalisation.

    Returns the 8 low-level columns keyed by ``columns.LOW_LEVEL`` names (GeV,
    radians) and the reconstructed ISR jets as ``jet_px``, ``jet_py`` of shape
    (n_events, max_isr_jets), NaN where an event has fewer jets. Events are
    generated in batches; those that fail the phase-space weight or the lepton
    acceptance are dropped, and batches continue until n_events remain.
    """
    batches, generated, accepted = [], 0, 0
    while not batches or accepted < n_events:
        # Size the batch by the efficiency seen so far (guess 1/3 at first),
        # with a margin, so that one batch usually suffices.
        efficiency = accepted / generated if accepted else 1 / 3
        size = int(1.1 * (n_events - accepted) / efficiency) + 64
        batches.append(_generate_batch(size, signal, rng, parameters))
        generated += size
        accepted += len(batches[-1]["lepton_1_pT"])
    return {
        key: np.concatenate([batch[key] for batch in batches])[:n_events]
        for key in batches[0]
    }


def _generate_batch(
    n: int, signal: bool, rng: np.random.Generator, p: SimulationParameters
) -> dict[str, np.ndarray]:
    """Generate n candidate events and return those that pass all selections."""
    w_low, w_high = p.w_mass_range
    if signal:
        parent_masses = (np.full(n, p.chargino_mass), np.full(n, p.chargino_mass))
    else:
        parent_masses = tuple(
            _breit_wigner(rng, n, p.w_mass, p.w_width, w_low, w_high) for _ in "ab"
        )

    # Partonic mass: power law above threshold, weighted by the velocity β.
    threshold = parent_masses[0] + parent_masses[1]
    # Inverse CDF of the power law; 1 − u lies in (0, 1], so √ŝ stays finite.
    power = p.signal_spectrum_power if signal else p.background_spectrum_power
    sqrt_s_hat = threshold * (1.0 - rng.random(n)) ** (-1.0 / (power - 1.0))
    beta = _momentum(sqrt_s_hat, *parent_masses) * 2.0 / sqrt_s_hat
    # A pair of mass √ŝ at rapidity y needs parton momentum fractions
    # x = √ŝ/√s·e^±y ≤ 1.
    rapidity_limit = np.log(p.sqrt_s / sqrt_s_hat)
    rapidity = rng.normal(0.0, p.pair_rapidity_spread * np.maximum(rapidity_limit, 0))
    keep = (rng.random(n) < beta) & (np.abs(rapidity) < rapidity_limit)
    # Drop the rejected pairs before the costly decays.
    parent_masses = tuple(mass[keep] for mass in parent_masses)
    sqrt_s_hat, rapidity, n = sqrt_s_hat[keep], rapidity[keep], int(keep.sum())

    # The ISR emissions balance the transverse momentum of the pair.
    emission_px, emission_py = _isr_emissions(rng, sqrt_s_hat, p)
    isr_pt = np.column_stack([emission_px.sum(axis=1), emission_py.sum(axis=1)])
    pair_mt = np.sqrt(sqrt_s_hat**2 + np.sum(isr_pt**2, axis=-1))
    pair = np.column_stack(
        [pair_mt * np.cosh(rapidity), -isr_pt, pair_mt * np.sinh(rapidity)]
    )
    if signal:
        production = _one_plus_cos2(rng, n)
    else:
        production = _t_channel(rng, sqrt_s_hat, *parent_masses)
    parents = _two_body_decay(pair, sqrt_s_hat, *parent_masses, rng, production)

    helicity = p.signal_w_helicity if signal else p.background_w_helicity
    leptons = []
    for parent, parent_mass in zip(parents, parent_masses, strict=True):
        if signal:
            # χ̃± → W± χ̃⁰₁; the W may be off shell when the mass gap is small.
            w_high_signal = min(w_high, p.chargino_mass - p.neutralino_mass)
            w_mass = _breit_wigner(rng, n, p.w_mass, p.w_width, w_low, w_high_signal)
            w, _ = _two_body_decay(parent, parent_mass, w_mass, p.neutralino_mass, rng)
            emitter = parent
        else:
            w, w_mass, emitter = parent, parent_mass, pair
        # The W helicity is defined about its flight direction in the rest
        # frame of what emitted it: the chargino, or the W⁺W⁻ pair.
        axis = _direction_in_rest_frame(w, emitter)
        cos_theta = _w_decay_angle(rng, n, helicity)
        lepton, _ = _two_body_decay(w, w_mass, 0.0, 0.0, rng, cos_theta, axis)
        leptons.append(lepton)

    jet_px, jet_py = _measure_jets(emission_px, emission_py, rng, p)
    columns, accepted = _detector(leptons, jet_px, jet_py, rng, p)
    # Only jets above the threshold are reconstructed as jets.
    reconstructed = np.hypot(jet_px, jet_py) > p.jet_pt_min
    columns["jet_px"] = np.where(reconstructed, jet_px, np.nan)
    columns["jet_py"] = np.where(reconstructed, jet_py, np.nan)
    return {key: values[accepted] for key, values in columns.items()}


def _isr_emissions(rng, sqrt_s_hat, p):
    """Transverse momenta (px, py), each (n, max_isr_jets), of ISR emissions.

    A Poisson number of emissions, at most ``max_isr_jets``, each with an
    exponential pT whose mean grows with the hard scale √ŝ, and a uniform
    azimuth; absent emissions have zero momentum.
    """
    n = len(sqrt_s_hat)
    n_emissions = np.minimum(rng.poisson(p.isr_mean_emissions, n), p.max_isr_jets)
    emitted = np.arange(p.max_isr_jets) < n_emissions[:, None]
    mean_pt = p.isr_pt_fraction * sqrt_s_hat[:, None]
    pt = np.where(emitted, mean_pt * rng.exponential(size=emitted.shape), 0.0)
    phi = rng.uniform(-np.pi, np.pi, emitted.shape)
    return pt * np.cos(phi), pt * np.sin(phi)


def _measure_jets(px, py, rng, p):
    """Smear the pT of jets (n, k) with a stochastic resolution σ/pT = a/√pT."""
    pt = np.hypot(px, py)
    relative = p.jet_stochastic_resolution / np.sqrt(np.maximum(pt, 1.0))
    scale = np.maximum(1.0 + relative * rng.normal(size=pt.shape), 0.0)
    return px * scale, py * scale


def _detector(leptons, jet_px, jet_py, rng, p):
    """Measured low-level columns of two true leptons, and the acceptance.

    The lepton pT is smeared (directions are taken as exact) and both leptons
    must pass the pT and |η| cuts. The missing momentum is minus everything
    measured: both leptons, the jets and the unclustered energy, whose
    resolution smears it; with exact measurements it is the sum of the
    invisible momenta. Lepton 1 is the one with the higher measured pT.
    """
    n = len(jet_px)
    hadronic = np.column_stack([jet_px.sum(axis=1), jet_py.sum(axis=1)])
    met = -(hadronic + rng.normal(0.0, p.recoil_resolution, (n, 2)))
    accepted = np.ones(n, dtype=bool)
    measured = []
    for lepton in leptons:
        true_pt = np.hypot(lepton[:, 1], lepton[:, 2])
        smear = np.maximum(1.0 + p.lepton_pt_resolution * rng.normal(size=n), 0.0)
        pt, phi = true_pt * smear, np.arctan2(lepton[:, 2], lepton[:, 1])
        eta = np.arcsinh(lepton[:, 3] / true_pt)
        accepted &= (pt > p.lepton_pt_min) & (np.abs(eta) < p.lepton_eta_max)
        met -= np.column_stack([pt * np.cos(phi), pt * np.sin(phi)])
        measured.append((pt, eta, phi))

    swap = measured[1][0] > measured[0][0]
    columns = {}
    for index, quantity in enumerate(("pT", "eta", "phi")):
        a, b = measured[0][index], measured[1][index]
        columns[f"lepton_1_{quantity}"] = np.where(swap, b, a)
        columns[f"lepton_2_{quantity}"] = np.where(swap, a, b)
    columns["missing_energy_magnitude"] = np.hypot(met[:, 0], met[:, 1])
    columns["missing_energy_phi"] = np.arctan2(met[:, 1], met[:, 0])
    return columns, accepted


def _momentum(mass, mass_a, mass_b):
    """Momentum of two daughters of masses a, b in the rest frame of ``mass``."""
    lam = (mass**2 - (mass_a + mass_b) ** 2) * (mass**2 - (mass_a - mass_b) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2.0 * mass)


def _two_body_decay(
    parent, parent_mass, mass_a, mass_b, rng, cos_theta=None, axis=None
):
    """Decay ``parent`` four-vectors (n, 4) into daughters of masses a and b.

    Daughter a leaves at polar angle θ (isotropic unless ``cos_theta`` is
    given) about ``axis`` (n, 3), the z axis by default, with a uniform
    azimuth, in the parent rest frame; the daughters are then boosted into
    the frame of ``parent``.
    """
    n = len(parent)
    if cos_theta is None:
        cos_theta = rng.uniform(-1.0, 1.0, n)
    if axis is None:
        axis = np.broadcast_to([0.0, 0.0, 1.0], (n, 3))
    polar, first, second = _orthonormal_frame(axis)
    phi = rng.uniform(-np.pi, np.pi, n)[:, None]
    sin_theta = np.sqrt(1.0 - cos_theta**2)[:, None]
    direction = cos_theta[:, None] * polar + sin_theta * (
        np.cos(phi) * first + np.sin(phi) * second
    )
    k = _momentum(parent_mass, mass_a, mass_b)
    beta = parent[:, 1:] / parent[:, :1]
    daughters = []
    for mass, sign in ((mass_a, 1.0), (mass_b, -1.0)):
        rest = np.column_stack(
            [np.sqrt(k**2 + np.square(mass)), sign * k[:, None] * direction]
        )
        daughters.append(boost(rest, beta))
    return daughters


def _orthonormal_frame(axis):
    """Unit vectors (polar, first, second), each (n, 3), with polar ∥ ``axis``."""
    polar = axis / np.linalg.norm(axis, axis=1, keepdims=True)
    # Any vector not parallel to the axis gives a perpendicular one.
    helper = np.where(np.abs(polar[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    first = np.cross(polar, helper)
    first /= np.linalg.norm(first, axis=1, keepdims=True)
    return polar, first, np.cross(polar, first)


def _direction_in_rest_frame(particle, frame):
    """Momentum (n, 3) of ``particle`` in the rest frame of ``frame`` (both (n, 4))."""
    return boost(particle, -frame[:, 1:] / frame[:, :1])[:, 1:]


def _breit_wigner(rng, n, mass, width, low, high):
    """Masses from a Breit–Wigner (Cauchy) line shape truncated to [low, high].

    Inverse-CDF sampling restricted to the CDF range of [low, high], so no
    draw is wasted however far the window reaches into the tails.
    """

    def cdf(m):
        return np.arctan((m - mass) / (width / 2.0)) / np.pi + 0.5

    u = rng.uniform(cdf(low), cdf(high), n)
    return mass + width / 2.0 * np.tan(np.pi * (u - 0.5))


def _one_plus_cos2(rng, n):
    """cos θ distributed as 1 + cos²θ, by inverting its CDF (a cubic).

    The CDF (c + c³/3 + 4/3)/(8/3) = u gives c³ + 3c + 4 − 8u = 0, whose one
    real root is Cardano's cbrt(q + √(q² + 1)) + cbrt(q − √(q² + 1)) with
    q = 4u − 2.
    """
    q = 4.0 * rng.random(n) - 2.0
    root = np.sqrt(q**2 + 1.0)
    return np.cbrt(q + root) + np.cbrt(q - root)


def _t_channel(rng, sqrt_s_hat, mass_a, mass_b):
    """Production angle of W⁺W⁻ with a t-channel propagator, dσ/dcos θ ∝ 1/|t|.

    With massless neutrino exchange |t| ∝ κ − cos θ, where κ > 1 depends on
    the masses and √ŝ; the quark comes from either proton, so the
    distribution is symmetrised. Inverse CDF of 1/(κ − c) on [−1, 1].
    """
    s_hat = sqrt_s_hat**2
    k = _momentum(sqrt_s_hat, mass_a, mass_b)
    energy_a = (s_hat + mass_a**2 - mass_b**2) / (2.0 * sqrt_s_hat)
    # t = m_a² − 2(E_a·E_q − k·E_q·cos θ) with E_q = √ŝ/2.
    kappa = np.maximum(
        (energy_a * sqrt_s_hat - mass_a**2) / (k * sqrt_s_hat), 1.0 + 1e-9
    )
    ratio = (kappa - 1.0) / (kappa + 1.0)
    cos_theta = kappa - (kappa + 1.0) * ratio ** rng.random(len(s_hat))
    return np.where(rng.random(len(s_hat)) < 0.5, cos_theta, -cos_theta)


def _w_decay_angle(rng, n, helicity):
    """cos θ of the charged lepton about the W flight direction, W rest frame.

    ``helicity`` holds the fractions (forward, longitudinal, backward):
    (1 + cos θ)², sin²θ and (1 − cos θ)² in turn. By CP symmetry the ℓ⁻ of a
    W⁻ and the ℓ⁺ of a W⁺ follow the same mixture, so charges are not tracked.
    """
    forward, longitudinal, _ = helicity
    u, choice = rng.random(n), rng.random(n)
    transverse = 2.0 * np.cbrt(u) - 1.0
    # Inverse CDF of sin²θ: c³ − 3c + 2 − 4u = 0, trigonometric root.
    sin2 = 2.0 * np.cos((np.arccos(1.0 - 2.0 * u) + 4.0 * np.pi) / 3.0)
    return np.where(
        choice < forward,
        transverse,
        np.where(choice < forward + longitudinal, sin2, -transverse),
    )


def write_uci_csv(path: str | os.PathLike, events: np.ndarray) -> None:
    """Write events in the exact text format of the UCI file.

    Values are rounded to float32, printed as ``%.18e``, comma-separated, one
    event per ``\\n``-terminated line, no header; gzip-compressed when ``path``
    ends in ``.gz``. The file appears only once complete.
    """
    events = np.asarray(events)
    if events.ndim != 2 or events.shape[1] != len(COLUMNS):
        raise ValueError(
            f"events must have shape (n, {len(COLUMNS)}), got {events.shape}"
        )
    row_format = ",".join(["%.18e"] * len(COLUMNS)) + "\n"
    compress = os.fspath(path).endswith(".gz")
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        # No file name or time stamp in the gzip header: same data, same bytes.
        stream = (
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=2, filename="", mtime=0)
            if compress
            else contextlib.nullcontext(raw)
        )
        with stream as out:
            for start in range(0, len(events), _ROWS_PER_CHUNK):
                chunk = events[start : start + _ROWS_PER_CHUNK].astype(np.float32)
                text = (row_format * len(chunk)) % tuple(chunk.ravel().tolist())
                out.write(text.encode("ascii"))


# Rows formatted at once by write_uci_csv: big enough to amortise the Python
# overhead, small enough to keep the text of a chunk to a few megabytes.
_ROWS_PER_CHUNK = 10_000
