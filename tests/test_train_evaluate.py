"""Training and evaluation on a small separable sample (runs Keras on the CPU)."""

import json

import keras
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from susy_dnn import backend
from susy_dnn.evaluate import evaluate_point
from susy_dnn.grid import grid_points
from susy_dnn.ingest import PARQUET_SCHEMA
from susy_dnn.metrics import classifier_metrics
from susy_dnn.scaler import Standardiser
from susy_dnn.train import build_model, train_point


def write_events(path, n_rows, seed):
    """Signal is shifted in every feature, so a network can learn it."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n_rows)
    x = rng.normal(loc=3.0, scale=2.0, size=(n_rows, 18)) + 0.8 * label[:, None]
    arrays = [pa.array(label.astype(np.int8))]
    arrays += [pa.array(x[:, i].astype(np.float32)) for i in range(18)]
    pq.write_table(pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA), path)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("events")
    for name, rows, seed in [
        ("train", 3000, 1),
        ("validation", 500, 2),
        ("test", 800, 3),
    ]:
        write_events(folder / f"{name}.parquet", rows, seed)
    return folder


def _train(sample, folder, **settings):
    point = grid_points(dict({"n_train": 2000, "epochs": 3}, **settings), None)
    outputs = {
        key: folder / name
        for key, name in [("model", "model.keras"), ("history", "history.csv"),
                          ("scaler", "scaler.json"), ("info", "train_info.json"),
                          ("gradients", "gradient_norms.csv")]
    }  # fmt: skip
    info = train_point(
        point["baseline"],
        sample / "train.parquet",
        sample / "validation.parquet",
        outputs,
        threads=1,
    )
    return point["baseline"], outputs, info


def test_training_writes_model_history_scaler_and_is_deterministic(sample, tmp_path):
    point, outputs, info = _train(sample, tmp_path / "a")
    history = pd.read_csv(outputs["history"])
    assert list(history.columns) == [
        "epoch", "loss", "accuracy", "val_loss", "val_accuracy"
    ]  # fmt: skip
    assert history["epoch"].tolist() == [1, 2, 3]
    assert info["epochs_run"] == 3 and info["device"] == "CPU"
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]

    # Gradient norms of both Dense layers (hidden, output), before and after
    # each epoch: finite and positive.
    norms = pd.read_csv(outputs["gradients"])
    assert sorted(set(norms["epoch"])) == [0, 1, 2, 3]
    assert sorted(set(norms["layer"])) == [1, 2, 3]
    assert (
        np.all(np.isfinite(norms["gradient_norm"]))
        and (norms["gradient_norm"] > 0).all()
    )

    # The scaler is fitted on the first n_train training rows only.
    train = pq.read_table(sample / "train.parquet").slice(0, 2000).to_pandas()
    scaler = Standardiser.load(outputs["scaler"])
    np.testing.assert_allclose(
        scaler.mean, train[scaler.features].mean().to_numpy(), rtol=1e-5
    )

    _, again, _ = _train(sample, tmp_path / "b")
    assert outputs["history"].read_text() == again["history"].read_text()

    metrics_path = tmp_path / "metrics.json"
    data = {part: sample / f"{part}.parquet" for part in ("train", "test")}
    report = evaluate_point("baseline", point, data, outputs, metrics_path, threads=1)
    assert json.loads(metrics_path.read_text()) == report
    assert report["metrics"]["n_events"] == 800
    # Training-set metrics are on the n_train events the network saw.
    assert report["training_set_metrics"]["n_events"] == 2000
    assert 0.7 < report["metrics"]["roc_auc"] <= 1
    assert report["settings"] == point
    assert report["provenance"]["seed"] == point["seed"]
    assert report["provenance"]["versions"]["keras"].startswith("3.")
    assert report["training"]["epochs_run"] == 3


def test_early_stopping_ends_before_the_last_epoch(sample, tmp_path):
    # A huge learning rate makes the validation loss stop improving at once.
    _, _, info = _train(
        sample, tmp_path, epochs=30, patience=1, learning_rate=5.0, optimizer="sgd"
    )
    assert info["epochs_run"] < 30


def test_model_reads_like_the_settings():
    model = build_model(
        8, [300, 300], activation="tanh", dropout=0.5, batch_norm=True, l2=1e-5
    )
    names = [layer.name for layer in model.layers]
    assert names == [
        "features",
        "hidden_1", "batch_norm_1", "activation_1", "dropout_1",
        "hidden_2", "batch_norm_2", "activation_2", "dropout_2",
        "signal_probability",
    ]  # fmt: skip
    assert model.get_layer("hidden_1").use_bias is False
    assert model.output_shape == (None, 1)


def test_classifier_metrics_on_known_scores():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9])
    metrics, roc = classifier_metrics(y, scores)
    assert metrics["accuracy"] == pytest.approx(6 / 8)
    # 15 of the 16 signal-background pairs are ordered correctly.
    assert metrics["roc_auc"] == pytest.approx(15 / 16)
    expected_loss = -np.mean(np.where(y == 1, np.log(scores), np.log(1 - scores)))
    assert metrics["log_loss"] == pytest.approx(expected_loss)
    assert np.all(np.diff(roc["signal_efficiency"]) >= 0)
    assert roc["signal_efficiency"][-1] == 1.0


def test_signal_efficiency_at_background_rejection():
    rng = np.random.default_rng(0)
    background = rng.uniform(0, 1, 100_000)
    signal = rng.uniform(0.5, 1.5, 100_000)
    y = np.concatenate([np.zeros_like(background), np.ones_like(signal)])
    # Scores must be probabilities (for the log-loss): scale into [0, 1].
    scores = np.concatenate([background, signal]) / 1.5
    metrics, _ = classifier_metrics(y, scores)
    # Rejecting 90% of the background cuts at 0.9 / 1.5: 60% of signal is kept.
    assert metrics["signal_efficiency_at_90_rejection"] == pytest.approx(0.6, abs=0.01)
    assert metrics["signal_efficiency_at_99_rejection"] == pytest.approx(0.51, abs=0.01)


@pytest.mark.parametrize(
    ("initializer", "expected_std"),
    [
        ("baldi", (0.1, 0.05, 0.001)),
        ("mean_field", (2 / 18**0.5, 2 / 300**0.5, 2 / 300**0.5)),
    ],
)
def test_initializers_draw_weights_of_the_stated_scale(initializer, expected_std):
    model = build_model(
        18, [300, 300], initializer=initializer, weight_scale=2.0, bias_scale=0.5
    )
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer, std in zip(dense, expected_std, strict=True):
        assert np.std(keras.ops.convert_to_numpy(layer.kernel)) == pytest.approx(
            std, rel=0.15
        )
    biases = keras.ops.convert_to_numpy(dense[0].bias)
    assert np.std(biases) == (
        pytest.approx(0.5, rel=0.2) if initializer == "mean_field" else 0
    )


def test_vanishing_gradients_in_a_deep_sigmoid_network():
    """Ten sigmoid layers: the first layer's gradient is far below the last's."""
    keras.utils.set_random_seed(0)
    model = build_model(18, [50] * 10, activation="sigmoid")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 18)).astype(np.float32)
    y = rng.integers(0, 2, (512, 1)).astype(np.float32)
    norms = backend.kernel_gradient_norms(model, x, y)
    assert len(norms) == 11
    assert norms[0] < 1e-3 * norms[-1]
