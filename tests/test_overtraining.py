"""The overtraining check: output histograms and KS tests of training vs test
events, in metrics.json, and its figure."""

import json

import numpy as np
import pytest
from conftest import PARTS

from physics_dnn.aggregate import read_reports
from physics_dnn.errors import InputError
from physics_dnn.events import read_events
from physics_dnn.grid import grid_points
from physics_dnn.metrics import score_classifier
from physics_dnn.overtraining import OUTPUT_BIN_EDGES, overtraining_check
from physics_dnn.plots import plot_overtraining, plot_selected_overtraining
from physics_dnn.studies import selected_run_facts


def classifier_outputs(rng, n_events, shift=0.0):
    """Labels and signal probabilities of a fair classifier; ``shift`` moves
    each class's output further from 0.5 (signal up, background down)."""
    labels = rng.integers(0, 2, n_events)
    sign = 2 * labels - 1
    scores = rng.normal((1.0 + shift) * sign, 1.0)
    return labels, 1 / (1 + np.exp(-scores))


def ecdf_distance(a, b):
    """sup |F_a - F_b| over the pooled values, straight from the definition."""
    pooled = np.concatenate([a, b])
    below_a = (a[None, :] <= pooled[:, None]).mean(axis=1)
    below_b = (b[None, :] <= pooled[:, None]).mean(axis=1)
    return np.abs(below_a - below_b).max()


def test_same_distribution_passes_and_histograms_count_every_event():
    rng = np.random.default_rng(11)
    y_train, p_train = classifier_outputs(rng, 2000)
    y_test, p_test = classifier_outputs(rng, 3000)
    check = overtraining_check(y_train, p_train, y_test, p_test)
    assert check["bin_edges"] == OUTPUT_BIN_EDGES.tolist()
    assert len(check["bin_edges"]) == 41
    assert check["bin_edges"][0] == 0 and check["bin_edges"][-1] == 1
    for name, label in (("signal", 1), ("background", 0)):
        n_train, n_test = int(np.sum(y_train == label)), int(np.sum(y_test == label))
        assert sum(check["train"][name]) == n_train
        assert sum(check["test"][name]) == n_test
        assert len(check["train"][name]) == 40
        ks = check["ks"][name]
        assert (ks["n_train"], ks["n_test"]) == (n_train, n_test)
        assert ks["p_value"] > 0.01
    # Plain numbers only: metrics.json stores it as it is.
    assert json.loads(json.dumps(check)) == check


def test_shifted_test_outputs_give_a_tiny_p_value():
    rng = np.random.default_rng(12)
    check = overtraining_check(
        *classifier_outputs(rng, 2000, shift=0.5), *classifier_outputs(rng, 3000)
    )
    for name in ("signal", "background"):
        assert check["ks"][name]["p_value"] < 1e-6
        assert check["ks"][name]["statistic"] > 0.1


def test_ks_statistic_is_the_largest_distance_of_the_empirical_cdfs():
    rng = np.random.default_rng(13)
    y_train, p_train = classifier_outputs(rng, 400, shift=0.2)
    y_test, p_test = classifier_outputs(rng, 700)
    # Ties between and within the samples, as a classifier's rounded outputs give.
    p_train, p_test = p_train.round(2), p_test.round(2)
    check = overtraining_check(y_train, p_train, y_test, p_test)
    for name, label in (("signal", 1), ("background", 0)):
        expected = ecdf_distance(p_train[y_train == label], p_test[y_test == label])
        assert check["ks"][name]["statistic"] == pytest.approx(expected, abs=1e-12)


def test_constant_outputs_fill_one_bin_and_agree():
    labels = np.array([0, 1] * 50)
    check = overtraining_check(labels, np.full(100, 0.46), labels, np.full(100, 0.46))
    bin_of = int(np.searchsorted(OUTPUT_BIN_EDGES, 0.46, side="right")) - 1
    for name in ("signal", "background"):
        for part in ("train", "test"):
            assert check[part][name][bin_of] == 50
        assert check["ks"][name] == {
            "statistic": 0.0,
            "p_value": 1.0,
            "n_train": 50,
            "n_test": 50,
        }


def test_a_memorising_classifier_fails_the_check_and_a_fair_one_passes(sample):
    """Scored like a trained network: a classifier that recalls the labels of
    its training events (outputs 0.02 or 0.98 there) and knows only the
    physics elsewhere scores training and test events differently, as
    overtraining does; the same classifier without the memory passes."""
    point = grid_points({"n_train": 2000}, None)["baseline"]
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    x_train, y_train = read_events(data["train"], point["features"], 2000)
    memory = {row.tobytes(): label for row, label in zip(x_train, y_train, strict=True)}

    def physics(x):
        return 1 / (1 + np.exp(-x[:, 0] + 3.4))  # the signal shift of write_events

    def memorised(x):
        recalled = [memory.get(row.tobytes()) for row in x]
        return np.array(
            [
                p if label is None else 0.02 + 0.96 * label
                for p, label in zip(physics(x), recalled, strict=True)
            ]
        )

    fair = score_classifier("fair", point, physics, data, {}, provenance={})
    overtrained = score_classifier("memory", point, memorised, data, {}, {})
    for name in ("signal", "background"):
        assert fair["overtraining"]["ks"][name]["p_value"] > 0.01
        assert overtrained["overtraining"]["ks"][name]["p_value"] < 1e-10
    # The training events are the n_train the classifier was fitted on.
    ks = overtrained["overtraining"]["ks"]
    assert ks["signal"]["n_train"] + ks["background"]["n_train"] == 2000
    # The test events are scored alike by both: only the training side moved.
    assert overtrained["overtraining"]["test"] == fair["overtraining"]["test"]


def test_a_diverged_run_has_a_check_of_its_constant_output(sample):
    point = grid_points({"n_train": 2000}, None)["baseline"]
    data = {part: sample / f"{part}.parquet" for part in PARTS}
    diverged = {"diverged_epoch": 2, "restored_epoch": None}
    report = score_classifier("p", point, np.ones_like, data, diverged, {})
    check = report["overtraining"]
    for name in ("signal", "background"):
        assert check["ks"][name]["statistic"] == 0.0
        assert check["ks"][name]["p_value"] == 1.0
        # All events in the one bin of the training events' signal fraction.
        assert max(check["train"][name]) == check["ks"][name]["n_train"]
        assert max(check["test"][name]) == check["ks"][name]["n_test"]


def _write_point(folder, name, check, seed, model="network"):
    path = folder / model / name / "metrics.json"
    path.parent.mkdir(parents=True)
    report = {
        "point": name,
        "settings": {"seed": seed, "model": model},
        "provenance": {"versions": {"keras": "3.15.1"}, "git_commit": "abc"},
    }
    if check is not None:
        report["overtraining"] = check
    path.write_text(json.dumps(report))
    return path


def _selection(folder, points, model="network", metrics=()):
    """selection.json as aggregate_study writes it, from ``metrics``."""
    selected = {"label": "the setting", "model": model, "points": points}
    path = folder / "selection.json"
    facts = selected_run_facts(selected, read_reports(metrics))
    path.write_text(json.dumps(dict(selected, **facts)))
    return path


def _check(seed, size=1000):
    rng = np.random.default_rng(seed)
    return overtraining_check(
        *classifier_outputs(rng, size), *classifier_outputs(rng, size)
    )


def test_the_figure_of_the_selected_point_is_written_as_png_and_pdf(tmp_path):
    # Only the first run of the setting has a check: drawing another one fails.
    metrics = [
        _write_point(tmp_path, "seed~1", _check(14), 1),
        _write_point(tmp_path, "seed~2", None, 2),
    ]
    selection = _selection(tmp_path, ["seed~1", "seed~2"], metrics=metrics)
    recorded = json.loads(selection.read_text())
    assert recorded["seed"] == 1
    assert recorded["provenances"] == [
        {"versions": {"keras": "3.15.1"}, "git_commit": "abc"}
    ]
    paths = [
        tmp_path / "figures/overtraining.png",
        tmp_path / "figures/overtraining.pdf",
    ]
    plot_selected_overtraining(selection, paths)
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    assert paths[1].read_bytes()[:4] == b"%PDF"
    assert min(path.stat().st_size for path in paths) > 10_000


def test_a_diverged_run_is_drawn(tmp_path):
    labels = np.array([0, 1] * 50)
    check = overtraining_check(labels, np.full(100, 0.5), labels, np.full(100, 0.5))
    path = tmp_path / "diverged.png"
    plot_overtraining(check, "diverged", [path])
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_selection_without_a_check_names_its_file_and_point(tmp_path):
    metrics = [_write_point(tmp_path, "old", None, 0)]
    for points in (["gone"], ["old"]):
        selection = _selection(tmp_path, points, metrics=metrics)
        with pytest.raises(
            InputError,
            match=rf"selection\.json: no overtraining check of the selected point "
            rf"'{points[0]}'",
        ):
            plot_selected_overtraining(selection, [tmp_path / "f.png"])


def test_the_selected_model_decides_between_a_network_and_trees_of_one_name(
    tmp_path,
):
    """Boosted trees take the networks' point names (features, seed)."""
    trees = _check(3, 500)
    metrics = [
        _write_point(tmp_path, "features~all", _check(4, 500), 0),
        _write_point(tmp_path, "features~all", trees, 0, model="gradient_boosting"),
    ]
    selection = _selection(tmp_path, ["features~all"], "gradient_boosting", metrics)
    assert json.loads(selection.read_text())["overtraining"] == trees
    path = tmp_path / "trees.png"
    plot_selected_overtraining(selection, [path])
    assert path.read_bytes()[:4] == b"\x89PNG"
