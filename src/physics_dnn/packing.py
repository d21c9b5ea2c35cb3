"""Which grid points share one training process.

Starting Python and TensorFlow costs about 4 s per process, more than many
small points take to train. Points are therefore trained in packs: each pack
is one job and one process that trains its points one after the other. A
point bigger than the pack size is a pack of its own (on a cluster, the job
that may get a GPU). A point that is already trained (its finished checkpoint
has the same settings, inputs and code) is not trained again when its pack
reruns, so adding a grid point trains only that point.

This module decides packs from the settings alone; it imports no Keras, so
that planning a run stays fast.
"""

import hashlib
import math
import traceback
from collections.abc import Callable

# The files of one trained and scored point, by the key the code uses.
POINT_FILES = {
    "model": "model.keras",
    "history": "history.csv",
    "gradients": "gradient_norms.csv",
    "scaler": "scaler.json",
    "info": "train_info.json",
    "metrics": "metrics.json",
}


def weight_count(point: dict, input_widths: dict[str, int]) -> int:
    """Weights and biases of the point's network (features → hidden → 1);
    ``input_widths`` gives each feature set's number of inputs
    (datasets.input_widths)."""
    widths = [input_widths[point["features"]], *point["hidden_layers"], 1]
    return sum(
        (fan_in + 1) * width
        for fan_in, width in zip(widths[:-1], widths[1:], strict=True)
    )


def training_flop(point: dict, input_widths: dict[str, int]) -> float:
    """Floating-point operations to train the point: about 6 per weight per
    event (2 forward, 4 backward), times training events and epochs."""
    weights = weight_count(point, input_widths)
    return 6.0 * weights * point["n_train"] * point["epochs"]


def pack_points(
    points: dict[str, dict], pack_flop: float, input_widths: dict[str, int]
) -> dict[str, list[str]]:
    """Split ``points`` ({name: settings}) into packs of about ``pack_flop``
    training operations each: {pack name: point names}.

    As many packs as the total work needs, filled longest first into the
    least-loaded pack (the LPT rule), so that packs take similar times. A
    pack's name is a digest of its points: the same points, the same name.
    """
    flop = {
        name: training_flop(settings, input_widths) for name, settings in points.items()
    }
    count = min(len(points), max(1, math.ceil(sum(flop.values()) / pack_flop)))
    packs: list[list[str]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for name in sorted(points, key=lambda name: (-flop[name], name)):
        emptiest = loads.index(min(loads))
        packs[emptiest].append(name)
        loads[emptiest] += flop[name]
    return {_pack_name(pack): sorted(pack) for pack in packs if pack}


def _pack_name(points: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(points)).encode()).hexdigest()
    return f"pack_{digest[:8]}"


def run_each(points: dict[str, dict], run: Callable[[str, dict], None]) -> None:
    """``run(name, settings)`` for every point of a pack, one after another.

    A point that fails does not stop the others (their results are kept); the
    pack then fails, naming the failed points after their tracebacks.
    """
    failed = []
    for name, settings in points.items():
        print(f"=== {name}", flush=True)
        try:
            run(name, settings)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        raise RuntimeError(
            f"{len(failed)} of {len(points)} points failed (traceback above): "
            + ", ".join(failed)
        )
