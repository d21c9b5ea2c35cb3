import os
import sys
from pathlib import Path

from snakemake import __version__ as SNAKEMAKE_VERSION
from snakemake.utils import validate

# The workflow and its rule scripts import the physics_dnn package from src/,
# also inside per-rule conda environments where it is not installed.
PACKAGE_DIR = str(Path(workflow.basedir) / "src")
sys.path.insert(0, PACKAGE_DIR)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_DIR, os.getenv("PYTHONPATH")]))
)

from physics_dnn.code_version import code_digest  # noqa: E402
from physics_dnn.datasets import (  # noqa: E402
    OUTPUT_BY,
    check_feature_sets,
    data_set,
    data_values,
    input_widths,
)
from physics_dnn.errors import ConfigError  # noqa: E402
from physics_dnn.job_resources import training_resources, uses_gpu  # noqa: E402
from physics_dnn.packing import POINT_FILES, pack_points  # noqa: E402
from physics_dnn.split import check_split, check_training_sizes  # noqa: E402
from physics_dnn.studies import (  # noqa: E402
    HEADLINE_FIGURES,
    SELECTION_GROUPS,
    STUDY_FIGURES,
    boosting_points,
    selected_studies,
    selection_metric,
)


# Snakemake reruns a job when its script changes, but the rule scripts are thin
# adapters: the code is in src/physics_dnn. Every scripted rule therefore has a
# `code` param, the digest of the package modules its script imports (also
# through other modules), so that editing one reruns the jobs that use it.
def package_code(script):
    return code_digest(
        Path(workflow.basedir) / "workflow" / "scripts" / script,
        Path(PACKAGE_DIR) / "physics_dnn",
    )


validate(config, "../schemas/config.schema.yaml")
check_split(config["split"])

# {study: {point: settings}} for the studies this run makes.
POINTS = selected_studies(config)
check_training_sizes(config, POINTS)
check_feature_sets(config, POINTS)
BOOSTING_POINTS = (
    boosting_points(
        POINTS["feature_sets"],
        config["studies"]["feature_sets"].get("gradient_boosting"),
    )
    if "feature_sets" in POINTS
    else {}
)
BOOSTING_OUTPUTS = {
    point: f"results/studies/feature_sets/gradient_boosting/{point}/metrics.json"
    for point in BOOSTING_POINTS
}


# {study: {pack: point names}}: the points each training job trains.
INPUT_WIDTHS = input_widths(config)
DATA_VALUES = data_values(config)
PACKS = {
    study: pack_points(points, config["resources"]["pack_flop"], INPUT_WIDTHS)
    for study, points in POINTS.items()
}
# The job group of the training jobs without a GPU: the Slurm profile's
# group-components submits several of them as one cluster job, so that short
# jobs do not each wait in the queue. Local runs ignore groups.
CPU_TRAINING = "train_cpu"


wildcard_constraints:
    study="|".join(POINTS) or "no-study",
    point="[^/]+",


DATASET = config["dataset"]
# Only dataset.source simulation needs (and the schema requires) this block,
# and only source ising the ising block.
SIMULATION = config.get("simulation") or {}
ISING = config.get("ising") or {}
VERIFY_STAGED_COPY = DATASET["source"] == "file" and DATASET.get("verify", True)
if VERIFY_STAGED_COPY and not DATASET.get("sha256"):
    raise ConfigError(
        "config key dataset.sha256: expected the sha256 of dataset.path "
        "(or set dataset.verify: false to skip the check)"
    )


def events_csv():
    """The UCI-format CSV the SUSY studies read: simulated, downloaded or staged."""
    return {
        "simulation": "results/data/simulated.csv.gz",
        "download": "resources/SUSY.csv.gz",
        "file": DATASET.get("path"),
    }[DATASET["source"]]


# The Ising model's configurations, as simulate_ising writes them: the
# ordered and disordered ones, to split, and the critical ones, evaluated
# apart.
ISING_FILES = {
    "trainable": "results/data/ising_configurations.parquet",
    "critical": "results/data/ising_critical.parquet",
}


def dataset_input():
    """The file the events come from: what the report's summary hashes."""
    if DATASET["source"] == "ising":
        return ISING_FILES["trainable"]
    return events_csv()


def events_parquet():
    """The labelled events the split divides: SUSY's (ingest_events) or the
    Ising model's ordered and disordered configurations."""
    if DATASET["source"] == "ising":
        return ISING_FILES["trainable"]
    return "results/data/events.parquet"


def dataset_outputs():
    """What a data set adds to the run besides the studies: the Ising
    model's observables against the exact solution."""
    if DATASET["source"] != "ising":
        return []
    return [
        "results/figures/ising_observables.png",
        "results/figures/ising_observables.pdf",
        "results/tables/ising_observables.csv",
    ]


def ingest_inputs(wildcards):
    inputs = {"csv": events_csv()}
    if VERIFY_STAGED_COPY:
        inputs["checksum"] = "results/data/dataset.sha256"
    return inputs


SPLIT_FILES = {
    part: f"results/data/{part}.parquet" for part in ("train", "validation", "test")
}
# What a training job scores its networks on: the split and, for the Ising
# model, the critical configurations; and the column by which it records
# the mean output (the Ising model's temperature), if any.
EVALUATION_FILES = SPLIT_FILES | (
    {"critical": ISING_FILES["critical"]} if data_set(config) == "ising" else {}
)
MEAN_OUTPUT_BY = OUTPUT_BY.get(data_set(config))


def point_folder(study, point):
    return f"results/studies/{study}/points/{point}"


def point_outputs(study, point):
    """{key: path} of the files of one point (packing.POINT_FILES)."""
    folder = point_folder(study, point)
    return {key: f"{folder}/{name}" for key, name in POINT_FILES.items()}


def point_files(study, name):
    """One file of every point of ``study``, e.g. point_files(s, "metrics.json")."""
    return [f"{point_folder(study, point)}/{name}" for point in POINTS[study]]


def study_inputs(wildcards):
    """What aggregate_study reads: every point's metrics, curves and gradients."""
    inputs = {
        name.split(".")[0]: point_files(wildcards.study, name)
        for name in ("metrics.json", "history.csv", "gradient_norms.csv")
    }
    if wildcards.study == "feature_sets":
        inputs["metrics"] = inputs["metrics"] + list(BOOSTING_OUTPUTS.values())
    return inputs


def study_figures(study, extensions=("png", "pdf")):
    return [
        f"results/studies/{study}/figures/{figure}.{extension}"
        for figure in STUDY_FIGURES[study]
        for extension in extensions
    ]


def study_outputs():
    """Every study's tables, grid-edge notes and figures, the overtraining
    check (rule plot_overtraining) among them."""
    outputs = []
    for study in POINTS:
        outputs += [
            f"results/studies/{study}/metrics.csv",
            f"results/studies/{study}/summary.csv",
            f"results/studies/{study}/grid_edge.txt",
            *study_figures(study),
            f"results/studies/{study}/figures/overtraining.png",
            f"results/studies/{study}/figures/overtraining.pdf",
        ]
    return outputs


def simulation_comparison():
    """The simulation-vs-real outputs, where simulation.reference names real data."""
    if DATASET["source"] != "simulation" or not SIMULATION.get("reference"):
        return []
    return [
        "results/tables/simulation_ks.csv",
        "results/figures/simulation_vs_real.png",
        "results/figures/simulation_vs_real.pdf",
    ]


def figure_inputs(study):
    """What a study's figures read: its tables and every point's files."""
    return {
        "summary": f"results/studies/{study}/summary.csv",
        "table": f"results/studies/{study}/metrics.csv",
        "metrics": point_files(study, "metrics.json")
        + (list(BOOSTING_OUTPUTS.values()) if study == "feature_sets" else []),
        "histories": point_files(study, "history.csv"),
        "gradients": point_files(study, "gradient_norms.csv"),
    }


def current_benchmarks():
    """The benchmark files of this config's jobs: not those of the packs or
    studies of an earlier config that linger in results/benchmarks."""
    files = []
    for step in workflow.rules:
        if step.benchmark:
            files += expand(str(step.benchmark), study=POINTS, allow_missing=True)
    return files


def summary_inputs(wildcards):
    """Every study's selection (with its runs' software versions) and
    headline figure, the data, and the other final outputs (so that every
    job's benchmark file is there to sum)."""
    return {
        "selections": [f"results/studies/{study}/selection.json" for study in POINTS],
        "headlines": [
            f"results/studies/{study}/figures/{HEADLINE_FIGURES[study]}.png"
            for study in POINTS
        ],
        "events": dataset_input(),
        "outputs": study_outputs() + simulation_comparison() + dataset_outputs(),
        **SPLIT_FILES,
    }
