"""Everything that depends on the Keras backend, in one place.

The model code uses the Keras 3 API only; TensorFlow is the default backend and
``KERAS_BACKEND=jax`` or ``torch`` still works. What cannot be said through
Keras (thread pools, deterministic kernels, which device runs) lives here.
"""

import keras


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
            # TensorFlow already ran in this process (as in a test session):
            # its pools are fixed; a rule's own process never gets here.
            pass
        # Same config, same numbers: deterministic kernels on CPU and GPU.
        tf.config.experimental.enable_op_determinism()
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)
    keras.utils.set_random_seed(seed)


def kernel_gradient_norms(model: keras.Model, x, y) -> list[float]:
    """L2 norm of d(loss)/d(kernel) for every Dense layer, input to output.

    The loss is the mean binary cross-entropy on ``x``, ``y`` with the model in
    inference mode, so measuring draws no dropout masks and leaves the
    training's random sequence untouched.
    """
    kernels = [
        layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = _mean_loss(y, model(x, training=False))
        gradients = tape.gradient(loss, [kernel.value for kernel in kernels])
    elif backend == "jax":
        import jax

        trainable = [variable.value for variable in model.trainable_variables]
        fixed = [variable.value for variable in model.non_trainable_variables]

        def loss_of(values):
            predictions, _ = model.stateless_call(values, fixed, x, training=False)
            return _mean_loss(y, predictions)

        by_variable = jax.grad(loss_of)(trainable)
        positions = {id(v): i for i, v in enumerate(model.trainable_variables)}
        gradients = [by_variable[positions[id(kernel)]] for kernel in kernels]
    elif backend == "torch":
        import torch

        model.zero_grad()
        _mean_loss(y, model(x, training=False)).backward()
        gradients = [kernel.value.grad for kernel in kernels]
        model.zero_grad()
        with torch.no_grad():
            gradients = [gradient.clone() for gradient in gradients]
    else:
        raise NotImplementedError(f"gradient norms on Keras backend {backend!r}")
    return [float(keras.ops.convert_to_numpy(keras.ops.norm(g))) for g in gradients]


def _mean_loss(y, predictions):
    return keras.ops.mean(keras.losses.binary_crossentropy(y, predictions))


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
