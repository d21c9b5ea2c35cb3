"""Collect every grid point's results into one table."""

import json
from pathlib import Path

import pandas as pd

from .atomic import atomic_path
from .divergence import scored_as_diverged
from .grid import AXES, format_value

# The scores of a classifier, on the test and (``val_``) validation events:
# validation scores choose the settings, test scores report them.
SCORE_COLUMNS = (
    "accuracy",
    "roc_auc",
    "log_loss",
    "signal_efficiency_at_90_rejection",
    "signal_efficiency_at_99_rejection",
)
METRIC_COLUMNS = (*SCORE_COLUMNS, "n_events", "n_signal")
TRAINING_COLUMNS = (
    "epochs_run",
    "restored_epoch",
    "diverged_epoch",
    "training_seconds",
    "device",
)

# Evaluation sets besides the test set that a data set may have
# (metrics.score_classifier): the Ising model's critical configurations.
FURTHER_SETS = ("critical",)

# The settings, plus two read off them: the number of hidden layers, and the
# kind of model (a network, or the gradient-boosted trees baseline).
AXIS_COLUMNS = (*AXES, "depth", "model")


def metrics_table(
    reports: list[dict],
    histories: dict[str, str | Path] | None = None,
    gradients: dict[str, str | Path] | None = None,
) -> pd.DataFrame:
    """One row per point: settings, test, validation (``val_``) and training-set
    (``train_``) metrics, those of further evaluation sets (``critical_``:
    metrics.score_classifier), training facts. ``reports`` are the points'
    metrics.json contents (``read_reports``).

    Where a point's learning curve (``histories``) and gradient diagnostics
    (``gradients``) are given, it also gets the training and validation loss
    of the kept epoch (the last, or the best one early stopping restored) and
    the ratio of the first to the last layer's RMS backpropagated error
    Delta before training (``delta_ratio_initial``) and after it
    (``_final``). The generalisation gap is training minus test accuracy;
    ``diverged`` is 1 for a run whose loss became NaN or infinite and that
    kept no earlier epoch (it scores as a constant classifier).
    """
    histories, gradients = histories or {}, gradients or {}
    rows = []
    for report in reports:
        name, settings = report["point"], report["settings"]
        row = {"point": name}
        for axis in AXES:
            value = settings.get(axis)
            # Numbers stay numbers (for sorting and plotting); lists become text.
            row[axis] = value if isinstance(value, int | float) else format_value(value)
        row["model"] = settings.get("model", "network")
        row["depth"] = (
            len(settings["hidden_layers"]) if "hidden_layers" in settings else 0
        )
        row.update({key: report["metrics"][key] for key in METRIC_COLUMNS})
        for key in SCORE_COLUMNS:
            row[f"val_{key}"] = report["validation_metrics"][key]
        for key, value in report.get("training_set_metrics", {}).items():
            if key not in ("n_events", "n_signal"):
                row[f"train_{key}"] = value
        for part in FURTHER_SETS:
            scores = report.get(f"{part}_metrics", {})
            row.update({f"{part}_{key}": scores[key] for key in scores})
        row.update({key: report["training"].get(key) for key in TRAINING_COLUMNS})
        row["diverged"] = int(scored_as_diverged(report["training"]))
        if name in histories:
            history = pd.read_csv(histories[name])
            kept = row["restored_epoch"] or len(history)
            row["final_loss"] = history["loss"].iloc[kept - 1]
            row["final_val_loss"] = history["val_loss"].iloc[kept - 1]
        if name in gradients:
            row.update(_delta_ratios(pd.read_csv(gradients[name])))
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("point", ignore_index=True)
    if "train_accuracy" in table:
        table["generalisation_gap"] = table["train_accuracy"] - table["accuracy"]
    return table


def read_reports(metrics_paths: list[str | Path]) -> list[dict]:
    """The contents of the points' metrics.json files, read once for all
    that a study's aggregation takes from them."""
    return [json.loads(Path(path).read_text()) for path in metrics_paths]


def _delta_ratios(errors: pd.DataFrame) -> dict[str, float]:
    """First over last (output) layer's RMS Delta, before and after training."""
    ratios = {}
    for label, epoch in (("initial", 0), ("final", errors["epoch"].max())):
        layers = errors[errors["epoch"] == epoch].sort_values("layer")
        values = layers["delta_rms"].to_numpy()
        ratios[f"delta_ratio_{label}"] = values[0] / values[-1]
    return ratios


def write_table(table: pd.DataFrame, csv_path: str | Path) -> None:
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
