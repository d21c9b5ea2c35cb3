"""The optimiser study: each optimiser at its own learning rate, compared.

Every optimiser is trained at each learning rate of its own short list, over
seeds. Per optimiser, the rate with the lowest mean validation log-loss over
seeds is its chosen one (the study's selection metric), and the optimisers
are ranked by that loss. Their speed is compared at a common validation loss,
the target: a run reaches it at the first epoch whose validation loss is at
most the target, after the training seconds (training and validation of each
epoch, ``epoch_seconds`` of metrics.json) up to the end of that epoch.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .studies import best_setting, configured_target_loss, statistical_error

# The study's selection metric (studies.selection_metric): lower is better.
METRIC = "log_loss"


def chosen_settings(summary: pd.DataFrame) -> pd.DataFrame:
    """Each optimiser's row of ``summary`` (studies.summarise) at the learning
    rate with the lowest mean validation log-loss; the best optimiser first."""
    rows = [best_setting(rows, METRIC) for _, rows in summary.groupby("optimizer")]
    return (
        pd.DataFrame(rows)
        .sort_values(f"val_{METRIC}_mean", kind="stable")
        .reset_index(drop=True)
    )


def read_run(history_path: str | Path, metrics_path: str | Path) -> pd.DataFrame:
    """One run's validation loss per epoch (``epoch``, ``val_loss``) and the
    training seconds from its start to the end of each epoch (``seconds``)."""
    history = pd.read_csv(history_path)
    training = json.loads(Path(metrics_path).read_text())["training"]
    if "epoch_seconds" not in training:
        raise InputError(
            f"{metrics_path}: no key 'training.epoch_seconds'; the point was "
            "trained by an older version of the workflow: delete the file and rerun"
        )
    seconds = training["epoch_seconds"]
    if len(seconds) != len(history):
        raise InputError(
            f"{metrics_path}: {len(seconds)} epoch_seconds for the "
            f"{len(history)} epochs of {history_path}"
        )
    return pd.DataFrame(
        {
            "epoch": history["epoch"],
            "val_loss": history["val_loss"],
            "seconds": np.cumsum(seconds),
        }
    )


def chosen_runs(
    chosen: pd.DataFrame, histories: list[str], metrics: list[str]
) -> dict[str, list[pd.DataFrame]]:
    """{optimizer: the runs (read_run) of its chosen setting, seeds ascending}.

    ``chosen`` is chosen_settings's table (its ``points`` name the runs);
    ``histories`` and ``metrics`` are the study's history.csv and
    metrics.json files, each in its point's folder.
    """
    history_of = {Path(path).parent.name: path for path in histories}
    metrics_of = {Path(path).parent.name: path for path in metrics}
    return {
        optimizer: [
            read_run(history_of[point], metrics_of[point]) for point in points.split()
        ]
        for optimizer, points in zip(chosen["optimizer"], chosen["points"], strict=True)
    }


def target_loss(study: dict, runs: dict[str, list[pd.DataFrame]]) -> float:
    """The validation loss at which the optimisers' speed is compared.

    The study's ``target_loss``, or for ``auto`` the highest of the chosen
    runs' lowest validation losses: the level that every run reaches, set by
    the one that gets least far.
    """
    target = configured_target_loss(study)
    if target != "auto":
        return target
    lowest = [run["val_loss"].min() for group in runs.values() for run in group]
    return float(np.nanmax(lowest))


def time_to_target(run: pd.DataFrame, target: float) -> tuple[float, float]:
    """Epochs and training seconds until the end of the first epoch whose
    validation loss is at most ``target``; NaN and NaN if none is."""
    reached = run[run["val_loss"] <= target]
    if reached.empty:
        return np.nan, np.nan
    return float(reached["epoch"].iloc[0]), float(reached["seconds"].iloc[0])


def optimizer_table(
    chosen: pd.DataFrame, runs: dict[str, list[pd.DataFrame]], target: float
) -> pd.DataFrame:
    """One row per optimiser at its chosen learning rate, ranked (1 = best) by
    the mean validation log-loss over seeds.

    Means and ``_std`` (spread over seeds, 0 for one seed) of the validation
    and test log-loss, test accuracy and ROC AUC, those two with the test
    sample's statistical error (``_stat_error``); the target loss, how many
    seeds reached it, and the mean and std over seeds of the epochs and
    training seconds to it: empty (NaN) unless every seed reached it.
    """
    rows = []
    for rank, best in enumerate(chosen.to_dict("records"), start=1):
        row = {
            "rank": rank,
            "optimizer": best["optimizer"],
            "learning_rate": best["learning_rate"],
            "seeds": best["seeds"],
        }
        for metric in (f"val_{METRIC}", METRIC, "accuracy", "roc_auc"):
            row[f"{metric}_mean"] = best[f"{metric}_mean"]
            error = statistical_error(
                metric, best[f"{metric}_mean"], best["n_events"], best["n_signal"]
            )
            if error is not None:
                row[f"{metric}_stat_error"] = error
            row[f"{metric}_std"] = best[f"{metric}_std"]
        times = pd.DataFrame(
            [time_to_target(run, target) for run in runs[best["optimizer"]]],
            columns=["epochs_to_target", "seconds_to_target"],
        )
        reached = times["epochs_to_target"].notna()
        row["target_loss"] = target
        row["seeds_reaching_target"] = int(reached.sum())
        # A mean over the seeds that reached the target would flatter a
        # setting that some seeds never bring there: none then.
        every = bool(reached.all())
        for column in times:
            row[f"{column}_mean"] = times[column].mean() if every else np.nan
            # As studies.summarise: one seed has a spread of 0.
            spread = times[column].std() if len(times) > 1 else 0.0
            row[f"{column}_std"] = spread if every else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
