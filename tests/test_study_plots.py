"""The studies' figures and the AUC comparison table, from hand-made summaries."""

import numpy as np
import pandas as pd
import pytest

from physics_dnn import study_plots
from physics_dnn.study_plots import (
    auc_comparison_table,
    boundary_in_cells,
    plot_auc_comparison,
    plot_generalisation_gap,
    plot_gradient_norms,
    plot_phase_diagram,
)
from physics_dnn.susy.published import BALDI_AUC

# (model, depth) of the feature-set study: trees, one hidden layer, four.
MODELS = (("gradient_boosting", 0), ("network", 1), ("network", 4))
REGULARISATION_SETTINGS = ["dropout", "batch_norm", "l2", "patience"]
WEIGHT_SCALES = [0.5, 1.0, 1.5, 2.0, 3.0]
BIAS_SCALES = [0.0, 0.1, 0.3]


def feature_summary() -> pd.DataFrame:
    """A summarised feature-set study, rows in scrambled order, AUC = 0.8 + i/100."""
    rows = [
        {"features": features, "model": model, "depth": depth, "seeds": 3}
        for features in ("all", "low", "high")
        for model, depth in reversed(MODELS)
    ]
    summary = pd.DataFrame(rows)
    summary["roc_auc_mean"] = 0.8 + np.arange(len(summary)) / 100
    summary["roc_auc_std"] = 0.001 * (1 + np.arange(len(summary)))
    return summary


def regularisation_summary() -> pd.DataFrame:
    """Four regularisation settings with known training and test accuracies."""
    summary = pd.DataFrame(
        {"dropout": [0.0, 0.5, 0.0, 0.5], "batch_norm": [False, False, True, True],
         "l2": [0.0, 0.001, 0.0, 0.001], "patience": [np.nan, 3.0, np.nan, 3.0],
         "seeds": 3,
         "accuracy_mean": [0.770, 0.790, 0.780, 0.785], "accuracy_std": 0.003,
         "train_accuracy_mean": [0.830, 0.795, 0.800, 0.792], "train_accuracy_std": 0.002}
    )  # fmt: skip
    summary["generalisation_gap_mean"] = (
        summary["train_accuracy_mean"] - summary["accuracy_mean"]
    )
    summary["generalisation_gap_std"] = 0.004
    return summary


def phase_summary() -> pd.DataFrame:
    """Validation loss and gradient ratio over weight x bias scale, scrambled rows."""
    rows = [
        {"weight_scale": w, "bias_scale": b, "seeds": 2,
         "final_val_loss_mean": 0.45 + 0.05 * abs(w - 1.5) + b,
         "delta_ratio_initial_mean": (w / (1.2 + b)) ** 8}
        for b in reversed(BIAS_SCALES) for w in WEIGHT_SCALES
    ]  # fmt: skip
    return pd.DataFrame(rows).sample(frac=1, random_state=0)


def write_gradients(path, depth: int, epochs: int, seed: int) -> None:
    """Errors growing towards the output layer, shrinking as training goes on;
    weight gradients a tenth of them."""
    rows = []
    for epoch in range(epochs + 1):
        for layer in range(1, depth + 2):
            delta = (1 + 0.1 * seed) * 2.0 ** (layer - depth) / (1 + epoch)
            rows.append((epoch, layer, delta, delta / 10))
    columns = ["epoch", "layer", "delta_rms", "weight_gradient_rms"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)


def gradient_points(folder) -> list[dict]:
    """Two activations x two depths; relu with two seeds (one stopped early)."""
    points = []
    for activation, depth, seed, epochs in (
        ("tanh", 2, 0, 5),
        ("tanh", 6, 0, 5),
        ("relu", 2, 0, 5),
        ("relu", 2, 1, 3),
        ("relu", 6, 0, 5),
        ("relu", 6, 1, 5),
    ):
        path = folder / f"{activation}_{depth}_{seed}.csv"
        write_gradients(path, depth, epochs, seed)
        points.append({"activation": activation, "depth": depth, "gradients": path})
    return points


@pytest.fixture
def captured(monkeypatch):
    """Figures handed to save_figure, kept open for inspection instead of written."""
    figures = []
    monkeypatch.setattr(
        study_plots, "save_figure", lambda figure, paths: figures.append(figure)
    )
    yield figures
    for figure in figures:
        study_plots.plt.close(figure)


def test_auc_table_labels_orders_and_copies_the_numbers():
    summary = feature_summary()
    table = auc_comparison_table(summary)
    assert list(table.columns) == [
        "model", "features", "auc_mean", "auc_std", "seeds",
        "published_auc", "published_std", "published_source",
    ]  # fmt: skip
    assert (
        table["published_source"] == "Baldi et al. 2014, as quoted, unverified"
    ).all()
    expected_order = [
        (model, features)
        for model in ("BDT", "NN", "DN")
        for features in ("low", "high", "all")
    ]
    assert list(zip(table["model"], table["features"], strict=True)) == expected_order
    for row in table.itertuples():
        model, depth = MODELS[("BDT", "NN", "DN").index(row.model)]
        source = summary[
            (summary["model"] == model)
            & (summary["depth"] == depth)
            & (summary["features"] == row.features)
        ].iloc[0]
        assert row.auc_mean == source["roc_auc_mean"]
        assert row.auc_std == source["roc_auc_std"]
        assert row.seeds == 3
        assert (row.published_auc, row.published_std) == BALDI_AUC[row.model][
            row.features
        ]


def test_auc_table_gives_nan_where_nothing_is_published():
    published = {"DN": {"all": (0.9, 0.01)}}
    table = auc_comparison_table(feature_summary(), published).set_index(
        ["model", "features"]
    )
    assert table.loc[("DN", "all"), "published_auc"] == 0.9
    assert table.loc[("DN", "all"), "published_std"] == 0.01
    others = table.drop(index=("DN", "all"))
    assert others["published_auc"].isna().all()
    assert others["published_std"].isna().all()


def test_auc_table_without_published_numbers_has_no_published_columns(captured):
    """On the simulation nothing published may stand beside our numbers."""
    table = auc_comparison_table(feature_summary(), None)
    assert not [column for column in table.columns if "published" in column]
    plot_auc_comparison(table, ["unused.png"])
    (figure,) = captured
    axes = figure.axes[0]
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert not any("Baldi" in text for text in legend + [axes.get_title()])
    assert not [line for line in axes.lines if line.get_marker() == "D"]


def test_auc_table_labels_dropout_runs_as_the_paper_does():
    summary = feature_summary().assign(dropout=0.5)
    # As in a summary read back from CSV: the trees' dropout is "none".
    summary["dropout"] = summary["dropout"].astype(object)
    summary.loc[summary["model"] == "gradient_boosting", "dropout"] = "none"
    table = auc_comparison_table(summary)
    assert list(dict.fromkeys(table["model"])) == [
        "BDT",
        "NN + dropout",
        "DN + dropout",
    ]
    row = table[(table["model"] == "DN + dropout") & (table["features"] == "low")]
    assert row["published_auc"].item() == BALDI_AUC["DN + dropout"]["low"][0]


def test_auc_table_of_networks_only_needs_no_model_column():
    summary = feature_summary()
    summary = summary[summary["model"] == "network"].drop(columns="model")
    table = auc_comparison_table(summary)
    assert list(table["model"]) == ["NN"] * 3 + ["DN"] * 3


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda summary: summary.drop(columns="depth"), "no 'depth' column"),
        (
            lambda summary: summary.assign(depth=summary["depth"].replace(4, 1)),
            "share a model and feature set",
        ),
    ],
)
def test_auc_table_refuses_summaries_it_cannot_label(change, message):
    with pytest.raises(ValueError, match=message):
        auc_comparison_table(change(feature_summary()))


@pytest.mark.parametrize(
    "x, expected",
    [
        (0.5, 0.0),  # the first cell
        (4.0, 3.0),  # the last cell
        (1.0, 1.0),
        (1.5, 1.5),  # half-way between the cells of 1 and 2
        (3.0, 2.5),  # half-way between the cells of 2 and 4: linear in value
        (0.4, np.nan),  # left of the grid
        (5.0, np.nan),  # right of the grid
    ],
)
def test_boundary_in_cells(x, expected):
    # Unsorted and repeated, as a summary's column would be.
    weight_scales = [2.0, 0.5, 4.0, 1.0, 2.0]
    np.testing.assert_allclose(boundary_in_cells(weight_scales, [x]), [expected])


def theory() -> dict:
    """Made-up theory values, a decade below the measured ratios."""
    return {
        (w, b): (w / (1.2 + b)) ** 8 / 10 for w in WEIGHT_SCALES for b in BIAS_SCALES
    }


def test_phase_diagram_draws_the_boundary_through_the_rows(captured):
    # Given at the bottom and top rows; the middle row's is interpolated.
    plot_phase_diagram(
        phase_summary(), {0.0: 1.0, 0.3: 2.5}, theory(), 0.1, ["unused.png"]
    )
    (figure,) = captured
    maps = [axes for axes in figure.axes if axes.images]
    assert len(maps) == 3
    # sigma_w* = 1, 1.5, 2.5 lies in the cells of 1, 1.5, and half-way 2 to 3.
    for axes in maps:
        (line,) = axes.get_lines()
        np.testing.assert_allclose(line.get_xdata(), [1.0, 2.0, 3.5])
        np.testing.assert_allclose(line.get_ydata(), [0, 1, 2])
        texts = " ".join(text.get_text() for text in axes.texts)
        assert "ordered (vanishing gradients)" in texts
        assert "chaotic (exploding gradients)" in texts
    # Measured and predicted ratios share colours centred on the boundary's
    # ratio (log10 0.1 = -1), and the cells show log10 of what was given.
    for axes in maps[1:]:
        norm = axes.images[0].norm
        assert norm.vmin + norm.vmax == pytest.approx(-2)
    measured, predicted = (axes.images[0].get_array() for axes in maps[1:])
    np.testing.assert_allclose(predicted, measured - 1)
    cell = np.log10((1.0 / 1.2) ** 8)  # sigma_w = 1, sigma_b = 0: row 0, column 1
    assert measured[0, 1] == pytest.approx(cell)


def test_generalisation_gap_puts_the_largest_gap_on_top(captured):
    plot_generalisation_gap(
        regularisation_summary(), REGULARISATION_SETTINGS, ["unused.png"]
    )
    (figure,) = captured
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels[-1] == "dropout 0, batch norm false, L2 weight 0, patience none"
    assert labels[0] == "dropout 0.5, batch norm false, L2 weight 0.001, patience 3"


def test_auc_comparison_legend_names_ours_and_the_paper(captured):
    plot_auc_comparison(auc_comparison_table(feature_summary()), ["unused.png"])
    (figure,) = captured
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "ours (mean ± std over 3 seeds)" in legend
    assert any(text.startswith("Baldi et al. 2014") for text in legend)


def test_gradient_norms_average_seeds_and_use_each_runs_last_epoch(captured, tmp_path):
    plot_gradient_norms(gradient_points(tmp_path), ["unused.png"])
    (figure,) = captured
    tanh, relu, tanh_weights, relu_weights = figure.axes
    assert (tanh.get_title(), relu.get_title()) == (
        "activation: tanh",
        "activation: relu",
    )
    assert "Δ" in tanh.get_ylabel() and "∂E/∂W" in tanh_weights.get_ylabel()
    shallow = {
        line.get_linestyle(): line
        for line in relu.get_lines()
        if len(line.get_xdata()) == 3
    }
    np.testing.assert_array_equal(shallow["-"].get_xdata(), [1, 2, 3])
    # Geometric mean over the seeds (norm factors 1 and 1.1) of 2^(layer - 2)
    # divided by 1 + epoch: epoch 1 for both (dashed); epochs 5 and 3 (solid).
    powers = 2.0 ** np.array([-1, 0, 1])
    np.testing.assert_allclose(
        shallow["--"].get_ydata(), np.sqrt(1.1) * powers / 2, rtol=1e-5
    )
    np.testing.assert_allclose(
        shallow["-"].get_ydata(), np.sqrt(1.1 / 24) * powers, rtol=1e-5
    )
    weights = {
        line.get_linestyle(): line
        for line in relu_weights.get_lines()
        if len(line.get_xdata()) == 3
    }
    np.testing.assert_allclose(
        weights["-"].get_ydata(), np.sqrt(1.1 / 24) * powers / 10, rtol=1e-5
    )


@pytest.mark.parametrize("figure", ["auc", "gap", "gradients", "phase"])
def test_figures_are_written_as_png_and_pdf(figure, tmp_path):
    paths = [tmp_path / f"{figure}.png", tmp_path / f"{figure}.pdf"]
    if figure == "auc":
        plot_auc_comparison(auc_comparison_table(feature_summary()), paths)
    elif figure == "gap":
        plot_generalisation_gap(
            regularisation_summary(), REGULARISATION_SETTINGS, paths
        )
    elif figure == "gradients":
        plot_gradient_norms(gradient_points(tmp_path), paths)
    else:
        plot_phase_diagram(
            phase_summary(), {0.0: 1.0, 0.1: 1.2, 0.3: 1.6}, theory(), 0.1, paths
        )
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    assert paths[1].read_bytes()[:4] == b"%PDF"
