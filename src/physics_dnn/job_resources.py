"""Cluster resources of a training job, from the size of its work.

A training job (one pack of grid points, see packing) asks Slurm for a time
limit and memory estimated from its points, and for a GPU only when its
training operations reach ``resources.gpu_flop``: smaller jobs spend their
time in start-up and Keras's per-batch overhead, which a GPU does not
shorten. The estimates are generous on purpose: a job killed at its time
limit is retried by the profile and resumes from its checkpoint, but waits
in the queue again.

This module imports no Keras: the Snakefile calls it while it plans the run.
"""

import math

from .grid import batch_size_for
from .packing import training_flop

# Assumed training throughput, in floating-point operations per second:
# measured on one core about 5e9 for 200-100 networks and 2e10 for 300-wide
# ones (batches of 100); a data-centre GPU, for these small networks.
CPU_FLOP_PER_SECOND_PER_THREAD = 5.0e9
GPU_FLOP_PER_SECOND = 1.0e12
# Keras's overhead per batch, however small the network (measured: 2 ms).
BATCH_SECONDS = 2.0e-3
# Start-up of the job (Python, TensorFlow) and, per point, building the
# network and scoring it (measured: 17 s for 4x300 on 500,000 validation and
# 500,000 test events).
START_SECONDS = 60.0
POINT_SECONDS = 20.0
# Memory of the process with the split files read (measured: 0.9 GB with the
# default config's files, 1.3 GB with the real data's; rounded up), per
# input of a training event (measured: 240 bytes per event of 18 features,
# the features and their scaled and shuffled copies), and per input value
# of the data set, which the job reads and keeps as float32 to score on
# (measured: 2.1 GB for the Ising model's 256 million spins, of which the
# job converts 126 million).
PROCESS_MB = 2000.0
TRAINING_INPUT_BYTES = 14.0
DATA_VALUE_BYTES = 4.0
# On the parts that grow with the work: slower or shared nodes, epochs that
# validate on many events, retracing, copies of the events.
SAFETY_MARGIN = 2.0
# No job asks for less time: queues round short jobs up anyway.
RUNTIME_FLOOR_MINUTES = 10


def uses_gpu(points: list[dict], resources: dict, input_widths: dict[str, int]) -> bool:
    """Whether a job training ``points`` asks for a GPU: its training
    operations reach ``resources["gpu_flop"]``. ``input_widths`` as for
    packing.training_flop."""
    flop = sum(training_flop(point, input_widths) for point in points)
    return flop >= resources["gpu_flop"]


def training_resources(
    points: list[dict],
    resources: dict,
    input_widths: dict[str, int],
    data_values: int,
) -> dict:
    """Snakemake resources of a job that trains ``points`` one after another,
    with ``resources`` the config's resources block: ``runtime`` (minutes),
    ``mem_mb``, ``slurm_partition`` and, on the GPU partition, ``gpu``.
    ``data_values`` is the size of the data set (datasets.data_values)."""
    gpu = uses_gpu(points, resources, input_widths)
    flop_per_second = (
        GPU_FLOP_PER_SECOND
        if gpu
        else CPU_FLOP_PER_SECOND_PER_THREAD * resources["train_threads"]
    )
    seconds = START_SECONDS + sum(
        POINT_SECONDS
        + training_flop(point, input_widths) / flop_per_second
        + batches(point) * BATCH_SECONDS
        for point in points
    )
    # Points are trained one at a time: the largest sets the memory.
    inputs = max(point["n_train"] * input_widths[point["features"]] for point in points)
    job = {
        "runtime": max(RUNTIME_FLOOR_MINUTES, math.ceil(SAFETY_MARGIN * seconds / 60)),
        "mem_mb": math.ceil(
            PROCESS_MB
            + SAFETY_MARGIN
            * (TRAINING_INPUT_BYTES * inputs + DATA_VALUE_BYTES * data_values)
            / 1e6
        ),
    }
    if gpu:
        return {**job, "gpu": 1, "slurm_partition": resources["gpu_partition"]}
    return {**job, "slurm_partition": resources["cpu_partition"]}


def batches(point: dict) -> int:
    """Training batches of the point over all its epochs."""
    batch_size = batch_size_for(point["batch_size"], point["n_train"])
    return math.ceil(point["n_train"] / batch_size) * point["epochs"]
