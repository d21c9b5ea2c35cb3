"""Figures of a grid study: accuracy heat-map, learning curves, ROC overlay.

Every figure is written as PNG (for the report) and PDF (for papers).
"""

import json
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on cluster nodes

# One look for every figure: lines in the Okabe–Ito palette (told apart with
# any colour vision; maps use viridis), labels readable at report size, and
# fonts embedded as TrueType in the PDFs, as journals ask.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00",
             "#CC79A7", "#56B4E9", "#F0E442", "#000000")  # fmt: skip
matplotlib.rcParams.update(
    {
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "font.size": 10,
        "axes.labelsize": 11,
        "axes.titlesize": 11,
        "legend.fontsize": 9,
        "pdf.fonttype": 42,
    }
)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import atomic_path  # noqa: E402
from .errors import InputError  # noqa: E402
from .grid import axis_label, format_value  # noqa: E402


def save_figure(figure, paths: list[str | Path]) -> None:
    """Write ``figure`` to each path (format from the extension), then close it."""
    for path in paths:
        suffix = Path(path).suffix
        with atomic_path(path, suffix=suffix) as tmp:
            figure.savefig(tmp, format=suffix.lstrip("."), dpi=150)
    plt.close(figure)


def _sorted_values(table: pd.DataFrame, axis: str) -> list:
    return sorted(table[axis].unique())


def plot_heatmap(
    summary: pd.DataFrame,
    x: str,
    y: str,
    metric: str | dict[str, str],
    paths: list[str | Path],
    reference: dict | None = None,
    reference_label: str = "",
    warnings: list[str] = (),
    selected: tuple | None = None,
) -> None:
    """Mean test ``metric`` over the grid cells spanned by settings ``x`` and ``y``.

    ``summary`` is a studies.summarise table (``<metric>_mean``, ``_std``,
    ``seeds``, ``diverged_mean``); settings other than ``x`` and ``y`` are
    averaged per cell. Cells whose runs diverged say so. ``selected`` (the
    x and y values of the setting chosen on the validation data) is framed.
    ``reference`` ({y value: {x value: number}}) adds a panel of published
    numbers on the same colour scale; ``warnings`` are printed under the maps.
    ``metric`` may instead be {panel title: metric column}, one map each on
    one colour scale (e.g. the accuracy on the training, test and critical
    sets).
    """
    summary = summary.assign(
        diverged_mean=summary.get("diverged_mean", pd.Series(0.0, summary.index))
    )
    metrics = metric if isinstance(metric, dict) else {"this workflow": metric}
    needed = [f"{m}_{stat}" for m in metrics.values() for stat in ("mean", "std")]
    needed.append("diverged_mean")
    cells = summary.pivot_table(index=y, columns=x, values=needed, aggfunc="mean")
    rows, columns = _sorted_values(summary, y), _sorted_values(summary, x)

    def grid(column: str) -> np.ndarray:
        return cells[column].reindex(index=rows, columns=columns).to_numpy(float)

    diverged = grid("diverged_mean")
    as_percent = all(m.endswith("accuracy") for m in metrics.values())
    scale = 100 if as_percent else 1
    seeds = int(summary["seeds"].min())
    # (title, values, spread, our own runs)
    panels = [
        (
            label,
            scale * grid(f"{m}_mean"),
            scale * grid(f"{m}_std") if seeds > 1 else None,
            True,
        )
        for label, m in metrics.items()
    ]
    if reference:
        published = [
            [reference.get(r, {}).get(c, np.nan) for c in columns] for r in rows
        ]
        panels.append((reference_label, np.array(published, dtype=float), None, False))
    if isinstance(metric, dict):
        title = "accuracy (%)" if as_percent else "score"
    elif as_percent:
        title = "test accuracy (%)"
    else:
        title = f"test {metric.replace('_', ' ')}"
    if seeds > 1:
        title += f", mean ± std of {seeds} seeds"
    low = np.nanmin([np.nanmin(values) for _, values, _, _ in panels])
    high = np.nanmax([np.nanmax(values) for _, values, _, _ in panels])

    # Two maps side by side; three or more one above the other, so that the
    # figure keeps a width the report shows without shrinking its numbers.
    stacked = len(panels) > 2
    width = 1.4 * len(columns) + 2.5
    height = (0.6 * len(rows) + 1.5) if stacked else (0.9 * len(rows) + 2.8)
    shape = (len(panels), 1) if stacked else (1, len(panels))
    figure, axes_grid = plt.subplots(
        *shape,
        figsize=(shape[1] * width, shape[0] * height),
        squeeze=False,
        layout="constrained",
    )
    axes_list = axes_grid.ravel().tolist()
    for axes, (label, values, spread, ours) in zip(axes_list, panels, strict=True):
        image = axes.imshow(
            values, cmap="viridis", origin="lower", aspect="auto", vmin=low, vmax=high
        )
        axes.set_xticks(range(len(columns)), [format_value(v) for v in columns])
        axes.set_yticks(range(len(rows)), [format_value(v) for v in rows])
        if not stacked or axes is axes_list[-1]:
            axes.set_xlabel(axis_label(x))
        axes.set_ylabel(axis_label(y))
        if stacked:
            axes.set_title(f"{label}: {title}")
        else:
            axes.set_title(f"{title}\n{label}" if len(panels) > 1 else title)
        middle = 0.5 * (low + high)
        digits = ".1f" if as_percent else ".3f"
        for (row, column), value in np.ndenumerate(values):
            if np.isfinite(value):
                text = format(value, digits)
                if spread is not None:
                    text += "\n± " + format(spread[row, column], digits)
                if ours and diverged[row, column] > 0:
                    share = diverged[row, column]
                    text += "\ndiverged" if share == 1 else f"\n{share:.0%} diverged"
                axes.text(
                    column,
                    row,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if value > middle else "white",
                )
        if ours and selected is not None:
            column, row = _position(columns, selected[0]), _position(rows, selected[1])
            axes.add_patch(
                plt.Rectangle(
                    (column - 0.5, row - 0.5),
                    1,
                    1,
                    fill=False,
                    edgecolor="red",
                    linewidth=2.5,
                    label="chosen on the validation set",
                )
            )
            if not stacked or axes is axes_list[-1]:
                axes.legend(loc="upper left", bbox_to_anchor=(0, -0.12), fontsize=8)
    figure.colorbar(image, ax=axes_list, label=title.split(",")[0])
    _add_warnings(figure, warnings)
    save_figure(figure, paths)


def _position(values: list, value) -> int:
    """Where ``value`` is in ``values``; an unset (NaN) setting matches NaN."""
    return next(
        i
        for i, candidate in enumerate(values)
        if candidate == value or (pd.isna(candidate) and pd.isna(value))
    )


def _add_warnings(figure, warnings: list[str]) -> None:
    """Print grid-edge warnings under a figure, where a reader will see them."""
    if warnings:
        width = max(40, int(figure.get_figwidth() * 14))
        lines = [
            textwrap.fill(f"Grid-edge check: {warning}", width) for warning in warnings
        ]
        # A figure-level x label: the constrained layout makes room for it.
        figure.supxlabel("\n".join(lines), fontsize=8, color="darkred")


def mean_history(paths: list[str | Path]) -> pd.DataFrame:
    """Mean and std over runs of every learning-curve column, per epoch.

    Runs stopped early simply contribute to fewer epochs.
    """
    runs = pd.concat([pd.read_csv(path) for path in paths])
    grouped = runs.groupby("epoch")
    spread = grouped.std().fillna(0.0).add_suffix("_std")
    return grouped.mean().join(spread).reset_index()


def plot_learning_curves(
    panels: dict[str, list[str | Path]], paths: list[str | Path], columns: int = 4
) -> None:
    """Training (solid) and validation (dashed) loss per epoch, a panel per setting.

    ``panels`` maps a panel title to the learning curves (history.csv) of its
    runs; several runs (seeds) are drawn as their mean with a ±std band.
    """
    rows = -(-len(panels) // columns)
    columns = min(columns, len(panels))
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(3.2 * columns + 1, 2.4 * rows + 1),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for axes, (title, histories) in zip(grid.flat, panels.items(), strict=False):
        history = mean_history(histories)
        for column, style in (("loss", "-"), ("val_loss", "--")):
            axes.plot(history["epoch"], history[column], style, color="C0")
            axes.fill_between(
                history["epoch"],
                history[column] - history[f"{column}_std"],
                history[column] + history[f"{column}_std"],
                color="C0",
                alpha=0.2,
            )
        # Titles of many settings must wrap to stay inside their panel.
        axes.set_title(textwrap.fill(title, 45), fontsize=8)
        axes.grid(alpha=0.3)
    for axes in grid.flat[len(panels) :]:
        axes.set_visible(False)
    for axes in grid[-1]:
        axes.set_xlabel("epoch")
    for axes in grid[:, 0]:
        axes.set_ylabel("loss")
    figure.legend(
        handles=[
            plt.Line2D([], [], color="C0", label="training"),
            plt.Line2D([], [], color="C0", linestyle="--", label="validation"),
        ],
        loc="upper right",
    )
    figure.tight_layout(rect=(0, 0, 0.9, 1))
    save_figure(figure, paths)


# The working points marked on ROC curves: background efficiencies of 10% and
# 1%, where metrics.json gives the signal efficiency
# (signal_efficiency_at_90_rejection and _99_).
WORKING_POINTS = {"90": 0.10, "99": 0.01}


def collider_roc(roc: dict) -> tuple[np.ndarray, np.ndarray]:
    """(signal efficiency ε_S, background rejection 1/ε_B) of a stored ROC,
    where ε_B > 0: the convention of collider physics."""
    background = np.asarray(roc["background_efficiency"])
    signal = np.asarray(roc["signal_efficiency"])
    kept = background > 0
    return signal[kept], 1 / background[kept]


def plot_roc_overlay(metrics_paths: list[str | Path], paths: list[str | Path]) -> None:
    """Background rejection 1/ε_B (log scale) against signal efficiency ε_S
    for every grid point, the working points ε_B = 10% and 1% marked."""
    reports = [json.loads(Path(path).read_text()) for path in metrics_paths]
    reports.sort(key=lambda report: -report["metrics"]["roc_auc"])
    figure, axes = plt.subplots(figsize=(7, 6))
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(reports)))
    for report, colour in zip(reports, colours, strict=True):
        signal, rejection = collider_roc(report["roc"])
        axes.plot(
            signal,
            rejection,
            color=colour,
            label=f"{report['point']} (AUC {report['metrics']['roc_auc']:.3f})",
        )
        for percent, efficiency in WORKING_POINTS.items():
            at = report["metrics"][f"signal_efficiency_at_{percent}_rejection"]
            axes.plot(at, 1 / efficiency, "o", color=colour, markersize=4)
    for efficiency in WORKING_POINTS.values():
        axes.axhline(1 / efficiency, color="grey", linewidth=0.8, linestyle="--")
        axes.annotate(
            rf"$\varepsilon_B$ = {efficiency:.0%}",
            (0.99, 1 / efficiency),
            textcoords="offset points",
            xytext=(0, 3),
            horizontalalignment="right",
            fontsize=8,
            color="grey",
        )
    random = np.linspace(1e-3, 1, 200)
    axes.plot(random, 1 / random, ":", color="grey", label="random guess")
    axes.set_xlabel(r"signal efficiency $\varepsilon_S$")
    axes.set_ylabel(r"background rejection $1/\varepsilon_B$")
    axes.set_yscale("log")
    axes.set_xlim(0, 1)
    axes.set_ylim(1, 1e4)
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=6 if len(reports) > 8 else 8, loc="upper right")
    figure.tight_layout()
    save_figure(figure, paths)


# The overtraining check's classes: signal in blue, background in vermillion.
OVERTRAINING_COLOURS = {"signal": OKABE_ITO[0], "background": OKABE_ITO[3]}


def plot_overtraining(check: dict, title: str, paths: list[str | Path]) -> None:
    """Classifier output on the training and the test events, per class.

    ``check`` is metrics.json's ``overtraining`` block. As is usual in HEP
    analyses (TMVA's overtraining check): training events as filled
    histograms, test events as points with their statistical error, both
    normalised to unit area; the Kolmogorov–Smirnov p-value of training
    against test per class in the legend.
    """
    edges = np.asarray(check["bin_edges"])
    widths, centres = np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
    figure, axes = plt.subplots(figsize=(6.4, 4.8))
    highest = 0.0
    for name, colour in OVERTRAINING_COLOURS.items():
        train = np.asarray(check["train"][name], dtype=float)
        test = np.asarray(check["test"][name], dtype=float)
        train_density = train / (train.sum() * widths)
        axes.stairs(
            train_density,
            edges,
            fill=True,
            facecolor=(colour, 0.35),
            edgecolor=colour,
            linewidth=1.0,
            label=f"{name}, training",
        )
        # Empty test bins are left out: a point at zero with no error says little.
        filled = test > 0
        scale = test.sum() * widths[filled]
        test_density, test_error = test[filled] / scale, np.sqrt(test[filled]) / scale
        axes.errorbar(
            centres[filled],
            test_density,
            yerr=test_error,
            fmt="o",
            markersize=3.5,
            color=colour,
            label=f"{name}, test: KS p = {check['ks'][name]['p_value']:.2g}",
        )
        highest = max(highest, train_density.max(), (test_density + test_error).max())
    axes.set_xlim(edges[0], edges[-1])
    # Headroom for the legend above the distributions.
    axes.set_ylim(0, 1.45 * highest)
    axes.set_xlabel("classifier output (signal probability)")
    axes.set_ylabel("normalised events")
    axes.set_title(textwrap.fill(title, 70))
    # Legend columns: the training histograms, then the test points.
    axes.legend(loc="upper center", ncols=2, title="KS test: training vs test events")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    save_figure(figure, paths)


def plot_selected_overtraining(
    selection_path: str | Path, paths: list[str | Path]
) -> None:
    """The overtraining check of the setting the validation set chose.

    ``selection_path`` is the study's selection.json, which holds the check
    of the setting's first run (lowest seed).
    """
    selection = json.loads(Path(selection_path).read_text())
    if not selection.get("overtraining"):
        raise InputError(
            f"{selection_path}: no overtraining check of the selected point "
            f"{(selection.get('points') or ['(none)'])[0]!r} (scored by an older "
            "version of the workflow); delete its metrics.json and rerun"
        )
    title = f"Overtraining check: {selection['label']}"
    if len(selection["points"]) > 1:
        title += f" (seed {selection['seed']})"
    plot_overtraining(selection["overtraining"], title, paths)
