"""The workflow through the Slurm profile, on a real single-node Slurm.

tests/slurm/start.sh starts the cluster (.ci/run does); without one these
tests skip, unless SUSY_SLURM_REQUIRED is set, as in CI, where they fail.
"""

import os
import shutil
import subprocess
import sys

import pytest
from test_workflow import TINY_CONFIG, make_workdir

# The workflow tests' tiny config, one study of two points; both grid axes are
# named because cluster jobs merge this file into config/config.yaml.
TINY = dict(
    TINY_CONFIG,
    simulation=dict(TINY_CONFIG["simulation"], reference=None),
    run_studies=["learning_rate_vs_size"],
    studies={
        "learning_rate_vs_size": {
            "training": {"n_train": 500, "epochs": 2, "hidden_layers": [8]},
            "grid": {"learning_rate": [0.01, 0.1], "n_train": [500]},
        }
    },
)


def slurm_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    return subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not slurm_is_up() and not os.environ.get("SUSY_SLURM_REQUIRED"),
    reason="no Slurm cluster: start one with tests/slurm/start.sh",
)


def run_through_slurm(workdir, *targets):
    """snakemake --profile slurm, as a user types it, under a hard time limit."""
    command = [
        "timeout", "-s", "KILL", "600",
        sys.executable, "-m", "snakemake", *targets,
        "--profile", "slurm",
        "--configfile", "tiny.yaml",
        # The plugin waits 40 s before its first status check by default.
        "--slurm-init-seconds-before-status-checks", "2",
    ]  # fmt: skip
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True)


def jobs_in_accounting(workdir) -> list[dict]:
    """This run's Slurm jobs as sacct records them."""
    listing = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "JobName,Partition,State,ReqTRES,WorkDir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = ("name", "partition", "state", "tres", "workdir")
    jobs = [
        dict(zip(fields, line.split("|"), strict=True)) for line in listing.splitlines()
    ]
    return [job for job in jobs if job["workdir"] == str(workdir)]


def test_tiny_workflow_runs_through_the_slurm_profile(tmp_path):
    workdir = make_workdir(tmp_path, TINY)
    run = run_through_slurm(workdir)
    assert run.returncode == 0, run.stderr[-4000:]
    study = workdir / "results/studies/learning_rate_vs_size"
    for point in ("learning_rate~0.01__n_train~500", "learning_rate~0.1__n_train~500"):
        assert (study / "points" / point / "metrics.json").exists()
    assert (study / "figures/accuracy_heatmap.png").exists()
    jobs = jobs_in_accounting(workdir)
    training = [job for job in jobs if job["partition"] == "gpu"]
    # Two training jobs, each with one GPU, on the profile's GPU partition.
    assert len(training) == 2
    assert all("gres/gpu=1" in job["tres"] for job in training)
    assert all(job["state"] == "COMPLETED" for job in jobs)


def test_failing_job_fails_the_run(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n")
    config = dict(TINY, dataset={"source": "file", "path": str(bad), "verify": False})
    (tmp_path / "run").mkdir()
    workdir = make_workdir(tmp_path / "run", config)
    run = run_through_slurm(workdir, "results/data/events.parquet")
    assert run.returncode != 0
    assert "Error in rule ingest_events" in run.stderr
    failed = [job for job in jobs_in_accounting(workdir) if job["state"] == "FAILED"]
    # The first try and the profile's two retries.
    assert len(failed) == 3
    assert not (workdir / "results/data/events.parquet").exists()
