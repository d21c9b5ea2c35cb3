"""Test-set performance of one trained network, with provenance."""

from pathlib import Path

from . import backend
from .metrics import score_classifier, write_report
from .provenance import provenance
from .train import TrainedPoint, predict_probabilities


def evaluate_point(
    name: str,
    point: dict,
    data: dict[str, str | Path],
    trained: TrainedPoint,
    metrics_path: str | Path,
    workflow_dir: str | Path | None = None,
    output_by: str | None = None,
) -> dict:
    """Score the network of ``trained`` (as train_point returns it) and write
    metrics.json.

    ``data`` holds the ``train``, ``validation`` and ``test`` Parquet files
    and any further evaluation sets; ``output_by`` as for
    metrics.score_classifier.
    """

    def predict(x):
        return predict_probabilities(trained.model, trained.scaler.transform(x))

    report = score_classifier(
        name,
        point,
        predict,
        data,
        training=trained.info,
        provenance=provenance(point["seed"], workflow_dir, backend.versions()),
        output_by=output_by,
    )
    write_report(report, metrics_path)
    return report
