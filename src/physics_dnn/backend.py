"""Everything that depends on the Keras backend, in one place.

The model code uses the Keras 3 API only; TensorFlow is the default backend and
``KERAS_BACKEND=jax`` or ``torch`` still works. What cannot be said through
Keras (thread pools, deterministic kernels, which device runs) lives here.
"""

import math
import os
import weakref

import keras
import numpy as np

# XLA's GPU kernels may add up in any order: two runs of one config then
# differ in the last bits, and training amplifies that (JAX on an H200: the
# histories of two identical runs differed; with this flag they were
# identical, at no cost in speed). XLA reads the flag when it first starts a
# device, after this import. CPU runs are deterministic without it.
GPU_DETERMINISM = "--xla_gpu_deterministic_ops=true"
if GPU_DETERMINISM not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {GPU_DETERMINISM}"


def configure(threads: int, seed: int) -> None:
    """Pin the backend to ``threads`` CPU threads and seed every generator.

    Must run before the first tensor operation: TensorFlow fixes its thread
    pools then. Without it TensorFlow takes every core, and grid points running
    side by side fight over them.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            # TensorFlow already ran in this process (the pack's earlier
            # points, a test session): its pools are fixed.
            pass
        # Same config, same numbers: deterministic kernels on CPU and GPU.
        tf.config.experimental.enable_op_determinism()
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)
    # A fresh Keras state for every network of a process: layer names, the
    # global seed generator and the dtype policy do not carry over from the
    # previous point, so a point's numbers do not depend on its pack. (No
    # garbage collection: 0.2 s per point, and the Python objects of the
    # previous small network are freed as it goes out of scope anyway.)
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)


def jit_compile(device: str | None) -> bool | str:
    """The ``jit_compile`` of ``model.compile``: XLA or not.

    On a GPU Keras decides. On the CPU TensorFlow's XLA was 30x slower here,
    so TensorFlow runs its graph without it; JAX without jit runs the train
    step op by op (40x slower than jitted at NB13's network), so JAX jits.
    """
    if device:
        return "auto"
    return keras.backend.backend() == "jax"


def epoch_input(x: np.ndarray, y: np.ndarray, batch_size: int) -> dict:
    """``model.fit`` arguments (with ``shuffle=False``) that feed (x, y) once,
    in order, in batches of ``batch_size`` rows (the last one smaller if it
    does not divide).

    TensorFlow gets a dataset of whole batches: Keras's own pipeline for
    arrays (index permutation, gather per batch, traced map functions) costs
    about 50 ms to set up per fit() call, once per epoch here; this one costs
    about 1 ms and feeds batches faster. The batches are the same rows in the
    same order, so the numbers are too.
    """
    if keras.backend.backend() != "tensorflow":
        return {"x": x, "y": y, "batch_size": batch_size}
    import tensorflow as tf

    full = len(x) // batch_size * batch_size

    def batches(a, start, stop, size):
        return a[start:stop].reshape(-1, size, *a.shape[1:])

    dataset = tf.data.Dataset.from_tensor_slices(
        (batches(x, 0, full, batch_size), batches(y, 0, full, batch_size))
    )
    rest = len(x) - full
    if rest:
        # The rest as one batch. As in Keras's pipeline, the batch dimension
        # is then unknown, and known only if the batch size divides the
        # events: the same train function graph, the same numbers (batch
        # normalisation's mean rounds differently with a known count).
        dataset = dataset.concatenate(
            tf.data.Dataset.from_tensors((x[full:], y[full:]))
        )
    return {"x": dataset}


def backpropagated_errors(model: keras.Model, x, y) -> list[tuple[float, float]]:
    """The lecture's backpropagation diagnostic for every Dense layer, input to output.

    For layer l with weighted input z^l = a^(l-1) W^l + b^l, returns
    (RMS of Delta^l, RMS of dE/dW^l): Delta^l = de/dz^l is the backpropagated
    error of each event's loss e (the lecture's Eq. I-II; at the output,
    Delta^L = p - y), its RMS taken over events and neurons; dE/dW^l =
    mean over events of a^(l-1) (x) Delta^l (Eq. III) is the gradient of the
    mean loss, its RMS taken per weight, so that layers of different shapes
    compare. The loss is the data's binary cross-entropy (no L2 penalty) with
    the model in inference mode: measuring draws no dropout masks.

    The gradient is a compiled function of the model's weights (tf.function,
    jax.jit), traced once per network architecture in a process and shared by
    the networks of that architecture: measuring after every epoch costs
    milliseconds, not a trace or an op-by-op dispatch.
    """
    probe, variables = _shared(model, "errors", _compiled_errors)
    x = keras.ops.convert_to_tensor(x, dtype="float32")
    y = keras.ops.convert_to_tensor(y, dtype="float32")
    squares = keras.ops.convert_to_numpy(probe(_values(model, variables), x, y))
    return [(math.sqrt(delta), math.sqrt(weight)) for delta, weight in squares]


def _mean_squares(deltas, inputs):
    """[mean Delta^l², mean (dE/dW^l)²] per Dense layer, in float64.

    Float32 values square and multiply exactly in float64: only the order of
    the sums rounds, at 1e-16. TensorFlow does it in the compiled function;
    where the backend has no float64 (JAX by default) NumPy does it after.
    """
    if keras.backend.backend() != "tensorflow":
        return np.array(
            [
                _host_mean_squares(delta, a)
                for delta, a in zip(deltas, inputs, strict=True)
            ]
        )
    rows = []
    for delta, a in zip(deltas, inputs, strict=True):
        delta = keras.ops.cast(delta, "float64")
        a = keras.ops.cast(a, "float64")
        n = keras.ops.cast(keras.ops.shape(delta)[0], "float64")
        weight_gradient = keras.ops.matmul(keras.ops.transpose(a), delta) / n
        rows.append(
            keras.ops.stack(
                [keras.ops.mean(delta**2), keras.ops.mean(weight_gradient**2)]
            )
        )
    return keras.ops.stack(rows)


def _host_mean_squares(delta, a) -> list[float]:
    delta = np.asarray(keras.ops.convert_to_numpy(delta), dtype=np.float64)
    a = np.asarray(keras.ops.convert_to_numpy(a), dtype=np.float64)
    weight_gradient = a.T @ delta / len(delta)
    return [np.mean(np.square(delta)), np.mean(np.square(weight_gradient))]


# Compiled functions by (what, architecture): the function and the variables
# of the network it was traced with; and those of each live network.
_COMPILED: dict[tuple[str, str], tuple] = {}
_COMPILED_OF: "weakref.WeakKeyDictionary[keras.Model, dict]" = (
    weakref.WeakKeyDictionary()
)


def _shared(model: keras.Model, what: str, make) -> tuple:
    """``make(model)``, made once per architecture and reused by every network
    of that architecture in the process; with the variables it reads."""
    made = _COMPILED_OF.setdefault(model, {})
    if what not in made:
        key = (what, _architecture(model))
        if key not in _COMPILED:
            _COMPILED[key] = (make(model), list(model.variables))
        made[what] = _COMPILED[key]
    return made[what]


def _values(model: keras.Model, variables: list) -> list:
    """The values of ``model``'s variables, in the order of ``variables``: those
    of the network a shared function was traced with (same architecture)."""
    values = [variable.value for variable in model.variables]
    assert len(values) == len(variables)
    return values


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The network's output for ``x`` in inference mode, as a NumPy array.

    On JAX a compiled function of the weights, shared per architecture: the
    model called eagerly dispatches op by op (5-10 ms a call, 30x slower at
    small batches), and jit gives the same numbers. TensorFlow calls the
    model eagerly: a tf.function fuses operations and rounds differently
    (1e-7), which would change the recorded validation losses.
    """
    if keras.backend.backend() != "jax":
        return keras.ops.convert_to_numpy(model(x))
    function, variables = _shared(model, "predict", _predict_function)
    return keras.ops.convert_to_numpy(function(_values(model, variables), x))


def _predict_function(model: keras.Model):
    import jax

    variables = list(model.variables)

    def predict(values, x):
        mapping = list(zip(variables, values, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return model(x, training=False)

    return jax.jit(predict)


# Layer settings that do not change the inference-mode forward pass, hence
# not the compiled functions: how weights start, their penalties, dropout's
# rate and seed.
_NOT_IN_FORWARD = {
    "name", "kernel_initializer", "bias_initializer", "gamma_initializer",
    "beta_initializer", "moving_mean_initializer", "moving_variance_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer",
    "gamma_regularizer", "beta_regularizer", "rate", "seed", "noise_shape",
}  # fmt: skip


def _architecture(model: keras.Model) -> str:
    """What the probe's computation depends on: backend, layers and their
    forward settings (widths, activations, dtype policies), variable shapes."""
    layers = [
        [type(layer).__name__]
        + sorted(
            (key, repr(value))
            for key, value in layer.get_config().items()
            if key not in _NOT_IN_FORWARD
        )
        for layer in model.layers
    ]
    shapes = [(tuple(v.shape), str(v.dtype)) for v in model.variables]
    return repr((keras.backend.backend(), layers, shapes))


def _errors_function(model: keras.Model):
    """(values of model.variables, x, y) -> (Delta^l, a^(l-1)) per Dense layer.

    A pure function: the variables' values come in as arguments (a Keras
    StatelessScope maps the traced network's variables to them), so that the
    compiled function reads the weights of the call, not those of the trace.
    """
    variables = list(model.variables)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]

    def errors(values, x, y):
        with keras.StatelessScope(
            state_mapping=list(zip(variables, values, strict=True))
        ):
            # A zero added to every weighted input: the loss's gradient with
            # respect to it is Delta^l, per event and neuron.
            n = keras.ops.shape(x)[0]
            shifts = [keras.ops.zeros((n, layer.units)) for layer in dense]

            def total_loss(shifts):
                """Summed per-event loss, and the input a^(l-1) of every Dense layer."""
                a, inputs = x, []
                for layer in model.layers:
                    if isinstance(layer, keras.layers.InputLayer):
                        continue
                    if not isinstance(layer, keras.layers.Dense):
                        a = keras.ops.cast(layer(a, training=False), "float32")
                        continue
                    inputs.append(a)
                    kernel = keras.ops.cast(layer.kernel, "float32")
                    z = keras.ops.matmul(a, kernel)
                    if layer.use_bias:
                        z = z + keras.ops.cast(layer.bias, "float32")
                    z = z + shifts[len(inputs) - 1]
                    a = z if layer is dense[-1] else layer.activation(z)
                # The output layer's z is the logit: the loss from it stays
                # exact where the probability would round to 0 or 1.
                losses = keras.losses.binary_crossentropy(y, a, from_logits=True)
                return keras.ops.sum(losses), inputs

            return _gradients(total_loss, shifts)

    return errors


def _compiled_errors(model: keras.Model):
    """(values, x, y) -> mean squares per Dense layer, compiled by the backend
    (traced once per input shape)."""
    errors = _errors_function(model)

    def squares(values, x, y):
        return _mean_squares(*errors(values, x, y))

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(squares, autograph=False, reduce_retracing=True)
    if backend == "jax":
        import jax

        jitted = jax.jit(errors)
        return lambda values, x, y: _mean_squares(*jitted(values, x, y))
    return squares


def _gradients(function, shifts):
    """Gradient of ``function(shifts)[0]`` with respect to ``shifts``, and its aux."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(shifts)
            value, aux = function(shifts)
        return tape.gradient(value, shifts), aux
    if backend == "jax":
        import jax

        return jax.grad(function, has_aux=True)(shifts)
    if backend == "torch":
        import torch

        shifts = [shift.detach().requires_grad_(True) for shift in shifts]
        value, aux = function(shifts)
        gradients = torch.autograd.grad(value, shifts)
        return gradients, [a.detach() for a in aux]
    raise NotImplementedError(f"backpropagated errors on Keras backend {backend!r}")


def accelerator() -> str | None:
    """Name of the GPU the backend will use, or None when it runs on the CPU."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", gpus[0].name)
    elif backend == "jax":
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        if gpus:
            return gpus[0].device_kind
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    return None


def versions() -> dict[str, str]:
    """Keras, its backend and their versions, for provenance."""
    backend = keras.backend.backend()
    module = __import__(backend)
    return {
        "keras": keras.__version__,
        "keras_backend": backend,
        backend: module.__version__,
    }
