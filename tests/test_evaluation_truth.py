"""The recorded numbers are those of the data they claim: checked independently.

Tiny networks are trained on split files that differ in a way the metrics show
(the test file's labels are flipped, each file has its own size and signal
count); metrics.json, history.csv and the saved model are then checked
against a computation of their own, from the files alone.
"""

import json
import os
import subprocess

import keras
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from physics_dnn import events
from physics_dnn.grid import grid_points
from physics_dnn.labels import LABEL
from physics_dnn.pack_training import train_and_score_pack
from physics_dnn.packing import POINT_FILES
from physics_dnn.provenance import git_commit, provenance
from physics_dnn.susy.columns import FEATURES

# Rows and signal events of each split file; the network trains on the first
# N_TRAIN training rows only.
SIZES = {"train": (400, 160), "validation": (200, 120), "test": (150, 50)}
N_TRAIN = 300

TINY = {
    "n_train": N_TRAIN,
    "hidden_layers": [8],
    "dropout": 0.0,
    "l2": 0.0,
    "optimizer": "adam",
    "learning_rate": 0.01,
    "batch_size": 30,
    "epochs": 3,
}


def write_split(path, n_rows, n_signal, seed, shift=0.8, flip=False):
    """Events with exactly ``n_signal`` signal rows, signal shifted by
    ``shift`` in every feature; ``flip``: the stored labels are the opposite
    of what the features say (a network that learnt the others scores worse
    than chance here)."""
    rng = np.random.default_rng(seed)
    label = rng.permutation(np.r_[np.ones(n_signal), np.zeros(n_rows - n_signal)])
    looks_like = 1 - label if flip else label
    x = rng.normal(size=(n_rows, len(FEATURES))) + shift * looks_like[:, None]
    events.write_events(path, label, x, FEATURES)


def git(directory, *args) -> str:
    """Run git in ``directory`` without the user's or system's git config."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    done = subprocess.run(
        ["git", *identity, *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_checkout(folder):
    """A git repository with one commit and the workflow/scripts folder from
    which the rule scripts pass their directory (snakemake.scriptdir)."""
    scripts = folder / "workflow" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "train_pack.py").write_text("# a rule script\n")
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "first")
    return scripts


@pytest.fixture(autouse=True)
def no_repository_above(tmp_path_factory, monkeypatch):
    """git does not look above the tests' temporary folders for a repository."""
    root = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root))


def read_file(path, features, n_rows=None):
    """Labels and features (in ``features``' order) of a split file: pyarrow
    and NumPy only, not the package's reader."""
    table = pq.read_table(path).to_pandas()
    if n_rows is not None:
        table = table.iloc[:n_rows]
    return table[LABEL].to_numpy(), table[features].to_numpy(np.float64)


def predict_saved(folder, path, n_rows=None):
    """The saved network's signal probabilities and the labels of ``path``:
    model.keras with the standardisation of scaler.json, applied by hand."""
    scaler = json.loads((folder / POINT_FILES["scaler"]).read_text())
    y, x = read_file(path, scaler["features"], n_rows)
    x = (x - np.asarray(scaler["mean"])) / np.asarray(scaler["std"])
    model = keras.saving.load_model(folder / POINT_FILES["model"])
    p = model.predict(x.astype(np.float32), verbose=0).ravel().astype(np.float64)
    return y, p


def expected_metrics(y, p) -> dict:
    """Event and signal counts, accuracy at 0.5, AUC (the fraction of
    signal-background pairs ordered right, ties half) and log-loss."""
    signal, background = p[y == 1], p[y == 0]
    pairs = signal[:, None] - background[None, :]
    q = np.clip(p, 1e-15, 1 - 1e-15)
    return {
        "n_events": len(y),
        "n_signal": int(np.sum(y == 1)),
        "accuracy": np.mean((p >= 0.5) == (y == 1)),
        "roc_auc": np.mean((pairs > 0) + 0.5 * (pairs == 0)),
        "log_loss": -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)),
    }


def assert_metrics_match(recorded: dict, expected: dict) -> None:
    assert recorded["n_events"] == expected["n_events"]
    assert recorded["n_signal"] == expected["n_signal"]
    for key in ("accuracy", "roc_auc", "log_loss"):
        assert recorded[key] == pytest.approx(expected[key], rel=1e-5, abs=1e-7), key


def validation_scores(y, p) -> tuple[float, float]:
    """Binary cross-entropy (clipped as Keras's) and accuracy."""
    q = np.clip(p, 1e-7, 1 - 1e-7)
    loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
    return float(loss), float(np.mean((p >= 0.5) == (y == 1)))


def train_pack(folder, data, settings, workflow_dir=None):
    """Train and score one point as the workflow's training job does."""
    point = grid_points(settings, None)["baseline"]
    outputs = {key: folder / name for key, name in POINT_FILES.items()}
    train_and_score_pack(
        {"baseline": point},
        data,
        {"baseline": outputs},
        threads=1,
        workflow_dir=workflow_dir,
    )
    report = json.loads(outputs["metrics"].read_text())
    history = pd.read_csv(outputs["history"])
    info = json.loads(outputs["info"].read_text())
    return report, history, info


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny network trained and scored on split files of distinct sizes,
    signal counts and (the test file) flipped labels, from a git checkout."""
    folder = tmp_path_factory.mktemp("truth")
    data = {part: folder / f"{part}.parquet" for part in SIZES}
    for seed, (part, (rows, signal)) in enumerate(SIZES.items()):
        write_split(data[part], rows, signal, seed, flip=part == "test")
    checkout = tmp_path_factory.mktemp("checkout")
    with pytest.MonkeyPatch.context() as patch:
        # The autouse fixture acts on the tests, not on this fixture.
        patch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path_factory.getbasetemp()))
        scripts = make_checkout(checkout)
        report, history, info = train_pack(folder / "point", data, TINY, scripts)
    return {
        "data": data,
        "point": folder / "point",
        "checkout": checkout,
        "report": report,
        "history": history,
        "info": info,
    }


def test_test_metrics_are_those_of_the_test_file(trained):
    report, data = trained["report"], trained["data"]
    y, p = predict_saved(trained["point"], data["test"])
    expected = expected_metrics(y, p)
    assert (expected["n_events"], expected["n_signal"]) == SIZES["test"]
    assert_metrics_match(report["metrics"], expected)
    # The flipped labels show: the network learnt the other files, so it
    # scores worse than chance here, and better on the validation events.
    assert report["metrics"]["accuracy"] < 0.4 and report["metrics"]["roc_auc"] < 0.3
    assert report["validation_metrics"]["roc_auc"] > 0.7


def test_validation_and_training_set_metrics_are_those_of_their_files(trained):
    report, data = trained["report"], trained["data"]
    expected = expected_metrics(*predict_saved(trained["point"], data["validation"]))
    assert (expected["n_events"], expected["n_signal"]) == SIZES["validation"]
    assert_metrics_match(report["validation_metrics"], expected)
    # The training-set metrics are on the first n_train rows: those it saw.
    expected = expected_metrics(
        *predict_saved(trained["point"], data["train"], N_TRAIN)
    )
    assert expected["n_events"] == N_TRAIN
    assert_metrics_match(report["training_set_metrics"], expected)


def test_history_validation_scores_are_those_of_the_saved_model(trained):
    history, info = trained["history"], trained["info"]
    assert len(history) == info["epochs_run"] == TINY["epochs"]
    assert info["restored_epoch"] is None  # no early stopping: the last epoch
    last = history.iloc[-1]
    y, p = predict_saved(trained["point"], trained["data"]["validation"])
    loss, accuracy = validation_scores(y, p)
    assert last["val_loss"] == pytest.approx(loss, rel=1e-5)
    assert last["val_accuracy"] == pytest.approx(accuracy, abs=1e-7)
    assert last["l2_penalty"] == 0
    # Training moved the weights: earlier epochs' validation scores differ,
    # so a history of another epoch would not pass.
    assert history["val_loss"].iloc[0] != pytest.approx(loss, rel=1e-3)


def test_metrics_record_the_commit_of_the_checkout(trained):
    head = git(trained["checkout"], "rev-parse", "HEAD")
    assert trained["report"]["provenance"]["git_commit"] == head


def test_early_stopping_keeps_the_epoch_of_least_validation_loss(tmp_path):
    """A small, weakly separable sample and a wide network: the validation
    loss falls, then rises as the network learns the training events."""
    data = {part: tmp_path / f"{part}.parquet" for part in SIZES}
    for seed, part in enumerate(SIZES):
        write_split(data[part], 200, 100, seed + 10, shift=0.3)
    settings = dict(
        TINY, n_train=200, hidden_layers=[32], batch_size=20, epochs=40, patience=3
    )
    report, history, info = train_pack(tmp_path / "point", data, settings)
    best = int(history["val_loss"].idxmin())
    # The run stopped early, after the validation loss had risen.
    assert info["epochs_run"] == len(history) < settings["epochs"]
    assert history["val_loss"].iloc[-1] > history["val_loss"].iloc[best] * 1.02
    assert info["restored_epoch"] == history["epoch"].iloc[best] == best + 1
    assert info["epochs_run"] == info["restored_epoch"] + settings["patience"]

    # The saved and the scored network are the best epoch's, not the last one's.
    y, p = predict_saved(tmp_path / "point", data["validation"])
    loss, accuracy = validation_scores(y, p)
    assert loss == pytest.approx(history["val_loss"].iloc[best], rel=1e-5)
    assert accuracy == pytest.approx(history["val_accuracy"].iloc[best], abs=1e-7)
    assert report["validation_metrics"]["log_loss"] == pytest.approx(loss, rel=1e-5)
    assert report["training"]["restored_epoch"] == best + 1


def test_git_commit_is_the_head_of_the_checkout_also_below_and_when_tagged(
    tmp_path,
):
    scripts = make_checkout(tmp_path)
    head = git(tmp_path, "rev-parse", "HEAD")
    assert git_commit(scripts) == git_commit(tmp_path) == head
    # A release tag on the commit: still the commit, not the tag's name.
    git(tmp_path, "tag", "-a", "v1.0", "-m", "release")
    assert git_commit(scripts) == head
    # A later commit is recorded as itself, not as "v1.0-1-g<hash>".
    (scripts / "train_pack.py").write_text("# changed\n")
    git(tmp_path, "commit", "-q", "-am", "second")
    second = git(tmp_path, "rev-parse", "HEAD")
    assert second != head and git_commit(scripts) == second
    assert provenance(0, scripts)["git_commit"] == second


def test_a_modified_checkout_is_marked_dirty(tmp_path):
    scripts = make_checkout(tmp_path)
    head = git(tmp_path, "rev-parse", "HEAD")
    (scripts / "train_pack.py").write_text("# edited, not committed\n")
    assert git_commit(scripts) == f"{head}-dirty"
    git(tmp_path, "checkout", "--", ".")
    assert git_commit(scripts) == head


def test_no_checkout_records_no_commit(tmp_path):
    assert git_commit(tmp_path) is None
    # Not a repository yet: initialised, but nothing committed.
    git(tmp_path, "init", "-q")
    assert git_commit(tmp_path) is None
    assert provenance(0, None)["git_commit"] is None


def test_git_commit_is_the_whole_hash_in_a_sha256_repository(tmp_path):
    try:
        git(tmp_path, "init", "-q", "--object-format=sha256")
    except subprocess.CalledProcessError:
        pytest.skip("this git makes no SHA-256 repositories")
    (tmp_path / "file").write_text("content\n")
    git(tmp_path, "add", "file")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert len(head) == 64 and git_commit(tmp_path) == head
