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

from susy_dnn.grid import check_axis, grid_points  # noqa: E402

validate(config, "../schemas/config.schema.yaml")

POINTS = grid_points(config.get("training"), config.get("grid"))
for _side in ("x", "y"):
    check_axis(config["plots"]["heatmap"][_side], f"plots.heatmap.{_side}")

FIGURES = ("accuracy_heatmap", "learning_curves", "roc_overlay")


wildcard_constraints:
    point="[^/]+",


def events_csv():
    """The UCI-format CSV the study reads: simulated or given by dataset.path."""
    if config["dataset"]["source"] == "simulation":
        return "results/data/simulated.csv.gz"
    return config["dataset"]["path"]


def point_settings(wildcards):
    return POINTS[wildcards.point]


def figure_paths(extensions=("png", "pdf")):
    return [
        f"results/figures/{figure}.{extension}"
        for figure in FIGURES
        for extension in extensions
    ]
