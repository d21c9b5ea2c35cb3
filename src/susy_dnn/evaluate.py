"""Test-set performance of one trained grid point, with provenance."""

import json
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score, roc_curve

from . import backend
from .atomic import atomic_path
from .events import read_events
from .provenance import provenance
from .scaler import Standardiser

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


def evaluate_point(
    name: str,
    point: dict,
    data: dict[str, str | Path],
    trained: dict[str, str | Path],
    metrics_path: str | Path,
    threads: int,
    workflow_dir: str | Path | None = None,
) -> dict:
    """Score the network in ``trained`` and write metrics.json.

    ``data`` holds the ``train`` and ``test`` Parquet files; ``trained`` the
    paths written by train_point: ``model``, ``scaler`` and ``info``.
    """
    backend.configure(threads, point["seed"])
    scaler = Standardiser.load(trained["scaler"])
    model = keras.saving.load_model(trained["model"])

    def predict(x):
        p_signal = model.predict(scaler.transform(x), batch_size=8192, verbose=0)
        return p_signal.ravel().astype(np.float64)

    report = score_classifier(
        name,
        point,
        predict,
        data,
        training=json.loads(Path(trained["info"]).read_text()),
        provenance=provenance(point["seed"], workflow_dir, backend.versions()),
    )
    write_report(report, metrics_path)
    return report


def score_classifier(
    name: str, point: dict, predict, data, training: dict, provenance: dict
) -> dict:
    """Test metrics and ROC, plus the same metrics on the training events.

    The training-set metrics (on the first ``n_train`` rows, the ones it was
    trained on) against the test metrics give the generalisation gap.
    """
    x_test, y_test = read_events(data["test"], point["features"])
    metrics, roc = classifier_metrics(y_test, predict(x_test))
    x_train, y_train = read_events(data["train"], point["features"], point["n_train"])
    training_metrics, _ = classifier_metrics(y_train, predict(x_train))
    return {
        "point": name,
        "settings": point,
        "metrics": metrics,
        "training_set_metrics": training_metrics,
        "roc": roc,
        "training": training,
        "provenance": provenance,
    }


def write_report(report: dict, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
