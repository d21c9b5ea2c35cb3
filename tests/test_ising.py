"""Tests of the Ising Monte Carlo against exact results, and of its Parquet files.

Statistical tolerances use the spread over the independent Markov chains:
each chain's mean is one independent sample of the estimator, so the
standard error of the grand mean needs no autocorrelation analysis. The
seeds are fixed, so the tests are deterministic; four standard errors keep
them from depending on a lucky seed.
"""

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from physics_dnn.errors import ConfigError, InputError
from physics_dnn.ising.monte_carlo import (
    CRITICAL_TEMPERATURE,
    NB12_TEMPERATURES,
    energy_per_spin,
    exact_energy_per_spin,
    generate_configurations,
    label_phases,
    magnetisation_per_spin,
    onsager_magnetisation,
    read_configuration_files,
    read_configurations,
    spin_columns,
    write_configurations,
    write_phase_sets,
)

LATTICE_SIZE = 40
CHAINS = 100
# Finite-size allowance for the checks against the infinite lattice, away
# from T_c. With periodic boundaries there are no surface terms, so the
# corrections are not powers of 1/L but fall off as exp(−L/ξ), with ξ a few
# lattice spacings at these temperatures. Measured: the shifts of ⟨|m|⟩ and
# of the energy from the exact values at T = 1.5, 1.8, 2.0 (L = 12, 20, 40)
# and 3.5 (L = 16, 32) are zero within their errors of 1–14·10⁻⁴. 1/L² =
# 6·10⁻⁴ at L = 40 bounds them; the rest of the tolerance is statistical.
FINITE_SIZE_ALLOWANCE = 1 / LATTICE_SIZE**2


@pytest.fixture(scope="module")
def away_from_critical():
    """2,000 configurations at each of four temperatures, L = 40."""
    temperatures = (1.5, 1.8, 2.0, 3.5)
    spins, rows = generate_configurations(
        LATTICE_SIZE,
        temperatures,
        per_temperature=2000,
        equilibration=50,
        decorrelation=3,
        seed=12,
        chains=CHAINS,
    )
    return {temperature: spins[rows == temperature] for temperature in temperatures}


def mean_and_error(values, chains):
    """Grand mean and its standard error from the means of the chains.

    Rows come in rounds of one configuration per chain, so column c of the
    (rounds, chains) reshape is chain c.
    """
    chain_means = values.reshape(-1, chains).mean(axis=0)
    return chain_means.mean(), chain_means.std(ddof=1) / math.sqrt(chains)


@pytest.mark.parametrize("temperature", [1.5, 1.8, 2.0])
def test_magnetisation_follows_onsager_below_critical(away_from_critical, temperature):
    absolute = np.abs(magnetisation_per_spin(away_from_critical[temperature]))
    mean, error = mean_and_error(absolute, CHAINS)
    exact = onsager_magnetisation(temperature)
    assert abs(mean - exact) < 4 * error + FINITE_SIZE_ALLOWANCE, (mean, exact, error)


@pytest.mark.parametrize("temperature", [1.5, 3.5])
def test_energy_follows_the_exact_solution(away_from_critical, temperature):
    energies = energy_per_spin(away_from_critical[temperature])
    mean, error = mean_and_error(energies, CHAINS)
    exact = exact_energy_per_spin(temperature)
    assert abs(mean - exact) < 4 * error + FINITE_SIZE_ALLOWANCE, (mean, exact, error)


def test_magnetisation_falls_as_one_over_size_above_critical():
    """Above T_c, m is a sum of L²/ξ² nearly independent blocks: ⟨|m|⟩ ∝ 1/L."""
    scaled = {}
    for size in (16, 32):
        spins, _ = generate_configurations(size, [3.5], 2000, 20, 2, seed=4, chains=50)
        scaled[size] = size * np.abs(magnetisation_per_spin(spins)).mean()
    # L·⟨|m|⟩ = √(2χT/π) ≈ 2.0 at T = 3.5, the same for both sizes; its
    # statistical error is about 1%.
    assert scaled[16] == pytest.approx(scaled[32], rel=0.05)
    assert 1.5 < scaled[32] < 2.5


@pytest.mark.parametrize("temperature", [1.5, 2.27, 3.5])
def test_small_lattice_matches_exact_enumeration(temperature):
    """At L = 4 all 2¹⁶ states can be summed: a check of the sampling itself,
    free of finite-size arguments, at T_c too."""
    states = (np.arange(2**16)[:, None] >> np.arange(16)) & 1
    states = (2 * states - 1).astype(np.int8)
    weights = np.exp(-16 * energy_per_spin(states) / temperature)
    weights /= weights.sum()
    spins, _ = generate_configurations(4, [temperature], 40_000, 20, 1, 3, chains=400)
    for observable in (energy_per_spin, lambda s: np.abs(magnetisation_per_spin(s))):
        mean, error = mean_and_error(observable(spins), 400)
        exact = weights @ observable(states)
        assert abs(mean - exact) < 4 * error, (observable, mean, exact, error)


def test_chain_count_changes_the_sample_not_the_physics():
    """`chains` sets how many independent Markov chains share the work: the
    configurations differ, their averages agree (near T_c, the slowest case)."""
    results = []
    for chains in (10, 200):
        spins, _ = generate_configurations(16, [2.27], 4000, 20, 2, 9, chains=chains)
        results.append(mean_and_error(energy_per_spin(spins), chains))
    (few, few_error), (many, many_error) = results
    assert abs(few - many) < 4 * math.hypot(few_error, many_error)


def test_same_seed_same_configurations_other_seed_other_ones():
    arguments = dict(
        lattice_size=8,
        temperatures=[1.0, 3.0],
        per_temperature=30,
        equilibration=5,
        decorrelation=2,
        chains=7,
    )
    spins, temperatures = generate_configurations(**arguments, seed=1)
    again, _ = generate_configurations(**arguments, seed=1)
    other, _ = generate_configurations(**arguments, seed=2)
    np.testing.assert_array_equal(spins, again)
    assert not np.array_equal(spins, other)
    assert spins.shape == (60, 64) and spins.dtype == np.int8
    assert set(np.unique(spins)) == {-1, 1}
    np.testing.assert_array_equal(temperatures, np.repeat([1.0, 3.0], 30))


def test_temperatures_do_not_depend_on_their_batch():
    """Each temperature has its own stream: the same rows alone, in another
    order or beside other temperatures."""

    def rows_at(temperature, temperatures):
        spins, rows = generate_configurations(8, temperatures, 20, 5, 1, 6, chains=8)
        return spins[rows == temperature]

    alone = rows_at(3.5, [3.5])
    np.testing.assert_array_equal(alone, rows_at(3.5, [1.5, 3.5]))
    np.testing.assert_array_equal(alone, rows_at(3.5, [3.5, 2.0, 1.5]))


def test_exact_curves():
    assert onsager_magnetisation(1e-3) == pytest.approx(1.0)
    assert onsager_magnetisation(2.0) == pytest.approx(0.911319377877496)
    np.testing.assert_array_equal(
        onsager_magnetisation([CRITICAL_TEMPERATURE, 2.5, 4.0]), 0.0
    )
    assert exact_energy_per_spin(1e-2) == pytest.approx(-2.0)
    assert exact_energy_per_spin(CRITICAL_TEMPERATURE) == pytest.approx(-math.sqrt(2))
    # High-temperature series, t = tanh β: u = −2t − 4t³(1 − t²) + O(t⁵).
    t = math.tanh(1 / 50)
    assert exact_energy_per_spin(50.0) == pytest.approx(
        -2 * t - 4 * t**3 * (1 - t**2), rel=1e-5
    )
    assert CRITICAL_TEMPERATURE == pytest.approx(2.269185314213)


def test_observables_of_simple_lattices():
    uniform = np.ones((1, 16), np.int8)
    checkerboard = np.array([[(-1) ** (i + j) for i in range(4) for j in range(4)]])
    stripes = np.array([[(-1) ** i for i in range(4) for _ in range(4)]])
    np.testing.assert_array_equal(energy_per_spin(uniform), [-2.0])
    np.testing.assert_array_equal(energy_per_spin(-uniform), [-2.0])
    np.testing.assert_array_equal(energy_per_spin(checkerboard), [2.0])
    np.testing.assert_array_equal(energy_per_spin(stripes), [0.0])
    np.testing.assert_array_equal(magnetisation_per_spin(-uniform), [-1.0])
    np.testing.assert_array_equal(magnetisation_per_spin(checkerboard), [0.0])


def test_labels_follow_nb12():
    phases = label_phases(np.array(NB12_TEMPERATURES))
    temperatures = np.array(NB12_TEMPERATURES)
    np.testing.assert_array_equal(phases.labels, temperatures < 2.269)
    np.testing.assert_array_equal(temperatures[phases.critical], [2.0, 2.25, 2.5])
    assert phases.labels.dtype == np.int8
    with pytest.raises(ConfigError, match=r"ising\.ordered_below"):
        label_phases(temperatures, ordered_below=2.3)


def test_parquet_round_trip(tmp_path):
    spins, temperatures = generate_configurations(
        8, [1.0, 2.25, 3.0], 5, 2, 1, 0, chains=5
    )
    path = tmp_path / "ising.parquet"
    write_configurations(path, spins, temperatures)
    assert [p.name for p in tmp_path.iterdir()] == ["ising.parquet"]

    schema = pq.read_schema(path)
    assert schema.names[:3] == ["temperature", "label", "critical"]
    assert schema.names[3:] == spin_columns(8)
    assert schema.names[3] == "s0000" and schema.names[-1] == "s0063"
    assert str(schema.field("temperature").type) == "float"
    assert str(schema.field("label").type) == "int8"
    assert str(schema.field("s0042").type) == "int8"

    read = read_configurations(path)
    np.testing.assert_array_equal(read.spins, spins)
    np.testing.assert_array_equal(read.temperatures, temperatures)
    np.testing.assert_array_equal(read.labels, np.repeat([1, 1, 0], 5))
    np.testing.assert_array_equal(read.critical, np.repeat([False, True, False], 5))


def test_reading_a_file_without_spins_names_it(tmp_path):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"temperature": [1.0], "label": [1]}), path)
    with pytest.raises(InputError, match="other.parquet: expected spin columns"):
        read_configurations(path)


VALID = dict(
    lattice_size=4,
    temperatures=[1.0],
    per_temperature=2,
    equilibration=1,
    decorrelation=1,
    seed=0,
    chains=1,
)


@pytest.mark.parametrize(
    "key, value, message",
    [
        (
            "lattice_size",
            1,
            "config key ising.lattice_size: expected an integer ≥ 2, got 1",
        ),
        (
            "lattice_size",
            4.0,
            "config key ising.lattice_size: expected an integer ≥ 2, got 4.0",
        ),
        (
            "lattice_size",
            True,
            "config key ising.lattice_size: expected an integer ≥ 2, got True",
        ),
        (
            "per_temperature",
            0,
            "config key ising.per_temperature: expected an integer ≥ 1, got 0",
        ),
        (
            "equilibration",
            -1,
            "config key ising.equilibration: expected an integer ≥ 0, got -1",
        ),
        (
            "decorrelation",
            0,
            "config key ising.decorrelation: expected an integer ≥ 1, got 0",
        ),
        ("seed", -3, "config key ising.seed: expected an integer ≥ 0, got -3"),
        ("chains", "8", "config key ising.chains: expected an integer ≥ 1, got '8'"),
        (
            "temperatures",
            [],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got []",
        ),
        (
            "temperatures",
            2.0,
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got 2.0",
        ),
        (
            "temperatures",
            "2.0",
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got '2.0'",
        ),
        (
            "temperatures",
            [1.0, 0.0],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got 0.0 in the list",
        ),
        (
            "temperatures",
            [float("nan")],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got nan in the list",
        ),
        (
            "temperatures",
            [float("inf")],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got inf in the list",
        ),
        (
            "temperatures",
            ["warm"],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got 'warm' in the list",
        ),
        (
            "temperatures",
            [1.5, 1.5],
            "config key ising.temperatures: expected a non-empty list of distinct positive temperatures, got [1.5, 1.5]",
        ),
    ],
)
def test_bad_arguments_name_the_config_key(key, value, message):
    with pytest.raises(ConfigError) as raised:
        generate_configurations(**(VALID | {key: value}))
    assert str(raised.value) == message


def test_phase_sets_hold_the_critical_band_apart(tmp_path):
    temperatures = [1.0, 2.0, 2.25, 2.5, 3.0]
    spins, rows_t = generate_configurations(8, temperatures, 3, 2, 1, seed=5)
    counts = write_phase_sets(
        tmp_path / "trainable.parquet", tmp_path / "critical.parquet", spins, rows_t
    )
    assert counts == {"trainable": 6, "critical": 9}
    trainable = read_configurations(tmp_path / "trainable.parquet")
    critical = read_configurations(tmp_path / "critical.parquet")
    assert sorted(set(trainable.temperatures)) == [1.0, 3.0]
    assert sorted(set(critical.temperatures)) == [2.0, 2.25, 2.5]
    assert not trainable.critical.any() and critical.critical.all()
    # NB12's labels: ordered below T_c, also inside the band.
    assert list(critical.labels) == [1] * 6 + [0] * 3
    np.testing.assert_array_equal(
        np.concatenate([trainable.spins[:3], critical.spins, trainable.spins[3:]]),
        spins,
    )


def test_phase_sets_read_back_as_one_set(tmp_path):
    spins, temperatures = generate_configurations(6, [1.5, 2.25, 3.5], 2, 1, 1, seed=9)
    paths = [tmp_path / "trainable.parquet", tmp_path / "critical.parquet"]
    write_phase_sets(*paths, spins, temperatures)
    both = read_configuration_files(paths)
    assert sorted(both.temperatures) == sorted(temperatures)
    assert len(both.spins) == len(both.labels) == len(both.critical) == 6
