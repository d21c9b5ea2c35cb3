"""Train one feedforward classifier for one point of the grid.

The network is a stack of fully connected hidden layers (optionally with batch
normalisation before the activation and dropout after it) and one sigmoid
output: the probability that an event is signal. It is trained with binary
cross-entropy, which equals NB13's negative log-likelihood of a two-class
softmax.
"""

import json
import math
import time
from pathlib import Path

import keras
from keras import initializers, layers, optimizers, regularizers

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
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    l2: float = 0.0,
    initializer: str = "glorot_uniform",
    weight_scale: float = 1.0,
    bias_scale: float = 0.0,
) -> keras.Model:
    """Dense → [BatchNorm] → activation → [Dropout] per hidden layer; sigmoid out.

    ``initializer`` draws the starting weights: ``glorot_uniform`` (Keras's
    default), ``baldi`` (Baldi et al. 2014: normal with std 0.1 in the first
    layer, 0.05 in the other hidden layers, 0.001 in the output layer, zero
    biases) or ``mean_field`` (weights normal with variance σ_w²/fan-in, biases
    normal with variance σ_b², σ_w = ``weight_scale``, σ_b = ``bias_scale``:
    the parametrisation of the order-to-chaos phase diagram of deep networks).
    """
    regulariser = regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
    fan_in = n_features
    for depth, width in enumerate(hidden_layers, start=1):
        kernel, bias = _initializers(
            initializer, depth, fan_in, weight_scale, bias_scale
        )
        # Batch normalisation has its own shift, so the dense bias is redundant.
        x = layers.Dense(
            width,
            use_bias=not batch_norm,
            kernel_initializer=kernel,
            bias_initializer=bias,
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
        fan_in = width
    kernel, bias = _initializers(initializer, 0, fan_in, weight_scale, bias_scale)
    outputs = layers.Dense(
        1,
        activation="sigmoid",
        kernel_initializer=kernel,
        bias_initializer=bias,
        name="signal_probability",
    )(x)
    return keras.Model(inputs, outputs, name="susy_classifier")


def _initializers(name: str, depth: int, fan_in: int, weight_scale, bias_scale):
    """Kernel and bias initialisers of hidden layer ``depth`` (0: the output)."""
    if name == "baldi":
        std = {0: 0.001, 1: 0.1}.get(depth, 0.05)
        return initializers.RandomNormal(stddev=std), "zeros"
    if name == "mean_field":
        kernel = initializers.RandomNormal(stddev=weight_scale / math.sqrt(fan_in))
        bias = initializers.RandomNormal(stddev=bias_scale) if bias_scale else "zeros"
        return kernel, bias
    return "glorot_uniform", "zeros"


def make_optimizer(name: str, learning_rate: float, momentum: float):
    if name == "sgd":
        return optimizers.SGD(learning_rate=learning_rate)
    if name == "sgd_momentum":
        return optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    return optimizers.Adam(learning_rate=learning_rate)


class GradientNormRecorder(keras.callbacks.Callback):
    """Per-layer gradient norms before training and after every epoch.

    Vanishing gradients show as norms falling from the output layer towards
    the input, exploding ones as norms growing; a fixed batch makes epochs
    comparable.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y.reshape(-1, 1)
        self.rows = []

    def _record(self, epoch: int) -> None:
        norms = backend.kernel_gradient_norms(self.model, self.x, self.y)
        for depth, norm in enumerate(norms, start=1):
            self.rows.append((epoch, depth, norm))

    def on_train_begin(self, logs=None):
        self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        self._record(epoch + 1)

    def write(self, path: str | Path) -> None:
        lines = ["epoch,layer,gradient_norm"]
        lines += [f"{epoch},{layer},{norm:.6g}" for epoch, layer, norm in self.rows]
        with atomic_path(path) as tmp:
            tmp.write_text("\n".join(lines) + "\n")


# Events on which gradient norms are measured: enough for a stable estimate,
# few enough to cost nothing next to an epoch.
GRADIENT_BATCH = 1024


def train_point(
    point: dict,
    train_path: str | Path,
    validation_path: str | Path,
    outputs: dict[str, str | Path],
    threads: int,
) -> dict:
    """Train the network of ``point``; write model, history, scaler and run info.

    ``outputs`` has the keys ``model`` (.keras), ``history`` (CSV, one row per
    epoch), ``gradients`` (CSV: per-layer gradient norms per epoch), ``scaler``
    (JSON) and ``info`` (JSON: device, epochs, seconds).
    """
    backend.configure(threads, point["seed"])
    x_train, y_train = read_events(train_path, point["features"], point["n_train"])
    x_val, y_val = read_events(validation_path, point["features"])

    scaler = Standardiser.fit(FEATURE_SETS[point["features"]], x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    model = build_model(
        x_train.shape[1],
        point["hidden_layers"],
        activation=point["activation"],
        dropout=point["dropout"],
        batch_norm=point["batch_norm"],
        l2=point["l2"],
        initializer=point["initializer"],
        weight_scale=point["weight_scale"],
        bias_scale=point["bias_scale"],
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
    gradients = GradientNormRecorder(x_train[:GRADIENT_BATCH], y_train[:GRADIENT_BATCH])
    callbacks = [gradients]
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
    gradients.write(outputs["gradients"])
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
