"""Train one feedforward classifier for one point of the grid.

The network is a stack of fully connected hidden layers (optionally with batch
normalisation before the activation and dropout after it) and one sigmoid
output: the probability that an event is signal. It is trained with binary
cross-entropy, which equals NB13's negative log-likelihood of a two-class
softmax.
"""

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np
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

HISTORY_COLUMNS = ("loss", "accuracy", "val_loss", "val_accuracy")


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
        # The probability stays float32 under mixed precision, for a stable loss.
        dtype="float32",
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


# Events on which gradient norms are measured: enough for a stable estimate,
# few enough to cost nothing next to an epoch.
GRADIENT_BATCH = 1024

CHECKPOINT_DIR = ".checkpoint"


def train_point(
    point: dict,
    train_path: str | Path,
    validation_path: str | Path,
    outputs: dict[str, str | Path],
    threads: int,
) -> dict:
    """Train the network of ``point``; write model, history, scaler and run info.

    ``outputs`` has the keys ``model`` (.keras), ``history`` (CSV, one row per
    epoch), ``gradients`` (CSV: per-layer gradient norms before training and
    after every epoch), ``scaler`` (JSON) and ``info`` (JSON: device, epochs,
    seconds).

    Training goes one epoch at a time, and each epoch's batch order and
    dropout masks follow from the seed and the epoch number alone. After every
    epoch a checkpoint (model with optimizer state, history, early-stopping
    state) goes to ``.checkpoint/`` beside the model: a killed or preempted
    job resumes from its last finished epoch when rerun, and ends with the
    same numbers as an uninterrupted run.
    """
    backend.configure(threads, point["seed"])
    x_train, y_train = read_events(train_path, point["features"], point["n_train"])
    x_val, y_val = read_events(validation_path, point["features"])
    scaler = Standardiser.fit(FEATURE_SETS[point["features"]], x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    x_probe, y_probe = x_train[:GRADIENT_BATCH], y_train[:GRADIENT_BATCH, None]

    device = backend.accelerator()
    if point["mixed_precision"]:
        # float16 arithmetic pays off on GPUs only; on a CPU it is slower.
        if device:
            keras.mixed_precision.set_global_policy("mixed_float16")
        else:
            print("mixed_precision is for GPUs; no GPU here: training in float32")
    checkpoint = Checkpoint(Path(outputs["model"]).parent / CHECKPOINT_DIR)
    model, state = checkpoint.load()
    if model is None:
        model = _compiled_model(point, x_train.shape[1], device)
        state = TrainingState()
        state.record_gradients(model, x_probe, y_probe, epoch=0)
    else:
        print(f"resuming after epoch {state.epochs_done} from {checkpoint.folder}")

    batch_size = batch_size_for(point["batch_size"], point["n_train"])
    started = time.perf_counter()
    for epoch in range(state.epochs_done, point["epochs"]):
        if point["patience"] and state.epochs_without_improvement >= point["patience"]:
            break  # early stopping
        order = np.random.default_rng([point["seed"], epoch]).permutation(len(x_train))
        _seed_dropout(model, point["seed"], epoch)
        result = model.fit(
            x_train[order],
            y_train[order],
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=2,
        )
        state.add_epoch(result.history)
        state.record_gradients(model, x_probe, y_probe, epoch=epoch + 1)
        improved = state.track_validation_loss()
        state.seconds += time.perf_counter() - started
        started = time.perf_counter()
        checkpoint.save(model, state, save_best=improved and bool(point["patience"]))
    if point["patience"] and state.best_epoch:
        # As Keras's EarlyStopping(restore_best_weights=True): keep the best
        # epoch (there is none if the validation loss was never finite).
        model.load_weights(checkpoint.best_weights(state))

    with atomic_path(outputs["model"], suffix=".keras") as tmp:
        model.save(tmp)
    write_history(state.history, outputs["history"])
    write_gradient_norms(state.gradient_rows, outputs["gradients"])
    scaler.save(outputs["scaler"])
    info = {
        "device": device or "CPU",
        "threads": threads,
        "epochs_run": state.epochs_done,
        "training_seconds": round(state.seconds, 3),
    }
    with atomic_path(outputs["info"]) as tmp:
        tmp.write_text(json.dumps(info, indent=2) + "\n")
    checkpoint.remove()
    return info


def _compiled_model(point: dict, n_features: int, device: str | None) -> keras.Model:
    model = build_model(
        n_features,
        point["hidden_layers"],
        activation=point["activation"],
        dropout=point["dropout"],
        batch_norm=point["batch_norm"],
        l2=point["l2"],
        initializer=point["initializer"],
        weight_scale=point["weight_scale"],
        bias_scale=point["bias_scale"],
    )
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
    return model


def _seed_dropout(model: keras.Model, seed: int, epoch: int) -> None:
    """Dropout masks of an epoch from (seed, epoch), not from earlier epochs."""
    for layer in model.layers:
        generator = getattr(layer, "seed_generator", None)
        if generator is not None:
            generator.state.assign(
                keras.ops.convert_to_tensor([seed, epoch], dtype=generator.state.dtype)
            )


@dataclass
class TrainingState:
    """Everything about a training run that the model file does not hold."""

    epochs_done: int = 0
    history: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_COLUMNS}
    )
    gradient_rows: list[list] = field(default_factory=list)
    best_val_loss: float = math.inf
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    seconds: float = 0.0

    def add_epoch(self, history: dict[str, list[float]]) -> None:
        for key in HISTORY_COLUMNS:
            self.history[key].append(float(history[key][-1]))
        self.epochs_done += 1

    def record_gradients(self, model, x, y, epoch: int) -> None:
        norms = backend.kernel_gradient_norms(model, x, y)
        self.gradient_rows += [
            [epoch, layer, norm] for layer, norm in enumerate(norms, 1)
        ]

    def track_validation_loss(self) -> bool:
        """Update the early-stopping counters; True if this epoch is the best."""
        loss = self.history["val_loss"][-1]
        if loss < self.best_val_loss:
            self.best_val_loss, self.best_epoch = loss, self.epochs_done
            self.epochs_without_improvement = 0
            return True
        self.epochs_without_improvement += 1
        return False


class Checkpoint:
    """A run's state after its last finished epoch, safe against kill -9.

    Model files carry their epoch in the name; ``state.json``, written last
    and atomically, names the ones that belong together, so a kill at any
    moment leaves the previous consistent checkpoint.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.state_path = folder / "state.json"

    def load(self) -> tuple[keras.Model | None, TrainingState | None]:
        if not self.state_path.exists():
            return None, None
        state = TrainingState(**json.loads(self.state_path.read_text()))
        model = keras.saving.load_model(self._model_path(state.epochs_done))
        return model, state

    def save(self, model: keras.Model, state: TrainingState, save_best: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(self._model_path(state.epochs_done), suffix=".keras") as tmp:
            model.save(tmp)
        if save_best:
            best = self._best_path(state.epochs_done)
            with atomic_path(best, suffix=".weights.h5") as tmp:
                model.save_weights(tmp)
        with atomic_path(self.state_path) as tmp:
            tmp.write_text(json.dumps(asdict(state)))
        keep = {self._model_path(state.epochs_done), self.state_path}
        keep.add(self._best_path(state.best_epoch))
        for path in self.folder.iterdir():
            if path not in keep:
                path.unlink()

    def best_weights(self, state: TrainingState) -> Path:
        return self._best_path(state.best_epoch)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _model_path(self, epoch: int) -> Path:
        return self.folder / f"epoch-{epoch}.keras"

    def _best_path(self, epoch: int) -> Path:
        return self.folder / f"best-epoch-{epoch}.weights.h5"


def write_gradient_norms(rows: list[list], path: str | Path) -> None:
    lines = ["epoch,layer,gradient_norm"]
    lines += [f"{epoch},{layer},{norm:.6g}" for epoch, layer, norm in rows]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def write_history(history: dict[str, list[float]], path: str | Path) -> None:
    """Per-epoch training and validation loss and accuracy as CSV."""
    lines = ["epoch," + ",".join(HISTORY_COLUMNS)]
    for epoch, values in enumerate(
        zip(*(history[key] for key in HISTORY_COLUMNS), strict=True), start=1
    ):
        lines.append(f"{epoch}," + ",".join(f"{value:.8g}" for value in values))
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
