import numpy as np
import pandas as pd
import pytest

from susy_dnn.errors import ConfigError
from susy_dnn.studies import (
    boosting_points,
    grid_edge_warnings,
    order_chaos_boundary,
    selected_studies,
    summarise,
)


def _runs(**columns):
    return pd.DataFrame(columns)


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
            accuracy=[0.6, 0.7, 0.8],
        )
    )
    assert grid_edge_warnings(summary, "accuracy") == [
        "the best accuracy lies at learning_rate = 0.1, the edge of the grid: the "
        "optimum may lie beyond the grid; extend learning_rate above 0.1"
    ]
    low = summary.assign(accuracy_mean=[0.8, 0.7, 0.6])
    assert "extend learning_rate below 0.001" in grid_edge_warnings(low, "accuracy")[0]


def test_inside_optimum_and_short_axes_do_not_warn():
    inside = summarise(
        _runs(learning_rate=[1e-3, 1e-2, 1e-1], accuracy=[0.6, 0.8, 0.7])
    )
    assert grid_edge_warnings(inside, "accuracy") == []
    two_values = summarise(_runs(n_train=[100, 1000], accuracy=[0.6, 0.8]))
    assert grid_edge_warnings(two_values, "accuracy") == []


def test_lower_is_better_for_losses():
    summary = summarise(_runs(l2=[0.0, 1e-4, 1e-3], log_loss=[0.5, 0.4, 0.3]))
    assert "extend l2 above 0.001" in grid_edge_warnings(summary, "log_loss")[0]


def test_order_chaos_boundary_matches_mean_field_theory():
    # Without biases the fixed point is q* = 0 and chi = sigma_w^2 tanh'(0)^2:
    # the boundary is sigma_w = 1. Biases push it to larger weights.
    boundary = order_chaos_boundary(np.array([0.0, 0.3, 1.0]))
    assert boundary[0] == pytest.approx(1.0, abs=0.01)
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
