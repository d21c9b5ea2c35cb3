"""Read split Parquet files as the arrays a network sees."""

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .columns import FEATURE_SETS, FEATURES, LABEL
from .errors import InputError


# A training job reads the same split files for every point of its pack (for
# training, validation and scoring): read each once. Tables are immutable;
# the arrays below are fresh copies.
@functools.lru_cache(maxsize=4)
def _read_table(path: Path, modified_ns: int) -> pa.Table:
    return pq.read_table(path)


def read_events(
    path: str | Path, feature_set: str, n_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32, n × k) and labels (float32) of the first ``n_rows``."""
    features = list(FEATURE_SETS[feature_set])
    table = _read_table(Path(path).resolve(), Path(path).stat().st_mtime_ns)
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
    return x, y


def write_events(path: str | Path, labels: np.ndarray, features: np.ndarray) -> None:
    """Labels (n) and the 18 features (n × 18, file order) as a Parquet file
    in the layout of the split files: synthetic events for tests and benchmarks."""
    arrays = [pa.array(np.asarray(labels).astype(np.int8))]
    arrays += [pa.array(column.astype(np.float32)) for column in features.T]
    pq.write_table(pa.Table.from_arrays(arrays, names=[LABEL, *FEATURES]), path)
