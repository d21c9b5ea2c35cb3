"""Test-set performance of one trained network, with provenance."""

import json
from pathlib import Path

import keras
import numpy as np

from . import backend
from .metrics import score_classifier, write_report
from .provenance import provenance
from .scaler import Standardiser


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

    ``data`` holds the ``train``, ``validation`` and ``test`` Parquet files;
    ``trained`` the paths written by train_point: ``model``, ``scaler`` and
    ``info``.
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
