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
    rng = np.random.default_rng(settings["seed"])
    method = settings["method"]
    if method == "fraction":
        n_validation = _rows_from_fraction(n_rows, settings, "validation")
        n_test = _rows_from_fraction(n_rows, settings, "test")
        order = rng.permutation(n_rows)
    elif method == "uci":
        n_validation = _row_count(settings, "validation")
        n_test = _row_count(settings, "test")
        order = np.arange(n_rows)
    else:
        raise ConfigError(
            f"config key split.method: expected 'fraction' or 'uci', got {method!r}"
        )
    n_train = n_rows - n_validation - n_test
    if n_train < 1:
        raise InputError(
            f"split: {n_rows} events leave no training rows after "
            f"{n_validation} validation and {n_test} test rows"
        )
    train = order[:n_train]
    if method == "uci":
        train = rng.permutation(train)
    return {
        "train": train,
        "validation": order[n_train : n_train + n_validation],
        "test": order[n_train + n_validation :],
    }


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


def _rows_from_fraction(n_rows: int, settings: dict, key: str) -> int:
    fraction = settings[key]
    if not 0 < fraction < 1:
        raise ConfigError(
            f"config key split.{key}: expected a fraction between 0 and 1, "
            f"got {fraction!r}"
        )
    return round(n_rows * fraction)


def _row_count(settings: dict, key: str) -> int:
    count = settings[key]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(
            f"config key split.{key}: expected a positive number of rows "
            f"with method 'uci', got {count!r}"
        )
    return count
