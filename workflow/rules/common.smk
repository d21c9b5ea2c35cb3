import os
import sys
from pathlib import Path

from snakemake.utils import validate

# The workflow and its rule scripts import the susy_dnn package from src/,
# also inside per-rule conda environments where it is not installed.
PACKAGE_DIR = str(Path(workflow.basedir) / "src")
sys.path.insert(0, PACKAGE_DIR)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_DIR, os.getenv("PYTHONPATH")]))
)

from susy_dnn.errors import ConfigError  # noqa: E402
from susy_dnn.grid import check_axis, grid_points  # noqa: E402

validate(config, "../schemas/config.schema.yaml")

POINTS = grid_points(config.get("training"), config.get("grid"))
for _side in ("x", "y"):
    check_axis(config["plots"]["heatmap"][_side], f"plots.heatmap.{_side}")

FIGURES = ("accuracy_heatmap", "learning_curves", "roc_overlay")


wildcard_constraints:
    point="[^/]+",


DATASET = config["dataset"]
VERIFY_STAGED_COPY = DATASET["source"] == "file" and DATASET.get("verify", True)
if VERIFY_STAGED_COPY and not DATASET.get("sha256"):
    raise ConfigError(
        "config key dataset.sha256: expected the sha256 of dataset.path "
        "(or set dataset.verify: false to skip the check)"
    )


def events_csv():
    """The UCI-format CSV the study reads: simulated, downloaded or staged."""
    return {
        "simulation": "results/data/simulated.csv.gz",
        "download": "resources/SUSY.csv.gz",
        "file": DATASET.get("path"),
    }[DATASET["source"]]


def ingest_inputs(wildcards):
    inputs = {"csv": events_csv()}
    if VERIFY_STAGED_COPY:
        inputs["checksum"] = "results/data/dataset.sha256"
    return inputs


def point_settings(wildcards):
    return POINTS[wildcards.point]


def simulation_comparison():
    """The simulation-vs-real outputs, where simulation.reference names real data."""
    if DATASET["source"] != "simulation" or not config["simulation"].get("reference"):
        return []
    return [
        "results/tables/simulation_ks.csv",
        "results/figures/simulation_vs_real.png",
        "results/figures/simulation_vs_real.pdf",
    ]


def figure_paths(extensions=("png", "pdf")):
    return [
        f"results/figures/{figure}.{extension}"
        for figure in FIGURES
        for extension in extensions
    ]
