"""Train and score the grid points of one pack in one process."""

import time
from pathlib import Path

from .evaluate import evaluate_point
from .packing import run_each
from .train import CHECKPOINT_SECONDS, train_point


def train_and_score_pack(
    points: dict[str, dict],
    data: dict[str, str | Path],
    outputs: dict[str, dict[str, str | Path]],
    threads: int,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
    workflow_dir: str | Path | None = None,
    output_by: str | None = None,
) -> dict[str, dict]:
    """Train each point of ``points`` ({name: settings}) and score it on the
    ``train``, ``validation`` and ``test`` files of ``data`` and on its
    further evaluation sets (``output_by``: evaluate.evaluate_point).

    ``outputs[name]`` maps the keys of packing.POINT_FILES to the point's files.
    Scoring uses the network in memory: no second process, no reloading. A
    point that fails does not stop the others; the pack then fails, naming
    the points, and the finished ones are kept in their checkpoints, so a
    rerun does not train them again. Returns {name: test metrics}.
    """
    scores = {}

    def train_and_score(name: str, point: dict) -> None:
        started = time.perf_counter()
        trained = train_point(
            point,
            data["train"],
            data["validation"],
            outputs[name],
            threads,
            checkpoint_seconds,
        )
        report = evaluate_point(
            name,
            point,
            data,
            trained,
            outputs[name]["metrics"],
            workflow_dir,
            output_by,
        )
        scores[name] = report["metrics"]
        print(
            f"{name}: trained in {trained.info['training_seconds']:.1f} s, "
            f"done in {time.perf_counter() - started:.1f} s; "
            f"test accuracy {report['metrics']['accuracy']:.4f}",
            flush=True,
        )

    run_each(points, train_and_score)
    return scores
