"""The workflow through the Slurm profile, on a real single-node Slurm.

tests/slurm/start.sh starts the cluster (.ci/run does); without one these
tests skip, unless SUSY_SLURM_REQUIRED is set, as in CI, where they fail.
"""

import os
import shutil
import subprocess
import sys

import pytest
import yaml
from snakemake.utils import update_config
from test_workflow import REPO, TINY_CONFIG, make_workdir, training_flops

# The workflow tests' tiny config, one study of three points, each a pack of
# its own; only the largest reaches the GPU threshold. Both grid axes are
# named because cluster jobs merge this file into config/config.yaml.
TINY = dict(
    TINY_CONFIG,
    simulation=dict(TINY_CONFIG["simulation"], reference=None),
    run_studies=["learning_rate_vs_size"],
    studies={
        "learning_rate_vs_size": {
            "training": {"n_train": 500, "epochs": 2, "hidden_layers": [8]},
            "grid": {"learning_rate": [0.1], "n_train": [500, 1000, 4000]},
        }
    },
    resources=dict(TINY_CONFIG["resources"], pack_flop=2.0e6, gpu_flop=4.0e6),
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
    """This run's Slurm jobs as sacct records them; the comment names the
    rule, or the group and its rules (tests/slurm/start.sh stores it)."""
    columns = "JobID,Partition,State,ReqTRES,WorkDir,Comment"
    listing = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", columns],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = ("id", "partition", "state", "tres", "workdir", "comment")
    jobs = [
        dict(zip(fields, line.split("|"), strict=True)) for line in listing.splitlines()
    ]
    return [job for job in jobs if job["workdir"] == str(workdir)]


def test_tiny_workflow_runs_through_the_slurm_profile(tmp_path):
    workdir = make_workdir(tmp_path, TINY)
    run = run_through_slurm(workdir)
    assert run.returncode == 0, run.stderr[-4000:]
    study = workdir / "results/studies/learning_rate_vs_size"
    for n_train in (500, 1000, 4000):
        point = f"learning_rate~0.1__n_train~{n_train}"
        assert (study / "points" / point / "metrics.json").exists()
    assert (study / "figures/accuracy_heatmap.png").exists()

    # The packs as the run planned them, from the config it merged.
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    update_config(config, TINY)
    flops = training_flops(config)
    threshold = TINY["resources"]["gpu_flop"]
    large = [rule for rule, flop in flops.items() if flop >= threshold]
    small = [rule for rule, flop in flops.items() if flop < threshold]
    assert (len(large), len(small)) == (1, 2)

    jobs = jobs_in_accounting(workdir)
    assert all(job["state"] == "COMPLETED" for job in jobs)
    assert all(job["comment"].startswith("rule_") for job in jobs), (
        f"sacct keeps no job comments; restart Slurm with tests/slurm/start.sh: {jobs}"
    )

    def job_of(rule):
        [job] = [job for job in jobs if rule in job["comment"]]
        return job

    # Simulation, ingest and split, the two small packs as one group job on
    # the CPU partition, the large pack alone with a GPU on the GPU partition.
    assert len(jobs) == 5, jobs
    for rule in ("simulate_events", "ingest_events", "split_events", *small):
        assert job_of(rule)["partition"] == "main", rule
        assert "gres/gpu" not in job_of(rule)["tres"], rule
    assert job_of(small[0])["id"] == job_of(small[1])["id"]
    assert job_of(large[0])["partition"] == "gpu"
    assert "gres/gpu=1" in job_of(large[0])["tres"]
    # The bookkeeping ran where Snakemake ran, not on the cluster.
    for rule in ("record_config", "aggregate_study", "plot_learning_rate_vs_size"):
        assert not any(rule in job["comment"] for job in jobs), rule
    assert (workdir / "results/report/config.yaml").exists()


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
