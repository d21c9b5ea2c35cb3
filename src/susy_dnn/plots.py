"""Figures of a grid study: accuracy heat-map, learning curves, ROC overlay.

Every figure is written as PNG (for the report) and PDF (for papers).
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on cluster nodes

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import atomic_path  # noqa: E402
from .grid import format_value  # noqa: E402

AXIS_LABELS = {
    "learning_rate": "learning rate",
    "n_train": "training events",
    "hidden_layers": "hidden layers",
    "batch_size": "batch size",
    "l2": "L2 weight",
}


def save_figure(figure, paths: list[str | Path]) -> None:
    """Write ``figure`` to each path (format from the extension), then close it."""
    for path in paths:
        suffix = Path(path).suffix
        with atomic_path(path, suffix=suffix) as tmp:
            figure.savefig(tmp, format=suffix.lstrip("."), dpi=150)
    plt.close(figure)


def _label(axis: str) -> str:
    return AXIS_LABELS.get(axis, axis.replace("_", " "))


def _sorted_values(table: pd.DataFrame, axis: str) -> list:
    return sorted(table[axis].unique())


def plot_heatmap(
    table: pd.DataFrame, x: str, y: str, metric: str, paths: list[str | Path]
) -> None:
    """Mean of ``metric`` over the grid cells spanned by axes ``x`` and ``y``.

    Points that differ in other axes (seeds, say) are averaged per cell.
    """
    cells = table.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    cells = cells.reindex(
        index=_sorted_values(table, y), columns=_sorted_values(table, x)
    )
    values = cells.to_numpy(dtype=float)
    as_percent = metric == "accuracy"
    shown = 100 * values if as_percent else values

    figure, axes = plt.subplots(
        figsize=(1.4 * len(cells.columns) + 2.5, 0.9 * len(cells.index) + 2)
    )
    image = axes.imshow(shown, cmap="viridis", origin="lower", aspect="auto")
    axes.set_xticks(range(len(cells.columns)), [format_value(v) for v in cells.columns])
    axes.set_yticks(range(len(cells.index)), [format_value(v) for v in cells.index])
    axes.set_xlabel(_label(x))
    axes.set_ylabel(_label(y))
    title = "test accuracy (%)" if as_percent else f"test {metric.replace('_', ' ')}"
    axes.set_title(title)
    middle = np.nanmean(shown)
    for (row, column), value in np.ndenumerate(shown):
        if np.isfinite(value):
            axes.text(
                column,
                row,
                f"{value:.1f}" if as_percent else f"{value:.3f}",
                ha="center",
                va="center",
                color="black" if value > middle else "white",
            )
    figure.colorbar(image, ax=axes, label=title)
    figure.tight_layout()
    save_figure(figure, paths)


def plot_learning_curves(
    table: pd.DataFrame,
    histories: dict[str, str | Path],
    x: str,
    y: str,
    paths: list[str | Path],
) -> None:
    """Training (solid) and validation (dashed) loss per epoch, one panel per cell.

    Panels are laid out like the heat-map: ``x`` across, ``y`` down.
    """
    x_values, y_values = _sorted_values(table, x), _sorted_values(table, y)
    figure, panels = plt.subplots(
        len(y_values),
        len(x_values),
        figsize=(2.8 * len(x_values) + 1, 2.2 * len(y_values) + 1),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for row, y_value in enumerate(reversed(y_values)):
        for column, x_value in enumerate(x_values):
            axes = panels[row, column]
            cell = table[(table[x] == x_value) & (table[y] == y_value)]
            for index, point in enumerate(cell["point"]):
                history = pd.read_csv(histories[point])
                colour = f"C{index % 10}"
                axes.plot(history["epoch"], history["loss"], color=colour)
                axes.plot(history["epoch"], history["val_loss"], "--", color=colour)
            title = [
                f"{_label(a)} {format_value(v)}"
                for a, v in ((x, x_value), (y, y_value))
            ]
            axes.set_title("\n".join(title), fontsize=8)
            axes.grid(alpha=0.3)
    for axes in panels[-1]:
        axes.set_xlabel("epoch")
    for axes in panels[:, 0]:
        axes.set_ylabel("loss")
    figure.legend(
        handles=[
            plt.Line2D([], [], color="grey", label="training"),
            plt.Line2D([], [], color="grey", linestyle="--", label="validation"),
        ],
        loc="upper right",
    )
    figure.tight_layout(rect=(0, 0, 0.92, 1))
    save_figure(figure, paths)


def plot_roc_overlay(metrics_paths: list[str | Path], paths: list[str | Path]) -> None:
    """Background rejection against signal efficiency for every grid point."""
    reports = [json.loads(Path(path).read_text()) for path in metrics_paths]
    reports.sort(key=lambda report: -report["metrics"]["roc_auc"])
    figure, axes = plt.subplots(figsize=(7, 6))
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(reports)))
    for report, colour in zip(reports, colours, strict=True):
        roc = report["roc"]
        axes.plot(
            roc["signal_efficiency"],
            1 - np.asarray(roc["background_efficiency"]),
            color=colour,
            label=f"{report['point']} (AUC {report['metrics']['roc_auc']:.3f})",
        )
    axes.plot([0, 1], [1, 0], ":", color="grey", label="random guess")
    axes.set_xlabel("signal efficiency")
    axes.set_ylabel("background rejection")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=6 if len(reports) > 8 else 8, loc="lower left")
    figure.tight_layout()
    save_figure(figure, paths)
