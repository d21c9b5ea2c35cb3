"""Classifier metrics on the test, validation and training events, and their file."""

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score, roc_curve

from .atomic import atomic_path
from .divergence import scored_as_diverged
from .events import read_column, read_events
from .overtraining import overtraining_check

# Background efficiencies at which the ROC curve is stored: log-spaced, so the
# high-rejection end that physics analyses care about keeps its detail.
ROC_BACKGROUND_EFFICIENCIES = np.concatenate([[0.0], np.logspace(-4, 0, 161)])

BACKGROUND_REJECTIONS = {"90": 0.90, "99": 0.99}


def classifier_metrics(y_true: np.ndarray, p_signal: np.ndarray) -> tuple[dict, dict]:
    """Metrics (accuracy cut at 0.5, ROC AUC, log-loss, signal efficiencies) and ROC.

    ``signal_efficiency_at_XX_rejection`` is the fraction of signal kept where
    the cut rejects XX% of the background (ROC curve interpolated).
    """
    fpr, tpr, _ = roc_curve(y_true, p_signal)
    metrics = {
        "n_events": int(len(y_true)),
        "n_signal": int(np.sum(y_true == 1)),
        "accuracy": float(accuracy_score(y_true, p_signal >= 0.5)),
        "roc_auc": float(roc_auc_score(y_true, p_signal)),
        "log_loss": float(log_loss(y_true, p_signal, labels=[0, 1])),
    }
    for percent, rejection in BACKGROUND_REJECTIONS.items():
        efficiency = np.interp(1.0 - rejection, fpr, tpr)
        metrics[f"signal_efficiency_at_{percent}_rejection"] = float(efficiency)
    roc = {
        "background_efficiency": ROC_BACKGROUND_EFFICIENCIES.tolist(),
        "signal_efficiency": np.interp(ROC_BACKGROUND_EFFICIENCIES, fpr, tpr).tolist(),
    }
    return metrics, roc


def score_classifier(
    name: str,
    point: dict,
    predict,
    data,
    training: dict,
    provenance: dict,
    output_by: str | None = None,
) -> dict:
    """Test metrics and ROC, plus the same metrics on the validation and
    training events and on every further evaluation set of ``data``.

    ``data`` holds the ``train``, ``validation`` and ``test`` Parquet files,
    and may hold more held-out sets (the Ising model's ``critical``
    configurations): each gets ``<name>_metrics``. Settings are chosen on
    the validation metrics; the test metrics report the chosen one. The
    training-set metrics (on the first ``n_train`` rows, the ones it was
    trained on) against the test metrics give the generalisation gap; the
    output distributions on the two, compared per class by the
    Kolmogorov–Smirnov test, are the overtraining check (``overtraining``).
    ``output_by`` names a column (the Ising model's temperature) by whose
    values the mean output on the test and further sets is recorded
    (``mean_output``, ``mean_output_by``). A run that diverged
    (``training["diverged_epoch"]``) and kept no earlier epoch
    (``training["restored_epoch"]``, early stopping) is scored as what is
    left of it: a constant classifier at the training events' signal
    fraction (accuracy of the majority class, AUC 0.5).
    """
    x_train, y_train = read_events(data["train"], point["features"], point["n_train"])
    if scored_as_diverged(training):
        signal_fraction = float(np.mean(y_train))

        def predict(x):
            return np.full(len(x), signal_fraction)

    # {part: (labels, signal probabilities)}
    outputs = {"train": (y_train, predict(x_train))}
    held_out = [part for part in data if part not in ("train", "validation")]
    for part in ("validation", *held_out):
        x, y = read_events(data[part], point["features"])
        outputs[part] = (y, predict(x))
    metrics, roc = classifier_metrics(*outputs["test"])
    report = {
        "point": name,
        "settings": point,
        "metrics": metrics,
        "validation_metrics": classifier_metrics(*outputs["validation"])[0],
        "training_set_metrics": classifier_metrics(*outputs["train"])[0],
    }
    for part in held_out:
        if part != "test":
            report[f"{part}_metrics"] = classifier_metrics(*outputs[part])[0]
    report.update(
        roc=roc,
        overtraining=overtraining_check(*outputs["train"], *outputs["test"]),
        training=training,
        provenance=provenance,
    )
    if output_by is not None:
        values = np.concatenate(
            [read_column(data[part], output_by) for part in held_out]
        )
        probabilities = np.concatenate([outputs[part][1] for part in held_out])
        report["mean_output_by"] = output_by
        report["mean_output"] = mean_output_by_value(values, probabilities)
    return report


def mean_output_by_value(values: np.ndarray, probabilities: np.ndarray) -> list[dict]:
    """Mean network output, its standard error and the number of events, per
    distinct value (e.g. per temperature), values ascending."""
    rows = []
    for value in np.unique(values):
        chosen = probabilities[values == value].astype(np.float64)
        error = chosen.std(ddof=1) / np.sqrt(len(chosen)) if len(chosen) > 1 else 0.0
        rows.append(
            {
                "value": float(value),
                "mean": float(chosen.mean()),
                "standard_error": float(error),
                "n_events": int(len(chosen)),
            }
        )
    return rows


def write_report(report: dict, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
