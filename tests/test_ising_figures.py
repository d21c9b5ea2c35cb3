"""Tests of the Ising observables figure and the table behind it."""

import numpy as np
import pandas as pd
import pytest

from physics_dnn.ising.figures import (
    TABLE_COLUMNS,
    ising_observables_table,
    plot_ising_observables,
)
from physics_dnn.ising.monte_carlo import (
    exact_energy_per_spin,
    generate_configurations,
    onsager_magnetisation,
    write_configurations,
)

LATTICE_SIZE = 16
# Below T_c, in the critical band on either side of T_c, and above it.
TEMPERATURES = (1.5, 2.0, 2.5, 3.5)
PER_TEMPERATURE = 200


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Spins, temperatures and their Parquet file: 4 × 200 configurations, L = 16."""
    spins, temperatures = generate_configurations(
        LATTICE_SIZE, TEMPERATURES, PER_TEMPERATURE, 20, 2, seed=5
    )
    path = tmp_path_factory.mktemp("ising") / "configurations.parquet"
    write_configurations(path, spins, temperatures)
    return spins, temperatures, path


def direct_observables(spins):
    """|m| and e per spin of each configuration, straight from the lattice sums."""
    n, sites = spins.shape
    lattices = spins.reshape(n, LATTICE_SIZE, LATTICE_SIZE).astype(np.int64)
    abs_m = np.abs(lattices.sum(axis=(1, 2))) / sites
    right = np.roll(lattices, -1, axis=2)
    down = np.roll(lattices, -1, axis=1)
    energy = -(lattices * (right + down)).sum(axis=(1, 2)) / sites
    return abs_m, energy


def test_figure_written_as_png_and_pdf(sample, tmp_path):
    _, _, path = sample
    paths = [tmp_path / "fig" / "ising.png", tmp_path / "fig" / "ising.pdf"]
    table_path = tmp_path / "ising.csv"
    table = plot_ising_observables([path], paths, table_path=table_path)
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    assert paths[1].read_bytes()[:4] == b"%PDF"
    written = pd.read_csv(table_path)
    assert list(written.columns) == list(TABLE_COLUMNS)
    np.testing.assert_allclose(written.to_numpy(), table.to_numpy(), rtol=1e-5)
    # Only the files asked for: no temporary files left behind.
    assert sorted(p.name for p in paths[0].parent.iterdir()) == [
        "ising.pdf",
        "ising.png",
    ]


def test_table_agrees_with_direct_computation(sample):
    spins, temperatures, path = sample
    table = ising_observables_table(path)
    assert list(table.columns) == list(TABLE_COLUMNS)
    np.testing.assert_array_equal(table["temperature"], TEMPERATURES)
    np.testing.assert_array_equal(table["n"], PER_TEMPERATURE)
    abs_m, energy = direct_observables(spins)
    for row, temperature in zip(table.itertuples(), TEMPERATURES, strict=True):
        rows = temperatures == temperature
        for value, mean, sem in (
            (abs_m[rows], row.abs_magnetisation_mean, row.abs_magnetisation_sem),
            (energy[rows], row.energy_mean, row.energy_sem),
        ):
            assert mean == pytest.approx(value.mean(), abs=1e-12)
            assert sem == pytest.approx(
                value.std(ddof=1) / np.sqrt(PER_TEMPERATURE), abs=1e-12
            )
        assert row.onsager_magnetisation == pytest.approx(
            onsager_magnetisation(temperature)
        )
        assert row.exact_energy == pytest.approx(exact_energy_per_spin(temperature))
    # Onsager's magnetisation vanishes above T_c.
    assert table["onsager_magnetisation"].iloc[2:].eq(0).all()


def test_well_below_t_c_magnetisation_matches_onsager(sample):
    _, _, path = sample
    row = ising_observables_table(path).iloc[0]
    assert row["temperature"] == 1.5
    tolerance = 4 * row["abs_magnetisation_sem"] + 1 / LATTICE_SIZE**2
    assert abs(row["abs_magnetisation_mean"] - row["onsager_magnetisation"]) < (
        tolerance
    )
    # The energy too, where the lattice is large against the correlation length.
    tolerance = 4 * row["energy_sem"] + 1 / LATTICE_SIZE**2
    assert abs(row["energy_mean"] - row["exact_energy"]) < tolerance
