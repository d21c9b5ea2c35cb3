"""Monte Carlo configurations of the 2D Ising model: the lecture's NB12 data.

Mehta et al. (arXiv:1803.08823, notebook NB12) classify snapshots of the
ferromagnetic Ising model, H = −J Σ⟨ij⟩ sᵢsⱼ with J = 1, on a 40 × 40 periodic
lattice at T = 0.25, 0.5, …, 4.0 (k_B = 1) as ordered or disordered. This
module generates such snapshots and checks them against the exact solution.

Algorithm. Swendsen–Wang (1987) cluster updates, which do not slow down near
T_c = 2/ln(1 + √2) ≈ 2.269 as single-spin flips do (there, their
autocorrelation time grows as L^2.17, Swendsen–Wang's as L^0.25 or slower;
at L = 40 the energy's is about 4 updates at T_c, 1.5–2 away from it). At low
T they also flip the whole lattice, so both signs of the order appear. The
vectorised checkerboard Metropolis sweep, measured at L = 40, was only 1.4
times cheaper than a Swendsen–Wang update, so it would not pay even far from
T_c. One update of
a chain: every bond between equal neighbours is activated with probability
1 − exp(−2J/T); the clusters of sites joined by active bonds are found; each
cluster is flipped with probability 1/2. One *sweep* below means one such
update of one chain (it touches all L² spins).

Vectorisation. All chains of one temperature are updated together: numpy
draws the bonds of all of them at once, and one call of
``scipy.sparse.csgraph.connected_components`` labels the clusters of all of
them, the lattices being disjoint parts of one graph whose edges include the
periodic wrap-around bonds. At L = 40 with 100 chains this does 12,000–17,000
sweeps per second on one core, 2.5–3.6 times a per-chain loop of the same
code (``benchmarks/ising_benchmark.py`` measures both); the rate no longer
grows beyond about 100 chains. NB12's full set (16 × 10,000 configurations,
equilibration 50, decorrelation 5, 100 chains) takes about 65 s.

Randomness. Each temperature has its own stream, from a SeedSequence keyed by
the seed and the temperature itself, so one temperature's configurations do
not depend on which other temperatures are generated, nor in which order.
Every random number is drawn in fixed-size blocks (two uniforms per site for
the bonds, one bit per site for the flips), so the stream never depends on
how scipy happens to number the clusters.

Parquet layout (``write_configurations``): one row per configuration, the
spins as int8 columns ``s0000`` … in row-major order (site i·L + j),
``temperature`` (float32), ``label`` (int8: 1 ordered, T < T_c; 0
disordered: NB12's labels, given near T_c too) and ``critical`` (bool: NB12's
near-critical test set, ordered_below ≤ T ≤ disordered_above, which NB12
keeps out of training).
"""

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components
from scipy.special import ellipk

from ..atomic import atomic_path
from ..errors import ConfigError, InputError
from ..labels import LABEL
from .lattice import CRITICAL, SPIN_PREFIX, TEMPERATURE, is_spin_column, spin_columns

CRITICAL_TEMPERATURE = 2.0 / math.log1p(math.sqrt(2.0))
# NB12's temperatures: 0.25 to 4.0 in steps of 0.25 (exact in binary).
NB12_TEMPERATURES = tuple(0.25 * step for step in range(1, 17))
NB12_LATTICE_SIZE = 40
# NB12's near-critical band, kept out of training and tested on apart.
ORDERED_BELOW = 2.0
DISORDERED_ABOVE = 2.5


class Configurations(NamedTuple):
    """Configurations as read back from Parquet; one entry per row."""

    spins: np.ndarray  # (n, L·L) int8, ±1, site i·L + j
    temperatures: np.ndarray  # (n,) float64
    labels: np.ndarray  # (n,) int8: 1 ordered (T < T_c), 0 disordered
    critical: np.ndarray  # (n,) bool: in the near-critical band


class Phases(NamedTuple):
    labels: np.ndarray  # int8: 1 ordered (T < T_c), 0 disordered
    critical: np.ndarray  # bool: ordered_below ≤ T ≤ disordered_above


def generate_configurations(
    lattice_size: int,
    temperatures: Sequence[float],
    per_temperature: int,
    equilibration: int,
    decorrelation: int,
    seed: int,
    chains: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Equilibrium configurations of the L × L periodic Ising model, J = 1.

    Each temperature runs ``chains`` independent Markov chains, updated
    together, from random (infinite-temperature) spins: ``equilibration``
    Swendsen–Wang updates are discarded, then every chain yields a
    configuration, then another after each further ``decorrelation``
    updates, until ``per_temperature`` are kept (the last round takes only
    the first chains it needs). More chains cost more equilibration; the
    number changes which configurations come out, not their statistics.

    Returns the spins, (n, L·L) int8 ±1 with sites in row-major order, and
    the temperature of each row, (n,) float64; rows are grouped by
    temperature in the given order. The same arguments give the same arrays.
    Arguments are checked as the config keys ``ising.<argument>``.
    """
    lattice_size = _check_integer("lattice_size", lattice_size, 2)
    temperatures = _check_temperatures(temperatures)
    per_temperature = _check_integer("per_temperature", per_temperature, 1)
    equilibration = _check_integer("equilibration", equilibration, 0)
    decorrelation = _check_integer("decorrelation", decorrelation, 1)
    seed = _check_integer("seed", seed, 0)
    chains = _check_integer("chains", chains, 1)

    spins = np.empty((len(temperatures) * per_temperature, lattice_size**2), np.int8)
    for index, temperature in enumerate(temperatures):
        rng = np.random.default_rng(_temperature_seed(seed, temperature))
        lattices = rng.choice(
            np.array([-1, 1], np.int8), (chains, lattice_size, lattice_size)
        )
        for _ in range(equilibration):
            swendsen_wang_update(lattices, temperature, rng)
        kept = spins[index * per_temperature : (index + 1) * per_temperature]
        for first in range(0, per_temperature, chains):
            if first:
                for _ in range(decorrelation):
                    swendsen_wang_update(lattices, temperature, rng)
            batch = kept[first : first + chains]
            batch[:] = lattices[: len(batch)].reshape(len(batch), -1)
    return spins, np.repeat(np.asarray(temperatures, float), per_temperature)


def swendsen_wang_update(
    lattices: np.ndarray, temperature: float, rng: np.random.Generator
) -> None:
    """One Swendsen–Wang update of each of a batch of chains, in place.

    ``lattices``: (chains, L, L) int8 spins ±1 with periodic boundaries, all
    at ``temperature`` (J = 1).
    """
    chains, size, _ = lattices.shape
    sites = lattices.size
    bond_probability = -math.expm1(-2.0 / temperature)
    # Bond slots 2·site and 2·site + 1: to the right and to the lower neighbour.
    equal = np.stack(
        [lattices == np.roll(lattices, -1, 2), lattices == np.roll(lattices, -1, 1)],
        axis=-1,
    )
    bonds = equal & (rng.random(equal.shape) < bond_probability)
    # flatnonzero lists the slots in order, so the edges come sorted by their
    # first site: the compressed-row arrays of the bond graph, built directly.
    active = np.flatnonzero(bonds)
    bonds_per_site = bonds.reshape(sites, 2).view(np.uint8)
    row_starts = np.zeros(sites + 1, np.int32)
    np.cumsum(bonds_per_site[:, 0] + bonds_per_site[:, 1], out=row_starts[1:])
    graph = csr_array(
        (np.ones(len(active)), _bond_partners(chains, size)[active], row_starts),
        shape=(sites, sites),
    )
    n_clusters, clusters = connected_components(graph, directed=False)
    # A cluster flips when the parity of its sites' random bits is odd: a fair
    # coin per cluster, independent between the disjoint clusters, drawn
    # without depending on how the clusters are numbered.
    bits = np.unpackbits(np.frombuffer(rng.bytes(-(-sites // 8)), np.uint8))
    ones = np.bincount(clusters, weights=bits[:sites], minlength=n_clusters)
    sign = (1 - 2 * (ones % 2)).astype(np.int8)
    lattices *= sign[clusters].reshape(lattices.shape)


@functools.lru_cache(maxsize=4)
def _bond_partners(chains: int, size: int) -> np.ndarray:
    """For bond slot 2·site + d, the partner site: right (d = 0) or below (d = 1)."""
    site = np.arange(chains * size * size, dtype=np.int32).reshape(chains, size, size)
    partners = np.stack([np.roll(site, -1, 2), np.roll(site, -1, 1)], axis=-1).ravel()
    partners.flags.writeable = False
    return partners


def _temperature_seed(seed: int, temperature: float) -> np.random.SeedSequence:
    """The stream of one temperature: the seed's child keyed by T's float64 bits.

    Like ``SeedSequence(seed).spawn``, whose children are keyed by their
    index, but keyed by the temperature, so that it does not depend on the
    list it comes in.
    """
    key = int(np.float64(temperature).view(np.uint64))
    return np.random.SeedSequence(seed, spawn_key=(key,))


def magnetisation_per_spin(spins: np.ndarray) -> np.ndarray:
    """Signed magnetisation per spin of each configuration, (n, L·L) → (n,)."""
    return np.asarray(spins, np.float64).mean(axis=-1)


def energy_per_spin(spins: np.ndarray) -> np.ndarray:
    """Energy per spin, J = 1, nearest neighbours, periodic: (n, L·L) → (n,)."""
    lattices = _as_lattices(spins).astype(np.int32)
    bonds = lattices * (np.roll(lattices, -1, -1) + np.roll(lattices, -1, -2))
    return -bonds.sum(axis=(-2, -1)) / lattices[0].size


def _as_lattices(spins: np.ndarray) -> np.ndarray:
    spins = np.asarray(spins)
    size = math.isqrt(spins.shape[-1])
    if spins.ndim != 2 or size * size != spins.shape[-1]:
        raise ValueError(f"expected spins of shape (n, L·L), got {spins.shape}")
    return spins.reshape(len(spins), size, size)


def onsager_magnetisation(temperature: float | np.ndarray) -> np.ndarray:
    """Onsager–Yang spontaneous magnetisation per spin, infinite lattice, J = 1.

    (1 − sinh⁻⁴(2/T))^(1/8) below T_c, 0 at and above it.
    """
    temperature = np.asarray(temperature, np.float64)
    # As T → 0, sinh(2/T) overflows to inf, and inf⁻⁴ = 0 is the right limit.
    with np.errstate(divide="ignore", over="ignore"):
        base = 1.0 - np.sinh(2.0 / temperature) ** -4.0
    return np.where(temperature < CRITICAL_TEMPERATURE, np.maximum(base, 0), 0) ** (
        1 / 8
    )


def exact_energy_per_spin(temperature: float | np.ndarray) -> np.ndarray:
    """Onsager's internal energy per spin of the infinite lattice, J = 1.

    u = −coth 2β [1 + (2/π)(2 tanh² 2β − 1) K(k²)], k = 2 sinh 2β / cosh² 2β,
    with K the complete elliptic integral of the first kind.
    """
    two_beta = 2.0 / np.asarray(temperature, np.float64)
    k_squared = (2.0 * np.sinh(two_beta) / np.cosh(two_beta) ** 2) ** 2
    factor = 2.0 * np.tanh(two_beta) ** 2 - 1.0
    # At T_c, K diverges (logarithmically) where the factor vanishes; their
    # product tends to 0, which rounding can turn into inf·0.
    with np.errstate(invalid="ignore"):
        elliptic = np.where(k_squared < 1.0, factor * ellipk(k_squared), 0.0)
    return -(1.0 + 2.0 / np.pi * elliptic) / np.tanh(two_beta)


def label_phases(
    temperatures: float | np.ndarray,
    ordered_below: float = ORDERED_BELOW,
    disordered_above: float = DISORDERED_ABOVE,
) -> Phases:
    """NB12's labels: 1 ordered (T < T_c), 0 disordered; and the critical band.

    Configurations with ordered_below ≤ T ≤ disordered_above are *critical*:
    NB12 trains without them and tests on them apart; their labels still
    say on which side of T_c they lie.
    """
    if not ordered_below <= CRITICAL_TEMPERATURE <= disordered_above:
        raise ConfigError(
            "config keys ising.ordered_below and ising.disordered_above: "
            f"expected a band around T_c = {CRITICAL_TEMPERATURE:.4f}, "
            f"got [{ordered_below!r}, {disordered_above!r}]"
        )
    temperatures = np.asarray(temperatures, np.float64)
    return Phases(
        labels=(temperatures < CRITICAL_TEMPERATURE).astype(np.int8),
        critical=(ordered_below <= temperatures) & (temperatures <= disordered_above),
    )


def write_configurations(
    path: str | Path,
    spins: np.ndarray,
    temperatures: np.ndarray,
    ordered_below: float = ORDERED_BELOW,
    disordered_above: float = DISORDERED_ABOVE,
) -> None:
    """Write configurations to Parquet, one row each (layout: module docstring).

    Atomic: a failure leaves no partial file.
    """
    lattices = _as_lattices(spins)
    temperatures = np.asarray(temperatures, np.float64)
    if temperatures.shape != (len(lattices),):
        raise ValueError(
            f"expected one temperature per configuration ({len(lattices)}), "
            f"got shape {temperatures.shape}"
        )
    phases = label_phases(temperatures, ordered_below, disordered_above)
    # One contiguous copy, so that each column is a zero-copy view.
    by_site = np.ascontiguousarray(
        lattices.reshape(len(lattices), -1).astype(np.int8).T
    )
    columns = {
        TEMPERATURE: pa.array(temperatures.astype(np.float32)),
        LABEL: pa.array(phases.labels),
        CRITICAL: pa.array(phases.critical),
    }
    columns |= {
        name: pa.array(column)
        for name, column in zip(spin_columns(lattices.shape[1]), by_site, strict=True)
    }
    with atomic_path(path) as tmp:
        pq.write_table(pa.table(columns), tmp)


def write_phase_sets(
    trainable_path: str | Path,
    critical_path: str | Path,
    spins: np.ndarray,
    temperatures: np.ndarray,
    ordered_below: float = ORDERED_BELOW,
    disordered_above: float = DISORDERED_ABOVE,
) -> dict[str, int]:
    """NB12's two sets, each as ``write_configurations`` writes it: the
    ordered and disordered configurations, which are split into training,
    validation and test sets, and the critical ones, evaluated apart.

    Returns the number of configurations in each (keys as the arguments).
    """
    temperatures = np.asarray(temperatures, np.float64)
    critical = label_phases(temperatures, ordered_below, disordered_above).critical
    for path, rows in ((trainable_path, ~critical), (critical_path, critical)):
        write_configurations(
            path, spins[rows], temperatures[rows], ordered_below, disordered_above
        )
    return {"trainable": int(np.sum(~critical)), "critical": int(np.sum(critical))}


def read_configurations(path: str | Path) -> Configurations:
    """Read what ``write_configurations`` wrote."""
    table = pq.read_table(path)
    spin_names = [name for name in table.column_names if is_spin_column(name)]
    size = math.isqrt(len(spin_names))
    if size < 2 or spin_names != spin_columns(size):
        raise InputError(
            f"{path}: expected spin columns {SPIN_PREFIX}0000 … of a square "
            f"lattice, found {len(spin_names)} columns starting with {SPIN_PREFIX!r}"
        )
    spins = np.column_stack(
        [table.column(name).to_numpy().astype(np.int8) for name in spin_names]
    )
    return Configurations(
        spins=spins,
        temperatures=table.column(TEMPERATURE).to_numpy().astype(np.float64),
        labels=table.column(LABEL).to_numpy().astype(np.int8),
        critical=table.column(CRITICAL).to_numpy(),
    )


def read_configuration_files(paths: Sequence[str | Path]) -> Configurations:
    """The configurations of several files (e.g. ``write_phase_sets``'s two)
    as one set, in the order of ``paths``."""
    parts = [read_configurations(path) for path in paths]
    return Configurations(
        *(np.concatenate(arrays) for arrays in zip(*parts, strict=True))
    )


def _check_integer(key: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(
            f"config key ising.{key}: expected an integer ≥ {minimum}, got {value!r}"
        )
    if value < minimum:
        raise ConfigError(
            f"config key ising.{key}: expected an integer ≥ {minimum}, got {value}"
        )
    return int(value)


def _check_temperatures(temperatures) -> tuple[float, ...]:
    expected = "expected a non-empty list of distinct positive temperatures"
    if isinstance(temperatures, str | bytes) or not isinstance(
        temperatures, Sequence | np.ndarray
    ):
        raise ConfigError(
            f"config key ising.temperatures: {expected}, got {temperatures!r}"
        )
    checked = []
    for value in temperatures:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.integer | np.floating)
            or not 0 < value < math.inf
        ):
            raise ConfigError(
                f"config key ising.temperatures: {expected}, got {value!r} in the list"
            )
        checked.append(float(value))
    if not checked or len(set(checked)) != len(checked):
        raise ConfigError(
            f"config key ising.temperatures: {expected}, got {temperatures!r}"
        )
    return tuple(checked)
