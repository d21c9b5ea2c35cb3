"""Train one feedforward classifier for one point of the grid.

The network is a stack of fully connected hidden layers (optionally with batch
normalisation before the activation and dropout after it) and one sigmoid
output: the probability that an event is signal. It is trained with binary
cross-entropy, which equals NB13's negative log-likelihood of a two-class
softmax.
"""

import json
import time
from pathlib import Path

import keras
from keras import layers, optimizers, regularizers

from . import backend
from .atomic import atomic_path
from .columns import FEATURE_SETS
from .errors import ConfigError
from .events import read_events
from .grid import batch_size_for
from .scaler import Standardiser

# Several batches per backend call: 1.5x faster on CPU at batch 1024 (NB13
# network, 2 cores); the per-epoch history is the same.
STEPS_PER_EXECUTION = 16


def build_model(
    n_features: int,
    hidden_layers: list[int],
    activation: str,
    dropout: float,
    batch_norm: bool,
    l2: float,
) -> keras.Model:
    """Dense → [BatchNorm] → activation → [Dropout] per hidden layer; sigmoid out."""
    regulariser = regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
    for depth, width in enumerate(hidden_layers, start=1):
        # Batch normalisation has its own shift, so the dense bias is redundant.
        x = layers.Dense(
            width,
            use_bias=not batch_norm,
            kernel_regularizer=regulariser,
            name=f"hidden_{depth}",
        )(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"batch_norm_{depth}")(x)
        try:
            x = layers.Activation(activation, name=f"activation_{depth}")(x)
        except ValueError:
            raise ConfigError(
                f"config key activation: {activation!r} is not a Keras activation"
            ) from None
        if dropout > 0:
            x = layers.Dropout(dropout, name=f"dropout_{depth}")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="signal_probability")(x)
    return keras.Model(inputs, outputs, name="susy_classifier")


def make_optimizer(name: str, learning_rate: float, momentum: float):
    if name == "sgd":
        return optimizers.SGD(learning_rate=learning_rate)
    if name == "sgd_momentum":
        return optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    return optimizers.Adam(learning_rate=learning_rate)


def train_point(
    point: dict,
    train_path: str | Path,
    validation_path: str | Path,
    outputs: dict[str, str | Path],
    threads: int,
) -> dict:
    """Train the network of ``point``; write model, history, scaler and run info.

    ``outputs`` has the keys ``model`` (.keras), ``history`` (CSV, one row per
    epoch), ``scaler`` (JSON) and ``info`` (JSON: device, epochs, seconds).
    """
    backend.configure(threads, point["seed"])
    x_train, y_train = read_events(train_path, point["features"], point["n_train"])
    x_val, y_val = read_events(validation_path, point["features"])

    scaler = Standardiser.fit(FEATURE_SETS[point["features"]], x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    model = build_model(
        x_train.shape[1],
        point["hidden_layers"],
        point["activation"],
        point["dropout"],
        point["batch_norm"],
        point["l2"],
    )
    device = backend.accelerator()
    model.compile(
        optimizer=make_optimizer(
            point["optimizer"], point["learning_rate"], point["momentum"]
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
        # XLA was 30x slower on CPU here; on a GPU let Keras decide.
        jit_compile="auto" if device else False,
    )
    callbacks = []
    if point["patience"]:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=point["patience"],
                restore_best_weights=True,
            )
        )
    started = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size_for(point["batch_size"], point["n_train"]),
        epochs=point["epochs"],
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        shuffle=True,
        verbose=2,
    )
    seconds = time.perf_counter() - started

    with atomic_path(outputs["model"], suffix=".keras") as tmp:
        model.save(tmp)
    write_history(history.history, outputs["history"])
    scaler.save(outputs["scaler"])
    info = {
        "device": device or "CPU",
        "threads": threads,
        "epochs_run": len(history.history["loss"]),
        "training_seconds": round(seconds, 3),
    }
    with atomic_path(outputs["info"]) as tmp:
        tmp.write_text(json.dumps(info, indent=2) + "\n")
    return info


HISTORY_COLUMNS = ("loss", "accuracy", "val_loss", "val_accuracy")


def write_history(history: dict[str, list[float]], path: str | Path) -> None:
    """Per-epoch training and validation loss and accuracy as CSV."""
    lines = ["epoch," + ",".join(HISTORY_COLUMNS)]
    for epoch, values in enumerate(
        zip(*(history[key] for key in HISTORY_COLUMNS), strict=True), start=1
    ):
        lines.append(f"{epoch}," + ",".join(f"{value:.8g}" for value in values))
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
