"""A training job killed with kill -9 resumes from its last finished epoch and
ends with the same numbers as a run that was never interrupted."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import write_events

from physics_dnn.grid import grid_points
from physics_dnn.train import CHECKPOINT_DIR

# Dropout and early stopping too: their random masks and counters must resume.
SETTINGS = {"n_train": 3000, "epochs": 6, "batch_size": 10, "dropout": 0.3,
            "patience": 4, "hidden_layers": [32, 16]}  # fmt: skip
OUTPUTS = ("model.keras", "history.csv", "gradient_norms.csv", "scaler.json",
           "train_info.json")  # fmt: skip

TRAIN = """
import json, sys
from physics_dnn.train import train_point
point, data, folder = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
outputs = {key: f"{folder}/{name}" for key, name in zip(
    ("model", "history", "gradients", "scaler", "info"), json.loads(sys.argv[4]))}
# A checkpoint after every epoch, so that the kill falls between two.
train_point(point, f"{data}/train.parquet", f"{data}/validation.parquet", outputs, 1,
            checkpoint_seconds=0)
"""


def start_training(data: Path, folder: Path, keras_backend: str) -> subprocess.Popen:
    point = grid_points(SETTINGS, None)["baseline"]
    folder.mkdir(exist_ok=True)
    arguments = [json.dumps(point), str(data), str(folder), json.dumps(OUTPUTS)]
    return subprocess.Popen(
        [sys.executable, "-c", TRAIN, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, KERAS_BACKEND=keras_backend),
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("events")
    for name, rows, seed in [("train", 3000, 1), ("validation", 500, 2)]:
        write_events(folder / f"{name}.parquet", rows, seed)
    return folder


# Both backends: each seeds its dropout masks per epoch and compiles its own
# functions (JAX's jit); a resumed run must replay them exactly.
BACKENDS = [
    "tensorflow",
    pytest.param(
        "jax",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("jax") is None, reason="jax is not installed"
        ),
    ),
]


@pytest.mark.parametrize("keras_backend", BACKENDS)
def test_killed_training_resumes_to_identical_results(data, tmp_path, keras_backend):
    straight = tmp_path / "straight"
    assert start_training(data, straight, keras_backend).wait(timeout=300) == 0

    resumed = tmp_path / "resumed"
    job = start_training(data, resumed, keras_backend)
    state = resumed / CHECKPOINT_DIR / "state.json"
    deadline = time.monotonic() + 300
    while not (state.exists() and json.loads(state.read_text())["epochs_done"] >= 2):
        assert job.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(job.pid, signal.SIGKILL)  # as a node failure or preemption would
    job.wait()
    assert not (resumed / "history.csv").exists()
    checkpointed = json.loads(state.read_text())
    epochs_done = checkpointed["epochs_done"]
    assert 2 <= epochs_done < SETTINGS["epochs"]

    assert start_training(data, resumed, keras_backend).wait(timeout=300) == 0
    for name in ("history.csv", "gradient_norms.csv", "scaler.json"):
        assert (resumed / name).read_text() == (straight / name).read_text(), name
    info = json.loads((resumed / "train_info.json").read_text())
    assert (
        info["epochs_run"]
        == json.loads((straight / "train_info.json").read_text())["epochs_run"]
    )
    # The killed run's epochs keep their times; the resumed one adds its own.
    earlier = [round(seconds, 4) for seconds in checkpointed["epoch_seconds"]]
    assert info["epoch_seconds"][:epochs_done] == earlier
    assert len(info["epoch_seconds"]) == info["epochs_run"]
    # The finished run's checkpoint stays: a rerun of the job does not train.
    assert json.loads(state.read_text())["epochs_done"] == info["epochs_run"]
    final = [keras.saving.load_model(run / "model.keras").get_weights()
             for run in (straight, resumed)]  # fmt: skip
    for a, b in zip(*final, strict=True):
        np.testing.assert_array_equal(a, b)
