"""The README's promise: the same config gives the same numbers. Two runs
from scratch, in two directories, end with the same data, the same learning
curves and the same tables, timings aside."""

import hashlib
import json

import pandas as pd
import pytest
from test_grid_reruns import CONFIG, STUDY
from tiny_workflow import make_workdir, run_snakemake

# What a run measures rather than computes: wall-clock seconds.
TIMING_COLUMNS = ["training_seconds"]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_from_scratch(folder):
    folder.mkdir()
    workdir = make_workdir(folder, CONFIG)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir


@pytest.mark.workflow
def test_two_runs_from_scratch_give_the_same_numbers(tmp_path):
    first, second = (run_from_scratch(tmp_path / name) for name in ("a", "b"))
    data = ["simulated.csv.gz", "train.parquet", "validation.parquet", "test.parquet"]
    for name in data:
        assert digest(first / "results/data" / name) == digest(
            second / "results/data" / name
        ), name
    study = f"results/studies/{STUDY}"
    points = sorted((first / study / "points").iterdir())
    assert len(points) == 2
    for point in points:
        for name in ("history.csv", "gradient_norms.csv"):
            path = f"{study}/points/{point.name}/{name}"
            assert digest(first / path) == digest(second / path), path
        reports = [
            json.loads(
                (run / study / "points" / point.name / "metrics.json").read_text()
            )
            for run in (first, second)
        ]
        for key in ("metrics", "validation_metrics", "training_set_metrics", "roc",
                    "overtraining"):  # fmt: skip
            assert reports[0][key] == reports[1][key], key
    for name in ("summary.csv", "selection.json", "grid_edge.txt"):
        assert digest(first / study / name) == digest(second / study / name), name
    tables = [
        pd.read_csv(run / study / "metrics.csv").drop(columns=TIMING_COLUMNS)
        for run in (first, second)
    ]
    assert tables[0].to_csv(index=False) == tables[1].to_csv(index=False)
