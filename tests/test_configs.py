"""The shipped configs: config/susy.yaml means the same alone and merged."""

import copy
import re
import subprocess
from pathlib import Path

import yaml
from tiny_workflow import SNAKEMAKE, make_workdir

from physics_dnn.datasets import input_widths
from physics_dnn.packing import pack_points
from physics_dnn.studies import boosting_points, selected_studies

REPO = Path(__file__).resolve().parents[1]


def load(name: str) -> dict:
    return yaml.safe_load((REPO / "config" / name).read_text())


def merged(base: dict, override: dict) -> dict:
    """Snakemake's --configfile merge: dicts key by key, anything else replaced."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def test_susy_config_is_the_same_alone_and_merged_into_the_default():
    alone = load("susy.yaml")
    both = merged(load("config.yaml"), alone)
    assert selected_studies(both) == selected_studies(alone)
    for key in ("dataset", "split", "training", "resources", "run_studies"):
        assert both[key] == alone[key], key
    trees = [
        boosting_points(
            selected_studies(config)["feature_sets"],
            config["studies"]["feature_sets"]["gradient_boosting"],
        )
        for config in (alone, both)
    ]
    assert trees[0] == trees[1]


def test_susy_config_resolves_to_the_reference_protocols():
    points = selected_studies(load("susy.yaml"))
    nb13 = points["learning_rate_vs_size"].values()
    # NB13: N rows read, 0.8 N trained on; batch 1% of N; PyTorch's layers.
    assert {p["n_train"] for p in nb13} == {800, 8000, 80000, 160000, 4000000}
    assert {p["learning_rate"] for p in nb13} == {1e-5, 1e-4, 1e-3, 1e-2, 1e-1}
    assert all(
        p["initializer"] == "pytorch_default" and p["batch_size"] == "1.25%"
        and p["hidden_layers"] == [200, 100] and p["dropout"] == 0.5
        and p["optimizer"] == "sgd_momentum" and p["momentum"] == 0.8
        and p["epochs"] == 10
        for p in nb13
    )  # fmt: skip
    baldi = points["feature_sets"].values()
    assert len(baldi) == 2 * 2 * 3 * 3
    for p in baldi:
        assert (p["activation"], p["initializer"], p["batch_size"]) == (
            "tanh",
            "baldi",
            100,
        )
        assert (
            p["learning_rate"],
            p["learning_rate_decay"],
            p["min_learning_rate"],
        ) == (0.05, 1.0000002, 1e-6)
        assert (p["momentum"], p["final_momentum"], p["momentum_ramp_epochs"]) == (
            0.9,
            0.99,
            200,
        )
        assert (p["l2"], p["n_train"], p["dropout_placement"]) == (
            1e-5,
            4000000,
            "top_layer",
        )
        assert p["epochs"] == 200 and p["patience"] == 10
    assert {p["dropout"] for p in baldi} == {0.0, 0.5}
    init = points["initialisation"].values()
    assert all(p["initializer"] == "mean_field" and p["activation"] == "tanh"
               and len(p["hidden_layers"]) == 10 for p in init)  # fmt: skip
    assert len(points["activations"]) == 5 * 3 * 3
    assert len(points["regularisation"]) == 16 * 3
    # Seven optimisers, three learning rates each, three seeds; NB13's network.
    optimizers = points["optimizers"].values()
    assert len(optimizers) == 7 * 3 * 3
    assert all(p["n_train"] == 1000000 and p["hidden_layers"] == [200, 100]
               for p in optimizers)  # fmt: skip


def test_susy_config_alone_passes_a_dry_run(tmp_path):
    run = subprocess.run(
        [
            *SNAKEMAKE,
            "--dry-run",
            "--cores",
            "8",
            "--replace-workflow-config",
            "--configfile",
            "config/susy.yaml",
        ],  # fmt: skip
        cwd=make_workdir(tmp_path, {}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", output, flags=re.M))
    config = load("susy.yaml")
    packs = [
        pack_points(points, config["resources"]["pack_flop"], input_widths(config))
        for points in selected_studies(config).values()
    ]
    training = [job for job in jobs if re.fullmatch(r"train_\w+_pack_[0-9a-f]{8}", job)]
    assert len(training) == sum(len(study_packs) for study_packs in packs)
    assert all(jobs[job] == "1" for job in training)
    assert int(jobs["train_gradient_boosting"]) == 1  # 9 models, one job
    assert int(jobs["download_dataset"]) == 1
