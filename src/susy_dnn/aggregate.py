"""Collect every grid point's test metrics into one table."""

import json
from pathlib import Path

import pandas as pd

from .atomic import atomic_path
from .grid import AXES, format_value

METRIC_COLUMNS = (
    "accuracy",
    "roc_auc",
    "log_loss",
    "signal_efficiency_at_90_rejection",
    "signal_efficiency_at_99_rejection",
    "n_events",
)
TRAINING_COLUMNS = ("epochs_run", "training_seconds", "device")


def metrics_table(metrics_paths: list[str | Path]) -> pd.DataFrame:
    """One row per grid point: its settings, test metrics and training facts."""
    rows = []
    for path in metrics_paths:
        report = json.loads(Path(path).read_text())
        row = {"point": report["point"]}
        for axis in AXES:
            value = report["settings"][axis]
            # Numbers stay numbers (for sorting and plotting); lists become text.
            row[axis] = value if isinstance(value, int | float) else format_value(value)
        row.update({key: report["metrics"][key] for key in METRIC_COLUMNS})
        row.update({key: report["training"][key] for key in TRAINING_COLUMNS})
        rows.append(row)
    return pd.DataFrame(rows).sort_values("point", ignore_index=True)


def write_metrics_table(metrics_paths: list[str | Path], csv_path: str | Path) -> None:
    table = metrics_table(metrics_paths)
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
