"""Convert UCI-format SUSY CSV (optionally gzip-compressed) to Parquet.

The CSV is streamed with pyarrow's reader, one block at a time, so memory stays
bounded at the full 5,000,000 rows. Every block is validated before it is
written: 19 numeric columns, finite values, labels 0 or 1. Blank lines are
skipped; an error names the file and the bad row by its line number in the
file (blank lines counted), the number an editor shows.

Ingest of CSV.gz is bound by inflating: ISA-L (``isal``) inflates about 3x
faster than zlib, so gzip input goes through it. Gzip is recognised by its
magic bytes, not by the file name.
"""

import io
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from isal import igzip

from ..atomic import atomic_path
from ..errors import InputError
from ..labels import LABEL
from .columns import COLUMNS, FEATURES

PARQUET_SCHEMA = pa.schema(
    [pa.field(LABEL, pa.int8())] + [pa.field(name, pa.float32()) for name in FEATURES]
)

# Blocks of 16 MiB hold about 70,000 UCI rows: large enough for speed, small
# enough that a block's float64 copy stays far below the memory budget.
BLOCK_SIZE = 16 << 20


def ingest_csv(csv_path: str | Path, parquet_path: str | Path) -> int:
    """Validate ``csv_path`` and write it as Parquet; return the number of rows.

    Raises InputError naming the file (and the row where there is one) on bad
    input; ``parquet_path`` is then left untouched.
    """
    csv_path = Path(csv_path)
    rows = 0
    try:
        with open_csv_bytes(csv_path) as stream:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=list(COLUMNS), block_size=BLOCK_SIZE
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.float64() for name in COLUMNS}
                ),
            )
            with atomic_path(parquet_path) as tmp:
                with pq.ParquetWriter(tmp, PARQUET_SCHEMA) as writer:
                    for batch in reader:
                        _check_values(batch, csv_path, first_row=rows + 1)
                        writer.write_table(_to_parquet_table(batch))
                        rows += batch.num_rows
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise InputError(_describe_read_error(csv_path, error)) from None
    return rows


GZIP_MAGIC = b"\x1f\x8b"


def open_csv_bytes(path: Path) -> io.BufferedIOBase:
    """The CSV text of ``path`` as a binary stream, inflated if it is gzip."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if not magic:
        raise InputError(_empty(path))
    if magic == GZIP_MAGIC:
        return igzip.open(path, "rb")
    if path.suffix == ".gz":
        raise InputError(
            f"{path}: not gzip-compressed, though its name ends in .gz "
            f"(it starts with {magic!r}, not {GZIP_MAGIC!r})"
        )
    return open(path, "rb")


def read_uci(csv_path: str | Path) -> np.ndarray:
    """A whole UCI-format file, validated as ingest does, as an (n, 19) array."""
    csv_path = Path(csv_path)
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "events.parquet"
        ingest_csv(csv_path, parquet)
        table = pq.read_table(parquet)
    return np.column_stack([table.column(name).to_numpy() for name in COLUMNS])


def _to_parquet_table(batch: pa.RecordBatch) -> pa.Table:
    columns = [pc.cast(batch.column(LABEL), pa.int8())]
    columns += [pc.cast(batch.column(name), pa.float32()) for name in FEATURES]
    return pa.Table.from_arrays(columns, schema=PARQUET_SCHEMA)


def _check_values(batch: pa.RecordBatch, path: Path, first_row: int) -> None:
    """Reject non-finite features and labels other than 0 and 1."""
    for name in COLUMNS:
        values = batch.column(name).to_numpy(zero_copy_only=False)
        if name == LABEL:
            bad = (values != 0) & (values != 1)
            expected = "a label of 0 or 1"
        else:
            bad = ~np.isfinite(values)
            expected = "a finite number"
        if bad.any():
            index = int(np.argmax(bad))
            raise InputError(
                f"{path}: row {_line_of_row(path, first_row + index)}, "
                f"column {name!r}: "
                f"expected {expected}, got {float(values[index])!r}"
            )


def _describe_read_error(path: Path, error: Exception) -> str:
    """Turn a reader error into one line; find the offending row if it has one."""
    if isinstance(error, EOFError):
        return (
            f"{path}: truncated: the gzip stream ends before its end marker "
            "(an interrupted download? compare the file's sha256)"
        )
    if isinstance(error, pa.ArrowInvalid):
        if "Empty CSV file" in str(error):
            return _empty(path)
        located = _locate_malformed_row(path)
        if located:
            return located
    lines = str(error).strip().splitlines()
    reason = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return f"{path}: cannot read as UCI CSV ({reason})"


def _empty(path: Path) -> str:
    return f"{path}: empty: expected rows of 19 comma-separated numbers"


def _lines(path: Path) -> io.TextIOWrapper:
    """The text of ``path``, split at \\n, \\r\\n or \\r as pyarrow splits it."""
    return io.TextIOWrapper(
        open_csv_bytes(path), encoding="utf-8", errors="replace", newline=""
    )


def _line_of_row(path: Path, row: int) -> int:
    """The line number of data row ``row`` (both 1-based).

    pyarrow skips blank lines, so its row count falls behind the line count
    after one; this slow scan runs only once a bad value has been found.
    """
    remaining = row
    try:
        with _lines(path) as lines:
            for number, line in enumerate(lines, start=1):
                if line.rstrip("\r\n"):
                    remaining -= 1
                    if remaining == 0:
                        return number
    except (OSError, EOFError):
        pass
    return row


def _locate_malformed_row(path: Path) -> str | None:
    """Scan the text line by line for the first row that is not 19 numbers.

    pyarrow's parallel reader does not report row numbers, so this slow scan
    runs only after it has failed. Blank lines are skipped, as pyarrow skips
    them, but counted, so the number is the line's number in the file.
    """
    first = True
    try:
        with _lines(path) as lines:
            for number, line in enumerate(lines, start=1):
                line = line.rstrip("\r\n")
                if not line:
                    continue
                fields = line.split(",")
                if len(fields) != len(COLUMNS):
                    return (
                        f"{path}: row {number}: expected {len(COLUMNS)} "
                        f"comma-separated columns, got {len(fields)}"
                    )
                for name, field in zip(COLUMNS, fields, strict=True):
                    if not _is_number(field):
                        hint = " (a header line?)" if first else ""
                        return (
                            f"{path}: row {number}, column {name!r}: "
                            f"expected a number, got {field!r}{hint}"
                        )
                first = False
    except (OSError, EOFError):
        return None
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
