"""Read split Parquet files as the arrays a network sees."""

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .datasets import feature_columns
from .errors import InputError
from .labels import LABEL


# A training job reads the same split files for every point of its pack (for
# training, validation and scoring): read and convert each once (converting
# the Ising model's 1,600 spin columns takes longer than training a small
# network). The arrays are shared, so they are read-only.
@functools.lru_cache(maxsize=5)
def _read_table(path: Path, modified_ns: int) -> pa.Table:
    return pq.read_table(path)


@functools.lru_cache(maxsize=6)
def _read_arrays(
    path: Path, modified_ns: int, feature_set: str, n_rows: int | None
) -> tuple[np.ndarray, np.ndarray]:
    table = _read_table(path, modified_ns)
    features = feature_columns(feature_set, table.column_names)
    table = table.select([LABEL, *features])
    if n_rows is not None:
        if n_rows > table.num_rows:
            raise InputError(
                f"{path}: {n_rows} rows requested (n_train) but the file holds "
                f"only {table.num_rows}; lower n_train or simulate more events"
            )
        table = table.slice(0, n_rows)
    x = np.column_stack(
        [table.column(name).to_numpy().astype(np.float32) for name in features]
    )
    y = table.column(LABEL).to_numpy().astype(np.float32)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def _cache_key(path: str | Path) -> tuple[Path, int]:
    """A file as the caches know it: its resolved path and modification time."""
    resolved = Path(path).resolve()
    return resolved, resolved.stat().st_mtime_ns


def read_events(
    path: str | Path, feature_set: str, n_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32, n × k) and labels (float32) of the first ``n_rows``,
    read-only."""
    return _read_arrays(*_cache_key(path), feature_set, n_rows)


def feature_names(path: str | Path, feature_set: str) -> list[str]:
    """The columns of ``feature_set`` in an events file, in the order
    ``read_events`` returns them."""
    return feature_columns(feature_set, _read_table(*_cache_key(path)).column_names)


def read_column(path: str | Path, name: str) -> np.ndarray:
    """One column of an events file, e.g. the Ising model's temperature."""
    return _read_table(*_cache_key(path)).column(name).to_numpy()


def write_events(
    path: str | Path,
    labels: np.ndarray,
    features: np.ndarray,
    names: Sequence[str],
) -> None:
    """Labels (n) and features (n × k, columns ``names``) as a Parquet file
    in the layout of the split files: synthetic events for tests and
    benchmarks."""
    arrays = [pa.array(np.asarray(labels).astype(np.int8))]
    arrays += [pa.array(column.astype(np.float32)) for column in features.T]
    pq.write_table(pa.Table.from_arrays(arrays, names=[LABEL, *names]), path)
