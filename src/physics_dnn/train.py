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
from .code_version import code_digest
from .errors import ConfigError
from .events import feature_names, read_events
from .fingerprint import result_fingerprint
from .grid import batch_size_for
from .scaler import Standardiser

# Several batches per backend call: 1.5x faster on CPU at batch 1024 (NB13
# network, 2 cores); the per-epoch history is the same.
STEPS_PER_EXECUTION = 16

# ``loss`` and ``val_loss`` are the data's binary cross-entropy: Keras's own
# loss adds the L2 penalty (to the validation loss too), which would shift the
# curves of regularised runs by the very gap they are meant to show. The
# penalty after each epoch is its own column.
HISTORY_COLUMNS = ("loss", "accuracy", "val_loss", "val_accuracy", "l2_penalty")
KERAS_HISTORY_KEYS = {"loss": "data_loss"}


def build_model(
    n_features: int,
    hidden_layers: list[int],
    activation: str = "relu",
    dropout: float = 0.0,
    dropout_placement: str = "every_layer",
    batch_norm: bool = False,
    l2: float = 0.0,
    initializer: str = "glorot_uniform",
    weight_scale: float = 1.0,
    bias_scale: float = 0.0,
) -> keras.Model:
    """Dense → [BatchNorm] → activation → [Dropout] per hidden layer; sigmoid out.

    Dropout follows every hidden layer (``every_layer``) or only the top one,
    the input of the output layer (``top_layer``, Baldi et al.). The L2
    penalty acts on the weights of every layer, the output layer's included
    (as Baldi et al.'s weight decay).

    ``initializer`` draws the starting weights: ``glorot_uniform`` (Keras's
    default), ``pytorch_default`` (PyTorch's nn.Linear, as in NB13: weights
    and biases uniform in ±1/√fan-in), ``baldi`` (Baldi et al. 2014: normal
    with std 0.1 in the first layer, 0.05 in the other hidden layers, 0.001
    in the output layer, zero biases) or ``mean_field`` (weights normal with
    variance σ_w²/fan-in, biases normal with variance σ_b², σ_w =
    ``weight_scale``, σ_b = ``bias_scale``: the parametrisation of the
    order-to-chaos phase diagram of deep networks) or ``nb12`` (Mehta et
    al.'s NB12: weights truncated normal with std 0.1, biases 0.1, in every
    layer).
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
        top = depth == len(hidden_layers)
        if dropout > 0 and (dropout_placement == "every_layer" or top):
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
        kernel_regularizer=regulariser,
        name="signal_probability",
    )(x)
    return keras.Model(inputs, outputs, name="classifier")


def _initializers(name: str, depth: int, fan_in: int, weight_scale, bias_scale):
    """Kernel and bias initialisers of hidden layer ``depth`` (0: the output)."""
    if name == "pytorch_default":
        bound = 1 / math.sqrt(fan_in)
        uniform = initializers.RandomUniform(-bound, bound)
        return uniform, initializers.RandomUniform(-bound, bound)
    if name == "baldi":
        std = {0: 0.001, 1: 0.1}.get(depth, 0.05)
        return initializers.RandomNormal(stddev=std), "zeros"
    if name == "mean_field":
        kernel = initializers.RandomNormal(stddev=weight_scale / math.sqrt(fan_in))
        bias = initializers.RandomNormal(stddev=bias_scale) if bias_scale else "zeros"
        return kernel, bias
    if name == "nb12":
        kernel = initializers.TruncatedNormal(stddev=0.1)
        return kernel, initializers.Constant(0.1)
    return "glorot_uniform", "zeros"


@keras.saving.register_keras_serializable(package="physics_dnn")
class DecayPerBatch(keras.optimizers.schedules.LearningRateSchedule):
    """Baldi et al.'s schedule: ``initial`` divided by ``factor`` after every
    batch, never below ``floor``."""

    def __init__(self, initial: float, factor: float, floor: float):
        self.initial, self.factor, self.floor = initial, factor, floor

    def __call__(self, step):
        # exp(-step log f), not f**-step: float32 cannot hold f = 1.0000002.
        steps = keras.ops.cast(step, "float32")
        rate = self.initial * keras.ops.exp(-steps * math.log(self.factor))
        return keras.ops.maximum(rate, self.floor)

    def get_config(self) -> dict:
        return {"initial": self.initial, "factor": self.factor, "floor": self.floor}


def momentum_at(point: dict, epoch: int) -> float:
    """Momentum of epoch ``epoch`` (from 0): constant, or rising linearly from
    ``momentum`` to ``final_momentum`` over ``momentum_ramp_epochs``."""
    if point["final_momentum"] is None:
        return point["momentum"]
    progress = min(epoch / point["momentum_ramp_epochs"], 1.0)
    return point["momentum"] + (point["final_momentum"] - point["momentum"]) * progress


def make_optimizer(name: str, learning_rate, momentum: float):
    """The Keras optimiser ``name`` (grid.OPTIMIZERS); ``momentum`` acts on
    ``sgd_momentum`` and ``nesterov``, the adaptive ones keep Keras's defaults."""
    if name in ("sgd", "sgd_momentum", "nesterov"):
        return optimizers.SGD(
            learning_rate=learning_rate,
            momentum=0.0 if name == "sgd" else momentum,
            nesterov=name == "nesterov",
        )
    adaptive = {
        "adagrad": optimizers.Adagrad,
        "rmsprop": optimizers.RMSprop,
        "adam": optimizers.Adam,
        "nadam": optimizers.Nadam,
    }
    return adaptive[name](learning_rate=learning_rate)


# Events on which the backpropagated errors are measured: enough for a stable
# estimate, few enough to cost nothing next to an epoch.
GRADIENT_BATCH = 1024

# Events per forward pass when the network only predicts (validation after
# every epoch, scoring): large batches, the same numbers as small ones.
PREDICT_BATCH = 16384

CHECKPOINT_DIR = ".checkpoint"

# A checkpoint after the first epoch that ends this long after the last one,
# and always after the last epoch: a killed job loses at most about this much
# training, and short runs do not spend their time writing checkpoints.
CHECKPOINT_SECONDS = 60.0


@dataclass
class TrainedPoint:
    """A trained network with what scores it: its scaler and run info."""

    model: keras.Model
    scaler: Standardiser
    info: dict


def train_point(
    point: dict,
    train_path: str | Path,
    validation_path: str | Path,
    outputs: dict[str, str | Path],
    threads: int,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
) -> TrainedPoint:
    """Train the network of ``point``; write model, history, scaler and run info.

    ``outputs`` has the keys ``model`` (.keras), ``history`` (CSV, one row per
    epoch), ``gradients`` (CSV: per-layer RMS of the backpropagated error and
    of the weight gradient, before training and after every epoch),
    ``scaler`` (JSON) and ``info`` (JSON: device, epochs, the epoch kept by
    early stopping, the epoch of a divergence, seconds in all and of each
    epoch).

    Training goes one epoch at a time; each epoch's batch order follows from
    (seed, epoch) and its dropout masks from (seed, epoch, layer, batch)
    alone. A checkpoint (model with optimizer state, history, early-stopping
    state) goes to ``.checkpoint/`` beside the model when
    ``checkpoint_seconds`` have passed since the last one, and after the last
    epoch: a killed or preempted job resumes from its last checkpoint when
    rerun, and ends with the same numbers as an uninterrupted run; a finished
    point rerun (its pack of points changed) is not trained again. The
    checkpoint carries the fingerprint of the settings, input files and code
    that made it; another one is discarded, not resumed. A loss that turns
    NaN or infinite ends training: the run is recorded as diverged.
    """
    backend.configure(threads, point["seed"])
    x_train, y_train = read_events(train_path, point["features"], point["n_train"])
    x_val, y_val = read_events(validation_path, point["features"])
    scaler = Standardiser.fit(feature_names(train_path, point["features"]), x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    # Labels as a column, the shape of the network's output.
    y_train = y_train[:, None]
    x_probe, y_probe = x_train[:GRADIENT_BATCH], y_train[:GRADIENT_BATCH]

    device = backend.accelerator()
    if point["mixed_precision"]:
        # float16 arithmetic pays off on GPUs only; on a CPU it is slower.
        if device:
            keras.mixed_precision.set_global_policy("mixed_float16")
        else:
            print("mixed_precision is for GPUs; no GPU here: training in float32")
    checkpoint = Checkpoint(Path(outputs["model"]).parent / CHECKPOINT_DIR)
    made_by = fingerprint(point, [train_path, validation_path])
    model, state, best_weights = checkpoint.load(made_by)
    # The epochs the checkpoint on disk holds (none before the first save).
    checkpointed = None if model is None else state.epochs_done
    if model is None:
        started = time.perf_counter()
        model = _compiled_model(point, x_train.shape[1], device)
        state = TrainingState(fingerprint=made_by)
        state.record_gradients(model, x_probe, y_probe, epoch=0)
        state.seconds += time.perf_counter() - started
    else:
        print(f"resuming after epoch {state.epochs_done} from {checkpoint.folder}")

    batch_size = batch_size_for(point["batch_size"], point["n_train"])
    saved = time.monotonic()
    for epoch in range(state.epochs_done, point["epochs"]):
        if point["patience"] and state.epochs_without_improvement >= point["patience"]:
            break  # early stopping
        if state.diverged_epoch:
            break
        started = time.perf_counter()
        order = np.random.default_rng([point["seed"], epoch]).permutation(len(x_train))
        seed_dropout(model, point["seed"], epoch)
        ramped = momentum_at(point, epoch)
        if point["final_momentum"] is not None and ramped != model.optimizer.momentum:
            # The momentum is traced into the train function: retrace it,
            # only while the ramp still changes it.
            model.optimizer.momentum = ramped
            model.train_function = None
        result = model.fit(
            **backend.epoch_input(x_train[order], y_train[order], batch_size),
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=2,
            # Stop within the epoch once the loss is NaN or infinite.
            callbacks=[keras.callbacks.TerminateOnNaN()],
        )
        state.add_epoch(
            result.history, validation_scores(model, x_val, y_val), _penalty(model)
        )
        # The optimiser study's wall clock: the epoch's training and validation,
        # not the gradient diagnostic below.
        state.epoch_seconds.append(time.perf_counter() - started)
        if state.diverged():
            # The lecture's chaotic regime: a result to report, not a crash.
            print(f"training diverged in epoch {state.epochs_done}: loss not finite")
            state.diverged_epoch = state.epochs_done
        else:
            state.record_gradients(model, x_probe, y_probe, epoch=epoch + 1)
        if state.track_validation_loss() and point["patience"]:
            best_weights = model.get_weights()
        state.seconds += time.perf_counter() - started
        if time.monotonic() - saved >= checkpoint_seconds:
            checkpoint.save(model, state, best_weights)
            saved, checkpointed = time.monotonic(), state.epochs_done
    if checkpointed != state.epochs_done:
        # The end of training (last epoch, early stopping or a divergence).
        checkpoint.save(model, state, best_weights)
    restored = bool(point["patience"] and state.best_epoch)
    if restored:
        # As Keras's EarlyStopping(restore_best_weights=True): keep the best
        # epoch, also when a later one diverged (there is none if the
        # validation loss was never finite).
        model.set_weights(best_weights)

    with atomic_path(outputs["model"], suffix=".keras") as tmp:
        if restored:
            model.save(tmp)
        else:
            # The last epoch's checkpoint holds this very model: a copy costs
            # less than saving it again.
            shutil.copyfile(checkpoint.model_path(state.epochs_done), tmp)
    write_history(state.history, outputs["history"])
    write_gradient_norms(state.gradient_rows, outputs["gradients"])
    scaler.save(outputs["scaler"])
    info = {
        "device": device or "CPU",
        "threads": threads,
        "epochs_run": state.epochs_done,
        # The epoch whose weights were kept (early stopping), else null.
        "restored_epoch": state.best_epoch if restored else None,
        # The epoch in which the loss became NaN or infinite, else null.
        "diverged_epoch": state.diverged_epoch,
        "training_seconds": round(state.seconds, 3),
        # Per epoch: seconds of training and validation (earlier runs' epochs
        # too, where this one resumed from a checkpoint).
        "epoch_seconds": [round(seconds, 4) for seconds in state.epoch_seconds],
    }
    with atomic_path(outputs["info"]) as tmp:
        tmp.write_text(json.dumps(info, indent=2) + "\n")
    return TrainedPoint(model, scaler, info)


def predict_probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The network's signal probability per event (float64), in inference mode.

    Calls of the model in large batches (``backend.predict``): no Keras
    predict function to trace per network, which costs more than the
    prediction itself.
    """
    chunks = [
        backend.predict(model, x[start : start + PREDICT_BATCH])
        for start in range(0, len(x), PREDICT_BATCH)
    ]
    return np.concatenate(chunks).ravel().astype(np.float64)


def validation_scores(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """Binary cross-entropy (the data loss) and accuracy on validation events.

    The probabilities are clipped to [1e-7, 1 - 1e-7] as Keras's loss does.
    """
    p_signal = np.clip(predict_probabilities(model, x), 1e-7, 1 - 1e-7)
    with np.errstate(invalid="ignore"):
        loss = -np.mean(y * np.log(p_signal) + (1 - y) * np.log1p(-p_signal))
        accuracy = np.mean((p_signal >= 0.5) == (y == 1))
    return {"val_loss": float(loss), "val_accuracy": float(accuracy)}


def _compiled_model(point: dict, n_features: int, device: str | None) -> keras.Model:
    model = build_model(
        n_features,
        point["hidden_layers"],
        activation=point["activation"],
        dropout=point["dropout"],
        dropout_placement=point["dropout_placement"],
        batch_norm=point["batch_norm"],
        l2=point["l2"],
        initializer=point["initializer"],
        weight_scale=point["weight_scale"],
        bias_scale=point["bias_scale"],
    )
    learning_rate = point["learning_rate"]
    if point["learning_rate_decay"] != 1.0:
        learning_rate = DecayPerBatch(
            learning_rate, point["learning_rate_decay"], point["min_learning_rate"]
        )
    model.compile(
        optimizer=make_optimizer(
            point["optimizer"], learning_rate, momentum_at(point, 0)
        ),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryCrossentropy(name="data_loss"), "accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
        jit_compile=backend.jit_compile(device),
    )
    return model


def seed_dropout(model: keras.Model, seed: int, epoch: int) -> None:
    """Dropout masks of an epoch from (seed, epoch), not from earlier epochs.

    Keras draws batch k's mask with the seed state plus [0, k]. Each dropout
    layer starts every epoch at [stream, 0], its stream a hash of (seed,
    epoch, layer): masks differ across layers, batches and epochs, and depend
    on nothing else, so a resumed run replays them exactly.
    """
    for index, layer in enumerate(model.layers):
        generator = getattr(layer, "seed_generator", None)
        if generator is not None:
            stream = np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0]
            # 31 bits: a valid seed for signed and unsigned seed dtypes alike.
            state = [int(stream) >> 1, 0]
            generator.state.assign(
                keras.ops.convert_to_tensor(state, dtype=generator.state.dtype)
            )


def _penalty(model: keras.Model) -> float:
    """The L2 penalty added to the loss, at the current weights."""
    if not model.losses:
        return 0.0
    return float(keras.ops.convert_to_numpy(keras.ops.sum(model.losses)))


def fingerprint(point: dict, inputs: list[str | Path]) -> str:
    """sha256 of a point's settings, its input files' contents and the code
    that trains it (this module and the package modules it imports, and the
    Keras backend: a run is not resumed on another one)."""
    code = code_digest(Path(__file__)) + keras.backend.backend()
    return result_fingerprint(point, inputs, code)


@dataclass
class TrainingState:
    """Everything about a training run that the model file does not hold."""

    # What made the run: a checkpoint of other settings, inputs or code is not
    # resumed.
    fingerprint: str = ""
    epochs_done: int = 0
    history: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_COLUMNS}
    )
    gradient_rows: list[list] = field(default_factory=list)
    best_val_loss: float = math.inf
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    diverged_epoch: int | None = None
    seconds: float = 0.0
    epoch_seconds: list[float] = field(default_factory=list)

    def add_epoch(
        self, history: dict[str, list[float]], validation: dict, penalty: float
    ) -> None:
        """One epoch's Keras history, validation scores and L2 penalty."""
        values = dict(validation, l2_penalty=penalty)
        for key in ("loss", "accuracy"):
            values[key] = history[KERAS_HISTORY_KEYS.get(key, key)][-1]
        for key in HISTORY_COLUMNS:
            self.history[key].append(float(values[key]))
        self.epochs_done += 1

    def diverged(self) -> bool:
        return not all(math.isfinite(self.history[k][-1]) for k in HISTORY_COLUMNS)

    def record_gradients(self, model, x, y, epoch: int) -> None:
        errors = backend.backpropagated_errors(model, x, y)
        self.gradient_rows += [
            [epoch, layer, delta, weight]
            for layer, (delta, weight) in enumerate(errors, 1)
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
    """A run's state after an epoch, safe against kill -9.

    Model files carry their epoch in the name; ``state.json``, written last
    and atomically, names the ones that belong together, so a kill at any
    moment leaves the previous consistent checkpoint. The best epoch's
    weights (for early stopping) are an .npz beside them.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.state_path = folder / "state.json"

    def load(self, fingerprint: str) -> tuple:
        """Model, state and best weights, if there is a checkpoint that
        ``fingerprint`` made; else three Nones."""
        if not self.state_path.exists():
            return None, None, None
        state = TrainingState(**json.loads(self.state_path.read_text()))
        if state.fingerprint != fingerprint:
            print(
                f"discarding {self.folder}: it was made with other settings or "
                "input files (or other code); training from the start"
            )
            self.remove()
            return None, None, None
        model = keras.saving.load_model(self.model_path(state.epochs_done))
        best = self._best_path(state.best_epoch)
        if not best.exists():
            return model, state, None
        with np.load(best) as arrays:
            return model, state, [arrays[f"arr_{i}"] for i in range(len(arrays.files))]

    def save(
        self, model: keras.Model, state: TrainingState, best_weights: list | None
    ) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.model_path(state.epochs_done), suffix=".keras") as tmp:
            model.save(tmp)
        keep = {self.model_path(state.epochs_done), self.state_path}
        if best_weights is not None:
            best = self._best_path(state.best_epoch)
            if not best.exists():
                with atomic_path(best, suffix=".npz") as tmp:
                    np.savez(tmp, *best_weights)
            keep.add(best)
        with atomic_path(self.state_path) as tmp:
            tmp.write_text(json.dumps(asdict(state)))
        for path in self.folder.iterdir():
            if path not in keep:
                path.unlink()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def model_path(self, epoch: int) -> Path:
        return self.folder / f"epoch-{epoch}.keras"

    def _best_path(self, epoch: int) -> Path:
        return self.folder / f"best-epoch-{epoch}.npz"


GRADIENT_COLUMNS = ("epoch", "layer", "delta_rms", "weight_gradient_rms")


def write_gradient_norms(rows: list[list], path: str | Path) -> None:
    """Per layer (1 = first hidden, last = output) and epoch (0 = before
    training): RMS of the backpropagated error Delta and of the weight gradient."""
    lines = [",".join(GRADIENT_COLUMNS)]
    lines += [
        f"{epoch},{layer},{delta:.6g},{weight:.6g}"
        for epoch, layer, delta, weight in rows
    ]
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
