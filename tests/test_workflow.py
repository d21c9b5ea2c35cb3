"""The whole workflow, run by Snakemake in a temporary directory."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REAL_ROWS
from http_server import serving
from test_download import BODY, SHA256

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "src", "slurm")

TINY_CONFIG = {
    "dataset": {"source": "simulation", "path": None},
    "simulation": {
        "events": 6000,
        "signal_fraction": 0.458,
        "seed": 1,
        "reference": str(REAL_ROWS) if REAL_ROWS.exists() else None,
    },
    "split": {"method": "fraction", "validation": 0.1, "test": 0.2, "seed": 2},
    "training": {"hidden_layers": [16], "epochs": 2},
    "grid": {"learning_rate": [0.01, 0.1], "n_train": [500, 2000]},
    "plots": {"heatmap": {"x": "learning_rate", "y": "n_train", "metric": "accuracy"}},
    "resources": {"train_threads": 1},
}
POINTS = [
    f"learning_rate={lr},n_train={n}" for lr in ("0.01", "0.1") for n in (500, 2000)
]
FIGURES = ("accuracy_heatmap", "learning_curves", "roc_overlay")


def run_snakemake(workdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        # Targets first: --configfile takes every word after it.
        [*SNAKEMAKE, *arguments, "--cores", "2", "--configfile", "tiny.yaml"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )


def make_workdir(folder: Path, config: dict) -> Path:
    for name in WORKFLOW_FILES:
        source = REPO / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, folder / name)
    (folder / "tiny.yaml").write_text(yaml.safe_dump(config))
    return folder


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    workdir = make_workdir(tmp_path_factory.mktemp("workflow"), TINY_CONFIG)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir


@pytest.mark.workflow
def test_every_output_is_written(finished_run):
    results = finished_run / "results"
    for name in ("simulated.csv.gz", "events.parquet", "train.parquet",
                 "validation.parquet", "test.parquet"):  # fmt: skip
        assert (results / "data" / name).stat().st_size > 0
    for point in POINTS:
        folder = results / "grid" / point
        for name in ("model.keras", "history.csv", "scaler.json", "train_info.json"):
            assert (folder / name).stat().st_size > 0
        metrics = json.loads((folder / "metrics.json").read_text())
        assert metrics["point"] == point
        assert 0.5 < metrics["metrics"]["roc_auc"] <= 1
        assert metrics["settings"]["hidden_layers"] == [16]
        assert len(pd.read_csv(folder / "history.csv")) == 2
        assert (results / "logs" / "train_model" / f"{point}.log").exists()
        assert (results / "benchmarks" / "train_model" / f"{point}.tsv").exists()
    table = pd.read_csv(results / "tables" / "metrics.csv")
    assert sorted(table["point"]) == sorted(POINTS)
    for figure in FIGURES:
        assert (results / "figures" / f"{figure}.png").read_bytes()[:4] == b"\x89PNG"
        assert (results / "figures" / f"{figure}.pdf").read_bytes()[:4] == b"%PDF"
    recorded = yaml.safe_load((results / "report" / "config.yaml").read_text())
    assert recorded["grid"] == TINY_CONFIG["grid"]


@pytest.mark.workflow
def test_simulation_is_compared_with_the_real_rows(finished_run):
    if not REAL_ROWS.exists():
        pytest.skip(f"real SUSY rows not available at {REAL_ROWS}")
    table = pd.read_csv(finished_run / "results/tables/simulation_ks.csv")
    assert len(table) == 36 and set(table["class"]) == {"signal", "background"}
    assert table["n_real"].sum() == 18 * 1000
    figure = finished_run / "results/figures/simulation_vs_real.png"
    assert figure.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.workflow
def test_rerun_has_nothing_to_do(finished_run):
    run = run_snakemake(finished_run, "--dry-run", "--quiet")
    assert run.returncode == 0
    assert "Nothing to be done" in run.stdout + run.stderr


@pytest.mark.workflow
def test_report_holds_figures_table_and_config(finished_run):
    run = run_snakemake(finished_run, "--report", "report.html")
    assert run.returncode == 0, run.stderr[-3000:]
    html = (finished_run / "report.html").read_text()
    for name in (
        *(f"{figure}.png" for figure in FIGURES),
        "metrics.csv",
        "config.yaml",
    ):
        assert name in html


@pytest.mark.workflow
def test_bad_input_stops_with_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.csv"
    row = ",".join(["1"] + ["0.5"] * 18)
    bad.write_text("\n".join([row, row, ",".join(["1"] + ["0.5"] * 17)]) + "\n")
    dataset = {"source": "file", "path": str(bad), "verify": False}
    config = dict(TINY_CONFIG, dataset=dataset)
    (tmp_path / "run").mkdir()
    workdir = make_workdir(tmp_path / "run", config)
    run = run_snakemake(workdir)
    assert run.returncode != 0
    assert (
        f"Error: {bad}: row 3: expected 19 comma-separated columns, got 18"
        in run.stderr
    )
    assert not (workdir / "results" / "data" / "events.parquet").exists()


@pytest.mark.workflow
def test_bad_config_value_names_the_key(tmp_path):
    (tmp_path / "run").mkdir()
    config = dict(TINY_CONFIG, grid={"learning_rate": [0.1, "fast"]})
    run = run_snakemake(make_workdir(tmp_path / "run", config), "--dry-run")
    assert run.returncode != 0
    message = "config key grid.learning_rate[1]: expected a positive number, got 'fast'"
    assert message in run.stdout + run.stderr


@pytest.mark.workflow
def test_slurm_profile_asks_one_gpu_per_training_job(tmp_path):
    (tmp_path / "run").mkdir()
    workdir = make_workdir(tmp_path / "run", TINY_CONFIG)
    run = run_snakemake(workdir, "--profile", "slurm", "--dry-run")
    assert run.returncode == 0, run.stdout + run.stderr
    jobs = (run.stdout + run.stderr).split("\nrule ")[1:]
    training = [job for job in jobs if job.startswith("train_model:")]
    assert len(training) == len(POINTS)
    for job in training:
        resources = next(line for line in job.splitlines() if "resources:" in line)
        assert "gpu=1" in resources and "mem_mb=" in resources
    others = [job for job in jobs if not job.startswith(("train_model:", "all:"))]
    assert others and all("gpu=" not in job for job in others)


@pytest.mark.workflow
def test_download_rule_fetches_verifies_and_feeds_ingest(tmp_path):
    (tmp_path / "run").mkdir()
    with serving(BODY) as server:
        dataset = {"source": "download", "url": server.url, "sha256": SHA256}
        workdir = make_workdir(tmp_path / "run", dict(TINY_CONFIG, dataset=dataset))
        run = run_snakemake(workdir, "results/data/events.parquet")
    assert run.returncode == 0, run.stdout + run.stderr
    assert (workdir / "resources" / "SUSY.csv.gz").read_bytes() == BODY
    assert pq.read_metadata(workdir / "results/data/events.parquet").num_rows == 3000
    assert "verified" in (workdir / "results/logs/download_dataset.log").read_text()


@pytest.mark.workflow
def test_staged_copy_is_checked_not_downloaded(tmp_path):
    (tmp_path / "run").mkdir()
    staged = tmp_path / "SUSY.csv.gz"
    staged.write_bytes(BODY)
    dataset = {"source": "file", "path": str(staged), "sha256": "0" * 64}
    workdir = make_workdir(tmp_path / "run", dict(TINY_CONFIG, dataset=dataset))
    run = run_snakemake(workdir, "results/data/events.parquet")
    assert run.returncode != 0
    assert f"sha256 mismatch: expected {'0' * 64}, got {SHA256}" in run.stderr
    assert not (workdir / "results/data/events.parquet").exists()

    dataset["sha256"] = SHA256
    (workdir / "tiny.yaml").write_text(
        yaml.safe_dump(dict(TINY_CONFIG, dataset=dataset))
    )
    run = run_snakemake(workdir, "results/data/events.parquet")
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (workdir / "resources").exists()


@pytest.mark.workflow
def test_failed_ingest_leaves_other_rules_outputs_alone(tmp_path):
    (tmp_path / "run").mkdir()
    staged = tmp_path / "SUSY.csv.gz"
    staged.write_bytes(BODY)
    dataset = {"source": "file", "path": str(staged), "verify": False}
    workdir = make_workdir(tmp_path / "run", dict(TINY_CONFIG, dataset=dataset))
    split = [f"results/data/{part}.parquet" for part in ("train", "test")]
    assert run_snakemake(workdir, *split).returncode == 0
    before = [(workdir / path).read_bytes() for path in split]

    staged.write_bytes(BODY[: len(BODY) // 2])  # a truncated copy replaces it
    run = run_snakemake(workdir, *split)
    assert run.returncode != 0
    assert f"Error: {staged}: truncated" in run.stderr
    assert [(workdir / path).read_bytes() for path in split] == before
    assert not list((workdir / "results/data").glob(".*"))


@pytest.mark.workflow
def test_staged_copy_without_checksum_asks_for_one(tmp_path):
    (tmp_path / "run").mkdir()
    dataset = {"source": "file", "path": "SUSY.csv.gz"}
    workdir = make_workdir(tmp_path / "run", dict(TINY_CONFIG, dataset=dataset))
    run = run_snakemake(workdir, "--dry-run")
    assert run.returncode != 0
    assert "config key dataset.sha256: expected the sha256" in run.stdout + run.stderr
