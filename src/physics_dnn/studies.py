"""The lecture's experiments: what each study varies, summarises and publishes.

A study is a grid of training runs plus its own figures. This module turns a
study's per-point metrics into summaries (mean ± std over seeds), chooses the
best setting on the validation data (the test data only report it), warns
when that setting sits on the edge of a numeric axis, and holds the
mean-field theory that the initialisation study is held against (the
published SUSY numbers are in susy.published).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .aggregate import (
    AXIS_COLUMNS,
    FURTHER_SETS,
    metrics_table,
    read_reports,
    write_table,
)
from .atomic import atomic_path
from .errors import ConfigError
from .grid import (
    axis_label,
    check_axis,
    checked_values,
    expand_grid,
    format_value,
    setting_label,
    study_points,
)

STUDIES = (
    "learning_rate_vs_size",
    "feature_sets",
    "regularisation",
    "activations",
    "initialisation",
    "optimizers",
    # The Ising model's (dataset.source ising): NB12.
    "ising_phase",
)

# Each study's figures (PNG and PDF under results/studies/<study>/).
STUDY_FIGURES = {
    "learning_rate_vs_size": ("accuracy_heatmap", "learning_curves", "roc_overlay"),
    "feature_sets": ("auc_comparison", "roc_overlay"),
    "regularisation": ("learning_curves", "generalisation_gap"),
    "activations": ("gradient_norms", "accuracy_heatmap"),
    "initialisation": ("phase_diagram",),
    "optimizers": ("loss_curves", "optimizer_ranking"),
    "ising_phase": ("accuracy_heatmaps", "output_vs_temperature"),
}
# The figure that answers each study's question, shown on the report's
# summary page.
HEADLINE_FIGURES = {
    "learning_rate_vs_size": "accuracy_heatmap",
    "feature_sets": "auc_comparison",
    "regularisation": "generalisation_gap",
    "activations": "gradient_norms",
    "initialisation": "phase_diagram",
    "optimizers": "loss_curves",
    "ising_phase": "accuracy_heatmaps",
}

# The lecture's figure: test accuracy over learning rate x training-set size.
HEATMAP_DEFAULTS = {"x": "learning_rate", "y": "n_train", "metric": "accuracy"}


def heatmap_settings(study: dict) -> dict:
    """A study's heat-map axes and metric, defaults filled in."""
    return dict(HEATMAP_DEFAULTS, **(study.get("heatmap") or {}))


BOOSTING_DEFAULTS = {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 31}

# Blocks that one study alone reads; under another they would do nothing.
STUDY_ONLY_BLOCKS = {
    "heatmap": "learning_rate_vs_size",
    "gradient_boosting": "feature_sets",
    "learning_rates": "optimizers",
    "target_loss": "optimizers",
}

# Studies that choose a setting within each value of one setting before
# choosing among those: each optimiser gets its own learning rate.
SELECTION_GROUPS = {"optimizers": "optimizer"}


def selected_studies(config: dict) -> dict[str, dict[str, dict]]:
    """The points of every study that ``run_studies`` selects.

    Returns {study: {point name: settings}}; names are checked, and every
    setting is checked with a message that names its config key.
    """
    chosen = config.get("run_studies", "all")
    studies = config.get("studies") or {}
    for name, study in studies.items():
        if name not in STUDIES:
            raise ConfigError(
                f"config key studies.{name}: unknown study; expected one of "
                f"{', '.join(STUDIES)}"
            )
        for block, owner in STUDY_ONLY_BLOCKS.items():
            if name != owner and block in (study or {}):
                raise ConfigError(
                    f"config key studies.{name}.{block}: only the {owner} study uses it"
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
    points = {
        name: (optimizer_study_points if name == "optimizers" else study_points)(
            config.get("training"), name, studies[name]
        )
        for name in names
    }
    if "ising_phase" in points:
        check_one_hidden_layer(points["ising_phase"])
    return points


def check_one_hidden_layer(points: dict[str, dict]) -> None:
    """NB12's networks have one hidden layer: the ising_phase study varies
    its width only (``points`` of that study)."""
    for name, point in points.items():
        if len(point["hidden_layers"]) != 1:
            raise ConfigError(
                "config key studies.ising_phase.grid.hidden_layers: expected "
                f"networks of one hidden layer ([width]); point {name!r} has "
                f"{point['hidden_layers']}"
            )


def optimizer_study_points(
    training: dict | None, name: str, study: dict
) -> dict[str, dict]:
    """Points of the optimiser study: each optimiser of ``grid.optimizer`` at
    each of its own learning rates (``learning_rates``), times the grid's
    other axes (seeds)."""
    key = f"studies.{name}"
    grid = dict(study.get("grid") or {})
    if "learning_rate" in grid:
        raise ConfigError(
            f"config key {key}.grid.learning_rate: this study takes each "
            f"optimizer's learning rates from {key}.learning_rates"
        )
    names = checked_values(
        "optimizer", grid.pop("optimizer", None), f"{key}.grid.optimizer"
    )
    if len(set(names)) < len(names):
        raise ConfigError(
            f"config key {key}.grid.optimizer: an optimizer is listed twice"
        )
    rates = study.get("learning_rates") or {}
    if not isinstance(rates, dict):
        raise ConfigError(
            f"config key {key}.learning_rates: expected a list of learning "
            f"rates per optimizer, got {rates!r}"
        )
    for optimizer in rates:
        if optimizer not in names:
            raise ConfigError(
                f"config key {key}.learning_rates.{optimizer}: {optimizer!r} is "
                f"not in {key}.grid.optimizer"
            )
    configured_target_loss(study, key)
    points = {}
    for optimizer in names:
        if optimizer not in rates:
            raise ConfigError(
                f"config key {key}.learning_rates: no learning rates for "
                f"optimizer {optimizer!r} of {key}.grid.optimizer"
            )
        values = checked_values(
            "learning_rate", rates[optimizer], f"{key}.learning_rates.{optimizer}"
        )
        own = dict(grid, optimizer=[optimizer], learning_rate=values)
        points.update(study_points(training, name, dict(study, grid=own)))
    return points


def configured_target_loss(study: dict, key: str = "studies.optimizers") -> float | str:
    """The optimiser study's ``target_loss``: a positive number, or ``auto``
    (the default: optimizer_study.target_loss resolves it)."""
    value = study.get("target_loss", "auto")
    if value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(
            f"config key {key}.target_loss: expected auto or a positive number, "
            f"got {value!r}"
        )
    return float(value)


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


SUMMARY_METRICS = (
    "accuracy",
    "roc_auc",
    "log_loss",
    "signal_efficiency_at_90_rejection",
    "signal_efficiency_at_99_rejection",
    "val_accuracy",
    "val_roc_auc",
    "val_log_loss",
    "val_signal_efficiency_at_90_rejection",
    "val_signal_efficiency_at_99_rejection",
    "train_accuracy",
    "train_roc_auc",
    "train_log_loss",
    # The Ising model's critical configurations (2.0 <= T <= 2.5).
    "critical_accuracy",
    "critical_roc_auc",
    "critical_log_loss",
    "generalisation_gap",
    "final_loss",
    "final_val_loss",
    "delta_ratio_initial",
    "delta_ratio_final",
    "diverged",
)

# Metrics where lower is better; the others are maximised.
LOWER_IS_BETTER = {
    "log_loss",
    "train_log_loss",
    "critical_log_loss",
    "final_loss",
    "final_val_loss",
}


def selection_metric(name: str, study: dict) -> str:
    """The metric that chooses a study's best setting (on validation data)."""
    if name == "learning_rate_vs_size":
        return heatmap_settings(study)["metric"]
    return {"feature_sets": "roc_auc", "optimizers": "log_loss"}.get(name, "accuracy")


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
    ``<metric>_mean`` and ``<metric>_std`` (std is 0 for a single seed), and
    the test set's size (``n_events``, ``n_signal``) for statistical errors.
    ``diverged_mean`` is the fraction of seeds whose training diverged;
    ``points`` names the runs (seeds ascending).
    """
    axes = [axis for axis in AXIS_COLUMNS if axis in table and axis != "seed"]
    metrics = [metric for metric in SUMMARY_METRICS if metric in table]
    grouped = table.groupby(axes, dropna=False, sort=True)
    summary = grouped[metrics].agg(["mean", "std"])
    summary.columns = [f"{metric}_{statistic}" for metric, statistic in summary.columns]
    summary = summary.fillna({f"{m}_std": 0.0 for m in metrics})
    summary.insert(0, "seeds", grouped.size())
    # The sizes of the test set and of further evaluation sets (critical_).
    for column in table.columns:
        if column.endswith(("n_events", "n_signal")):
            summary[column] = grouped[column].first()
    if "point" in table:
        # The setting's runs, seeds ascending: where its numbers came from.
        by_seed = table.sort_values(["seed", "point"] if "seed" in table else "point")
        runs = by_seed.groupby(axes, dropna=False, sort=True)["point"]
        summary["points"] = runs.agg(" ".join)
    return summary.reset_index()


def best_setting(summary: pd.DataFrame, metric: str) -> pd.Series:
    """The row of ``summary`` with the best mean validation ``metric``.

    Settings tied on it (several networks at a validation accuracy of 1 on
    the Ising phases) are told apart by the validation log-loss: the most
    confident of them is chosen, not the first in the table.
    """
    column = f"val_{metric}_mean"
    lower = metric in LOWER_IS_BETTER
    best = summary[column].min() if lower else summary[column].max()
    tied = summary[summary[column] == best]
    if len(tied) > 1 and "val_log_loss_mean" in tied:
        return tied.loc[tied["val_log_loss_mean"].idxmin()]
    return tied.iloc[0]


def statistical_error(metric: str, value: float, n_events: int, n_signal: int):
    """The test sample's statistical error on ``value``, where one is known.

    Accuracy: binomial, sqrt(a (1 - a) / n). ROC AUC: Hanley and McNeil
    (Radiology 143, 29, 1982). Other metrics: None.
    """
    if metric == "accuracy":
        return float(np.sqrt(value * (1 - value) / n_events))
    if metric == "roc_auc":
        n_background = n_events - n_signal
        q1, q2 = value / (2 - value), 2 * value**2 / (1 + value)
        variance = (
            value * (1 - value)
            + (n_signal - 1) * (q1 - value**2)
            + (n_background - 1) * (q2 - value**2)
        ) / (n_signal * n_background)
        return float(np.sqrt(variance))
    return None


MODEL_WORDS = {"network": "network", "gradient_boosting": "boosted trees"}


def metric_words(metric: str) -> str:
    """A metric as words: ``roc_auc`` -> ``ROC AUC``."""
    return metric.replace("_", " ").replace("roc auc", "ROC AUC")


def selected_setting(summary: pd.DataFrame, metric: str) -> dict:
    """The setting the validation data chose, and its scores, as plain values.

    ``points`` are its runs (one per seed, seeds ascending); the test score
    carries the test sample's statistical error (None where none is known)
    and, as ``std``, the spread over seeds. This is selection.json, which the
    report's summary and the overtraining figure read.
    """
    best = best_setting(summary, metric)
    # The settings that vary among models of the chosen kind (the trees have
    # none of the networks' settings); depth is in hidden_layers.
    kind = summary[summary["model"] == best["model"]] if "model" in summary else summary
    axes = [axis for axis in varied_axes(kind) if axis != "depth"]
    settings = {axis: plain_value(best[axis]) for axis in axes}
    label = setting_label(settings) or "the only setting"
    if "model" in summary and summary["model"].nunique() > 1:
        label = f"{MODEL_WORDS.get(best['model'], best['model'])}, {label}"
    return {
        "metric": metric,
        "lower_is_better": metric in LOWER_IS_BETTER,
        "settings_compared": len(summary),
        "label": label,
        "model": best.get("model", "network"),
        "settings": settings,
        "points": best["points"].split() if "points" in best else [],
        "seeds": int(best["seeds"]),
        "validation": {
            "mean": float(best[f"val_{metric}_mean"]),
            "std": float(best[f"val_{metric}_std"]),
        },
        "test": _held_out_score(best, metric, ""),
        # The scores on further evaluation sets, e.g. the Ising model's
        # critical configurations: {set: score as for test}.
        "further": {
            part: _held_out_score(best, metric, f"{part}_")
            for part in FURTHER_SETS
            if f"{part}_{metric}_mean" in best
        },
        "diverged_fraction": float(best.get("diverged_mean", 0.0)),
    }


def _held_out_score(best: pd.Series, metric: str, prefix: str) -> dict:
    """Mean, spread over seeds and statistical error of the chosen setting's
    ``metric`` on a held-out set (``prefix`` "" for the test set)."""
    value = float(best[f"{prefix}{metric}_mean"])
    n_events = best.get(f"{prefix}n_events")
    n_signal = best.get(f"{prefix}n_signal")
    known = n_events is not None and not pd.isna(n_events)
    return {
        "mean": value,
        "std": float(best[f"{prefix}{metric}_std"]),
        "stat_error": statistical_error(metric, value, int(n_events), int(n_signal))
        if known
        else None,
        "n_events": int(n_events) if known else None,
    }


def selection_note(selected: dict) -> str:
    """The text of ``selected_setting``: the chosen setting and its scores."""
    words = metric_words(selected["metric"])
    seeds = selected["seeds"]

    def spread(score: dict) -> str:
        return f" ± {score['std']:.4f} (std over {seeds} seeds)" if seeds > 1 else ""

    validation, test = selected["validation"], selected["test"]
    stat = (
        f" ± {test['stat_error']:.4f} (stat., {test['n_events']} test events)"
        if test["stat_error"] is not None
        else ""
    )
    lines = [
        f"Selected on the validation set, by the best validation {words} of "
        f"{selected['settings_compared']} settings: {selected['label']}",
        f"  validation {words}: {validation['mean']:.4f}{spread(validation)}",
        f"  test {words}: {test['mean']:.4f}{stat}{spread(test)}",
    ]
    for part, score in selected.get("further", {}).items():
        lines.append(
            f"  {part} set {words}: {score['mean']:.4f}"
            + (
                f" ± {score['stat_error']:.4f} (stat., {score['n_events']} events)"
                if score["stat_error"] is not None
                else ""
            )
            + spread(score)
        )
    if selected["diverged_fraction"] > 0:
        lines.append("  (some seeds of this setting diverged)")
    return "\n".join(lines)


def plain_value(value):
    """A table cell as the Python value the config gave (for ``format_value``)."""
    # Settings left unset (None) come back from the CSV tables as NaN.
    if pd.isna(value):
        return None
    # numpy scalars (np.True_, np.int64) format as their Python values.
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class AxisDomain:
    """Where a numeric setting can go, for advice on extending a grid.

    ``low``/``high`` are hard bounds (``*_open``: the bound itself is not
    allowed); ``log`` axes step by decades, the others by their grid
    spacing; ``resource`` axes (training events, epochs) are not tuned: more
    of them helps until the data run out.
    """

    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    log: bool = False
    integer: bool = False
    resource: bool = False


PROBABILITY = AxisDomain(low=0, high=1, high_open=True)
AXIS_DOMAINS = {
    "learning_rate": AxisDomain(low=0, low_open=True, log=True),
    "min_learning_rate": AxisDomain(low=0, log=True),
    "learning_rate_decay": AxisDomain(low=1),
    "l2": AxisDomain(low=0, log=True),
    "dropout": PROBABILITY,
    "momentum": PROBABILITY,
    "final_momentum": PROBABILITY,
    "momentum_ramp_epochs": AxisDomain(low=1, integer=True),
    "batch_size": AxisDomain(low=1, log=True, integer=True),
    "patience": AxisDomain(low=1, integer=True),
    "weight_scale": AxisDomain(low=0, low_open=True),
    "bias_scale": AxisDomain(low=0),
    "depth": AxisDomain(low=1, integer=True),
    "n_train": AxisDomain(low=1, log=True, integer=True, resource=True),
    "epochs": AxisDomain(low=1, integer=True, resource=True),
}


def next_value(domain: AxisDomain, values: list, side: str):
    """The value one step beyond the grid's edge on ``side``, or None.

    One decade beyond on a log axis, one grid step on a linear one; a step
    that crosses a hard bound stops at the bound (half-way to an open one),
    and an edge on its bound has nowhere to go.
    """
    edge, neighbour = (values[-1], values[-2]) if side == "above" else values[:2]
    if domain.log and edge > 0 and neighbour > 0:
        candidate = edge * 10 if side == "above" else edge / 10
    else:
        candidate = edge + (edge - neighbour)
    bound, is_open = (
        (domain.high, domain.high_open)
        if side == "above"
        else (domain.low, domain.low_open)
    )
    if bound is not None:
        beyond = candidate > bound if side == "above" else candidate < bound
        if beyond or (is_open and candidate == bound):
            if edge == bound:
                return None
            candidate = (edge + bound) / 2 if is_open else bound
    if domain.integer:
        candidate = round(candidate)
        if candidate == edge:
            return None
    return candidate


def grid_edge_warnings(
    summary: pd.DataFrame, metric: str, group: str | None = None
) -> list[str]:
    """Advice where the validation-selected setting lies on a numeric axis's edge.

    An axis needs at least three values for its optimum to be inside. Axes
    listed in AXIS_DOMAINS are advised within their hard bounds with a
    concrete next value; resources (training events, epochs) at their
    largest value are reported as still helping, not as a tuning edge. Only
    networks count (the boosted trees have no such settings). With ``group``
    (SELECTION_GROUPS), each value of that setting has its own choice and its
    own check, named in its warnings: ``optimizer sgd: the best ...``.
    """
    if group is not None:
        return [
            f"{group} {format_value(plain_value(value))}: {warning}"
            for value, rows in summary.groupby(group, sort=False)
            for warning in grid_edge_warnings(rows, metric)
        ]
    if "model" in summary:
        summary = summary[summary["model"] == "network"]
    if summary.empty:
        return []
    best = best_setting(summary, metric)
    words = f"validation {metric_words(metric)}"
    warnings = []
    for axis in varied_axes(summary):
        values = _numbers(summary[axis])
        if values is None:
            continue
        distinct = sorted(values.dropna().unique())
        chosen = values.loc[best.name]
        if len(distinct) < 3 or chosen not in (distinct[0], distinct[-1]):
            continue
        side = "above" if chosen == distinct[-1] else "below"
        domain = AXIS_DOMAINS.get(axis, AxisDomain())
        # From the column, not the row: a row of mixed columns holds floats.
        edge = format_value(
            plain_value(distinct[-1] if side == "above" else distinct[0])
        )
        if domain.resource:
            if side == "above":
                warnings.append(
                    f"the best {words} lies at the largest {axis} = {edge}: "
                    f"more {axis_label(axis)} still help (a resource, not a "
                    "setting to tune)"
                )
            continue
        beyond = next_value(domain, [plain_value(v) for v in distinct], side)
        if beyond is None:
            continue
        warnings.append(
            f"the best {words} lies at {axis} = {edge}, the edge of the grid: "
            f"the optimum may lie beyond the grid; extend {axis} {side} {edge} "
            f"(next: {format_value(beyond)})"
        )
    return warnings


def _numbers(values: pd.Series) -> pd.Series | None:
    """A numeric setting's column as numbers (None for text or true/false).

    Where the boosted trees share a table, the networks' numeric settings
    come back from CSV as text (the trees' cells read "none").
    """
    if values.dtype == bool:
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers if numbers.notna().all() else None


def chi_1(sigma_w: float, sigma_b: float) -> float:
    """Mean-field slope chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2] of a deep tanh network.

    Mean-field theory of wide random networks (Poole et al. 2016; Schoenholz
    et al. 2017): a pre-activation's variance settles at the fixed point
    q* = sigma_w^2 E[tanh(sqrt(q*) z)^2] + sigma_b^2 (z standard normal), and
    chi_1 is the factor by which the mean square of the backpropagated error
    grows per layer, towards the input: chi_1 < 1 is the ordered phase
    (vanishing gradients), chi_1 > 1 the chaotic one (exploding gradients).
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(101)
    weights = weights / weights.sum()

    def excess(q: float) -> float:
        """Next layer's variance minus this one's: > 0 below q*, < 0 above."""
        spread = np.sum(weights * np.tanh(np.sqrt(q) * nodes) ** 2)
        return sigma_w**2 * spread + sigma_b**2 - q

    # Bisection, not iteration of the map: near sigma_w = 1, sigma_b = 0 the
    # map converges only like 1/layer. Without biases and sigma_w <= 1 it
    # closes in on q* = 0.
    low, high = 0.0, sigma_w**2 + sigma_b**2
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if excess(middle) > 0 else (low, middle)
    q = 0.5 * (low + high)
    slope = 1.0 - np.tanh(np.sqrt(q) * nodes) ** 2
    return float(sigma_w**2 * np.sum(weights * slope**2))


def mean_field_delta_ratio(
    sigma_w: float, sigma_b: float, depth: int, width: int
) -> float:
    """Mean-field RMS(Delta^1) / RMS(Delta^L) of ``depth`` tanh layers, the
    first ``width`` wide.

    Backpropagating from layer l+1 (N_(l+1) neurons) to layer l (N_l), whose
    weights have variance sigma_w^2 / N_l, multiplies the error's mean square
    by chi_1 N_(l+1) / N_l. From the single output neuron down to the first
    hidden layer the widths telescope: the ratio of mean squares is
    chi_1^depth / N_1.
    """
    return float(np.sqrt(chi_1(sigma_w, sigma_b) ** depth / width))


def order_chaos_boundary(bias_scales: np.ndarray) -> np.ndarray:
    """Critical weight scale sigma_w* (chi_1 = 1) of deep tanh networks for
    each bias scale sigma_b: the order-to-chaos boundary (see ``chi_1``)."""
    boundary = []
    for sigma_b in np.atleast_1d(bias_scales):
        low, high = 0.5, 10.0
        for _ in range(60):
            middle = 0.5 * (low + high)
            low, high = (middle, high) if chi_1(middle, sigma_b) < 1 else (low, middle)
        boundary.append(0.5 * (low + high))
    return np.array(boundary)


def aggregate_study(
    metrics: list[str],
    histories: list[str],
    gradients: list[str],
    metric: str,
    outputs: dict[str, str],
    group: str | None = None,
) -> list[str]:
    """Write a study's run table, seed summary, selection and grid-edge notes.

    ``histories`` and ``gradients`` are the runs' history.csv and
    gradient_norms.csv, each in its point's directory. ``outputs`` has the
    keys ``table``, ``summary``, ``ranked`` (HTML, ``ranked_settings``),
    ``selection`` (text), ``selection_json`` (``selected_setting`` with the
    grid-edge warnings and ``selected_run_facts``) and ``grid_edge``.
    ``metric`` chooses the best setting on the validation data; ``group``
    (SELECTION_GROUPS) checks the grid's edges per value of that setting.
    Returns the selection note and the grid-edge warnings.
    """
    reports = read_reports(metrics)
    table = metrics_table(reports, _by_point(histories), _by_point(gradients))
    summary = summarise(table)
    write_table(table, outputs["table"])
    write_table(summary, outputs["summary"])
    write_ranked_page(summary, metric, outputs["ranked"])
    selected = selected_setting(summary, metric)
    selection = selection_note(selected)
    warnings = grid_edge_warnings(summary, metric, group)
    note = "\n".join(warnings) or (
        f"The best validation {metric_words(metric)}"
        + (f" of every {group}" if group else "")
        + " lies inside the grid on every numeric axis with three or more values."
    )
    record = json.dumps(
        dict(
            selected,
            grid_edge=warnings,
            **selected_run_facts(selected, reports),
        ),
        indent=2,
    )
    for key, text in (
        ("selection", selection),
        ("selection_json", record),
        ("grid_edge", note),
    ):
        with atomic_path(outputs[key]) as tmp:
            tmp.write_text(text + "\n")
    return [selection, *warnings]


def selected_run_facts(selected: dict, reports: list[dict]) -> dict:
    """What the figures and the report's summary need from the runs'
    metrics.json ``reports``: the overtraining check of the chosen setting's
    first run (``seed``, ``overtraining``; found by point name and model: the
    boosted trees share the networks' point names), and the distinct
    ``provenances`` (package versions, git commit) of all runs.

    Gathered here so that those rules read selection.json alone, not every
    point's metrics.json (thousands of inputs on a large grid).
    """
    first = selected["points"][0] if selected["points"] else None
    facts = {"seed": None, "overtraining": None, "provenances": []}
    for report in reports:
        provenance = {
            key: report["provenance"].get(key) for key in ("versions", "git_commit")
        }
        if provenance not in facts["provenances"]:
            facts["provenances"].append(provenance)
        model = report["settings"].get("model", "network")
        if report["point"] == first and model == selected["model"]:
            facts["seed"] = report["settings"]["seed"]
            facts["overtraining"] = report.get("overtraining")
    return facts


def ranked_settings(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Every setting, best validation ``metric`` first, its scores as text.

    The columns are the settings that vary, the number of seeds, and the
    validation and test ``metric``: the mean, ± the std over seeds where
    several ran, and for the test score also the test sample's statistical
    error, where one is known.
    """
    lower = metric in LOWER_IS_BETTER
    ranked = summary.sort_values(f"val_{metric}_mean", ascending=lower, kind="stable")
    # The settings that vary among models of one kind (the boosted trees
    # have none of the networks' settings), and the kind where there are two.
    kinds = [summary]
    if "model" in summary:
        kinds = [rows for _, rows in summary.groupby("model", sort=False)]
    axes = ["model"] if len(kinds) > 1 else []
    for kind in kinds:
        axes += [a for a in varied_axes(kind) if a not in ("depth", *axes)]
    words = metric_words(metric)
    rows = []
    for _, row in ranked.iterrows():
        seeds = int(row["seeds"])

        def spread(column: str, seeds=seeds, row=row) -> str:
            return f" ± {row[column]:.4f}" if seeds > 1 else ""

        test = row[f"{metric}_mean"]
        stat = (
            statistical_error(metric, test, row["n_events"], row["n_signal"])
            if "n_events" in row
            else None
        )
        stat_text = f" ± {stat:.4f} (stat.)" if stat is not None else ""
        rows.append(
            {
                **{axis: format_value(plain_value(row[axis])) for axis in axes},
                "seeds": seeds,
                f"validation {words}": f"{row[f'val_{metric}_mean']:.4f}"
                + spread(f"val_{metric}_std"),
                f"test {words}": f"{test:.4f}{stat_text}" + spread(f"{metric}_std"),
            }
        )
    return pd.DataFrame(rows)


# The ranked table as a page of its own: the report shows HTML results in
# place (CSV files it only offers for download).
RANKED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: sans-serif; font-size: 14px; margin: 1em; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 4px 10px; border-bottom: 1px solid #ccc; text-align: left; }}
tbody tr:first-child {{ font-weight: bold; }}
</style></head><body>
<p>{title}. Settings ranked by the validation {words} (mean ± std over
seeds); the first row is the chosen one. Test scores: mean, the test
sample's statistical error where known, ± std over seeds; they choose
nothing.</p>
{table}
</body></html>
"""


def write_ranked_page(summary: pd.DataFrame, metric: str, path: str | Path) -> None:
    table = ranked_settings(summary, metric).to_html(index=False, border=0)
    page = RANKED_PAGE.format(
        title="Settings ranked on validation", words=metric_words(metric), table=table
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page)


def _by_point(paths: list[str]) -> dict[str, str]:
    """Files keyed by their point: the name of the directory they are in."""
    return {Path(path).parent.name: path for path in paths}
