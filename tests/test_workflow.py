"""The whole workflow, run by Snakemake in a temporary directory."""

import base64
import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REAL_ROWS
from http_server import serving
from test_download import BODY, SHA256
from tiny_workflow import (
    EXPECTED_POINTS,
    FIGURES,
    REPO,
    SMALL,
    TINY_CONFIG,
    TINY_STUDIES,
    make_workdir,
    run_snakemake,
)

from physics_dnn.datasets import input_widths
from physics_dnn.grid import HIDDEN_ACTIVATIONS
from physics_dnn.job_resources import PROCESS_MB, RUNTIME_FLOOR_MINUTES
from physics_dnn.packing import pack_points, training_flop
from physics_dnn.studies import selected_studies


@pytest.mark.workflow
def test_every_output_is_written(finished_run):
    results = finished_run / "results"
    for name in ("simulated.csv.gz", "events.parquet", "train.parquet",
                 "validation.parquet", "test.parquet"):  # fmt: skip
        assert (results / "data" / name).stat().st_size > 0
    for study, count in EXPECTED_POINTS.items():
        folder = results / "studies" / study
        table = pd.read_csv(folder / "metrics.csv")
        networks = table[table["model"] == "network"]
        assert len(networks) == count
        for point in networks["point"]:
            run = folder / "points" / point
            for name in ("model.keras", "history.csv", "scaler.json",
                         "train_info.json", "gradient_norms.csv"):  # fmt: skip
                assert (run / name).stat().st_size > 0
            metrics = json.loads((run / "metrics.json").read_text())
            assert metrics["point"] == point
            assert 0.3 < metrics["metrics"]["roc_auc"] <= 1
        # Tiny points share one training job (a pack) per study: its log
        # names every point it trained, and it has a benchmark.
        (log,) = (results / "logs/train" / study).glob("pack_*.log")
        for point in networks["point"]:
            assert f"=== {point}\n" in log.read_text()
        assert (results / "benchmarks/train" / study / f"{log.stem}.tsv").exists()
        for figure in FIGURES[study]:
            path = folder / "figures" / figure
            assert path.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
            assert path.with_suffix(".pdf").read_bytes()[:4] == b"%PDF"
        assert (folder / "summary.csv").exists() and (folder / "grid_edge.txt").exists()
        selection = (folder / "selection.txt").read_text()
        assert selection.startswith("Selected on the validation set"), selection
        assert "\n  test " in selection
    recorded = yaml.safe_load((results / "report" / "config.yaml").read_text())
    assert (
        recorded["studies"]["activations"]["grid"]
        == TINY_STUDIES["activations"]["grid"]
    )


@pytest.mark.workflow
def test_seeds_aggregate_to_mean_and_std(finished_run):
    folder = finished_run / "results/studies/feature_sets"
    summary = pd.read_csv(folder / "summary.csv")
    networks = summary[summary["model"] == "network"]
    assert (networks["seeds"] == 2).all() and len(networks) == 4
    assert (networks["roc_auc_std"] > 0).all()
    auc = pd.read_csv(folder / "auc_table.csv")
    # The tiny networks keep the default dropout 0.5: labelled as the paper's.
    assert list(auc["model"].unique()) == ["BDT", "NN + dropout", "DN + dropout"]
    # The simulation is not the paper's data: nothing published beside it.
    assert not [column for column in auc.columns if "published" in column]
    # The boosted trees' seeds hold out different events: real spread.
    trees = summary[summary["model"] == "gradient_boosting"]
    assert (trees["seeds"] == 2).all() and (trees["roc_auc_std"] > 0).all()


@pytest.mark.workflow
def test_the_selected_point_has_its_overtraining_check(finished_run):
    """The figure draws the first run of the setting each study selected; its
    metrics.json holds the histograms and KS tests the figure shows."""
    for study in FIGURES:
        folder = finished_run / "results/studies" / study
        point = json.loads((folder / "selection.json").read_text())["points"][0]
        (metrics,) = [
            path
            for path in folder.glob("*/*/metrics.json")
            if path.parent.name == point
        ]
        report = json.loads(metrics.read_text())
        check = report["overtraining"]
        assert set(check["ks"]) == {"signal", "background"}
        n_train = sum(ks["n_train"] for ks in check["ks"].values())
        assert n_train == report["settings"]["n_train"]
        n_test = sum(ks["n_test"] for ks in check["ks"].values())
        assert n_test == report["metrics"]["n_events"]
        for name, ks in check["ks"].items():
            assert 0 <= ks["p_value"] <= 1 and 0 <= ks["statistic"] <= 1
            assert sum(check["train"][name]) == ks["n_train"]
            assert sum(check["test"][name]) == ks["n_test"]


@pytest.mark.workflow
def test_optimizers_are_ranked_each_at_its_own_learning_rate(finished_run):
    folder = finished_run / "results/studies/optimizers"
    study = TINY_STUDIES["optimizers"]
    table = pd.read_csv(folder / "optimizer_table.csv")
    assert sorted(table["optimizer"]) == sorted(study["grid"]["optimizer"])
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["val_log_loss_mean"].is_monotonic_increasing
    for optimizer, rate in zip(table["optimizer"], table["learning_rate"], strict=True):
        assert rate in study["learning_rates"][optimizer]
    # The automatic target is one every run reaches.
    assert (table["seeds_reaching_target"] == 1).all()
    assert table["seconds_to_target_mean"].gt(0).all()
    assert table["roc_auc_stat_error"].gt(0).all()
    infos = list(folder.glob("points/*/train_info.json"))
    assert len(infos) == EXPECTED_POINTS["optimizers"]
    for info in infos:
        epoch_seconds = json.loads(info.read_text())["epoch_seconds"]
        assert len(epoch_seconds) == SMALL["epochs"] and min(epoch_seconds) > 0
    # Plain SGD's best rate is the largest of its list; the others' lists
    # are too short to tell.
    warning = "optimizer sgd: the best validation log loss lies at learning_rate"
    assert warning in (folder / "grid_edge.txt").read_text()
    log = finished_run / "results/logs/aggregate_study/optimizers.log"
    assert "extend learning_rate above 0.1 (next: 1)" in log.read_text()


@pytest.mark.workflow
def test_gradient_norms_are_recorded_and_finite(finished_run):
    points = finished_run / "results/studies/activations/points"
    paths = list(points.glob("*/gradient_norms.csv"))
    assert len(paths) == EXPECTED_POINTS["activations"]
    for path in paths:
        norms = pd.read_csv(path)
        assert set(norms["epoch"]) == {0, 1, 2}
        for column in ("delta_rms", "weight_gradient_rms"):
            assert norms[column].between(0, 1e6, inclusive="neither").all()


@pytest.mark.workflow
def test_edge_optimal_grid_warns_in_log_and_table(finished_run):
    warning = "extend learning_rate above 0.01"
    note = finished_run / "results/studies/learning_rate_vs_size/grid_edge.txt"
    assert warning in note.read_text()
    log = finished_run / "results/logs/aggregate_study/learning_rate_vs_size.log"
    assert warning in log.read_text()


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
def test_report_holds_every_study_and_the_config(finished_run):
    run = run_snakemake(finished_run, "--report", "report.html")
    assert run.returncode == 0, run.stderr[-3000:]
    html = (finished_run / "report.html").read_text()
    for study, figures in FIGURES.items():
        for figure in figures:
            assert f"results/studies/{study}/figures/{figure}.png" in html
        assert f"results/studies/{study}/summary.csv" in html
    assert "results/studies/optimizers/optimizer_table.csv" in html
    assert "config.yaml" in html
    # It opens on the summary page, with each study's chosen setting.
    assert "Results at a glance" in html
    for study in FIGURES:
        selected = json.loads(
            (finished_run / f"results/studies/{study}/selection.json").read_text()
        )
        assert f"app.showCategory('{study}')" in html
        assert f"{selected['label']} (of {selected['settings_compared']} settings)" in (
            html
        )
    # The grid-edge note is embedded as a base64 data URI.
    embedded = [
        base64.b64decode(data).decode(errors="replace")
        for data in re.findall(
            r"filename=grid_edge\.txt;base64,([A-Za-z0-9+/=]+)", html
        )
    ]
    assert any("extend learning_rate above 0.01" in text for text in embedded)
    selections = [
        base64.b64decode(data).decode(errors="replace")
        for data in re.findall(
            r"filename=selection\.txt;base64,([A-Za-z0-9+/=]+)", html
        )
    ]
    assert len(selections) == len(FIGURES)
    assert all("Selected on the validation set" in text for text in selections)


@pytest.mark.parametrize("study", list(FIGURES))
def test_each_study_runs_alone(study, tmp_path):
    """The default config's DAG for one study: only that study's jobs."""
    default = yaml.safe_load((REPO / "config/config.yaml").read_text())
    workdir = make_workdir(tmp_path, dict(default, run_studies=[study]))
    run = run_snakemake(workdir, "--dry-run")
    assert run.returncode == 0, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert f"plot_{study} " in output
    others = [other for other in FIGURES if other != study]
    assert not any(f"plot_{other} " in output for other in others)


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
    studies = {"activations": {"grid": {"learning_rate": [0.1, "fast"]}}}
    config = dict(TINY_CONFIG, studies=studies)
    run = run_snakemake(make_workdir(tmp_path / "run", config), "--dry-run")
    assert run.returncode != 0
    message = (
        "config key studies.activations.grid.learning_rate[1]: "
        "expected a positive number, got 'fast'"
    )
    assert message in run.stdout + run.stderr


ACTIVATIONS = TINY_STUDIES["activations"]
BAD_CONFIGS = {
    "unknown_activation": (
        {"studies": {"activations": dict(ACTIVATIONS, grid={"activation": ["relu", "relux"]})}},
        "config key studies.activations.grid.activation[1]: expected a Keras "
        f"activation for hidden layers, one of {', '.join(HIDDEN_ACTIVATIONS)}, "
        "got 'relux'",
    ),
    "batch_size_over_100_percent": (
        {"studies": {"activations": dict(ACTIVATIONS, training=dict(SMALL, batch_size="150%"))}},
        "config key studies.activations.training.batch_size: expected a positive "
        "integer or a percentage of n_train in (0%, 100%] such as '1%', got '150%'",
    ),
    "split_leaves_no_training_set": (
        {"split": dict(TINY_CONFIG["split"], validation=0.5, test=0.5)},
        "config key split: expected validation + test fractions below 1 (the rest "
        "is the training set), got 0.5 + 0.5 = 1",
    ),
    "n_train_over_the_training_split": (
        {"studies": {"learning_rate_vs_size": dict(
            TINY_STUDIES["learning_rate_vs_size"],
            grid={"learning_rate": [1e-5, 1e-2], "n_train": [500, 5000]},
        )}},
        "config key studies.learning_rate_vs_size.grid.n_train: 5000 training "
        "events requested (point 'learning_rate~1e-5__n_train~5000'), but the "
        "split leaves 4200 of the 6000 simulated events; lower n_train, raise "
        "simulation.events or shrink split.validation and split.test",
    ),
    "gradient_boosting_outside_feature_sets": (
        {"studies": {"activations": dict(ACTIVATIONS, gradient_boosting={"max_iter": 20})}},
        "config key studies.activations.gradient_boosting: only the feature_sets "
        "study uses it",
    ),
}  # fmt: skip


@pytest.mark.workflow
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_config_error_stops_the_dry_run(case, tmp_path):
    """Errors that would otherwise surface only after simulation or in a queue."""
    (tmp_path / "run").mkdir()
    changes, message = BAD_CONFIGS[case]
    run = run_snakemake(
        make_workdir(tmp_path / "run", dict(TINY_CONFIG, **changes)), "--dry-run"
    )
    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert message in output, output[-3000:]
    assert "rule " not in output  # stopped before building any job


# Rules that compute, and so go to the cluster; the others are bookkeeping,
# run where Snakemake runs.
CLUSTER_RULES = re.compile(
    r"simulate_events|ingest_events|split_events|train_gradient_boosting"
    r"|train_\w+_pack_[0-9a-f]{8}"
)


def training_flops(config: dict) -> dict[str, float]:
    """{training rule: training operations} of every pack of ``config``."""
    widths = input_widths(config)
    return {
        f"train_{study}_{pack}": sum(
            training_flop(points[name], widths) for name in names
        )
        for study, points in selected_studies(config).items()
        for pack, names in pack_points(
            points, config["resources"]["pack_flop"], widths
        ).items()
    }


def dry_run_submissions(output: str) -> list[list[tuple[str, dict]]]:
    """The jobs of a dry run as the profile would submit them: a group job's
    jobs together, every other job alone; each job as (rule, resources)."""
    submissions = []
    for line in output.splitlines():
        if re.search(r"\] Group job \w+ ", line):
            submissions.append([])
        elif match := re.match(r"( *)rule (\w+):$", line):
            if not match.group(1):
                submissions.append([])
            submissions[-1].append((match.group(2), {}))
        elif match := re.match(r" +resources: (.*)$", line):
            pairs = (item.split("=", 1) for item in match.group(1).split(", "))
            submissions[-1][-1][1].update(pairs)
    return submissions


def local_rules() -> set[str]:
    """The rules that the rule files declare local (`localrules:`)."""
    return {
        name
        for smk in (REPO / "workflow" / "rules").glob("*.smk")
        for block in re.findall(r"^localrules:\n((?: +\w+,\n)+)", smk.read_text(), re.M)
        for name in re.findall(r"\w+", block)
    }


@pytest.mark.workflow
def test_slurm_profile_sizes_training_jobs_and_keeps_bookkeeping_local(tmp_path):
    flops = training_flops(TINY_CONFIG)
    # The middle pack sits exactly on the threshold: it and the bigger ones
    # get a GPU, the smaller ones none.
    threshold = sorted(flops.values())[len(flops) // 2]
    resources = dict(TINY_CONFIG["resources"], gpu_flop=threshold)
    (tmp_path / "run").mkdir()
    workdir = make_workdir(tmp_path / "run", dict(TINY_CONFIG, resources=resources))
    run = run_snakemake(workdir, "--profile", "slurm", "--dry-run")
    assert run.returncode == 0, run.stdout + run.stderr
    submissions = dry_run_submissions(run.stdout + run.stderr)
    jobs = [job for submission in submissions for job in submission]

    packs = {rule: job for rule, job in jobs if rule in flops}
    assert packs.keys() == flops.keys()
    large = {rule for rule, flop in flops.items() if flop >= threshold}
    assert 0 < len(large) < len(flops)
    for rule, job in packs.items():
        if rule in large:
            assert (job.get("gpu"), job["slurm_partition"]) == ("1", "gpu"), rule
        else:
            assert ("gpu" not in job, job["slurm_partition"]) == (True, "main"), rule
        assert int(job["runtime"]) >= RUNTIME_FLOOR_MINUTES, rule
        assert int(job["mem_mb"]) >= PROCESS_MB, rule
    assert all("gpu" not in job for rule, job in jobs if rule not in large)
    # The CPU training jobs share submissions; a GPU job goes alone.
    grouped = {rule for submission in submissions if len(submission) > 1
               for rule, _ in submission}  # fmt: skip
    assert set(flops) - large <= grouped and not large & grouped
    assert len(submissions) < len(jobs)

    computing = {rule for rule, _ in jobs if CLUSTER_RULES.fullmatch(rule)}
    bookkeeping = {rule for rule, _ in jobs} - computing - {"all"}
    assert {"record_config", "aggregate_study", "plot_feature_sets"} <= bookkeeping
    assert bookkeeping <= local_rules() and not computing & local_rules()


@pytest.mark.workflow
def test_slurm_profile_submits_the_default_studies_in_few_training_jobs(tmp_path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    run = run_snakemake(make_workdir(tmp_path, config), "--profile", "slurm", "-n")
    assert run.returncode == 0, run.stdout + run.stderr
    submissions = dry_run_submissions(run.stdout + run.stderr)
    training = [
        submission
        for submission in submissions
        if any(rule.startswith("train_") for rule, _ in submission)
    ]
    jobs = sum(len(submission) for submission in training)
    assert jobs == len(training_flops(config)) + 1  # packs and the boosted trees
    assert len(training) <= 20
    print(f"{jobs} training jobs in {len(training)} Slurm submissions")


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


@pytest.mark.workflow
def test_a_diverged_point_is_a_result_not_a_crash(tmp_path):
    """NB13's network on the real rows at learning rate 0.1 with a batch of one
    event (1% of 100) diverges; the study still ends with its table and
    figures, and the point scores as a constant classifier."""
    if not REAL_ROWS.exists():
        pytest.skip(f"real SUSY rows not available at {REAL_ROWS}")
    studies = {
        "learning_rate_vs_size": {
            "training": {"epochs": 3},
            "grid": {"learning_rate": [1e-3, 0.1], "n_train": [100, 400]},
        }
    }
    config = dict(
        TINY_CONFIG,
        dataset={"source": "file", "path": str(REAL_ROWS), "verify": False},
        studies=studies,
    )
    (tmp_path / "run").mkdir()
    workdir = make_workdir(tmp_path / "run", config)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    folder = workdir / "results/studies/learning_rate_vs_size"
    table = pd.read_csv(folder / "metrics.csv").set_index("point")
    diverged = table[table["diverged"] == 1]
    assert "learning_rate~0.1__n_train~100" in diverged.index
    assert (diverged["diverged_epoch"] >= 1).all()
    test = pq.read_table(workdir / "results/data/test.parquet").column("label")
    majority = max(test.to_numpy().mean(), 1 - test.to_numpy().mean())
    assert diverged["accuracy"].to_numpy() == pytest.approx(majority)
    assert (diverged["roc_auc"] == 0.5).all()
    assert (folder / "figures/accuracy_heatmap.png").stat().st_size > 0
    # Chosen on validation: never the diverged point.
    assert (
        "learning rate 0.1, training events 100"
        not in (folder / "selection.txt").read_text()
    )
