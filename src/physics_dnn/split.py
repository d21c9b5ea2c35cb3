"""Split the events into training, validation and test sets.

Two conventions:

- ``uci``: the last ``test`` rows of the file are the test set (UCI publishes
  the last 500,000 rows as test), the ``validation`` rows before them are the
  validation set (Baldi et al. used 500,000), the rest is for training.
- ``fraction``: the rows are shuffled, then the last ``test`` and the
  ``validation`` fractions before them are held out.

The training rows are shuffled with the configured seed in both cases, so the
first n training rows are a random sample and smaller training sets are nested
in larger ones: the first 1,000 rows are inside the first 10,000.
"""

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from .atomic import atomic_path
from .errors import ConfigError, InputError

SPLIT_NAMES = ("train", "validation", "test")


def split_indices(n_rows: int, settings: dict) -> dict[str, np.ndarray]:
    """Row indices of each part for a file of ``n_rows`` rows.

    ``settings`` is the config's ``split`` block: ``method``, ``validation``,
    ``test`` (fractions for ``fraction``, row counts for ``uci``) and ``seed``.
    """
    sizes = split_sizes(n_rows, settings)
    n_train, n_validation = sizes["train"], sizes["validation"]
    rng = np.random.default_rng(settings["seed"])
    method = settings["method"]
    order = rng.permutation(n_rows) if method == "fraction" else np.arange(n_rows)
    train = order[:n_train]
    if method == "uci":
        train = rng.permutation(train)
    return {
        "train": train,
        "validation": order[n_train : n_train + n_validation],
        "test": order[n_train + n_validation :],
    }


def split_sizes(n_rows: int, settings: dict) -> dict[str, int]:
    """Number of rows in each part (keys: SPLIT_NAMES) of a file of ``n_rows``.

    The arithmetic of ``split_indices``, also used before any event exists to
    check the training sizes the config asks for.
    """
    check_split(settings)
    if settings["method"] == "fraction":
        n_validation = round(n_rows * settings["validation"])
        n_test = round(n_rows * settings["test"])
    else:
        n_validation, n_test = settings["validation"], settings["test"]
    n_train = n_rows - n_validation - n_test
    if n_train < 1:
        raise InputError(
            f"split: {n_rows} events leave no training rows after "
            f"{n_validation} validation and {n_test} test rows"
        )
    return {"train": n_train, "validation": n_validation, "test": n_test}


def check_split(settings: dict) -> None:
    """Check the config's ``split`` block; the messages name the key."""
    method = settings["method"]
    if method == "fraction":
        for key in ("validation", "test"):
            _check_fraction(settings, key)
        total = settings["validation"] + settings["test"]
        if total >= 1:
            raise ConfigError(
                "config key split: expected validation + test fractions below 1 "
                "(the rest is the training set), got "
                f"{settings['validation']!r} + {settings['test']!r} = {total:g}"
            )
    elif method == "uci":
        for key in ("validation", "test"):
            _check_row_count(settings, key)
    else:
        raise ConfigError(
            f"config key split.method: expected 'fraction' or 'uci', got {method!r}"
        )


def check_training_sizes(config: dict, points: dict[str, dict[str, dict]]) -> None:
    """Stop when a point asks for more training events than the split leaves.

    ``points`` as from ``studies.selected_studies``. Only simulated data has
    a known size before ingest; a downloaded or staged file is checked when
    read.
    """
    if config["dataset"]["source"] != "simulation":
        return
    events = config["simulation"]["events"]
    check_split(config["split"])
    try:
        available = split_sizes(events, config["split"])["train"]
    except InputError as error:
        raise ConfigError(
            f"config key simulation.events: {str(error).removeprefix('split: ')}; "
            "simulate more events or shrink split.validation and split.test"
        ) from None
    for study, study_points in points.items():
        name, point = max(study_points.items(), key=lambda item: item[1]["n_train"])
        if point["n_train"] > available:
            raise ConfigError(
                f"config key {_n_train_key(config, study)}: {point['n_train']} "
                f"training events requested (point {name!r}), but the split "
                f"leaves {available} of the {events} simulated events; lower "
                "n_train, raise simulation.events or shrink split.validation "
                "and split.test"
            )


def _n_train_key(config: dict, study: str) -> str:
    """The config key that sets the n_train of ``study``'s points."""
    block = config["studies"][study]
    for part in ("grid", "training"):
        if "n_train" in (block.get(part) or {}):
            return f"studies.{study}.{part}.n_train"
    return "training.n_train"


def split_events(
    events_path: str | Path, outputs: dict[str, str | Path], settings: dict
):
    """Write the parts of ``events_path`` to ``outputs`` (keys: SPLIT_NAMES).

    Returns the number of rows in each part.
    """
    table = pq.read_table(events_path)
    indices = split_indices(table.num_rows, settings)
    for name in SPLIT_NAMES:
        with atomic_path(outputs[name]) as tmp:
            pq.write_table(table.take(indices[name]), tmp)
    return {name: len(indices[name]) for name in SPLIT_NAMES}


def _check_fraction(settings: dict, key: str) -> None:
    fraction = settings[key]
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not 0 < fraction < 1
    ):
        raise ConfigError(
            f"config key split.{key}: expected a fraction between 0 and 1 "
            f"with method 'fraction', got {fraction!r}"
        )


def _check_row_count(settings: dict, key: str) -> None:
    count = settings[key]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(
            f"config key split.{key}: expected a positive number of rows "
            f"with method 'uci', got {count!r}"
        )
