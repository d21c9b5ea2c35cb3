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

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        # Same config, same numbers: deterministic kernels on CPU and GPU.
        tf.config.experimental.enable_op_determinism()
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)
    keras.utils.set_random_seed(seed)


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
