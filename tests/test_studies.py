import numpy as np
import pandas as pd
import pytest

from physics_dnn.errors import ConfigError
from physics_dnn.studies import (
    best_setting,
    boosting_points,
    chi_1,
    grid_edge_warnings,
    order_chaos_boundary,
    ranked_settings,
    selected_setting,
    selected_studies,
    selection_note,
    statistical_error,
    summarise,
    write_ranked_page,
)


def _runs(**columns):
    return pd.DataFrame(columns)


# Two learning rates, two seeds each; 1e-2 is better on validation and test.
TWO_RATES_TWO_SEEDS = {
    "learning_rate": [1e-3, 1e-3, 1e-2, 1e-2],
    "seed": [0, 1, 0, 1],
    "val_accuracy": [0.70, 0.72, 0.78, 0.80],
    "accuracy": [0.69, 0.71, 0.775, 0.785],
    "n_events": [10000] * 4,
    "n_signal": [4580] * 4,
}


def test_summary_is_mean_and_std_over_seeds():
    runs = _runs(
        learning_rate=[0.1, 0.1, 0.01, 0.01],
        seed=[0, 1, 0, 1],
        accuracy=[0.70, 0.80, 0.60, 0.60],
    )
    summary = summarise(runs).set_index("learning_rate")
    assert summary.loc[0.1, "accuracy_mean"] == pytest.approx(0.75)
    assert summary.loc[0.1, "accuracy_std"] == pytest.approx(np.std([0.7, 0.8], ddof=1))
    assert summary.loc[0.01, "seeds"] == 2
    assert "seed" not in summary.columns


def test_single_seed_has_zero_spread():
    summary = summarise(_runs(l2=[0.0, 0.001], seed=[0, 0], accuracy=[0.7, 0.8]))
    assert (summary["accuracy_std"] == 0).all() and (summary["seeds"] == 1).all()


def test_edge_optimum_warns_and_names_the_direction():
    summary = summarise(
        _runs(
            learning_rate=[1e-3, 1e-2, 1e-1],
            n_train=[1000] * 3,
            val_accuracy=[0.6, 0.7, 0.8],
        )
    )
    assert grid_edge_warnings(summary, "accuracy") == [
        "the best validation accuracy lies at learning_rate = 0.1, the edge of "
        "the grid: the optimum may lie beyond the grid; extend learning_rate "
        "above 0.1 (next: 1)"
    ]
    low = summary.assign(val_accuracy_mean=[0.8, 0.7, 0.6])
    assert (
        "extend learning_rate below 0.001 (next: 1e-4)"
        in grid_edge_warnings(low, "accuracy")[0]
    )


def test_the_validation_metric_chooses_not_the_test_metric():
    summary = summarise(
        _runs(
            learning_rate=[1e-3, 1e-2, 1e-1],
            accuracy=[0.9, 0.7, 0.6],  # test: the smallest looks best
            val_accuracy=[0.6, 0.8, 0.7],  # validation: the middle one is
        )
    )
    assert best_setting(summary, "accuracy")["learning_rate"] == 1e-2
    assert grid_edge_warnings(summary, "accuracy") == []


def test_a_tie_on_the_validation_metric_goes_to_the_lower_validation_loss():
    summary = summarise(
        _runs(
            learning_rate=[1e-3, 1e-2, 1e-1],
            accuracy=[0.9, 1.0, 1.0],
            val_accuracy=[0.9, 1.0, 1.0],
            val_log_loss=[0.3, 0.02, 0.001],
        )
    )
    assert best_setting(summary, "accuracy")["learning_rate"] == 1e-1
    reversed_losses = summary.assign(val_log_loss_mean=[0.3, 0.001, 0.02])
    assert best_setting(reversed_losses, "accuracy")["learning_rate"] == 1e-2


@pytest.mark.parametrize(
    ("axis", "values", "best", "advice"),
    [
        # Hard bounds: nothing below them is advised.
        ("bias_scale", [0.0, 0.3, 1.0], 0, None),
        ("l2", [0.0, 1e-4, 1e-3], 0, None),
        ("dropout", [0.0, 0.25, 0.5], 0, None),
        ("depth", [1, 2, 4], 0, None),
        # One step beyond, stopping at (or half-way to an open) bound.
        ("depth", [2, 5, 10], 0, "extend depth below 2 (next: 1)"),
        ("depth", [2, 5, 10], 2, "extend depth above 10 (next: 15)"),
        ("dropout", [0.0, 0.25, 0.5], 2, "extend dropout above 0.5 (next: 0.75)"),
        ("dropout", [0.5, 0.7, 0.9], 2, "extend dropout above 0.9 (next: 0.95)"),
        ("weight_scale", [0.5, 1.0, 1.5], 0, "extend weight_scale below 0.5 (next: 0.25)"),
        ("weight_scale", [1.0, 2.0, 4.0], 2, "extend weight_scale above 4 (next: 6)"),
        # A decade beyond on log axes.
        ("l2", [0.0, 1e-4, 1e-3], 2, "extend l2 above 0.001 (next: 0.01)"),
        # Resources: more still helps at the top; fewer is no advice.
        ("n_train", [1000, 10000, 100000], 2,
         "lies at the largest n_train = 100000: more training events still help"),
        ("n_train", [1000, 10000, 100000], 0, None),
        ("epochs", [5, 10, 20], 2, "more epochs still help"),
    ],
)  # fmt: skip
def test_grid_edge_advice_knows_each_axis(axis, values, best, advice):
    scores = [0.7] * len(values)
    scores[best] = 0.8
    summary = summarise(_runs(**{axis: values, "val_accuracy": scores}))
    warnings = grid_edge_warnings(summary, "accuracy")
    if advice is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and advice in warnings[0], warnings


def test_boosted_trees_do_not_take_part_in_the_grid_edge_check():
    summary = summarise(
        _runs(
            model=["gradient_boosting", "network", "network", "network"],
            depth=[0, 1, 2, 4],
            val_accuracy=[0.9, 0.7, 0.8, 0.75],
        )
    )
    assert grid_edge_warnings(summary, "accuracy") == []


def test_inside_optimum_and_short_axes_do_not_warn():
    inside = summarise(
        _runs(learning_rate=[1e-3, 1e-2, 1e-1], val_accuracy=[0.6, 0.8, 0.7])
    )
    assert grid_edge_warnings(inside, "accuracy") == []
    two_values = summarise(_runs(l2=[1e-4, 1e-3], val_accuracy=[0.6, 0.8]))
    assert grid_edge_warnings(two_values, "accuracy") == []


def test_lower_is_better_for_losses():
    summary = summarise(
        _runs(learning_rate=[1e-4, 1e-3, 1e-2], val_log_loss=[0.5, 0.4, 0.3])
    )
    assert (
        "extend learning_rate above 0.01" in grid_edge_warnings(summary, "log_loss")[0]
    )


def test_selection_note_gives_the_test_score_with_its_errors():
    runs = _runs(**TWO_RATES_TWO_SEEDS)
    note = selection_note(selected_setting(summarise(runs), "accuracy")).splitlines()
    assert note[0].endswith("of 2 settings: learning rate 0.01")
    assert note[1] == "  validation accuracy: 0.7900 ± 0.0141 (std over 2 seeds)"
    stat = np.sqrt(0.78 * 0.22 / 10000)  # binomial, of the test sample
    assert note[2] == (
        f"  test accuracy: 0.7800 ± {stat:.4f} (stat., 10000 test events)"
        " ± 0.0071 (std over 2 seeds)"
    )


def test_statistical_errors_match_resampling():
    """Binomial error of an accuracy and Hanley-McNeil's of an AUC, against
    the spread over many test samples of the same classifier."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n_signal, n_background = 400, 600
    aucs, accuracies = [], []
    for _ in range(400):
        y = np.r_[np.ones(n_signal), np.zeros(n_background)]
        scores = np.r_[rng.normal(1.0, 1, n_signal), rng.normal(0, 1, n_background)]
        aucs.append(roc_auc_score(y, scores))
        accuracies.append(np.mean((scores > 0.5) == y))
    n = n_signal + n_background
    auc_error = statistical_error("roc_auc", np.mean(aucs), n, n_signal)
    assert auc_error == pytest.approx(np.std(aucs), rel=0.15)
    accuracy_error = statistical_error("accuracy", np.mean(accuracies), n, n_signal)
    assert accuracy_error == pytest.approx(np.std(accuracies), rel=0.15)
    assert statistical_error("log_loss", 0.5, n, n_signal) is None


def test_order_chaos_boundary_matches_mean_field_theory():
    # Without biases the fixed point is q* = 0 and chi = sigma_w^2 tanh'(0)^2:
    # the boundary is sigma_w = 1. Biases push it to larger weights.
    boundary = order_chaos_boundary(np.array([0.0, 0.3, 1.0]))
    assert boundary[0] == pytest.approx(1.0, abs=0.01)
    # Ordered phase without biases: q* = 0, so chi_1 = sigma_w^2 exactly.
    assert chi_1(0.5, 0.0) == pytest.approx(0.25, rel=1e-6)
    assert boundary[0] < boundary[1] < boundary[2]
    # On the boundary the slope chi_1 is 1: check by Monte Carlo sampling,
    # independently of the quadrature the function uses.
    z = np.random.default_rng(0).standard_normal(2_000_000)
    for sigma_b, sigma_w in zip((0.3, 1.0), boundary[1:], strict=True):
        q = 1.0
        for _ in range(200):
            q = sigma_w**2 * np.mean(np.tanh(np.sqrt(q) * z) ** 2) + sigma_b**2
        chi = sigma_w**2 * np.mean((1 - np.tanh(np.sqrt(q) * z) ** 2) ** 2)
        assert chi == pytest.approx(1.0, abs=0.01)


def test_selected_studies_checks_names_and_selection():
    config = {
        "training": {"epochs": 2},
        "studies": {"activations": {"grid": {"activation": ["relu", "tanh"]}}},
    }
    points = selected_studies(config)
    assert list(points) == ["activations"]
    assert set(points["activations"]) == {"activation~relu", "activation~tanh"}
    assert points["activations"]["activation~relu"]["epochs"] == 2
    with pytest.raises(ConfigError, match="studies.dropout_study: unknown study"):
        selected_studies({"studies": {"dropout_study": {}}})
    with pytest.raises(
        ConfigError, match="run_studies: 'feature_sets' is not configured"
    ):
        selected_studies(dict(config, run_studies=["feature_sets"]))
    with pytest.raises(ConfigError, match=r"studies.activations.grid.activation\[0\]"):
        selected_studies({"studies": {"activations": {"grid": {"activation": [3]}}}})


def test_boosting_points_follow_the_networks_features_and_seeds():
    config = {
        "studies": {
            "feature_sets": {
                "grid": {
                    "hidden_layers": [[300], [300, 300]],
                    "features": ["low", "all"],
                    "seed": [0, 1],
                }
            }
        }
    }
    networks = selected_studies(config)["feature_sets"]
    trees = boosting_points(networks, {"max_iter": 50})
    assert set(trees) == {
        f"features~{f}__seed~{s}" for f in ("low", "all") for s in (0, 1)
    }
    point = trees["features~low__seed~1"]
    assert point["model"] == "gradient_boosting" and point["max_iter"] == 50
    assert point["max_leaf_nodes"] == 31 and point["seed"] == 1


@pytest.mark.parametrize(
    ("study", "block", "owner"),
    [
        ("learning_rate_vs_size", "gradient_boosting", "feature_sets"),
        ("activations", "gradient_boosting", "feature_sets"),
        ("feature_sets", "heatmap", "learning_rate_vs_size"),
        ("regularisation", "heatmap", "learning_rate_vs_size"),
    ],
)
def test_a_block_under_the_wrong_study_names_the_key(study, block, owner):
    config = {"studies": {study: {block: {}}}}
    with pytest.raises(ConfigError) as error:
        selected_studies(config)
    assert str(error.value) == (
        f"config key studies.{study}.{block}: only the {owner} study uses it"
    )


def test_each_block_under_its_own_study_is_accepted():
    config = {
        "studies": {
            "learning_rate_vs_size": {"heatmap": {"x": "learning_rate"}},
            "feature_sets": {"gradient_boosting": {"max_iter": 10}},
        }
    }
    assert set(selected_studies(config)) == {"learning_rate_vs_size", "feature_sets"}


def test_selection_note_names_the_kind_of_model_and_its_own_settings():
    runs = _runs(
        model=["gradient_boosting", "gradient_boosting", "network", "network"],
        features=["low", "all", "low", "all"],
        hidden_layers=["none", "none", "300", "300"],
        val_roc_auc=[0.80, 0.85, 0.82, 0.84],
        roc_auc=[0.80, 0.85, 0.82, 0.84],
        n_events=[1000] * 4,
        n_signal=[450] * 4,
    )
    note = selection_note(selected_setting(summarise(runs), "roc_auc"))
    assert note.splitlines()[0].endswith("4 settings: boosted trees, features all")


def test_selection_names_the_chosen_setting_and_its_runs():
    runs = _runs(
        point=["lr~0.1__seed~1", "lr~0.1__seed~0", "lr~1__seed~0", "lr~1__seed~1"],
        learning_rate=[0.1, 0.1, 1.0, 1.0],
        seed=[1, 0, 0, 1],
        val_log_loss=[0.40, 0.42, 0.50, 0.52],
        log_loss=[0.41, 0.43, 0.51, 0.53],
    )
    selected = selected_setting(summarise(runs), "log_loss")
    assert selected["points"] == ["lr~0.1__seed~0", "lr~0.1__seed~1"]
    assert selected["settings"] == {"learning_rate": 0.1}
    assert selected["lower_is_better"]
    assert selected["validation"]["mean"] == pytest.approx(0.41)
    assert selected["test"] == {
        "mean": pytest.approx(0.42),
        "std": pytest.approx(np.std([0.41, 0.43], ddof=1)),
        "stat_error": None,
        "n_events": None,
    }


def test_grid_edge_reads_network_settings_beside_the_trees():
    """With boosted trees in the table, the networks' numbers come back from
    CSV as text (the trees' cells read "none"); the advice still comes."""
    summary = summarise(
        _runs(
            model=["gradient_boosting", "network", "network", "network"],
            dropout=["none", "0.0", "0.25", "0.5"],
            depth=[0, 2, 2, 2],
            val_accuracy=[0.9, 0.70, 0.75, 0.80],
        )
    )
    (warning,) = grid_edge_warnings(summary, "accuracy")
    assert "extend dropout above 0.5 (next: 0.75)" in warning


def test_ranked_table_puts_the_chosen_setting_first_with_its_errors(tmp_path):
    runs = _runs(point=["a0", "a1", "b0", "b1"], **TWO_RATES_TWO_SEEDS)
    summary = summarise(runs)
    ranked = ranked_settings(summary, "accuracy")
    assert list(ranked["learning_rate"]) == ["0.01", "0.001"]
    stat = np.sqrt(0.78 * 0.22 / 10000)
    assert ranked["test accuracy"].iloc[0] == f"0.7800 ± {stat:.4f} (stat.) ± 0.0071"
    assert ranked["validation accuracy"].iloc[0] == "0.7900 ± 0.0141"
    page = tmp_path / "ranked.html"
    write_ranked_page(summary, "accuracy", page)
    html = page.read_text()
    assert html.count("<tr") == 3  # the header and two settings
    assert html.index("<td>0.01</td>") < html.index("<td>0.001</td>")
    # Losses rank lowest first.
    losses = summarise(
        _runs(l2=[0.0, 1e-3], val_log_loss=[0.5, 0.4], log_loss=[0.5, 0.4])
    )
    assert ranked_settings(losses, "log_loss")["l2"].tolist() == ["0.001", "0"]
