"""The boosted-trees baselines: fitted in one job, restored when unchanged."""

import json

import pytest
from conftest import PARTS
from sklearn.ensemble import HistGradientBoostingClassifier

from physics_dnn.boosting import (
    train_gradient_boosting,
    train_gradient_boosting_points,
)

SETTINGS = {"features": "all", "n_train": 2000, "max_iter": 20,
            "learning_rate": 0.1, "max_leaf_nodes": 15}  # fmt: skip


def test_a_fitted_point_is_restored_and_a_changed_one_refitted(
    sample, tmp_path, monkeypatch
):
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    points = {f"seed~{seed}": dict(SETTINGS, seed=seed) for seed in (0, 1)}
    outputs = {name: tmp_path / name / "metrics.json" for name in points}
    train_gradient_boosting_points(points, data, outputs, threads=1)
    first = {name: path.read_text() for name, path in outputs.items()}
    assert json.loads(first["seed~0"])["metrics"]["roc_auc"] > 0.6
    for path in outputs.values():
        path.unlink()  # as Snakemake does before it reruns the job

    fits = []
    original = HistGradientBoostingClassifier.fit

    def counted_fit(self, *args, **kwargs):
        fits.append(self.random_state)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", counted_fit)
    # A third seed joins; seed 1 now stops after fewer rounds.
    points["seed~1"]["max_iter"] = 10
    points["seed~2"] = dict(SETTINGS, seed=2)
    outputs["seed~2"] = tmp_path / "seed~2" / "metrics.json"
    train_gradient_boosting_points(points, data, outputs, threads=1)
    assert sorted(fits) == [1, 2]
    assert outputs["seed~0"].read_text() == first["seed~0"]
    assert outputs["seed~1"].read_text() != first["seed~1"]


def test_a_failing_point_fails_the_job_after_the_others(sample, tmp_path):
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    points = {
        "big": dict(SETTINGS, n_train=10**6, seed=0),
        "ok": dict(SETTINGS, seed=0),
    }
    outputs = {name: tmp_path / name / "metrics.json" for name in points}
    with pytest.raises(RuntimeError, match="1 of 2 points failed .*: big$"):
        train_gradient_boosting_points(points, data, outputs, threads=1)
    assert outputs["ok"].exists()


def test_the_same_seed_gives_the_same_trees_and_another_seed_others(sample, tmp_path):
    """The seed picks the held-out tenth of early stopping: a rerun with the
    same settings gives the same numbers, another seed other numbers."""
    data = {part: sample / f"{part}.parquet" for part in PARTS}

    def scores(seed, run):
        report = train_gradient_boosting(
            "p", dict(SETTINGS, seed=seed), data, tmp_path / f"{run}.json", 1
        )
        del report["training"]["training_seconds"]
        return report

    first, again, other = scores(0, "first"), scores(0, "again"), scores(1, "other")
    assert first == again
    for part in ("metrics", "validation_metrics", "training_set_metrics"):
        assert first[part]["log_loss"] != other[part]["log_loss"], part
    assert first["roc"] != other["roc"]
