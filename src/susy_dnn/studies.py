"""The lecture's experiments: what each study varies, summarises and publishes.

A study is a grid of training runs plus its own figures. This module turns a
study's per-point metrics into summaries (mean ± std over seeds), warns when
the best point sits on the edge of a numeric axis, and holds the published
numbers that our results are shown beside.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .aggregate import AXIS_COLUMNS, metrics_table, write_table
from .atomic import atomic_path
from .errors import ConfigError
from .grid import check_axis, expand_grid, format_value, study_points

STUDIES = (
    "learning_rate_vs_size",
    "feature_sets",
    "regularisation",
    "activations",
    "initialisation",
)

# Each study's figures (PNG and PDF under results/studies/<study>/).
STUDY_FIGURES = {
    "learning_rate_vs_size": ("accuracy_heatmap", "learning_curves", "roc_overlay"),
    "feature_sets": ("auc_comparison", "roc_overlay"),
    "regularisation": ("learning_curves", "generalisation_gap"),
    "activations": ("gradient_norms", "accuracy_heatmap"),
    "initialisation": ("phase_diagram",),
}

# The lecture's figure: test accuracy over learning rate x training-set size.
HEATMAP_DEFAULTS = {"x": "learning_rate", "y": "n_train", "metric": "accuracy"}


def heatmap_settings(study: dict) -> dict:
    """A study's heat-map axes and metric, defaults filled in."""
    return dict(HEATMAP_DEFAULTS, **(study.get("heatmap") or {}))


BOOSTING_DEFAULTS = {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 31}


def selected_studies(config: dict) -> dict[str, dict[str, dict]]:
    """The points of every study that ``run_studies`` selects.

    Returns {study: {point name: settings}}; names are checked, and every
    setting is checked with a message that names its config key.
    """
    chosen = config.get("run_studies", "all")
    studies = config.get("studies") or {}
    for name in studies:
        if name not in STUDIES:
            raise ConfigError(
                f"config key studies.{name}: unknown study; expected one of "
                f"{', '.join(STUDIES)}"
            )
    names = list(studies) if chosen == "all" else chosen
    for name in names:
        if name not in studies:
            raise ConfigError(
                f"config key run_studies: {name!r} is not configured under studies"
            )
    heatmap = heatmap_settings(studies.get("learning_rate_vs_size", {}))
    for side in ("x", "y"):
        check_axis(heatmap[side], f"studies.learning_rate_vs_size.heatmap.{side}")
    return {
        name: study_points(config.get("training"), name, studies[name])
        for name in names
    }


def boosting_points(network_points: dict[str, dict], settings: dict | None) -> dict:
    """Boosted-trees runs matching the networks' feature sets, sizes and seeds.

    The trees take their own settings (``settings``, defaults in
    BOOSTING_DEFAULTS); the point names keep the networks' naming.
    """
    settings = dict(BOOSTING_DEFAULTS, **(settings or {}))
    shared = ("features", "n_train", "seed")
    base = {axis: next(iter(network_points.values()))[axis] for axis in shared}
    grid = {
        axis: sorted({point[axis] for point in network_points.values()})
        for axis in shared
    }
    grid = {axis: values for axis, values in grid.items() if len(values) > 1}
    points = expand_grid(base, grid, "studies.feature_sets.grid")
    return {
        name: dict(point, model="gradient_boosting", **settings)
        for name, point in points.items()
    }


# Final-epoch test accuracy (%) of Mehta et al.'s NB13 (PyTorch, first N rows,
# 80/20 split): {N: {learning rate: accuracy}}.
NB13_ACCURACY = {
    1000: {1e-5: 54.5, 1e-4: 51.5, 1e-3: 74.5, 1e-2: 77.5, 1e-1: 65.5},
    10000: {1e-5: 44.65, 1e-4: 65.05, 1e-3: 74.55, 1e-2: 77.05, 1e-1: 78.25},
    100000: {1e-5: 42.74, 1e-4: 48.8, 1e-3: 74.05, 1e-2: 78.595, 1e-1: 79.585},
    200000: {1e-5: 56.675, 1e-4: 59.932, 1e-3: 75.953, 1e-2: 78.948, 1e-1: 79.942},
}

# Test AUC (std over runs) of Baldi, Sadowski and Whiteson 2014, Table 2, on
# the 4M-event training set. Recalled, not read from the paper: approximate.
BALDI_AUC = {
    "BDT": {"low": (0.850, 0.003), "high": (0.835, 0.003), "all": (0.863, 0.003)},
    "NN": {"low": (0.867, 0.002), "high": (0.863, 0.001), "all": (0.875, 0.0005)},
    "DN": {"low": (0.872, 0.001), "high": (0.865, 0.001), "all": (0.876, 0.0005)},
}

SUMMARY_METRICS = (
    "accuracy",
    "roc_auc",
    "log_loss",
    "signal_efficiency_at_90_rejection",
    "signal_efficiency_at_99_rejection",
    "train_accuracy",
    "train_roc_auc",
    "train_log_loss",
    "generalisation_gap",
    "final_loss",
    "final_val_loss",
    "gradient_ratio_initial",
    "gradient_ratio_final",
)

# Metrics where lower is better; the others are maximised.
LOWER_IS_BETTER = {"log_loss", "train_log_loss", "final_loss", "final_val_loss"}


def varied_axes(table: pd.DataFrame) -> list[str]:
    """Settings that take more than one value in ``table``, seed excluded."""
    return [
        axis
        for axis in AXIS_COLUMNS
        if axis != "seed" and axis in table and table[axis].nunique(dropna=False) > 1
    ]


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and std of every metric over seeds, one row per setting.

    Columns: every setting but the seed (constant ones too, so a figure can
    use an axis that did not vary), ``seeds`` (how many runs), then
    ``<metric>_mean`` and ``<metric>_std`` (std is 0 for a single seed).
    """
    axes = [axis for axis in AXIS_COLUMNS if axis in table and axis != "seed"]
    metrics = [metric for metric in SUMMARY_METRICS if metric in table]
    grouped = table.groupby(axes, dropna=False, sort=True)
    summary = grouped[metrics].agg(["mean", "std"])
    summary.columns = [f"{metric}_{statistic}" for metric, statistic in summary.columns]
    summary = summary.fillna({f"{m}_std": 0.0 for m in metrics})
    summary.insert(0, "seeds", grouped.size())
    return summary.reset_index()


def grid_edge_warnings(summary: pd.DataFrame, metric: str) -> list[str]:
    """Numeric axes whose best value (by mean ``metric``) lies on the grid's edge.

    An axis needs at least three values for its optimum to be inside. The
    best setting's value is compared with the axis's smallest and largest.
    """
    if summary.empty:
        return []
    column = f"{metric}_mean"
    best_index = (
        summary[column].idxmin()
        if metric in LOWER_IS_BETTER
        else summary[column].idxmax()
    )
    best = summary.loc[best_index]
    warnings = []
    for axis in varied_axes(summary):
        values = summary[axis]
        if not pd.api.types.is_numeric_dtype(values) or values.dtype == bool:
            continue
        distinct = sorted(values.unique())
        if len(distinct) < 3:
            continue
        if best[axis] == distinct[-1]:
            side, bound = "above", distinct[-1]
        elif best[axis] == distinct[0]:
            side, bound = "below", distinct[0]
        else:
            continue
        warnings.append(
            f"the best {metric.replace('_', ' ')} lies at {axis} = "
            f"{format_value(bound)}, the edge of the grid: the optimum may lie "
            f"beyond the grid; extend {axis} {side} {format_value(bound)}"
        )
    return warnings


def order_chaos_boundary(
    bias_scales: np.ndarray, activation=np.tanh, derivative=None
) -> np.ndarray:
    """Critical weight scale σ_w* for each bias scale σ_b of a deep network.

    Mean-field theory of wide random networks (Poole et al. 2016; Schoenholz
    et al. 2017): a pre-activation's variance settles at the fixed point
    q* = σ_w² E[φ(√q* z)²] + σ_b², and the slope χ₁ = σ_w² E[φ'(√q* z)²]
    decides whether nearby inputs converge (χ₁ < 1, ordered: gradients vanish
    with depth) or separate (χ₁ > 1, chaotic: gradients explode). The
    boundary is χ₁ = 1; z is a standard normal variable.
    """
    if derivative is None:

        def derivative(h):
            return 1.0 - np.tanh(h) ** 2

    nodes, weights = np.polynomial.hermite_e.hermegauss(101)
    weights = weights / weights.sum()

    def chi(sigma_w: float, sigma_b: float) -> float:
        q = 1.0
        for _ in range(500):
            q = sigma_w**2 * np.sum(weights * activation(np.sqrt(q) * nodes) ** 2)
            q += sigma_b**2
        return sigma_w**2 * np.sum(weights * derivative(np.sqrt(q) * nodes) ** 2)

    boundary = []
    for sigma_b in np.atleast_1d(bias_scales):
        low, high = 0.5, 10.0
        for _ in range(60):
            middle = 0.5 * (low + high)
            low, high = (middle, high) if chi(middle, sigma_b) < 1 else (low, middle)
        boundary.append(0.5 * (low + high))
    return np.array(boundary)


def aggregate_study(
    metrics: list[str],
    histories: list[str],
    gradients: list[str],
    metric: str,
    outputs: dict[str, str],
) -> list[str]:
    """Write a study's run table, seed summary and grid-edge note.

    ``histories`` and ``gradients`` are the runs' history.csv and
    gradient_norms.csv, each in its point's directory. ``outputs`` has the
    keys ``table``, ``summary`` and ``grid_edge``. Returns the warnings.
    """
    table = metrics_table(metrics, _by_point(histories), _by_point(gradients))
    summary = summarise(table)
    write_table(table, outputs["table"])
    write_table(summary, outputs["summary"])
    warnings = grid_edge_warnings(summary, metric)
    note = "\n".join(warnings) or (
        f"The best {metric.replace('_', ' ')} lies inside the grid on every "
        "numeric axis with three or more values."
    )
    with atomic_path(outputs["grid_edge"]) as tmp:
        tmp.write_text(note + "\n")
    return warnings


def _by_point(paths: list[str]) -> dict[str, str]:
    """Files keyed by their point: the name of the directory they are in."""
    return {Path(path).parent.name: path for path in paths}
