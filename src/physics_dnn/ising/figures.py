"""Check the Ising configurations against Onsager's exact solution, in a figure.

Two panels against the temperature T: the mean absolute magnetisation per
spin beside Onsager–Yang's spontaneous magnetisation, and the mean energy per
spin beside Onsager's internal energy, both of the infinite lattice. T_c is
marked, and NB12's near-critical band (the configurations it keeps out of
training) is shaded. The numbers behind the figure come from
:func:`ising_observables_table`.

On a finite L × L lattice the symmetry is never broken: the signed
magnetisation averages to 0 at every T (Swendsen–Wang flips the whole
lattice), so the order is measured by ⟨|m|⟩. It approaches Onsager's value
below T_c, but stays of order L^(−7/8) at T_c and of order 1/L above it,
where the infinite lattice has 0; near T_c the energy too is rounded off.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path

# plots.py sets the style and selects the Agg backend before importing
# pyplot: take pyplot from it.
from ..plots import OKABE_ITO, plt, save_figure
from .monte_carlo import (
    CRITICAL_TEMPERATURE,
    DISORDERED_ABOVE,
    ORDERED_BELOW,
    Configurations,
    energy_per_spin,
    exact_energy_per_spin,
    magnetisation_per_spin,
    onsager_magnetisation,
    read_configuration_files,
    read_configurations,
)

TABLE_COLUMNS = (
    "temperature",
    "n",
    "abs_magnetisation_mean",
    "abs_magnetisation_sem",
    "onsager_magnetisation",
    "energy_mean",
    "energy_sem",
    "exact_energy",
)
# Points of the exact curves, between the lowest and highest temperature.
_CURVE_POINTS = 400


def ising_observables_table(
    configurations: str | Path | Configurations,
    table_path: str | Path | None = None,
) -> pd.DataFrame:
    """Per temperature: ⟨|m|⟩ and ⟨e⟩ per spin, their standard errors, exact values.

    ``configurations``: a Parquet file written by ``ising.write_configurations``,
    or what ``ising.read_configurations`` returned. One row per temperature,
    in increasing order, with the columns ``TABLE_COLUMNS``: ``n``
    configurations; the mean absolute magnetisation per spin and its standard
    error; Onsager–Yang's spontaneous magnetisation (0 at and above T_c); the
    mean energy per spin (J = 1) and its standard error; Onsager's energy per
    spin. Both exact values are the infinite lattice's.

    The standard error is the sample standard deviation (n − 1) over √n, so
    it assumes independent samples. The configurations of one temperature
    are draws of Markov chains, hence correlated; the generator runs many
    independent chains and ``decorrelation`` Swendsen–Wang updates between
    the draws of one chain, which keeps the autocorrelation small, but near
    T_c the error may be somewhat underestimated. With one configuration at
    a temperature the standard error is NaN.

    ``table_path``: where given, the table is also written there as CSV
    (atomically).
    """
    if not isinstance(configurations, Configurations):
        configurations = read_configurations(configurations)
    per_configuration = pd.DataFrame(
        {
            "temperature": configurations.temperatures,
            "abs_magnetisation": np.abs(magnetisation_per_spin(configurations.spins)),
            "energy": energy_per_spin(configurations.spins),
        }
    )
    grouped = per_configuration.groupby("temperature", sort=True)
    table = pd.DataFrame(
        {
            "n": grouped.size(),
            "abs_magnetisation_mean": grouped["abs_magnetisation"].mean(),
            "abs_magnetisation_sem": grouped["abs_magnetisation"].sem(ddof=1),
            "energy_mean": grouped["energy"].mean(),
            "energy_sem": grouped["energy"].sem(ddof=1),
        }
    ).reset_index()
    temperatures = table["temperature"].to_numpy(np.float64)
    table["onsager_magnetisation"] = onsager_magnetisation(temperatures)
    table["exact_energy"] = exact_energy_per_spin(temperatures)
    table = table[list(TABLE_COLUMNS)]
    if table_path is not None:
        with atomic_path(table_path, suffix=".csv") as tmp:
            table.to_csv(tmp, index=False, float_format="%.6g")
    return table


def plot_ising_observables(
    configuration_paths: list[str | Path],
    paths: list[str | Path],
    table_path: str | Path | None = None,
    ordered_below: float = ORDERED_BELOW,
    disordered_above: float = DISORDERED_ABOVE,
) -> pd.DataFrame:
    """Draw ⟨|m|⟩ and ⟨e⟩ per spin against T beside the exact solution.

    Reads the Parquet files at ``configuration_paths`` (as written by
    ``ising.write_configurations``; e.g. ``write_phase_sets``'s two) as one
    set. Left: the mean absolute magnetisation
    per spin, points with standard-error bars, and Onsager–Yang's curve;
    right: the mean energy per spin and Onsager's curve. T_c is a dashed
    vertical line; the band ordered_below ≤ T ≤ disordered_above (NB12's
    configurations held out of training) is shaded. The figure is written to
    every path in ``paths``, its format taken from the extension (PNG, PDF).

    Returns the table behind it (:func:`ising_observables_table`, whose
    docstring says what the standard errors assume), also written as CSV to
    ``table_path`` where given.
    """
    configurations = read_configuration_files(configuration_paths)
    table = ising_observables_table(configurations, table_path)
    lattice_size = math.isqrt(configurations.spins.shape[1])
    temperatures = table["temperature"].to_numpy(np.float64)

    low, high = temperatures.min(), temperatures.max()
    pad = 0.05 * (high - low) if high > low else 0.1 * low
    left, right = max(low - pad, 0.5 * low), high + pad
    # T_c itself among the curve's points, so the magnetisation reaches 0 there.
    curve = np.union1d(np.linspace(left, right, _CURVE_POINTS), [CRITICAL_TEMPERATURE])
    curve = curve[(curve >= left) & (curve <= right)]

    figure, (magnetisation_axes, energy_axes) = plt.subplots(
        1, 2, figsize=(10, 4), layout="constrained"
    )
    panels = (
        (magnetisation_axes, "abs_magnetisation", onsager_magnetisation(curve)),
        (energy_axes, "energy", exact_energy_per_spin(curve)),
    )
    for axes, column, exact in panels:
        axes.axvspan(
            ordered_below,
            disordered_above,
            color="0.85",
            alpha=0.6,
            linewidth=0,
            label="critical band (held out of training)",
        )
        axes.axvline(
            CRITICAL_TEMPERATURE,
            color=OKABE_ITO[7],
            linestyle="--",
            linewidth=1,
            label=f"$T_c$ = {CRITICAL_TEMPERATURE:.3f}",
        )
        axes.plot(
            curve,
            exact,
            color=OKABE_ITO[3],
            linewidth=1.5,
            label="Onsager, infinite lattice",
        )
        axes.errorbar(
            temperatures,
            table[f"{column}_mean"],
            yerr=table[f"{column}_sem"],
            fmt="o",
            markersize=4,
            capsize=2.5,
            color=OKABE_ITO[0],
            label="Monte Carlo, mean ± standard error",
            zorder=3,
        )
        axes.set_xlim(left, right)
        axes.set_xlabel("temperature T (J/k_B)")
    magnetisation_axes.set_ylabel("⟨|m|⟩ per spin")
    energy_axes.set_ylabel("energy per spin (J)")
    # One legend for both panels, under them, where it hides no point.
    figure.legend(
        *magnetisation_axes.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=4,
    )
    n = int(table["n"].sum())
    per_temperature = table["n"].unique()
    each = (
        f", {per_temperature[0]:,} per temperature" if len(per_temperature) == 1 else ""
    )
    figure.suptitle(
        f"2D Ising model, {lattice_size} × {lattice_size} periodic lattice: "
        f"{n:,} configurations{each}"
    )
    save_figure(figure, paths)
    return table
