"""Each study's figures, from its tables and its runs' files.

One function per study, called by the study's plotting rule with the rule's
inputs, parameters and outputs (output names ``<figure>_png``,
``<figure>_pdf``).
"""

from collections import defaultdict
from pathlib import Path

import pandas as pd

from .aggregate import write_table
from .grid import setting_label
from .optimizer_study import chosen_runs, chosen_settings, optimizer_table, target_loss
from .plots import plot_heatmap, plot_learning_curves, plot_roc_overlay
from .studies import (
    SELECTION_GROUPS,
    best_setting,
    grid_edge_warnings,
    heatmap_settings,
    mean_field_delta_ratio,
    order_chaos_boundary,
    selection_metric,
    varied_axes,
)
from .study_plots import (
    auc_comparison_table,
    plot_auc_comparison,
    plot_generalisation_gap,
    plot_gradient_norms,
    plot_optimizer_curves,
    plot_optimizer_ranking,
    plot_phase_diagram,
)
from .susy.published import BALDI_AUC, NB13_SOURCE, nb13_by_training_size


def learning_rate_vs_size_figures(inputs, params, outputs) -> None:
    summary = pd.read_csv(inputs.summary)
    heatmap = heatmap_settings(params.settings)
    x, y, metric = heatmap["x"], heatmap["y"], heatmap["metric"]
    # NB13's numbers are for real data only; beside a simulation they mislead.
    # They sit at NB13's training size, 0.8 N of the N rows it read.
    nb13 = (x, y, metric) == ("learning_rate", "n_train", "accuracy")
    best = best_setting(summary, metric)
    plot_heatmap(
        summary,
        x,
        y,
        metric,
        _paths(outputs, "accuracy_heatmap"),
        reference=nb13_by_training_size() if nb13 and params.real_data else None,
        reference_label=f"{NB13_SOURCE}\n(trained on 0.8 N, tested on 0.2 N rows)",
        warnings=grid_edge_warnings(summary, metric),
        selected=(best[x], best[y]),
    )
    panels = _panels(params.points, inputs.histories, order=(y, x))
    plot_learning_curves(panels, _paths(outputs, "learning_curves"))
    plot_roc_overlay(inputs.metrics, _paths(outputs, "roc_overlay"))


def feature_sets_figures(inputs, params, outputs) -> None:
    # Published AUCs only beside results on the same (real) data.
    table = auc_comparison_table(
        pd.read_csv(inputs.summary), BALDI_AUC if params.real_data else None
    )
    write_table(table, outputs["auc_table"])
    plot_auc_comparison(table, _paths(outputs, "auc_comparison"))
    # One seed per setting keeps the ROC overlay readable.
    runs = pd.read_csv(inputs.table)
    first_seed = set(runs.loc[runs["seed"] == runs["seed"].min(), "point"])
    metrics = [path for path in inputs.metrics if Path(path).parent.name in first_seed]
    plot_roc_overlay(metrics, _paths(outputs, "roc_overlay"))


def regularisation_figures(inputs, params, outputs) -> None:
    summary = pd.read_csv(inputs.summary)
    settings = varied_axes(summary)
    panels = _panels(params.points, inputs.histories, order=settings)
    plot_learning_curves(panels, _paths(outputs, "learning_curves"))
    plot_generalisation_gap(summary, settings, _paths(outputs, "generalisation_gap"))


def activations_figures(inputs, params, outputs) -> None:
    metric = selection_metric("activations", params.settings)
    runs = [
        {
            "activation": settings["activation"],
            "depth": len(settings["hidden_layers"]),
            "gradients": path,
        }
        for settings, path in zip(params.points.values(), inputs.gradients, strict=True)
    ]
    plot_gradient_norms(runs, _paths(outputs, "gradient_norms"))
    summary = pd.read_csv(inputs.summary)
    best = best_setting(summary, metric)
    plot_heatmap(
        summary,
        "depth",
        "activation",
        metric,
        _paths(outputs, "accuracy_heatmap"),
        warnings=grid_edge_warnings(summary, metric),
        selected=(best["depth"], best["activation"]),
    )


def initialisation_figures(inputs, params, outputs) -> None:
    summary = pd.read_csv(inputs.summary)
    bias_scales = sorted(summary["bias_scale"].unique())
    boundary = dict(
        zip(bias_scales, order_chaos_boundary(bias_scales).tolist(), strict=True)
    )
    # The study's network (the same in every point).
    widths = next(iter(params.points.values()))["hidden_layers"]
    theory = {
        (w, b): mean_field_delta_ratio(w, b, len(widths), widths[0])
        for w in summary["weight_scale"].unique()
        for b in bias_scales
    }
    # On the boundary (chi_1 = 1) only the first layer's width remains.
    critical_ratio = mean_field_delta_ratio(1.0, 0.0, 0, widths[0])
    plot_phase_diagram(
        summary, boundary, theory, critical_ratio, _paths(outputs, "phase_diagram")
    )


def optimizers_figures(inputs, params, outputs) -> None:
    summary = pd.read_csv(inputs.summary)
    chosen = chosen_settings(summary)
    runs = chosen_runs(chosen, inputs.histories, inputs.metrics)
    table = optimizer_table(chosen, runs, target_loss(params.settings, runs))
    write_table(table, outputs["optimizer_table"])
    plot_optimizer_curves(table, runs, _paths(outputs, "loss_curves"))
    warnings = grid_edge_warnings(
        summary,
        selection_metric("optimizers", params.settings),
        SELECTION_GROUPS["optimizers"],
    )
    plot_optimizer_ranking(table, _paths(outputs, "optimizer_ranking"), warnings)


def _paths(outputs, figure: str) -> list[str]:
    return [outputs[f"{figure}_png"], outputs[f"{figure}_pdf"]]


def _panels(points: dict, histories: list[str], order) -> dict[str, list[str]]:
    """Learning curves grouped by setting (seeds together), in ``order``'s order.

    Panels are sorted by the settings in ``order``, the first descending (as
    a heat-map's rows read top to bottom), the rest ascending.
    """
    groups = defaultdict(list)
    for settings, path in zip(points.values(), histories, strict=True):
        key = tuple(settings[axis] for axis in order)
        groups[key].append(path)

    def sort_key(key):
        first, *rest = (_sortable(value) for value in key)
        rank, value = first
        return ((rank, -value) if rank == 1 else first, *rest)

    return {
        setting_label(dict(zip(order, key, strict=True))): groups[key]
        for key in sorted(groups, key=sort_key)
    }


def _sortable(value) -> tuple:
    """Settings of mixed kinds in one order: None, then numbers, then text."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))
