"""Ingest at the full scale of the real dataset: 5,000,000 rows, bounded memory."""

import sys

import pyarrow.parquet as pq
import pytest
from isal import igzip
from uci_format import uci_lines

from physics_dnn.measure import measure

ROWS = 5_000_000
BLOCK_ROWS = 10_000
MEMORY_LIMIT = 1 << 30  # 1 GiB


@pytest.fixture(scope="module")
def five_million_rows(tmp_path_factory):
    """A 5M-row UCI CSV.gz: 10,000 distinct rows written 500 times (fast to make)."""
    path = tmp_path_factory.mktemp("scale") / "events.csv.gz"
    block = ("\n".join(uci_lines(BLOCK_ROWS)) + "\n").encode()
    with igzip.open(path, "wb", compresslevel=0) as stream:
        for _ in range(ROWS // BLOCK_ROWS):
            stream.write(block)
    return path


@pytest.mark.workflow
def test_five_million_rows_ingest_within_one_gib(five_million_rows, tmp_path):
    out = tmp_path / "events.parquet"
    script = "import sys; from physics_dnn.susy.ingest import ingest_csv; ingest_csv(*sys.argv[1:])"
    result = measure([sys.executable, "-c", script, str(five_million_rows), str(out)])
    assert result.returncode == 0
    assert pq.read_metadata(out).num_rows == ROWS
    assert result.peak_rss_bytes <= MEMORY_LIMIT, (
        f"peak memory {result.peak_rss_bytes / 2**20:.0f} MiB"
    )
