"""GPU check of the training rule's code: one pack trained and scored on a GPU.

Run where a GPU is (KERAS_BACKEND=jax or tensorflow, with a GPU build of
that backend):

    python benchmarks/gpu_check.py OUTPUT_FOLDER [--cpu]

It trains a pack of two points (the NB13 network at batch 2,000 and Baldi
et al.'s 4 x 300 tanh network at batch 100) on 200,000 synthetic events with
``pack_training.train_and_score_pack``, the code the train_<study>_<pack>
rules run, prints each point's device, training seconds and test AUC, and
fails unless the points trained on a GPU (``--cpu``: the baseline on the
CPU, for the speed ratio) and learned the synthetic signal (AUC > 0.8).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from physics_dnn import events
from physics_dnn.grid import TRAINING_DEFAULTS
from physics_dnn.pack_training import train_and_score_pack
from physics_dnn.packing import POINT_FILES
from physics_dnn.susy.columns import FEATURES

SIZES = {"train": 200_000, "validation": 30_000, "test": 60_000}
POINTS = {
    "nb13": dict(TRAINING_DEFAULTS, n_train=200_000, batch_size=2000, epochs=5),
    "baldi_deep": dict(
        TRAINING_DEFAULTS,
        n_train=200_000,
        hidden_layers=[300, 300, 300, 300],
        activation="tanh",
        initializer="baldi",
        dropout=0.0,
        l2=1e-5,
        momentum=0.9,
        learning_rate=0.05,
        batch_size=100,
        epochs=1,
    ),
}


def write_split(folder: Path) -> dict[str, Path]:
    """Synthetic events: signal shifted in every feature, learnable."""
    rng = np.random.default_rng(0)
    paths = {}
    for part, size in SIZES.items():
        labels = rng.integers(0, 2, size)
        features = rng.normal(3.0, 2.0, (size, 18)) + 0.8 * labels[:, None]
        paths[part] = folder / f"{part}.parquet"
        events.write_events(paths[part], labels, features, FEATURES)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", type=Path)
    parser.add_argument("--cpu", action="store_true", help="expect the CPU")
    arguments = parser.parse_args()
    arguments.output.mkdir(parents=True, exist_ok=True)
    data = write_split(arguments.output)
    outputs = {
        name: {key: arguments.output / name / file for key, file in POINT_FILES.items()}
        for name in POINTS
    }
    scores = train_and_score_pack(POINTS, data, outputs, threads=16)
    problems = []
    for name in POINTS:
        info = json.loads(Path(outputs[name]["info"]).read_text())
        print(
            f"{name}: device {info['device']}, {info['epochs_run']} epochs in "
            f"{info['training_seconds']:.1f} s, test AUC {scores[name]['roc_auc']:.4f}"
        )
        on_gpu = info["device"] != "CPU"
        if on_gpu == arguments.cpu:
            problems.append(f"{name} trained on {info['device']}")
        if scores[name]["roc_auc"] < 0.8:
            problems.append(f"{name} did not learn: AUC {scores[name]['roc_auc']:.3f}")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
