"""Where the default run spends its time: wall time, grid efficiency, start-up.

Copies the workflow into a scratch folder and runs, as a user would:

- ``snakemake --cores N`` with the default config (simulation, six studies);
- ``snakemake --report report.html``;
- ``snakemake --dry-run`` on grids of 1,000 and 10,000 points (planning cost),
  beside ``snakemake --version`` (Snakemake's own start-up) in the same run.

Then reads the run's ``benchmark:`` files (wall time of every job) and every
point's training seconds, and prints where the time went and the targets:

- default run (workflow + report) at most 330 s on 2 cores (240 s for the
  five studies of issue 9, plus at most 90 s for the optimiser study);
- grid efficiency (training seconds / job wall time, all jobs) at least 80%;
- a 1,000-point dry run at most 10 s.

Usage: python benchmarks/grid_benchmark.py [--cores 2] [--keep DIR]
"""

import argparse
import copy
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "src", "slurm", "profiles")
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
TARGETS = {"run_seconds": 330.0, "grid_efficiency": 0.80, "dry_run_1000": 10.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in DIR and keep it")
    arguments = parser.parse_args()
    if arguments.keep:
        arguments.keep.mkdir(parents=True, exist_ok=True)
        run_all(arguments.keep, arguments.cores)
    else:
        with tempfile.TemporaryDirectory() as folder:
            run_all(Path(folder), arguments.cores)


def run_all(folder: Path, cores: int) -> None:
    workdir = copy_workflow(folder / "run")
    workflow = timed(SNAKEMAKE + ["--cores", str(cores)], workdir)
    report = timed(SNAKEMAKE + ["--report", "report.html"], workdir)
    jobs = job_times(workdir / "results")
    training = training_seconds(workdir / "results")
    print_breakdown(jobs, training)

    startup = timed(SNAKEMAKE + ["--version"], workdir)
    dry_runs = {}
    for points in (1000, 10000):
        grid_dir = copy_workflow(folder / f"grid{points}")
        config = grid_dir / "grid.yaml"
        config.write_text(yaml.safe_dump(grid_config(points)))
        command = SNAKEMAKE + ["--dry-run", "--quiet", "--replace-workflow-config"]
        command += ["--configfile", str(config)]
        dry_runs[points] = timed(command, grid_dir)

    job_wall = sum(sum(times) for times in jobs.values())
    trained = sum(training.values())
    results = {
        "run_seconds": workflow + report,
        "grid_efficiency": trained / job_wall,
        "dry_run_1000": dry_runs[1000],
    }
    print()
    print(f"workflow {workflow:.0f} s + report {report:.0f} s on {cores} cores")
    print(
        f"grid efficiency: {trained:.0f} s training / {job_wall:.0f} s job wall "
        f"= {results['grid_efficiency']:.0%}"
    )
    for points, seconds in dry_runs.items():
        print(
            f"dry run, {points:,}-point grid: {seconds:.1f} s "
            f"(snakemake --version alone: {startup:.1f} s)"
        )
    print()
    for key, value in results.items():
        target = TARGETS[key]
        met = value >= target if key == "grid_efficiency" else value <= target
        shown = f"{value:.0%}" if key == "grid_efficiency" else f"{value:.1f} s"
        limit = f"≥ {target:.0%}" if key == "grid_efficiency" else f"≤ {target:.0f} s"
        print(f"{'PASS' if met else 'FAIL'}  {key}: {shown} (target {limit})")


def copy_workflow(workdir: Path) -> Path:
    workdir.mkdir(parents=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, workdir / name)
        else:
            shutil.copy(source, workdir / name)
    return workdir


def timed(command: list[str], workdir: Path) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} failed:\n{run.stderr[-3000:]}")
    return seconds


def job_times(results: Path) -> dict[str, list[float]]:
    """{rule family: wall seconds of each job} from the benchmark files."""
    jobs = defaultdict(list)
    for path in (results / "benchmarks").rglob("*.tsv"):
        # results/benchmarks/<rule>.tsv or results/benchmarks/<rule>/...
        rule = path.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv")
        with path.open() as file:
            for row in csv.DictReader(file, delimiter="\t"):
                jobs[rule].append(float(row["s"]))
    return jobs


def training_seconds(results: Path) -> dict[str, float]:
    """{rule family: seconds spent training}: networks and boosted trees."""
    seconds = defaultdict(float)
    for path in results.glob("studies/*/points/*/train_info.json"):
        seconds["train"] += json.loads(path.read_text())["training_seconds"]
    for path in results.glob("studies/*/gradient_boosting/*/metrics.json"):
        training = json.loads(path.read_text())["training"]
        seconds["train_gradient_boosting"] += training["training_seconds"]
    return seconds


def print_breakdown(jobs: dict[str, list[float]], training: dict[str, float]) -> None:
    print(f"{'rule':<28}{'jobs':>6}{'job wall, s':>13}{'training, s':>13}")
    for rule, times in sorted(jobs.items(), key=lambda item: -sum(item[1])):
        trained = f"{training[rule]:.0f}" if rule in training else ""
        print(f"{rule:<28}{len(times):>6}{sum(times):>13.0f}{trained:>13}")


def grid_config(points: int) -> dict:
    """The default config with one study of ``points`` points (10 seeds)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    study = copy.deepcopy(config["studies"]["learning_rate_vs_size"])
    rates = [10.0 ** (-5 + 4 * i / (points // 100 - 1)) for i in range(points // 100)]
    study["grid"] = {
        "learning_rate": rates,
        "n_train": [1000 * (i + 1) for i in range(10)],
        "seed": list(range(10)),
    }
    config["studies"] = {"learning_rate_vs_size": study}
    config["run_studies"] = ["learning_rate_vs_size"]
    return config


if __name__ == "__main__":
    main()
