"""Compare simulated events with real ones, column by column and class by class.

Both samples are arrays in the UCI layout: the label in column 0, then the 18
normalised features in ``columns.FEATURES`` order. The comparison is the
two-sample Kolmogorov–Smirnov statistic of each feature, taken separately for
signal and background, and a figure that overlays the distributions.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..plots import save_figure  # also selects the Agg backend
from .columns import COLUMNS, FEATURES

CLASSES = {"signal": 1.0, "background": 0.0}

# Figure layout: one panel per feature.
_PANEL_COLUMNS = 3
_BINS = 40
# Histogram range: the central quantiles of both samples, so that a few far
# outliers do not squeeze the bulk of the distribution into one bin.
_RANGE_QUANTILES = (0.002, 0.998)
_COLOURS = {"signal": "tab:red", "background": "tab:blue"}
_SHORT = {"signal": "sig", "background": "bkg"}


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov statistic sup |F_a(x) − F_b(x)|.

    The empirical CDFs are compared at every value of the pooled sample, each
    CDF counting all values ≤ x, so tied values step both CDFs at once.
    """
    a = np.sort(np.asarray(a, dtype=np.float64).ravel())
    b = np.sort(np.asarray(b, dtype=np.float64).ravel())
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both samples must hold at least one value")
    pooled = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, pooled, side="right") / len(a)
    cdf_b = np.searchsorted(b, pooled, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def ks_table(simulated: np.ndarray, real: np.ndarray) -> list[dict]:
    """KS statistic of every feature column for signal and for background.

    ``simulated`` and ``real`` are (n, 19) arrays in the UCI layout. Returns
    one dict per (column, class), in ``columns.FEATURES`` order with signal
    before background, with keys ``column``, ``class``, ``ks``,
    ``n_simulated`` and ``n_real``.
    """
    simulated, real = _check_layout(simulated), _check_layout(real)
    rows = []
    for index, name in enumerate(FEATURES, start=1):
        for class_name, label in CLASSES.items():
            sim_values = simulated[simulated[:, 0] == label, index]
            real_values = real[real[:, 0] == label, index]
            rows.append(
                {
                    "column": name,
                    "class": class_name,
                    "ks": ks_statistic(sim_values, real_values),
                    "n_simulated": len(sim_values),
                    "n_real": len(real_values),
                }
            )
    return rows


def plot_comparison(
    simulated: np.ndarray,
    real: np.ndarray,
    ks_rows: list[dict],
    paths: list[str | Path],
) -> None:
    """Overlay simulated and real distributions of the 18 features.

    One panel per feature: per class, the simulated density as a step line
    and the real one as points with Poisson error bars, and the KS statistic
    from ``ks_rows`` (as returned by :func:`ks_table`). The figure is written
    to every path in ``paths``, its format taken from the extension.
    """
    simulated, real = _check_layout(simulated), _check_layout(real)
    ks = {(row["column"], row["class"]): row["ks"] for row in ks_rows}
    n_rows = -(-len(FEATURES) // _PANEL_COLUMNS)
    figure, axes = plt.subplots(
        n_rows, _PANEL_COLUMNS, figsize=(4.2 * _PANEL_COLUMNS, 2.8 * n_rows)
    )
    for index, (name, panel) in enumerate(
        zip(FEATURES, axes.ravel(), strict=True), start=1
    ):
        both = np.concatenate([simulated[:, index], real[:, index]])
        edges = np.linspace(*np.quantile(both, _RANGE_QUANTILES), _BINS + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        lines = []
        for class_name, label in CLASSES.items():
            colour = _COLOURS[class_name]
            sim_counts, sim_density = _density(simulated, label, index, edges)
            panel.stairs(
                sim_density, edges, color=colour, label=f"simulated {class_name}"
            )
            real_counts, real_density = _density(real, label, index, edges)
            # Poisson error bars: the density scaled by 1/√count.
            errors = np.divide(
                real_density,
                np.sqrt(real_counts),
                out=np.zeros_like(real_density),
                where=real_counts > 0,
            )
            panel.errorbar(
                centres,
                real_density,
                yerr=errors,
                fmt="o",
                markersize=2.5,
                color=colour,
                label=f"real {class_name}",
            )
            lines.append(f"KS {_SHORT[class_name]} {ks[(name, class_name)]:.3f}")
        panel.set_title(name.replace("_", " "), fontsize=9)
        panel.tick_params(labelsize=7)
        panel.text(
            0.97,
            0.95,
            "\n".join(lines),
            transform=panel.transAxes,
            ha="right",
            va="top",
            fontsize=7,
        )
    axes.ravel()[0].legend(fontsize=6, loc="center right")
    figure.suptitle("simulated (lines) vs real (points), normalised UCI columns")
    figure.tight_layout()
    save_figure(figure, paths)


def _density(events, label, index, edges):
    """Counts and density of one column of one class in the bins ``edges``.

    The density is normalised to all events of the class, including those
    outside the plotted range, so simulated and real curves compare directly.
    """
    values = events[events[:, 0] == label, index]
    counts, _ = np.histogram(values, bins=edges)
    return counts, counts / (max(len(values), 1) * np.diff(edges))


def _check_layout(events: np.ndarray) -> np.ndarray:
    events = np.asarray(events, dtype=np.float64)
    if events.ndim != 2 or events.shape[1] != len(COLUMNS):
        raise ValueError(
            f"events must have shape (n, {len(COLUMNS)}), got {events.shape}"
        )
    return events
