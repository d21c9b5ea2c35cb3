"""The hyperparameter grid: one training run per point of a cartesian product.

The config's ``training`` block sets a value for every axis (falling back to
``TRAINING_DEFAULTS``); its ``grid`` block lists the values of the axes that
vary. A point's name lists only the varied axes, in the fixed order of
``AXES``, with canonical number formatting, so names are readable and stable:
``learning_rate~1e-4__n_train~1000``. (No ``=`` or ``,``: Snakemake passes a
job's wildcards to cluster jobs as ``name=value,name=value``.)
"""

import itertools
import re
from decimal import Decimal

from .datasets import FEATURE_SET_NAMES
from .errors import ConfigError

# The optimisers NB11 of Mehta et al. compares: plain SGD, SGD with (Nesterov)
# momentum, and the adaptive methods.
OPTIMIZERS = ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam")
INITIALIZERS = ("glorot_uniform", "pytorch_default", "baldi", "mean_field", "nb12")
DROPOUT_PLACEMENTS = ("every_layer", "top_layer")

# NB13 of Mehta et al.: 18-200-100 ReLU, dropout 0.5, SGD with momentum 0.8,
# batch = 1% of the training size, 10 epochs. Momentum ramp and learning-rate
# decay (off here) are Baldi et al.'s schedule.
TRAINING_DEFAULTS = {
    "learning_rate": 0.01,
    "n_train": 10000,
    "hidden_layers": [200, 100],
    "activation": "relu",
    "dropout": 0.5,
    "dropout_placement": "every_layer",
    "batch_norm": False,
    "l2": 0.0,
    "optimizer": "sgd_momentum",
    "momentum": 0.8,
    "final_momentum": None,
    "momentum_ramp_epochs": 200,
    "learning_rate_decay": 1.0,
    "min_learning_rate": 1.0e-6,
    "batch_size": "1%",
    "epochs": 10,
    "patience": None,
    "features": "all",
    "initializer": "glorot_uniform",
    "weight_scale": 1.0,
    "bias_scale": 0.0,
    "mixed_precision": False,
    "seed": 0,
}

AXES = tuple(TRAINING_DEFAULTS)

BASELINE_NAME = "baseline"

_BATCH_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def grid_points(training: dict | None, grid: dict | None) -> dict[str, dict]:
    """Map each point's name to its full settings (plain Python values)."""
    settings = with_overrides(TRAINING_DEFAULTS, training, "training")
    return expand_grid(settings, grid, "grid")


def study_points(training: dict | None, name: str, study: dict) -> dict[str, dict]:
    """Points of study ``name``: the shared ``training`` settings, then the study's."""
    settings = with_overrides(TRAINING_DEFAULTS, training, "training")
    key = f"studies.{name}"
    settings = with_overrides(settings, study.get("training"), f"{key}.training")
    return expand_grid(settings, study.get("grid"), f"{key}.grid")


def with_overrides(settings: dict, overrides: dict | None, key: str) -> dict:
    """``settings`` with the checked values of ``overrides`` put in."""
    settings = dict(settings)
    for axis, value in (overrides or {}).items():
        settings[axis] = check_value(axis, value, f"{key}.{axis}")
    return settings


def expand_grid(settings: dict, grid: dict | None, key: str) -> dict[str, dict]:
    """One point per combination of the ``grid`` values, named after them."""
    varied = {
        axis: checked_values(axis, values, f"{key}.{axis}")
        for axis, values in (grid or {}).items()
    }
    axes = [axis for axis in AXES if axis in varied]
    points = {}
    for combination in itertools.product(*(varied[axis] for axis in axes)):
        point = dict(settings, **dict(zip(axes, combination, strict=True)))
        name = point_name({axis: point[axis] for axis in axes})
        if name in points:
            raise ConfigError(f"config key {key}: point {name!r} is listed twice")
        scales_varied = {"weight_scale", "bias_scale"} & set(varied)
        if scales_varied and point["initializer"] != "mean_field":
            raise ConfigError(
                f"config key {key}: weight_scale and bias_scale only act with "
                f"initializer: mean_field, not {point['initializer']!r}"
            )
        ramp = point.get("final_momentum") is not None
        if ramp and (point["optimizer"] != "sgd_momentum" or not point["momentum"]):
            # Keras builds SGD's momentum slots only for a non-zero momentum.
            raise ConfigError(
                f"config key {key}: final_momentum only acts with optimizer: "
                "sgd_momentum and a momentum above 0, not "
                f"{point['optimizer']!r} with momentum {point['momentum']!r}"
            )
        points[name] = point
    return points


def checked_values(axis: str, values, key: str) -> list:
    """The list of ``axis`` values at config key ``key``, each checked."""
    if not isinstance(values, list) or not values:
        raise ConfigError(
            f"config key {key}: expected a non-empty list of values, got {values!r}"
        )
    return [check_value(axis, value, f"{key}[{i}]") for i, value in enumerate(values)]


def point_name(varied: dict) -> str:
    """Readable, stable directory name of a point from its varied axes."""
    if not varied:
        return BASELINE_NAME
    return "__".join(f"{axis}~{format_value(value)}" for axis, value in varied.items())


def format_value(value) -> str:
    """Canonical text of an axis value: ``1e-4``, ``0.01``, ``200x100``."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "none"
    if isinstance(value, list):
        return "x".join(format_value(width) for width in value) or "none"
    if isinstance(value, float):
        # Decimal(repr()) is the shortest decimal that round-trips the float.
        exact = Decimal(repr(float(value)))  # numpy floats repr as np.float64(...)
        if value != 0 and not 1e-3 <= abs(value) < 1e5:
            return format(exact.normalize(), "e")
        return format(exact.normalize(), "f")
    if isinstance(value, str):
        # '%' is a pattern character in Slurm's log file names.
        return value.replace("%", "pct")
    return str(value)


AXIS_LABELS = {
    "learning_rate": "learning rate",
    "n_train": "training events",
    "hidden_layers": "hidden layers",
    "batch_size": "batch size",
    "l2": "L2 weight",
}


def axis_label(axis: str) -> str:
    """An axis as words: ``learning rate``."""
    return AXIS_LABELS.get(axis, axis.replace("_", " "))


def setting_label(settings: dict) -> str:
    """``learning rate 0.01, training events 1000``: a panel or legend label."""
    return ", ".join(
        f"{axis_label(axis)} {format_value(v)}" for axis, v in settings.items()
    )


def check_value(axis: str, value, key: str):
    """Validate one axis value; return it as a plain Python value."""
    check_axis(axis, key)
    checker = _CHECKS[axis]
    checked = checker(value)
    if checked is _INVALID:
        raise ConfigError(
            f"config key {key}: expected {checker.__doc__}, got {value!r}"
        )
    return checked


def check_axis(axis: str, key: str) -> str:
    """Validate a reference to an axis, such as the heat-map's x and y."""
    if axis not in AXES:
        raise ConfigError(
            f"config key {key}: expected a training setting ({', '.join(AXES)}), "
            f"got {axis!r}"
        )
    return axis


def batch_size_for(batch_size, n_train: int) -> int:
    """Resolve a batch size given as rows or as a percentage of ``n_train``."""
    if isinstance(batch_size, str):
        percent = float(_BATCH_PERCENT.match(batch_size).group(1))
        return max(1, round(n_train * percent / 100))
    return batch_size


_INVALID = object()


def _number_above(low: float, inclusive: bool, description: str):
    """A check for numbers above ``low`` (or equal to it, if ``inclusive``)."""

    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _INVALID
        allowed = value >= low if inclusive else value > low
        return float(value) if allowed else _INVALID

    check.__doc__ = description
    return check


_positive_number = _number_above(0, False, "a positive number")
_non_negative_number = _number_above(0, True, "a number >= 0")
# The learning rate is divided by it after every batch.
_decay_factor = _number_above(1, True, "a number >= 1")


def _fraction(value):
    """a number in [0, 1)"""
    checked = _non_negative_number(value)
    return checked if checked is _INVALID or checked < 1 else _INVALID


def _positive_integer(value):
    """a positive integer"""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return _INVALID
    return int(value)


def _seed(value):
    """an integer >= 0"""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return _INVALID
    return value


def _layer_widths(value):
    """a list of positive integers (hidden layer widths)"""
    if not isinstance(value, list):
        return _INVALID
    widths = [_positive_integer(width) for width in value]
    return _INVALID if _INVALID in widths else widths


def _name_from(choices):
    def check(value):
        return value if value in choices else _INVALID

    check.__doc__ = "one of " + ", ".join(choices)
    return check


# The activations of keras.activations (Keras 3.15) that act unit by unit, so
# fit any hidden layer; tests check that Keras resolves each. Left out:
# softmax, log_softmax and sparsemax (normalise across the layer), glu (halves
# the layer, needs an even width) and threshold (needs arguments). A static
# list: importing Keras to ask it costs seconds at every workflow start.
HIDDEN_ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear",
    "log_sigmoid", "mish", "relu", "relu6", "selu", "sigmoid", "silu",
    "soft_shrink", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "squareplus", "swish", "tanh", "tanh_shrink",
)  # fmt: skip


def _activation(value):
    return value if value in HIDDEN_ACTIVATIONS else _INVALID


_activation.__doc__ = "a Keras activation for hidden layers, one of " + ", ".join(
    HIDDEN_ACTIVATIONS
)


def _boolean(value):
    """true or false"""
    return value if isinstance(value, bool) else _INVALID


def _batch_size(value):
    """a positive integer or a percentage of n_train in (0%, 100%] such as '1%'"""
    if isinstance(value, str):
        match = _BATCH_PERCENT.match(value)
        return value if match and 0 < float(match.group(1)) <= 100 else _INVALID
    return _positive_integer(value)


def _optional_fraction(value):
    """null (constant momentum) or a number in [0, 1)"""
    return None if value is None else _fraction(value)


def _patience(value):
    """null (no early stopping) or a positive integer"""
    return None if value is None else _positive_integer(value)


_CHECKS = {
    "learning_rate": _positive_number,
    "n_train": _positive_integer,
    "hidden_layers": _layer_widths,
    "activation": _activation,
    "dropout": _fraction,
    "dropout_placement": _name_from(DROPOUT_PLACEMENTS),
    "batch_norm": _boolean,
    "l2": _non_negative_number,
    "optimizer": _name_from(OPTIMIZERS),
    "momentum": _fraction,
    "final_momentum": _optional_fraction,
    "momentum_ramp_epochs": _positive_integer,
    "learning_rate_decay": _decay_factor,
    "min_learning_rate": _non_negative_number,
    "batch_size": _batch_size,
    "epochs": _positive_integer,
    "patience": _patience,
    "features": _name_from(FEATURE_SET_NAMES),
    "initializer": _name_from(INITIALIZERS),
    "weight_scale": _positive_number,
    "bias_scale": _non_negative_number,
    "mixed_precision": _boolean,
    "seed": _seed,
}
