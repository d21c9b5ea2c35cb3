"""The data sets the workflow classifies, and what the shared stages need of
each: which ``dataset.source`` makes it, and the columns of its feature sets.

A data set is a subpackage (its data, checks and figures: ``susy``,
``ising``), a rule file that writes its labelled events, and its entries here.
"""

from collections.abc import Sequence

from .errors import ConfigError
from .ising.lattice import SPIN_PREFIX, TEMPERATURE, is_spin_column
from .susy.columns import FEATURE_SETS as SUSY_FEATURE_SETS

# dataset.source → the data set it gives.
SOURCES = {"simulation": "susy", "download": "susy", "file": "susy", "ising": "ising"}

# The feature sets (training.features) of each data set. The Ising model's
# one set, every spin, has as many columns as the lattice has sites.
FEATURE_SETS = {"susy": tuple(SUSY_FEATURE_SETS), "ising": ("spins",)}
FEATURE_SET_NAMES = tuple(name for names in FEATURE_SETS.values() for name in names)

# The column by whose values a data set's networks record their mean output
# (metrics.score_classifier): NB12's output against the temperature.
OUTPUT_BY = {"ising": TEMPERATURE}


def data_set(config: dict) -> str:
    """The data set of a config: ``susy`` or ``ising``."""
    return SOURCES[config["dataset"]["source"]]


def feature_columns(feature_set: str, column_names: Sequence[str]) -> list[str]:
    """The columns of ``feature_set`` in a file with ``column_names``."""
    if feature_set == "spins":
        spins = [name for name in column_names if is_spin_column(name)]
        if not spins:
            raise ValueError(f"no spin columns ({SPIN_PREFIX}0000 …) in the file")
        return spins
    return list(SUSY_FEATURE_SETS[feature_set])


def input_widths(config: dict) -> dict[str, int]:
    """{feature set: number of inputs} of the config's data set."""
    if data_set(config) == "ising":
        return {"spins": config["ising"]["lattice_size"] ** 2}
    return {name: len(columns) for name, columns in SUSY_FEATURE_SETS.items()}


# Rows of the real UCI SUSY file (the largest file dataset.source download or
# file reads).
UCI_ROWS = 5_000_000


def data_values(config: dict) -> int:
    """Input values (rows × columns) of the whole data set, known before it
    is made: what a training job reads, in part, to score its networks."""
    if data_set(config) == "ising":
        ising = config["ising"]
        rows = ising["per_temperature"] * len(ising["temperatures"])
    elif config["dataset"]["source"] == "simulation":
        rows = config["simulation"]["events"]
    else:
        rows = UCI_ROWS
    # Every column: the widest feature set (SUSY's all, the Ising spins).
    return rows * max(input_widths(config).values())


def check_feature_sets(config: dict, points: dict[str, dict[str, dict]]) -> None:
    """Stop when a study asks for a feature set its data set does not have.

    ``points`` as from ``studies.selected_studies``.
    """
    own = FEATURE_SETS[data_set(config)]
    for study, study_points in points.items():
        for name, point in study_points.items():
            if point["features"] not in own:
                raise ConfigError(
                    f"config key studies.{study}: point {name!r} reads feature "
                    f"set {point['features']!r}, but dataset.source "
                    f"{config['dataset']['source']!r} has {', '.join(own)}"
                )
