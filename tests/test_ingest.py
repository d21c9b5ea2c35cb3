import gzip
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from uci_format import uci_lines

from physics_dnn.errors import InputError
from physics_dnn.susy.columns import COLUMNS, FEATURES
from physics_dnn.susy.ingest import ingest_csv


def test_real_rows_become_named_float32_columns(real_rows_csv, tmp_path):
    out = tmp_path / "events.parquet"
    assert ingest_csv(real_rows_csv, out) == 1000
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert table.schema.field("label").type == pa.int8()
    assert all(table.schema.field(name).type == pa.float32() for name in FEATURES)
    expected = np.loadtxt(real_rows_csv, delimiter=",")
    got = np.column_stack([table.column(name).to_numpy() for name in COLUMNS])
    np.testing.assert_array_equal(got, expected.astype(np.float32))
    assert int(table.column("label").to_numpy().sum()) == 447


def test_gzip_and_many_blocks_keep_every_row_in_order(tmp_path, monkeypatch):
    # Small blocks force the streaming path through many batches.
    monkeypatch.setattr("physics_dnn.susy.ingest.BLOCK_SIZE", 4096)
    lines = uci_lines(2000)
    source = tmp_path / "events.csv.gz"
    with gzip.open(source, "wt") as stream:
        stream.write("\n".join(lines) + "\n")
    out = tmp_path / "events.parquet"
    assert ingest_csv(source, out) == 2000
    assert pq.ParquetFile(out).metadata.num_row_groups > 1
    table = pq.read_table(out)
    first = [float(value) for value in lines[1234].split(",")]
    assert table.slice(1234, 1).to_pylist()[0] == pytest.approx(
        dict(zip(COLUMNS, first, strict=True))
    )


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f[:18], "row 3: expected 19 comma-separated columns, got 18"),
        (lambda f: f + ["1.0"], "row 3: expected 19 comma-separated columns, got 20"),
        (lambda f: f[:5] + ["abc"] + f[6:], "row 3, column 'lepton_2_eta': expected a number"),
        (lambda f: f[:5] + ["nan"] + f[6:], "row 3, column 'lepton_2_eta': expected a finite number"),
        (lambda f: f[:5] + ["inf"] + f[6:], "row 3, column 'lepton_2_eta': expected a finite number"),
        (lambda f: ["2.0"] + f[1:], "row 3, column 'label': expected a label of 0 or 1"),
    ],
)  # fmt: skip
def test_bad_row_is_named_and_leaves_no_output(tmp_path, edit, message):
    lines = uci_lines(5)
    lines[2] = ",".join(edit(lines[2].split(",")))
    source = _write(tmp_path / "bad.csv", lines)
    out = tmp_path / "events.parquet"
    with pytest.raises(InputError, match=message) as error:
        ingest_csv(source, out)
    assert str(source) in str(error.value)
    assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == [source]


# Each case turns a good row into a bad one and names the message it must give:
# the first three are caught by the value check on pyarrow's blocks, the last
# two by the line-by-line scan that runs after pyarrow fails.
LATE_BAD_ROWS = {
    "nan": (lambda f: f[:5] + ["nan"] + f[6:], ", column 'lepton_2_eta': expected a finite number"),
    "inf": (lambda f: f[:5] + ["-inf"] + f[6:], ", column 'lepton_2_eta': expected a finite number"),
    "label": (lambda f: ["3.0"] + f[1:], ", column 'label': expected a label of 0 or 1"),
    "text": (lambda f: f[:5] + ["abc"] + f[6:], ", column 'lepton_2_eta': expected a number, got 'abc'$"),
    "short": (lambda f: f[:18], ": expected 19 comma-separated columns, got 18"),
}  # fmt: skip


@pytest.mark.parametrize("blank_lines", [False, True], ids=["dense", "blank_lines"])
@pytest.mark.parametrize("case", LATE_BAD_ROWS)
def test_bad_row_in_a_later_block_is_named_by_its_line(
    tmp_path, monkeypatch, case, blank_lines
):
    # 16 KiB blocks hold about 33 rows: row 347 is read in the 11th block.
    block_size = 16 << 10
    monkeypatch.setattr("physics_dnn.susy.ingest.BLOCK_SIZE", block_size)
    edit, message = LATE_BAD_ROWS[case]
    lines = uci_lines(400)
    lines[346] = ",".join(edit(lines[346].split(",")))
    if blank_lines:
        # Blank lines (skipped by the reader) in earlier blocks still count:
        # the message gives the line number an editor shows.
        lines = lines[:10] + [""] + lines[10:100] + ["", ""] + lines[100:]
    number = 350 if blank_lines else 347
    assert lines[number - 1] != "" and lines[number - 2] != ""
    assert sum(len(line) + 1 for line in lines[: number - 1]) > 10 * block_size
    source = _write(tmp_path / "bad.csv", lines)
    with pytest.raises(
        InputError, match=f"^{re.escape(str(source))}: row {number}{message}"
    ) as error:
        ingest_csv(source, tmp_path / "events.parquet")
    assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == [source]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_blank_lines_are_skipped(tmp_path, newline):
    lines = uci_lines(6)
    with_blanks = [""] + lines[:2] + ["", ""] + lines[2:] + [""]
    source = tmp_path / "blank.csv"
    source.write_bytes((newline.join(with_blanks) + newline).encode())
    out = tmp_path / "events.parquet"
    assert ingest_csv(source, out) == 6
    table = pq.read_table(out)
    got = np.column_stack([table.column(name).to_numpy() for name in COLUMNS])
    expected = np.array([[float(v) for v in line.split(",")] for line in lines])
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_header_after_blank_lines_is_reported_by_its_line(tmp_path):
    source = _write(tmp_path / "header.csv", ["", ",".join(COLUMNS)] + uci_lines(3))
    with pytest.raises(InputError, match="row 2, column 'label'.*header line"):
        ingest_csv(source, tmp_path / "events.parquet")


def test_header_line_is_reported(tmp_path):
    source = _write(tmp_path / "header.csv", [",".join(COLUMNS)] + uci_lines(3))
    with pytest.raises(InputError, match="row 1, column 'label'.*header"):
        ingest_csv(source, tmp_path / "events.parquet")


def test_empty_file_is_an_error(tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("")
    with pytest.raises(InputError, match="empty.csv"):
        ingest_csv(source, tmp_path / "events.parquet")
    assert not (tmp_path / "events.parquet").exists()


def test_existing_output_survives_a_failed_ingest(tmp_path):
    out = tmp_path / "events.parquet"
    out.write_text("finished result")
    source = _write(tmp_path / "bad.csv", ["1,2,3"])
    with pytest.raises(InputError):
        ingest_csv(source, out)
    assert out.read_text() == "finished result"


def _gzip_lines(n_rows: int) -> bytes:
    return gzip.compress(("\n".join(uci_lines(n_rows)) + "\n").encode())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cut.csv.gz", _gzip_lines(2000)[:5000], "truncated: the gzip stream ends before its end marker"),
        ("plain.csv.gz", b"1,2,3\n", r"not gzip-compressed, though its name ends in .gz \(it starts with b'1,'"),
        ("empty.csv", b"", "empty: expected rows of 19 comma-separated numbers"),
        ("empty.csv.gz", b"", "empty: expected rows of 19 comma-separated numbers"),
        ("nothing.csv.gz", gzip.compress(b""), "empty: expected rows of 19 comma-separated numbers"),
        ("binary.csv", bytes(range(256)) * 4, "row 1: expected 19 comma-separated columns"),
    ],
)  # fmt: skip
def test_broken_files_give_one_line_errors(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        ingest_csv(source, tmp_path / "events.parquet")
    assert str(error.value).startswith(f"{source}: ")
    assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == [source]


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    source = tmp_path / "events.csv"
    source.write_bytes(_gzip_lines(10))
    assert ingest_csv(source, tmp_path / "events.parquet") == 10


def test_output_is_readable_by_others(tmp_path):
    lines = uci_lines(10)
    out = tmp_path / "events.parquet"
    ingest_csv(_write(tmp_path / "ok.csv", lines), out)
    assert out.stat().st_mode & 0o044 == 0o044
