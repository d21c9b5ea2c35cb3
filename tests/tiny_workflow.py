"""The tiny workflow the workflow tests run: its config, and how they run it."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REAL_ROWS

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "src", "slurm", "profiles")

SMALL = {"n_train": 500, "epochs": 2, "hidden_layers": [8], "batch_size": 50}
TINY_STUDIES = {
    # 1e-5 cannot learn in two epochs, 1e-2 can: the best learning rate lies on
    # the grid's upper edge, which must raise the grid-edge warning.
    "learning_rate_vs_size": {
        "training": dict(SMALL, batch_size="1%"),
        "grid": {"learning_rate": [1e-5, 1e-4, 1e-2], "n_train": [500, 1000]},
    },
    "feature_sets": {
        "training": SMALL,
        "grid": {
            "hidden_layers": [[8], [8, 8]],
            "features": ["low", "all"],
            "seed": [0, 1],
        },
        "gradient_boosting": {"max_iter": 20},
    },
    "regularisation": {
        "training": SMALL,
        "grid": {"dropout": [0.0, 0.5], "patience": [None, 1]},
    },
    "activations": {
        "training": SMALL,
        "grid": {"activation": ["sigmoid", "relu"], "hidden_layers": [[8, 8], [8] * 4]},
    },
    "initialisation": {
        "training": dict(
            SMALL, hidden_layers=[8] * 4, activation="tanh", initializer="mean_field"
        ),
        "grid": {"weight_scale": [0.5, 1.5, 3.0], "bias_scale": [0.0, 0.5]},
    },
    # Plain SGD gets furthest in its 20 steps at its largest rate: the edge of
    # its own list, which must raise the grid-edge warning naming it.
    "optimizers": {
        "training": SMALL,
        "grid": {"optimizer": ["sgd", "sgd_momentum", "adam"], "seed": [0]},
        "learning_rates": {
            "sgd": [1e-3, 1e-2, 1e-1],
            "sgd_momentum": [1e-2, 1e-1],
            "adam": [1e-3, 1e-2],
        },
    },
}
TINY_CONFIG = {
    "dataset": {"source": "simulation", "path": None},
    "simulation": {
        "events": 6000,
        "signal_fraction": 0.458,
        "seed": 1,
        "reference": str(REAL_ROWS) if REAL_ROWS.exists() else None,
    },
    "split": {"method": "fraction", "validation": 0.1, "test": 0.2, "seed": 2},
    "studies": TINY_STUDIES,
    "resources": {"train_threads": 1, "pack_flop": 1.0e12, "checkpoint_seconds": 60},
}
# Each study's figures; every study also draws the overtraining check.
FIGURES = {
    "learning_rate_vs_size": (
        "accuracy_heatmap", "learning_curves", "roc_overlay", "overtraining"
    ),
    "feature_sets": ("auc_comparison", "roc_overlay", "overtraining"),
    "regularisation": ("learning_curves", "generalisation_gap", "overtraining"),
    "activations": ("gradient_norms", "accuracy_heatmap", "overtraining"),
    "initialisation": ("phase_diagram", "overtraining"),
    "optimizers": ("loss_curves", "optimizer_ranking", "overtraining"),
}  # fmt: skip
EXPECTED_POINTS = {"learning_rate_vs_size": 6, "feature_sets": 8, "regularisation": 4,
                   "activations": 4, "initialisation": 6, "optimizers": 7}  # fmt: skip


# A run of the tiny workflow takes 2-3 minutes on 2 idle cores; the limit
# holds on a loaded machine too, and only a hung run reaches it (the suite
# as a whole must stay under 15 minutes).
RUN_SECONDS = 1800


def run_snakemake(workdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; a run that hangs past RUN_SECONDS comes
    back as a failed run (return code 124) whose stderr says so, so that
    the test reports it like any failure, with the run's last output."""
    # Targets first: --configfile takes every word after it. The test config
    # replaces the default one instead of being merged into it.
    command = [*SNAKEMAKE, *arguments, "--cores", "2", "--replace-workflow-config",
               "--configfile", "tiny.yaml"]  # fmt: skip
    try:
        return subprocess.run(
            command, cwd=workdir, capture_output=True, text=True, timeout=RUN_SECONDS
        )
    except subprocess.TimeoutExpired as expired:
        output = [text.decode() if isinstance(text, bytes) else text or ""
                  for text in (expired.stdout, expired.stderr)]  # fmt: skip
        return subprocess.CompletedProcess(
            command,
            124,
            output[0],
            output[1] + f"\nsnakemake did not finish in {RUN_SECONDS} s",
        )


def make_workdir(folder: Path, config: dict) -> Path:
    for name in WORKFLOW_FILES:
        source = REPO / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, folder / name)
    (folder / "tiny.yaml").write_text(yaml.safe_dump(config))
    return folder
