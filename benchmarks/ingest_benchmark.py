"""Ingest speed at full scale: the ingest rule against pandas and the gzip floor.

Makes a 5,000,000-row UCI-format CSV.gz with the built-in simulation (or uses
--csv), then measures, each in its own process:

- the ingest rule's code (physics_dnn.susy.ingest.ingest_csv): pyarrow streaming
  + ISA-L;
- pandas.read_csv + DataFrame.to_parquet, the obvious alternative;
- ``gzip -dc > /dev/null``, the floor for anything that inflates with zlib.

Prints rows/s, peak memory and the ratios. Usage:

    python benchmarks/ingest_benchmark.py [--rows 5000000] [--csv FILE] [--workdir DIR]
"""

import argparse
import sys
import tempfile
from pathlib import Path

from physics_dnn.measure import measure
from physics_dnn.susy.simulation import simulate_events, write_uci_csv

INGEST = (
    "from physics_dnn.susy.ingest import ingest_csv; import sys; "
    "ingest_csv(*sys.argv[1:])"
)
PANDAS = (
    "import sys, pandas as pd; from physics_dnn.susy.columns import COLUMNS; "
    "pd.read_csv(sys.argv[1], header=None, names=list(COLUMNS))"
    ".to_parquet(sys.argv[2])"
)
MIB = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--csv", type=Path, help="existing UCI-format CSV(.gz)")
    parser.add_argument("--workdir", type=Path, help="where to write the files")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=arguments.workdir) as folder:
        folder = Path(folder)
        csv = arguments.csv or folder / "events.csv.gz"
        if arguments.csv is None:
            print(f"simulating {arguments.rows:,} events into {csv} ...", flush=True)
            write_uci_csv(csv, simulate_events(arguments.rows, 0.458, seed=1))
        rows = arguments.rows if arguments.csv is None else count_rows(csv)
        print(f"file: {csv} ({csv.stat().st_size / 2**20:.0f} MiB, {rows:,} rows)")

        python = [sys.executable, "-c"]
        runs = {
            "ingest rule (pyarrow + ISA-L)": [
                *python,
                INGEST,
                str(csv),
                str(folder / "ingest.parquet"),
            ],
            "pandas read_csv + to_parquet": [
                *python,
                PANDAS,
                str(csv),
                str(folder / "pandas.parquet"),
            ],
            "gzip -dc > /dev/null (floor)": [
                "sh",
                "-c",
                f"gzip -dc '{csv}' >/dev/null",
            ],
        }
        results = {}
        for name, command in runs.items():
            result = measure(command)
            if result.returncode != 0:
                sys.exit(f"{name} failed with exit status {result.returncode}")
            results[name] = result
            print(
                f"{name:32s} {result.seconds:7.1f} s  {rows / result.seconds:12,.0f} "
                f"rows/s  peak memory {result.peak_rss_bytes / MIB:6.0f} MiB",
                flush=True,
            )
        ingest, pandas, floor = results.values()
        print(f"ingest is {pandas.seconds / ingest.seconds:.1f}x faster than pandas")
        print(f"ingest takes {ingest.seconds / floor.seconds:.2f}x the gzip -dc time")


def count_rows(path: Path) -> int:
    from physics_dnn.susy.ingest import open_csv_bytes

    with open_csv_bytes(path) as stream:
        return sum(
            chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 24), b"")
        )


if __name__ == "__main__":
    main()
