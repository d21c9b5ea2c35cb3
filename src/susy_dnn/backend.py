"""Everything that depends on the Keras backend, in one place.

The model code uses the Keras 3 API only; TensorFlow is the default backend and
``KERAS_BACKEND=jax`` or ``torch`` still works. What cannot be said through
Keras (thread pools, deterministic kernels, which device runs) lives here.
"""

import keras
import numpy as np


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
    # previous point, so a point's numbers do not depend on its pack.
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)


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
    """
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    x = keras.ops.convert_to_tensor(x, dtype="float32")
    y = keras.ops.convert_to_tensor(y, dtype="float32")
    # A zero added to every weighted input: the loss's gradient with respect to
    # it is Delta^l, per event and neuron.
    shifts = [keras.ops.zeros((x.shape[0], layer.units)) for layer in dense]

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
            z = keras.ops.matmul(a, keras.ops.cast(layer.kernel, "float32"))
            if layer.use_bias:
                z = z + keras.ops.cast(layer.bias, "float32")
            z = z + shifts[len(inputs) - 1]
            a = z if layer is dense[-1] else layer.activation(z)
        # The output layer's z is the logit: the loss from it stays exact
        # where the probability would round to 0 or 1.
        losses = keras.losses.binary_crossentropy(y, a, from_logits=True)
        return keras.ops.sum(losses), inputs

    deltas, inputs = _gradients(total_loss, shifts)
    errors = []
    for delta, a in zip(deltas, inputs, strict=True):
        delta = np.asarray(keras.ops.convert_to_numpy(delta), dtype=np.float64)
        a = np.asarray(keras.ops.convert_to_numpy(a), dtype=np.float64)
        weight_gradient = a.T @ delta / len(delta)
        errors.append((_rms(delta), _rms(weight_gradient)))
    return errors


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values))))


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
