"""Figures of the lecture's studies, drawn from their summaries (mean ± std over seeds).

* feature sets: our test AUC beside Baldi et al.'s published one;
* regularisation: training against test accuracy, and the gap between them;
* activations: backpropagated error and weight gradient per layer (vanishing
  or exploding gradients);
* initialisation: validation loss and the first/output-layer ratio of the
  backpropagated error over the weight and bias scales, measured and as
  mean-field theory predicts it, with the order-to-chaos boundary;
* optimisers: validation loss per epoch and per training second of each
  optimiser at its chosen learning rate, and their ranking.

Every figure is written to each of the given paths (PNG, PDF) by ``save_figure``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.ticker import MaxNLocator

from .grid import OPTIMIZERS, format_value, setting_label

# plots.py selects the Agg backend before importing pyplot: take pyplot from it.
from .plots import OKABE_ITO, _add_warnings, plt, save_figure
from .studies import plain_value
from .susy.columns import FEATURE_SETS
from .susy.published import BALDI_AUC, BALDI_SOURCE

MODEL_ORDER = ("BDT", "NN", "NN + dropout", "DN", "DN + dropout")
MODEL_DESCRIPTIONS = {
    "BDT": "BDT: gradient-boosted trees",
    "NN": "NN: network, 1 hidden layer",
    "NN + dropout": "NN + dropout",
    "DN": "DN: deep network, 2+ hidden layers",
    "DN + dropout": "DN + dropout",
}
MODEL_COLOURS = dict(zip(MODEL_ORDER, ("C0", "C1", "C3", "C2", "C4"), strict=True))
FEATURE_ORDER = tuple(FEATURE_SETS)  # low, high, all
FEATURE_DESCRIPTIONS = {
    "low": "low-level",
    "high": "high-level",
    "all": "all",
}


def auc_comparison_table(
    summary: pd.DataFrame, published: dict | None = BALDI_AUC
) -> pd.DataFrame:
    """Our test AUC beside the published one, per model kind and feature set.

    ``summary`` is the feature-set study's ``studies.summarise`` table, with
    columns ``features``, ``depth`` and (where trees were trained too)
    ``model``. Each row is labelled as in Baldi et al.: ``BDT`` (gradient
    boosting), ``NN`` (a network with one hidden layer) or ``DN`` (a deeper
    one), ``+ dropout`` where dropout was on. ``published`` maps label ->
    feature set -> (AUC, std); a missing entry gives NaN; None (results not
    on the paper's data) leaves the published columns out. Rows are ordered
    as MODEL_ORDER and low, high, all.
    """
    if "depth" not in summary:
        raise ValueError(
            "the summary has no 'depth' column, so networks with one hidden "
            "layer (NN) cannot be told from deeper ones (DN)"
        )
    models = summary["model"] if "model" in summary else "network"
    # The trees have no dropout: their cells read "none".
    dropout = (
        pd.to_numeric(summary["dropout"], errors="coerce").fillna(0) > 0
        if "dropout" in summary
        else False
    )
    networks = np.where(summary["depth"] == 1, "NN", "DN")
    networks = np.where(dropout, np.char.add(networks, " + dropout"), networks)
    labels = np.where(models == "gradient_boosting", "BDT", networks)
    table = pd.DataFrame(
        {
            "model": labels,
            "features": summary["features"].to_numpy(),
            "auc_mean": summary["roc_auc_mean"].to_numpy(),
            "auc_std": summary["roc_auc_std"].to_numpy(),
            "seeds": summary["seeds"].to_numpy(),
        }
    )
    repeated = table[table.duplicated(["model", "features"], keep=False)]
    if not repeated.empty:
        pairs = sorted(set(zip(repeated["model"], repeated["features"], strict=True)))
        raise ValueError(
            "several settings of the summary share a model and feature set "
            f"(other settings vary too?): {pairs}"
        )
    if published is not None:
        entries = [
            published.get(model, {}).get(features, (np.nan, np.nan))
            for model, features in zip(table["model"], table["features"], strict=True)
        ]
        table["published_auc"] = [auc for auc, _ in entries]
        table["published_std"] = [std for _, std in entries]
        table["published_source"] = BALDI_SOURCE
    order = sorted(
        table.index,
        key=lambda row: (
            MODEL_ORDER.index(table.at[row, "model"]),
            _feature_rank(table.at[row, "features"]),
            table.at[row, "features"],
        ),
    )
    return table.loc[order].reset_index(drop=True)


def _feature_rank(features: str) -> int:
    """Position of a feature set in low, high, all; unknown sets go last."""
    return (
        FEATURE_ORDER.index(features)
        if features in FEATURE_ORDER
        else len(FEATURE_ORDER)
    )


def plot_auc_comparison(table: pd.DataFrame, paths: list[str | Path]) -> None:
    """Grouped bars of our AUC per feature set and model, published AUC beside each.

    ``table`` is ``auc_comparison_table``'s output. Bars are our mean over
    seeds with the std as error bar; where the table has published values
    (results on the paper's data), the black-edged marker right of each bar
    is Baldi et al.'s value with its std.
    """
    published = "published_auc" in table
    feature_sets = list(dict.fromkeys(table["features"]))
    models = list(dict.fromkeys(table["model"]))
    # Each feature set gets a group 0.8 wide: one slot per model, holding our
    # bar on its left and the published marker on its right.
    slot = 0.8 / len(models)
    figure, axes = plt.subplots(figsize=(2.6 * len(feature_sets) + 5, 5))
    # Zoom in: the AUCs differ in the second decimal, bars from 0 would hide it.
    ranges = [(table["auc_mean"], table["auc_std"])]
    if published:
        ranges.append((table["published_auc"], table["published_std"]))
    low = np.nanmin([value - spread for value, spread in ranges])
    high = np.nanmax([value + spread for value, spread in ranges])
    bottom = low - 0.02
    axes.set_ylim(bottom, high + 0.01)
    for model_index, model in enumerate(models):
        rows = table[table["model"] == model]
        centres = (
            np.array([feature_sets.index(f) for f in rows["features"]])
            - 0.4
            + slot * (model_index + 0.5)
        )
        colour = MODEL_COLOURS[model]
        bars = axes.bar(
            centres - 0.15 * slot,
            rows["auc_mean"],
            width=0.6 * slot,
            yerr=rows["auc_std"],
            capsize=3,
            color=colour,
        )
        # Our value written at the foot of its bar, clear of the error bars.
        for bar, auc in zip(bars, rows["auc_mean"], strict=True):
            axes.text(
                bar.get_x() + bar.get_width() / 2,
                bottom + 0.002,
                f"{auc:.3f}",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=8,
                color="white",
            )
        if published:
            axes.errorbar(
                centres + 0.3 * slot,
                rows["published_auc"],
                yerr=rows["published_std"],
                fmt="D",
                color=colour,
                markeredgecolor="black",
                ecolor="black",
                capsize=3,
            )
    axes.set_xticks(
        range(len(feature_sets)),
        [
            f"{FEATURE_DESCRIPTIONS.get(name, name)} features"
            + (f" ({len(FEATURE_SETS[name])})" if name in FEATURE_SETS else "")
            for name in feature_sets
        ],
    )
    axes.set_xlabel("input features (how many)")
    axes.set_ylabel("test ROC AUC")
    axes.set_title(
        "Signal vs background: our test AUC"
        + (" beside Baldi et al. 2014" if published else "")
    )
    axes.grid(axis="y", alpha=0.3)
    handles = [
        plt.Rectangle(
            (0, 0), 1, 1, color=MODEL_COLOURS[model], label=MODEL_DESCRIPTIONS[model]
        )
        for model in models
    ]
    handles += [
        plt.Rectangle(
            (0, 0),
            1,
            1,
            color="grey",
            label=f"ours (mean ± std over {_seed_count(table)} seeds)",
        ),
    ]
    if published:
        handles.append(
            plt.Line2D(
                [],
                [],
                marker="D",
                color="grey",
                markeredgecolor="black",
                linestyle="",
                label=f"{BALDI_SOURCE} (± std)",
            )
        )
    axes.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    save_figure(figure, paths)


def _seed_count(table: pd.DataFrame) -> str:
    """How many seeds the means are over: ``3``, or ``2–5`` where rows differ."""
    fewest, most = table["seeds"].min(), table["seeds"].max()
    return str(fewest) if fewest == most else f"{fewest}–{most}"


def _row_label(row: pd.Series, setting_columns: list[str]) -> str:
    """``dropout 0.5, batch norm true``: the settings of one summary row."""
    return setting_label(
        {column: plain_value(row[column]) for column in setting_columns}
    )


def plot_generalisation_gap(
    summary: pd.DataFrame, setting_columns: list[str], paths: list[str | Path]
) -> None:
    """Training and test accuracy per setting, the gap between them written beside.

    One pair of horizontal bars per row of ``summary`` (mean ± std over
    seeds), labelled by its ``setting_columns``; sorted by the generalisation
    gap (training minus test accuracy), the largest at the top. A large gap
    means the network learnt its training events rather than the physics.
    """
    rows = summary.sort_values("generalisation_gap_mean", ignore_index=True)
    positions = np.arange(len(rows))
    height = 0.38
    figure, axes = plt.subplots(figsize=(10, 0.6 * len(rows) + 1.8))
    for metric, label, offset, colour in (
        ("train_accuracy", "training accuracy", height / 2, "C1"),
        ("accuracy", "test accuracy", -height / 2, "C0"),
    ):
        axes.barh(
            positions + offset,
            100 * rows[f"{metric}_mean"],
            height=height,
            xerr=100 * rows[f"{metric}_std"],
            capsize=3,
            color=colour,
            label=f"{label} (mean ± std over seeds)",
        )
    ends = 100 * np.maximum(
        rows["train_accuracy_mean"] + rows["train_accuracy_std"],
        rows["accuracy_mean"] + rows["accuracy_std"],
    )
    for position, end, gap, spread in zip(
        positions,
        ends,
        100 * rows["generalisation_gap_mean"],
        100 * rows["generalisation_gap_std"],
        strict=True,
    ):
        axes.annotate(
            f"gap {gap:+.2f} ± {spread:.2f}",
            (end, position),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(
        positions, [_row_label(row, setting_columns) for _, row in rows.iterrows()]
    )
    # Zoom in on the accuracies (bars from 0 would hide differences of a few
    # points) and leave room on the right for the gap.
    low = 100 * np.min(rows["accuracy_mean"] - rows["accuracy_std"])
    low = min(
        low, 100 * np.min(rows["train_accuracy_mean"] - rows["train_accuracy_std"])
    )
    high = ends.max()
    axes.set_xlim(low - 0.3 * (high - low) - 0.5, high + 0.45 * (high - low) + 1)
    axes.set_xlabel("accuracy (%); gap = training minus test accuracy (points)")
    axes.set_title(
        "Overfitting: training vs test accuracy, largest gap at the top", pad=24
    )
    axes.grid(axis="x", alpha=0.3)
    # Above the bars, where it hides none of them.
    axes.legend(
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=2,
        frameon=False,
    )
    figure.tight_layout()
    save_figure(figure, paths)


GRADIENT_ROWS = (
    ("delta_rms", "RMS of Δ^l = ∂E/∂z^l\n(per neuron)"),
    ("weight_gradient_rms", "RMS of ∂E/∂W^l\n(per weight)"),
)


def plot_gradient_norms(points: list[dict], paths: list[str | Path]) -> None:
    """The lecture's backpropagation diagnostic per layer, after the first and
    the last epoch.

    ``points`` are dicts with ``activation``, ``depth`` (hidden layers) and
    ``gradients`` (the CSV written during training: epoch, layer, delta_rms,
    weight_gradient_rms). Top row: RMS of the backpropagated error Δ^l per
    neuron; bottom row: RMS of the weight gradient per weight (both free of
    the layers' shapes). One column per activation, one colour per depth;
    dashed after epoch 1, solid after the last epoch. Runs sharing an
    activation and depth (seeds) are combined on the log scale the values are
    drawn on: the line is their geometric mean, the band ± one std of log10.
    Values falling towards layer 1 (the input side) are vanishing gradients.
    """
    runs = {}
    for point in points:
        key = (point["activation"], int(point["depth"]))
        runs.setdefault(key, []).append(pd.read_csv(point["gradients"]))
    activations = list(dict.fromkeys(activation for activation, _ in runs))
    depths = sorted({depth for _, depth in runs})
    colours = dict(
        zip(depths, plt.cm.viridis(np.linspace(0, 0.85, len(depths))), strict=True)
    )
    figure, panels = plt.subplots(
        len(GRADIENT_ROWS),
        len(activations),
        figsize=(4.5 * len(activations) + 1, 8),
        sharey="row",
        sharex=True,
        squeeze=False,
    )
    for (column, label), row in zip(GRADIENT_ROWS, panels, strict=True):
        for axes, activation in zip(row, activations, strict=True):
            for depth in depths:
                if (activation, depth) not in runs:
                    continue
                norms = runs[activation, depth]
                for last, linestyle in ((False, "--"), (True, "-")):
                    layers, log_norms = _log_norms_by_layer(norms, column, last)
                    mean = log_norms.mean(axis=0)
                    # The sample std (n - 1), as of every spread over seeds.
                    spread = log_norms.std(axis=0, ddof=1) if len(norms) > 1 else 0
                    axes.plot(
                        layers, 10**mean, linestyle, color=colours[depth], marker="."
                    )
                    if len(norms) > 1:
                        axes.fill_between(
                            layers,
                            10 ** (mean - spread),
                            10 ** (mean + spread),
                            color=colours[depth],
                            alpha=0.2,
                        )
            axes.set_yscale("log")
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.grid(alpha=0.3)
        row[0].set_ylabel(label)
    for axes, activation in zip(panels[0], activations, strict=True):
        axes.set_title(f"activation: {activation}")
    for axes in panels[-1]:
        axes.set_xlabel("layer (1 = input side … last = output layer)")
    seeds = max(len(norms) for norms in runs.values())
    handles = [
        plt.Line2D(
            [],
            [],
            color=colours[depth],
            label=f"{depth} hidden layer{'' if depth == 1 else 's'}",
        )
        for depth in depths
    ]
    handles += [
        plt.Line2D([], [], color="grey", linestyle="--", label="after epoch 1"),
        plt.Line2D([], [], color="grey", label="after the last epoch"),
    ]
    if seeds > 1:
        handles.append(
            plt.Rectangle(
                (0, 0), 1, 1, color="grey", alpha=0.2, label="± std over seeds"
            )
        )
    figure.legend(handles=handles, loc="center right", fontsize=8)
    figure.suptitle(
        "Backpropagation per layer: vanishing (small near the input) or exploding"
    )
    figure.tight_layout(rect=(0, 0, 0.83, 1))
    save_figure(figure, paths)


def _log_norms_by_layer(
    norms: list[pd.DataFrame], column: str, last: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Layer numbers, and log10 of each run's ``column`` (runs x layers).

    The values are those after epoch 1, or with ``last`` after each run's own
    last epoch (early stopping and divergence may end runs at different
    epochs). A zero (a dead layer) gives NaN, leaving a gap in the line.
    """
    rows = []
    for run in norms:
        epoch = run["epoch"].max() if last else min(1, run["epoch"].max())
        at_epoch = run[run["epoch"] == epoch].sort_values("layer")
        values = at_epoch[column].to_numpy(dtype=float)
        rows.append(np.log10(np.where(values > 0, values, np.nan)))
    return at_epoch["layer"].to_numpy(), np.array(rows)


def boundary_in_cells(weight_scales, critical) -> np.ndarray:
    """Column coordinate of each critical weight scale on a categorical heat-map.

    Cells sit at 0, 1, 2, ... in the order of the sorted ``weight_scales``;
    a value between two of them is placed linearly between their cells. A
    value outside the grid's range has no place on it: NaN.
    """
    scales = np.sort(np.unique(np.asarray(weight_scales, dtype=float)))
    return np.interp(
        np.asarray(critical, dtype=float),
        scales,
        np.arange(len(scales), dtype=float),
        left=np.nan,
        right=np.nan,
    )


def plot_phase_diagram(
    summary: pd.DataFrame,
    boundary_weight_scales: dict[float, float],
    theory: dict[tuple[float, float], float],
    critical_ratio: float,
    paths: list[str | Path],
) -> None:
    """Validation loss and backpropagated-error ratio over weight × bias scale.

    (a) ``final_val_loss_mean``, the validation loss after training. (b) log10
    of ``delta_ratio_initial_mean``: RMS Δ of the first layer over that of the
    output layer, before training. (c) mean-field theory's prediction of (b),
    ``theory`` ({(σ_w, σ_b): ratio}, ``studies.mean_field_delta_ratio``).
    (b) and (c) share colours centred on ``critical_ratio``, the ratio on the
    order-to-chaos boundary (χ₁ = 1): below it errors vanish towards the
    input, above it they explode. ``boundary_weight_scales`` maps bias scales
    σ_b to the critical weight scale σ_w* (``studies.order_chaos_boundary``),
    interpolated between the bias scales given; it is drawn through the rows
    of every map.
    """
    weight_scales = sorted(summary["weight_scale"].unique())
    bias_scales = sorted(summary["bias_scale"].unique())

    def cells(metric: str) -> np.ndarray:
        # Settings that differ only in other axes are averaged per cell.
        table = summary.pivot_table(
            index="bias_scale", columns="weight_scale", values=metric, aggfunc="mean"
        )
        return table.reindex(index=bias_scales, columns=weight_scales).to_numpy(
            dtype=float
        )

    def log10(values: np.ndarray) -> np.ndarray:
        return np.log10(np.where(values > 0, values, np.nan))

    measured = log10(cells("delta_ratio_initial_mean"))
    predicted = log10(
        np.array(
            [[theory.get((w, b), np.nan) for w in weight_scales] for b in bias_scales]
        )
    )
    centre = np.log10(critical_ratio)
    extent = np.nanmax(np.abs(np.concatenate([measured, predicted]) - centre))
    extent = extent if np.isfinite(extent) and extent > 0 else 1.0
    known = sorted(boundary_weight_scales)
    critical = np.interp(
        bias_scales,
        known,
        [boundary_weight_scales[b] for b in known],
        left=np.nan,
        right=np.nan,
    )
    boundary = boundary_in_cells(weight_scales, critical)

    figure, panels = plt.subplots(
        1,
        3,
        figsize=(3 * (0.85 * len(weight_scales) + 2.4), 0.8 * len(bias_scales) + 3.2),
    )
    _draw_heatmap(
        panels[0],
        cells("final_val_loss_mean"),
        weight_scales,
        bias_scales,
        title="(a) validation loss after training",
        colour_label="validation loss",
        cmap="viridis",
        decimals="{:.3f}",
    )
    for axes, values, title in (
        (panels[1], measured, "(b) measured before training"),
        (panels[2], predicted, "(c) mean-field theory, √(χ₁^depth / width)"),
    ):
        _draw_heatmap(
            axes,
            values,
            weight_scales,
            bias_scales,
            title=f"{title}\nlog10(RMS Δ, first layer / output layer)",
            colour_label=f"log10 ratio (boundary: {centre:+.1f})",
            cmap="RdBu_r",
            decimals="{:+.1f}",
            limits=(centre - extent, centre + extent),
        )
    for axes in panels:
        _draw_boundary(axes, boundary)
    figure.suptitle(
        "Initialisation of a deep network: ordered and chaotic phases\n"
        "(line: order-to-chaos boundary of mean-field theory, χ₁ = 1)"
    )
    figure.tight_layout()
    save_figure(figure, paths)


def _draw_heatmap(
    axes,
    values: np.ndarray,
    weight_scales: list,
    bias_scales: list,
    title: str,
    colour_label: str,
    cmap: str,
    decimals: str,
    limits: tuple = (None, None),
) -> None:
    """Categorical heat-map with every cell's value written in it, and a colour bar."""
    image = axes.imshow(
        values, cmap=cmap, vmin=limits[0], vmax=limits[1], origin="lower", aspect="auto"
    )
    axes.set_xticks(range(len(weight_scales)), [format_value(v) for v in weight_scales])
    axes.set_yticks(range(len(bias_scales)), [format_value(v) for v in bias_scales])
    axes.set_xlabel("weight scale σ_w")
    axes.set_ylabel("bias scale σ_b")
    # Room above the map for the names of the two phases.
    axes.set_title(title, fontsize=10, pad=20)
    for (row, column), value in np.ndenumerate(values):
        if np.isfinite(value):
            # Dark text on light cells, light text on dark ones.
            red, green, blue, _ = image.cmap(image.norm(value))
            light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
            axes.text(
                column,
                row,
                decimals.format(value),
                ha="center",
                va="center",
                fontsize=8,
                color="black" if light else "white",
                zorder=3,
            )
    axes.figure.colorbar(image, ax=axes, label=colour_label)


def _draw_boundary(axes, boundary: np.ndarray) -> None:
    """The order-to-chaos line through the rows, its two sides named above the map."""
    rows = np.arange(len(boundary))
    # Below the cell values (zorder 3), so they stay readable where it crosses.
    line = axes.plot(boundary, rows, color="white", linewidth=2, zorder=2)
    # A black outline keeps the white line visible on light cells.
    line[0].set_path_effects(
        [patheffects.Stroke(linewidth=4, foreground="black"), patheffects.Normal()]
    )
    drawn = np.flatnonzero(np.isfinite(boundary))
    if drawn.size == 0:
        return
    # Name the phases on either side of where the line meets the top edge.
    top = boundary[drawn[-1]]
    along_top = axes.get_xaxis_transform()  # x in cells, y in axes fractions
    for text, offset, align in (
        ("← ordered (vanishing gradients)", -0.1, "right"),
        ("chaotic (exploding gradients) →", 0.1, "left"),
    ):
        axes.text(
            top + offset,
            1.01,
            text,
            transform=along_top,
            ha=align,
            va="bottom",
            fontsize=8,
        )


# One colour per optimiser in every figure: the Okabe-Ito line colours but
# the yellow, which is hard to see as a line on white.
OPTIMIZER_COLOURS = dict(
    zip(OPTIMIZERS, [c for c in OKABE_ITO if c != "#F0E442"], strict=True)
)


def _optimizer_label(row: dict) -> str:
    return f"{row['optimizer']}, learning rate {format_value(row['learning_rate'])}"


def plot_optimizer_curves(
    table: pd.DataFrame, runs: dict[str, list[pd.DataFrame]], paths: list[str | Path]
) -> None:
    """Validation loss against epoch (left) and against training seconds
    (right), one line per optimiser at its chosen learning rate.

    ``table`` is optimizer_study.optimizer_table (its rows give the legend's
    order, the learning rates and the target loss); ``runs`` are
    optimizer_study.chosen_runs. Lines are the mean over seeds, bands the
    seeds' range; on the right each epoch sits at the seeds' mean training
    seconds to its end. The dashed line is the target loss.
    """
    figure, (by_epoch, by_time) = plt.subplots(
        1, 2, figsize=(12, 4.8), sharey=True, layout="constrained"
    )
    for row in table.to_dict("records"):
        curves = pd.concat(runs[row["optimizer"]]).groupby("epoch")
        loss = curves["val_loss"].agg(["mean", "min", "max"])
        colour = OPTIMIZER_COLOURS.get(row["optimizer"])
        for axes, x in ((by_epoch, loss.index), (by_time, curves["seconds"].mean())):
            axes.plot(
                x, loss["mean"], marker=".", color=colour, label=_optimizer_label(row)
            )
            if row["seeds"] > 1:
                axes.fill_between(x, loss["min"], loss["max"], color=colour, alpha=0.2)
    target = table["target_loss"].iloc[0]
    for axes in (by_epoch, by_time):
        axes.axhline(target, color="grey", linestyle="--", linewidth=1)
        axes.grid(alpha=0.3)
    by_epoch.xaxis.set_major_locator(MaxNLocator(integer=True))
    by_epoch.set_xlabel("epoch")
    by_time.set_xlabel("training seconds (each epoch's training and validation)")
    by_epoch.set_ylabel("validation loss (cross-entropy)")
    handles, _ = by_epoch.get_legend_handles_labels()
    handles.append(
        plt.Line2D(
            [], [], color="grey", linestyle="--", label=f"target loss {target:.4f}"
        )
    )
    seeds = _seed_count(table)
    several = table["seeds"].max() > 1
    if several:
        handles.append(
            plt.Rectangle(
                (0, 0), 1, 1, color="grey", alpha=0.2, label=f"range of {seeds} seeds"
            )
        )
    figure.legend(handles=handles, loc="outside right upper", fontsize=8)
    figure.suptitle(
        "Optimisers at their own best learning rate: validation loss"
        + (f", mean of {seeds} seeds" if several else "")
    )
    save_figure(figure, paths)


# The ranking's panels: table column, axis label, scale.
RANKING_PANELS = (
    ("val_log_loss", "validation log-loss\n(ranks the optimisers)", 1),
    ("roc_auc", "test ROC AUC", 1),
    ("accuracy", "test accuracy (%)", 100),
)


def plot_optimizer_ranking(
    table: pd.DataFrame, paths: list[str | Path], warnings: list[str] = ()
) -> None:
    """Each optimiser at its chosen learning rate, best (lowest validation
    log-loss) at the top: validation log-loss, test ROC AUC and accuracy, and
    the training seconds to the target loss.

    ``table`` is optimizer_study.optimizer_table. Thick bars are the test
    sample's statistical error, thin capped ones the std over seeds; the
    epochs to the target are written beside its time. ``warnings`` (the
    grid-edge check) are printed under the panels.
    """
    rows = table.sort_values("rank", ignore_index=True)
    positions = -np.arange(len(rows))
    colours = [OPTIMIZER_COLOURS.get(name) for name in rows["optimizer"]]
    figure, panels = plt.subplots(
        1,
        len(RANKING_PANELS) + 1,
        figsize=(15, 0.5 * len(rows) + 2.5),
        sharey=True,
        layout="constrained",
    )
    for axes, (metric, label, scale) in zip(panels[:-1], RANKING_PANELS, strict=True):
        for position, colour, row in zip(
            positions, colours, rows.to_dict("records"), strict=True
        ):
            mean = scale * row[f"{metric}_mean"]
            if f"{metric}_stat_error" in row:
                axes.errorbar(
                    mean,
                    position,
                    xerr=scale * row[f"{metric}_stat_error"],
                    color=colour,
                    elinewidth=5,
                    alpha=0.4,
                )
            axes.errorbar(
                mean,
                position,
                xerr=scale * row[f"{metric}_std"],
                fmt="o",
                color=colour,
                capsize=3,
            )
        axes.set_xlabel(label)
        axes.grid(axis="x", alpha=0.3)
    timing = panels[-1]
    seconds = rows["seconds_to_target_mean"]
    timing.barh(
        positions,
        seconds.fillna(0),
        xerr=rows["seconds_to_target_std"].fillna(0),
        color=colours,
        capsize=3,
    )
    for position, time, epochs in zip(
        positions, seconds, rows["epochs_to_target_mean"], strict=True
    ):
        text = "not reached" if np.isnan(time) else f"{epochs:.3g} epochs"
        timing.annotate(
            text,
            (0 if np.isnan(time) else time, position),
            xytext=(4, 6),
            textcoords="offset points",
            fontsize=8,
        )
    if seconds.notna().any():
        # Room on the right for the epochs written beside the longest bar.
        longest = (seconds + rows["seconds_to_target_std"]).max()
        timing.set_xlim(0, 1.3 * longest)
    timing.set_xlabel(
        "training seconds to the target\n"
        f"validation loss {rows['target_loss'].iloc[0]:.4f}"
    )
    timing.grid(axis="x", alpha=0.3)
    panels[0].set_yticks(
        positions,
        [
            f"{row['rank']}. {_optimizer_label(row)}".replace(", ", "\n", 1)
            for row in rows.to_dict("records")
        ],
    )
    panels[0].legend(
        handles=[
            plt.Line2D(
                [],
                [],
                color="grey",
                linewidth=5,
                alpha=0.4,
                label="statistical error (test events)",
            ),
            plt.Line2D(
                [], [], color="grey", marker="|", markersize=8, label="std over seeds"
            ),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        fontsize=8,
        frameon=False,
    )
    figure.suptitle(
        "Optimisers ranked by validation log-loss, each at its own best learning rate"
    )
    _add_warnings(figure, warnings)
    save_figure(figure, paths)
