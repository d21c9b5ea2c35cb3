"""Training and evaluation on a small separable sample (runs Keras on the CPU)."""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import PARTS

from physics_dnn import backend, train
from physics_dnn.evaluate import evaluate_point
from physics_dnn.grid import OPTIMIZERS, grid_points
from physics_dnn.metrics import classifier_metrics, score_classifier
from physics_dnn.pack_training import train_and_score_pack
from physics_dnn.packing import POINT_FILES
from physics_dnn.scaler import Standardiser
from physics_dnn.studies import mean_field_delta_ratio, statistical_error
from physics_dnn.train import (
    CHECKPOINT_DIR,
    Checkpoint,
    DecayPerBatch,
    TrainingState,
    build_model,
    fingerprint,
    make_optimizer,
    momentum_at,
    seed_dropout,
    train_point,
)


def _train(sample, folder, checkpoint_seconds=60, **settings):
    point = grid_points(dict({"n_train": 2000, "epochs": 3}, **settings), None)
    # What train_point writes: every file of a point but the scores.
    outputs = {
        key: folder / name for key, name in POINT_FILES.items() if key != "metrics"
    }
    trained = train_point(
        point["baseline"],
        sample / "train.parquet",
        sample / "validation.parquet",
        outputs,
        threads=1,
        checkpoint_seconds=checkpoint_seconds,
    )
    return point["baseline"], outputs, trained


def test_training_writes_model_history_scaler_and_is_deterministic(sample, tmp_path):
    point, outputs, trained = _train(sample, tmp_path / "a")
    info = trained.info
    history = pd.read_csv(outputs["history"])
    assert list(history.columns) == [
        "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "l2_penalty"
    ]  # fmt: skip
    assert history["epoch"].tolist() == [1, 2, 3]
    assert info["epochs_run"] == 3 and info["device"] == "CPU"
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    # Each epoch's seconds (the optimiser study's wall clock), within the
    # total, which also holds building the model and the gradient diagnostic.
    assert len(info["epoch_seconds"]) == 3 and min(info["epoch_seconds"]) > 0
    assert sum(info["epoch_seconds"]) <= info["training_seconds"] + 1e-3

    # Backpropagated errors and weight gradients of every Dense layer
    # (hidden, output), before and after each epoch: finite and positive.
    norms = pd.read_csv(outputs["gradients"])
    assert sorted(set(norms["epoch"])) == [0, 1, 2, 3]
    assert sorted(set(norms["layer"])) == [1, 2, 3]
    values = norms[["delta_rms", "weight_gradient_rms"]].to_numpy()
    assert np.all(np.isfinite(values)) and (values > 0).all()

    # The scaler is fitted on the first n_train training rows only.
    train = pq.read_table(sample / "train.parquet").slice(0, 2000).to_pandas()
    scaler = Standardiser.load(outputs["scaler"])
    np.testing.assert_allclose(
        scaler.mean, train[scaler.features].mean().to_numpy(), rtol=1e-5
    )

    _, again, _ = _train(sample, tmp_path / "b")
    assert outputs["history"].read_text() == again["history"].read_text()

    metrics_path = tmp_path / "metrics.json"
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    report = evaluate_point("baseline", point, data, trained, metrics_path)
    assert json.loads(metrics_path.read_text()) == report
    assert report["metrics"]["n_events"] == 800
    # Validation metrics (what chooses settings) are on the validation events,
    # and the loss is the last epoch's validation loss of the history.
    assert report["validation_metrics"]["n_events"] == 500
    assert report["validation_metrics"]["log_loss"] == pytest.approx(
        history["val_loss"].iloc[-1], rel=1e-4
    )
    # Training-set metrics are on the n_train events the network saw.
    assert report["training_set_metrics"]["n_events"] == 2000
    assert 0.7 < report["metrics"]["roc_auc"] <= 1
    assert report["settings"] == point
    assert report["provenance"]["seed"] == point["seed"]
    assert report["provenance"]["versions"]["keras"].startswith("3.")
    assert report["training"]["epochs_run"] == 3


def test_early_stopping_ends_before_the_last_epoch(sample, tmp_path):
    # A huge learning rate makes the validation loss stop improving at once.
    _, _, trained = _train(
        sample, tmp_path, epochs=30, patience=1, learning_rate=5.0, optimizer="sgd"
    )
    assert trained.info["epochs_run"] < 30


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
        # Uniform in +-1/sqrt(fan-in): std 1/sqrt(3 fan-in).
        ("pytorch_default", (1 / 54**0.5, 1 / 900**0.5, 1 / 900**0.5)),
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
    expected_bias_std = {"mean_field": 0.5, "pytorch_default": 1 / 54**0.5}
    assert np.std(biases) == pytest.approx(
        expected_bias_std.get(initializer, 0), rel=0.3
    )


def test_vanishing_gradients_in_a_deep_sigmoid_network():
    """Ten sigmoid layers: the first layer's error is far below the output's.

    Each layer multiplies Delta by at most sigma' <= 1/4 times the weights."""
    keras.utils.set_random_seed(0)
    model = build_model(18, [50] * 10, activation="sigmoid")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 18)).astype(np.float32)
    y = rng.integers(0, 2, (512, 1)).astype(np.float32)
    errors = backend.backpropagated_errors(model, x, y)
    assert len(errors) == 11
    assert errors[0][0] < 1e-3 * errors[-1][0]
    assert errors[0][1] < 1e-3 * errors[-1][1]


def test_validation_loss_is_the_data_loss_without_the_l2_penalty(sample, tmp_path):
    point, outputs, _ = _train(sample, tmp_path, l2=0.05, dropout=0.0)
    history = pd.read_csv(outputs["history"])
    assert (history["l2_penalty"] > 0.05).all()
    model = keras.saving.load_model(outputs["model"])
    scaler = Standardiser.load(outputs["scaler"])
    table = pq.read_table(sample / "validation.parquet").to_pandas()
    p = model.predict(scaler.transform(table[scaler.features].to_numpy()), verbose=0)
    bce = keras.ops.convert_to_numpy(
        keras.losses.binary_crossentropy(table[["label"]].to_numpy("float32"), p)
    ).mean()
    assert history["val_loss"].iloc[-1] == pytest.approx(bce, rel=1e-4)
    # Keras's own validation loss would be the penalised one: far above.
    assert history["val_loss"].iloc[-1] + history["l2_penalty"].iloc[-1] > bce + 0.05


def test_dropout_masks_are_independent_across_layers_batches_and_epochs():
    """Masks as the training loop draws them: every layer, batch and epoch its
    own, none repeating, layers uncorrelated, and a pure function of (seed,
    epoch, batch)."""
    model = build_model(10, [400, 400, 400], dropout=0.5)
    dropouts = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)
    ]
    ones = np.ones((8, 400), dtype="float32")

    def masks(seed, epoch, batches=4):
        seed_dropout(model, seed, epoch)
        return np.array(
            [
                [
                    keras.ops.convert_to_numpy(layer(ones, training=True)) > 0
                    for layer in dropouts
                ]
                for _ in range(batches)
            ]
        )  # batch x layer x events x units

    epochs = [masks(seed=7, epoch=epoch) for epoch in range(3)]
    flat = np.concatenate(epochs).reshape(-1, 8 * 400)
    assert len({mask.tobytes() for mask in flat}) == len(flat), "a mask repeats"
    # The old scheme replayed the previous epoch shifted by one batch.
    assert not np.array_equal(epochs[1][0], epochs[0][1])
    for batch in epochs[0]:
        first, second = batch[0].ravel(), batch[1].ravel()
        assert abs(np.corrcoef(first, second)[0, 1]) < 0.05  # 3200 units each
    assert 0.45 < flat.mean() < 0.55
    np.testing.assert_array_equal(masks(seed=7, epoch=1), epochs[1])
    assert not np.array_equal(masks(seed=8, epoch=1), epochs[1])


def test_a_checkpoint_of_other_settings_is_discarded(sample, tmp_path, capsys):
    folder = tmp_path / "run"
    point, outputs, _ = _train(sample, folder, epochs=2)
    checkpoint = Checkpoint(folder / CHECKPOINT_DIR)
    inputs = [sample / "train.parquet", sample / "validation.parquet"]
    made_by = fingerprint(point, inputs)
    model = keras.saving.load_model(outputs["model"])
    checkpoint.save(model, TrainingState(fingerprint=made_by, epochs_done=1), None)
    loaded, state, _ = checkpoint.load(made_by)
    assert loaded is not None and state.epochs_done == 1

    changed = dict(point, learning_rate=point["learning_rate"] * 10)
    assert fingerprint(changed, inputs) != made_by
    assert checkpoint.load(fingerprint(changed, inputs)) == (None, None, None)
    assert "made with other settings or input files" in capsys.readouterr().out
    assert not checkpoint.folder.exists()

    # Other input files: another fingerprint too.
    checkpoint.save(model, TrainingState(fingerprint=made_by, epochs_done=1), None)
    assert fingerprint(point, inputs[::-1]) != made_by
    assert checkpoint.load(fingerprint(point, inputs[::-1])) == (None, None, None)

    # And through train_point: a stale checkpoint of another learning rate is
    # not resumed; the run equals a fresh one.
    checkpoint.save(model, TrainingState(fingerprint=made_by, epochs_done=1), None)
    _, fresh, _ = _train(sample, tmp_path / "fresh", epochs=2, learning_rate=0.1)
    _, rerun, trained = _train(sample, folder, epochs=2, learning_rate=0.1)
    assert trained.info["epochs_run"] == 2
    assert rerun["history"].read_text() == fresh["history"].read_text()


def test_a_diverged_run_is_recorded_and_scored_as_a_constant(sample, tmp_path):
    # One event per batch at a huge learning rate: the loss overflows at once.
    point, outputs, trained = _train(
        sample, tmp_path, epochs=5, batch_size=1, learning_rate=50.0,
        optimizer="sgd", dropout=0.0, patience=2,
    )  # fmt: skip
    info = trained.info
    assert info["diverged_epoch"] == 1 and info["epochs_run"] == 1
    assert info["restored_epoch"] is None
    history = pd.read_csv(outputs["history"])
    assert len(history) == 1 and not np.isfinite(history["loss"].iloc[0])
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    report = evaluate_point("baseline", point, data, trained, tmp_path / "m.json")
    y = pq.read_table(sample / "test.parquet").column("label").to_numpy()
    majority = max(np.mean(y), 1 - np.mean(y))
    assert report["metrics"]["accuracy"] == pytest.approx(majority)
    assert report["metrics"]["roc_auc"] == 0.5
    assert report["validation_metrics"]["roc_auc"] == 0.5


@pytest.mark.parametrize(
    ("weight_scale", "vanishes"), [(0.5, True), (4.0, False)]
)  # fmt: skip
def test_backpropagated_error_follows_mean_field_theory(weight_scale, vanishes):
    """Ten tanh layers of 100 at sigma_b = 0: the first layer's Delta is far
    below the output's in the ordered phase (sigma_w = 0.5), above it in the
    chaotic one (sigma_w = 4), and within a factor 3 of mean-field theory."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1024, 18)).astype(np.float32)
    y = rng.integers(0, 2, (1024, 1)).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = build_model(18, [100] * 10, activation="tanh",
                        initializer="mean_field", weight_scale=weight_scale)  # fmt: skip
    errors = backend.backpropagated_errors(model, x, y)
    assert len(errors) == 11
    ratio = errors[0][0] / errors[-1][0]
    assert (ratio < 1e-3) if vanishes else (ratio > 1)
    theory = mean_field_delta_ratio(weight_scale, 0.0, depth=10, width=100)
    assert abs(np.log10(ratio / theory)) < np.log10(3)


def test_delta_is_the_gradient_of_the_loss_with_respect_to_z():
    """At the output Delta^L = p - y; the weight gradient is what Keras's
    own autodiff gives for the mean loss."""
    keras.utils.set_random_seed(0)
    model = build_model(4, [6])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.integers(0, 2, (64, 1)).astype(np.float32)
    errors = backend.backpropagated_errors(model, x, y)
    p = keras.ops.convert_to_numpy(model(x))
    assert errors[-1][0] == pytest.approx(np.sqrt(np.mean((p - y) ** 2)), rel=1e-5)
    import tensorflow as tf

    kernels = [
        model.get_layer("hidden_1").kernel,
        model.get_layer("signal_probability").kernel,
    ]
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.losses.binary_crossentropy(y, model(x)))
    gradients = tape.gradient(loss, [kernel.value for kernel in kernels])
    for (_, rms), gradient in zip(errors, gradients, strict=True):
        assert rms == pytest.approx(np.sqrt(np.mean(gradient.numpy() ** 2)), rel=1e-4)


def test_baldi_schedule_decays_per_batch_and_ramps_the_momentum():
    schedule = DecayPerBatch(0.05, 1.0000002, 1e-6)
    rates = keras.ops.convert_to_numpy(schedule(np.array([0, 1_000_000, 10**9])))
    np.testing.assert_allclose(
        rates, [0.05, 0.05 / 1.0000002**1_000_000, 1e-6], rtol=1e-4
    )
    point = dict(grid_points(None, None)["baseline"], momentum=0.9,
                 final_momentum=0.99, momentum_ramp_epochs=200)  # fmt: skip
    assert [momentum_at(point, e) for e in (0, 100, 200, 300)] == pytest.approx(
        [0.9, 0.945, 0.99, 0.99]
    )
    assert momentum_at(dict(point, final_momentum=None), 150) == 0.9


def test_top_layer_dropout_and_l2_on_every_layer():
    model = build_model(8, [30, 30, 30], dropout=0.5, dropout_placement="top_layer",
                        l2=1e-5)  # fmt: skip
    names = [layer.name for layer in model.layers]
    assert [name for name in names if name.startswith("dropout")] == ["dropout_3"]
    assert len(model.losses) == 4  # three hidden layers and the output


def test_momentum_ramp_and_learning_rate_decay_act_in_training(sample, tmp_path):
    """The first epoch equals a run at constant momentum; later ones differ,
    and the optimizer ends at the ramped momentum and the decayed rate."""
    settings = {"dropout": 0.0, "momentum": 0.5, "batch_size": 100}
    _, constant, _ = _train(sample, tmp_path / "constant", **settings)
    _, ramped, _ = _train(
        sample, tmp_path / "ramped", final_momentum=0.9, momentum_ramp_epochs=2,
        **settings,
    )  # fmt: skip
    constant, ramped = (
        pd.read_csv(outputs["history"]) for outputs in (constant, ramped)
    )
    assert constant.iloc[0].equals(ramped.iloc[0])
    assert constant["loss"].iloc[2] != ramped["loss"].iloc[2]

    point, outputs, _ = _train(
        sample, tmp_path / "decayed", learning_rate_decay=1.01, final_momentum=0.9,
        momentum_ramp_epochs=2, **settings,
    )  # fmt: skip
    model = keras.saving.load_model(outputs["model"])
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    assert steps == 3 * 2000 // 100
    rate = keras.ops.convert_to_numpy(model.optimizer.learning_rate)
    assert rate == pytest.approx(point["learning_rate"] / 1.01**steps, rel=1e-4)
    assert model.optimizer.momentum == pytest.approx(0.9)


def test_a_run_that_diverged_after_its_best_epoch_is_scored_from_that_epoch(sample):
    """Early stopping kept an epoch before the divergence: that model scores,
    as with Keras's restore_best_weights; with none kept, a constant does."""
    point = grid_points({"n_train": 2000}, None)["baseline"]
    data = {part: sample / f"{part}.parquet" for part in PARTS}

    def predict(x):
        return 1 / (1 + np.exp(-x[:, 0] + 3.4))  # the signal shift of write_events

    kept = {"diverged_epoch": 3, "restored_epoch": 2}
    scored = score_classifier("p", point, predict, data, kept, provenance={})
    assert scored["metrics"]["roc_auc"] > 0.55
    lost = dict(kept, restored_epoch=None)
    constant = score_classifier("p", point, predict, data, lost, provenance={})
    assert constant["metrics"]["roc_auc"] == 0.5


def test_the_fingerprint_covers_the_training_code(sample, monkeypatch):
    point = grid_points(None, None)["baseline"]
    inputs = [sample / "train.parquet"]
    before = fingerprint(point, inputs)
    monkeypatch.setattr(train, "code_digest", lambda path: "other code")
    other_code = fingerprint(point, inputs)
    assert other_code != before
    # A run on another Keras backend is not resumed either.
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert fingerprint(point, inputs) != other_code


def test_checkpoints_follow_the_clock_and_the_last_epoch(sample, tmp_path, monkeypatch):
    saved = []
    original = Checkpoint.save

    def counting_save(self, model, state, best_weights):
        saved.append(state.epochs_done)
        original(self, model, state, best_weights)

    monkeypatch.setattr(Checkpoint, "save", counting_save)
    _train(sample, tmp_path / "every", checkpoint_seconds=0, epochs=3)
    assert saved == [1, 2, 3]
    saved.clear()
    # An hour between checkpoints: only the last epoch's is written.
    _, _, trained = _train(
        sample, tmp_path / "hourly", checkpoint_seconds=3600, epochs=3
    )
    assert saved == [3]
    saved.clear()
    # Early stopping ends before the last epoch: its state is checkpointed too.
    _, _, trained = _train(
        sample, tmp_path / "stopped", checkpoint_seconds=3600, epochs=30,
        patience=1, learning_rate=5.0, optimizer="sgd",
    )  # fmt: skip
    assert saved == [trained.info["epochs_run"]] and saved[0] < 30


def test_a_finished_point_is_not_trained_again(sample, tmp_path, monkeypatch, capsys):
    point, first, trained = _train(sample, tmp_path / "run", patience=1, epochs=4)
    before = {key: path.read_bytes() for key, path in first.items() if key != "model"}
    for path in first.values():
        path.unlink()  # as Snakemake does before it reruns the job

    def no_fit(*args, **kwargs):
        raise AssertionError("a finished point was trained again")

    monkeypatch.setattr(keras.Model, "fit", no_fit)
    _, again, retrained = _train(sample, tmp_path / "run", patience=1, epochs=4)
    assert "resuming after epoch" in capsys.readouterr().out
    assert {key: again[key].read_bytes() for key in before} == before
    for a, b in zip(
        trained.model.get_weights(), retrained.model.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_a_point_scores_the_same_alone_and_in_a_pack(sample, tmp_path):
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    points = grid_points(
        {"n_train": 1000, "epochs": 2, "hidden_layers": [16, 8]},
        {"dropout": [0.5, 0.0]},
    )

    def outputs(folder):
        return {
            name: {key: folder / name / file for key, file in POINT_FILES.items()}
            for name in points
        }

    packed = outputs(tmp_path / "pack")
    train_and_score_pack(points, data, packed, threads=1)
    # The second point of the pack, alone: the first left nothing behind.
    second = list(points)[1]
    alone = outputs(tmp_path / "alone")
    train_and_score_pack({second: points[second]}, data, alone, threads=1)
    for key in ("history", "gradients", "metrics"):
        a, b = packed[second][key].read_text(), alone[second][key].read_text()
        if key == "metrics":
            a, b = ({**json.loads(text), "training": None} for text in (a, b))
        assert a == b, key


def test_a_failing_point_fails_the_pack_after_the_others(sample, tmp_path):
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    points = grid_points({"n_train": 500, "epochs": 1}, {"n_train": [10**6, 500]})
    outputs = {
        name: {key: tmp_path / name / file for key, file in POINT_FILES.items()}
        for name in points
    }
    with pytest.raises(RuntimeError, match=r"1 of 2 points failed.*n_train~1000000"):
        train_and_score_pack(points, data, outputs, threads=1)
    # The point after the failing one still ran.
    assert outputs["n_train~500"]["metrics"].exists()


# Trains the same point on Keras's JAX backend (the variable KERAS_BACKEND is
# read once, at import); then, on JAX, the gradient diagnostic and the
# predictions of the network that TensorFlow trained.
ON_JAX = """
import json, sys
from pathlib import Path
import keras, numpy as np
from physics_dnn import backend
from physics_dnn.evaluate import evaluate_point
from physics_dnn.train import predict_probabilities, train_point
point, data, folder = json.loads(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
outputs = {key: folder / name for key, name in json.loads(sys.argv[4]).items()}
parts = {part: data / f"{part}.parquet" for part in ("train", "validation", "test")}
trained = train_point(point, parts["train"], parts["validation"], outputs, threads=1)
evaluate_point("baseline", point, parts, trained, folder / "metrics.json")
probe = np.load(sys.argv[5])
model = keras.saving.load_model(sys.argv[6])
(folder / "probe.json").write_text(json.dumps({
    "backend": keras.backend.backend(),
    "errors": backend.backpropagated_errors(model, probe["x"], probe["y"]),
    "p": predict_probabilities(model, probe["x"]).tolist(),
}))
"""


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed"
)
def test_jax_trains_like_tensorflow_and_measures_the_same_gradients(sample, tmp_path):
    """The same point on TensorFlow and on JAX (NB13's network, 3 epochs of
    2000 events). Both see the same batches in the same order (NumPy draws
    it); their initial weights and dropout masks differ (each backend has
    its own generator). The validation AUC is then a statistic of the same
    500 events for two networks trained alike: they differ by the spread over
    initial weights (0.003 over 5 seeds on either backend), well below the
    AUC's statistical error (Hanley & McNeil, 0.016 here). Two statistical
    errors are allowed: wide for the draw of weights, narrow for a backend
    that trains otherwise (a network that learned nothing scores 0.5, this
    one about 0.87). For the same weights the
    diagnostic and the probabilities are one computation in float32 on
    either backend: equal to float32 rounding."""
    point, outputs, trained = _train(sample, tmp_path / "tensorflow")
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    expected = evaluate_point("baseline", point, data, trained, tmp_path / "tf.json")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 18)).astype(np.float32)
    y = rng.integers(0, 2, (300, 1)).astype(np.float32)
    np.savez(tmp_path / "probe.npz", x=x, y=y)

    folder = tmp_path / "jax"
    folder.mkdir()
    names = {key: path.name for key, path in outputs.items()}
    run = subprocess.run(
        [sys.executable, "-c", ON_JAX, json.dumps(point), str(sample), str(folder),
         json.dumps(names), str(tmp_path / "probe.npz"), str(outputs["model"])],
        env=dict(os.environ, KERAS_BACKEND="jax"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads((folder / "metrics.json").read_text())
    assert got["provenance"]["versions"]["keras_backend"] == "jax"
    assert got["training"]["epochs_run"] == 3
    for part in ("validation_metrics", "metrics"):
        auc, n = expected[part]["roc_auc"], expected[part]["n_events"]
        error = statistical_error("roc_auc", auc, n, expected[part]["n_signal"])
        assert abs(got[part]["roc_auc"] - auc) < 2 * error, part
    history = pd.read_csv(folder / "history.csv")
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]

    on_jax = json.loads((folder / "probe.json").read_text())
    assert on_jax["backend"] == "jax"
    errors = backend.backpropagated_errors(trained.model, x, y)
    np.testing.assert_allclose(on_jax["errors"], errors, rtol=1e-4)
    np.testing.assert_allclose(
        on_jax["p"], train.predict_probabilities(trained.model, x), atol=1e-6
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_of_nb11_trains(name):
    optimizer = make_optimizer(name, 0.01, momentum=0.9)
    expected = {"sgd": "SGD", "sgd_momentum": "SGD", "nesterov": "SGD",
                "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
                "nadam": "Nadam"}[name]  # fmt: skip
    assert type(optimizer).__name__ == expected
    if expected == "SGD":
        assert optimizer.momentum == (0.0 if name == "sgd" else 0.9)
        assert optimizer.nesterov == (name == "nesterov")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 18)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("float32")
    model = build_model(18, [16])
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.9 * before
