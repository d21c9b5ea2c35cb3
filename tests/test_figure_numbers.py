"""The numbers each figure plots, read back from the figure (figure_data)
and compared with expectations computed here from the hand-made inputs.

The other figure tests check that a PNG and a PDF were written; these check
that a heat-map cell holds the mean of its own runs, a published reference
sits at its own setting and in the map's units, a curve is the one in its
metrics.json, and so on: a wrong number in a figure fails them.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from figure_data import capture_figures, rgba
from scipy.special import ellipk
from scipy.stats import ks_2samp

from physics_dnn import figures, study_plots
from physics_dnn.aggregate import metrics_table, read_reports
from physics_dnn.grid import format_value, grid_points, setting_label
from physics_dnn.ising.figures import plot_ising_observables
from physics_dnn.ising.monte_carlo import write_configurations
from physics_dnn.ising.phase_study import ising_phase_figures
from physics_dnn.plots import (
    OKABE_ITO,
    plot_heatmap,
    plot_learning_curves,
    plot_overtraining,
    plot_roc_overlay,
    plot_selected_overtraining,
)
from physics_dnn.studies import (
    mean_field_delta_ratio,
    order_chaos_boundary,
    selected_run_facts,
    summarise,
)
from physics_dnn.susy.columns import FEATURES
from physics_dnn.susy.compare import ks_table, plot_comparison
from physics_dnn.susy.published import BALDI_AUC, NB13_ACCURACY, NB13_SOURCE


@pytest.fixture
def drawn(monkeypatch):
    """The figures the code under test saves, read back, in the order saved."""
    return capture_figures(monkeypatch)


@pytest.fixture
def paths(tmp_path) -> list[Path]:
    """Where a figure would go, were it not captured."""
    return [tmp_path / "figure.png", tmp_path / "figure.pdf"]


def close(values, expected, **tolerance):
    np.testing.assert_allclose(
        np.asarray(values, dtype=float), np.asarray(expected, dtype=float), **tolerance
    )


def framed_cell(axes) -> tuple[str, str]:
    """(y tick label, x tick label) of the cell framed as chosen."""
    (frame,) = [
        box for box in axes.boxes if box.label == "chosen on the validation set"
    ]
    assert (frame.width, frame.height) == (1, 1) and not frame.fill
    assert frame.edgecolour == rgba("red")
    row, column = frame.y + 0.5, frame.x + 0.5
    rows = {position: label for label, position in axes.tick_positions("y").items()}
    columns = {position: label for label, position in axes.tick_positions("x").items()}
    return rows[row], columns[column]


def mean_and_std(values) -> tuple[float, float]:
    """Mean and sample std (0 for one value) over seeds."""
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1) if len(values) > 1 else 0.0


# --- plots.plot_heatmap --------------------------------------------------

# Test accuracy of two seeds per (training events, learning rate): three
# columns and two rows, so that a transposed or flipped map is wrong.
HEATMAP_RUNS = {
    (100, 1e-4): (0.610, 0.630),
    (100, 0.01): (0.700, 0.704),
    (100, 1.0): (0.520, 0.500),
    (1000, 1e-4): (0.650, 0.640),
    (1000, 0.01): (0.780, 0.790),
    (1000, 1.0): (0.555, 0.565),
}
# Runs whose training diverged: half the seeds of one cell, all of another.
HEATMAP_DIVERGED = {(100, 1.0): (1, 0), (1000, 1.0): (1, 1)}


def heatmap_summary() -> pd.DataFrame:
    rows = [
        {"n_train": n_train, "learning_rate": rate, "seed": seed,
         "accuracy": accuracy, "val_accuracy": accuracy,
         "diverged": HEATMAP_DIVERGED.get((n_train, rate), (0, 0))[seed]}
        for (n_train, rate), accuracies in HEATMAP_RUNS.items()
        for seed, accuracy in enumerate(accuracies)
    ]  # fmt: skip
    # Scrambled rows: the map must sort its axes itself.
    return summarise(pd.DataFrame(rows).sample(frac=1, random_state=1))


def test_heatmap_cells_are_the_mean_accuracy_of_their_own_runs(drawn, paths):
    plot_heatmap(
        heatmap_summary(), "learning_rate", "n_train", "accuracy", paths,
        selected=(1e-4, 1000),
    )  # fmt: skip
    (figure,) = drawn
    (axes,) = figure.axes
    assert axes.xlabel == "learning rate" and axes.ylabel == "training events"
    assert "test accuracy (%)" in axes.title and "2 seeds" in axes.title
    # Axes sorted ascending, rows from the bottom (origin lower).
    assert axes.xticks == [(0, "1e-4"), (1, "0.01"), (2, "1")]
    assert axes.yticks == [(0, "100"), (1, "1000")]
    (image,) = axes.images
    cells = axes.by_ticks(image.array)
    texts = axes.by_ticks(axes.cell_texts())
    assert len(cells) == len(texts) == len(HEATMAP_RUNS)
    for (n_train, rate), accuracies in HEATMAP_RUNS.items():
        key = (format_value(n_train), format_value(rate))
        mean, std = mean_and_std(100 * np.array(accuracies))
        assert cells[key] == pytest.approx(mean), key
        lines = texts[key].split("\n")
        assert lines[:2] == [f"{mean:.1f}", f"± {std:.1f}"], key
        diverged = HEATMAP_DIVERGED.get((n_train, rate), (0, 0))
        expected = {0: [], 1: ["50% diverged"], 2: ["diverged"]}[sum(diverged)]
        assert lines[2:] == expected, key
    # One colour scale, from the lowest to the highest cell.
    means = [100 * np.mean(accuracies) for accuracies in HEATMAP_RUNS.values()]
    assert (image.vmin, image.vmax) == pytest.approx((min(means), max(means)))
    ((label, low, high),) = figure.colorbars
    assert label == "test accuracy (%)" and (low, high) == (image.vmin, image.vmax)
    assert framed_cell(axes) == ("1000", "1e-4")


def test_heatmap_of_a_score_keeps_its_scale_and_three_decimals(drawn, paths):
    summary = heatmap_summary().assign(
        roc_auc_mean=lambda table: table["accuracy_mean"] + 0.1,
        roc_auc_std=lambda table: table["accuracy_std"],
    )
    plot_heatmap(summary, "learning_rate", "n_train", "roc_auc", paths)
    (axes,) = drawn[0].axes
    assert axes.title.startswith("test roc auc")
    cells = axes.by_ticks(axes.images[0].array)
    texts = axes.by_ticks(axes.cell_texts())
    for (n_train, rate), accuracies in HEATMAP_RUNS.items():
        key = (format_value(n_train), format_value(rate))
        mean, std = mean_and_std(accuracies)
        assert cells[key] == pytest.approx(mean + 0.1), key
        assert texts[key].split("\n")[:2] == [f"{mean + 0.1:.3f}", f"± {std:.3f}"]
    assert not [box for box in axes.boxes if box.label]  # nothing was chosen


# --- figures.learning_rate_vs_size_figures --------------------------------

SIZES = (500, 800, 8000)  # training events; NB13 has 800 (N = 1000), 8000
RATES = (1e-3, 0.01, 0.1)
CHOSEN = (800, 1e-3)  # the best validation accuracy; not the best test one


def size_accuracy(n_train: int, rate: float, seed: int) -> float:
    """Distinct test accuracies; the seeds differ by a cell's own amount."""
    row, column = SIZES.index(n_train), RATES.index(rate)
    return 0.60 + 0.05 * row + 0.01 * column + seed * 0.002 * (1 + column + 3 * row)


def size_history(n_train: int, rate: float, seed: int) -> pd.DataFrame:
    """A learning curve per run; seed 1 stops an epoch early."""
    epochs = np.arange(1, 5 - seed)
    level = 0.1 * SIZES.index(n_train) + RATES.index(rate) + 0.03 * seed
    return pd.DataFrame(
        {"epoch": epochs, "loss": level + 1 / epochs,
         "val_loss": level + 1.2 / epochs + 0.01 * seed,
         "accuracy": 0.5, "val_accuracy": 0.5}
    )  # fmt: skip


def hand_roc(index: int) -> dict:
    """A small ROC curve, a different one per run; ε_B = 0 at its start."""
    background = np.array([0.0, 0.001, 0.01, 0.1, 0.5, 1.0])
    return {
        "background_efficiency": background.tolist(),
        "signal_efficiency": (background ** (1 / (2 + 0.1 * index))).tolist(),
    }


def write_run(folder: Path, name: str, settings: dict, report: dict) -> Path:
    """A point's metrics.json, under its point's folder as the workflow has it."""
    path = folder / name / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {"point": name, "settings": settings, "training": {}, "provenance": {}}
    path.write_text(json.dumps(full | report))
    return path


def scores(accuracy: float, auc: float, n_events: int = 1000) -> dict:
    return {
        "n_events": n_events, "n_signal": n_events // 2, "accuracy": accuracy,
        "roc_auc": auc, "log_loss": 1 - accuracy,
        "signal_efficiency_at_90_rejection": auc - 0.3,
        "signal_efficiency_at_99_rejection": auc - 0.6,
    }  # fmt: skip


@pytest.fixture
def size_study(tmp_path, drawn):
    """The study's runs, two seeds per setting: inputs and params of its rule."""
    points = grid_points(
        None, {"learning_rate": list(RATES), "n_train": list(SIZES), "seed": [0, 1]}
    )
    metrics, histories = [], []
    for index, (name, settings) in enumerate(points.items()):
        key = (settings["n_train"], settings["learning_rate"])
        accuracy = size_accuracy(*key, settings["seed"])
        validation = 0.95 if key == CHOSEN else accuracy
        auc = 0.8 + 0.005 * index
        path = write_run(
            tmp_path / "points", name, settings,
            {"metrics": scores(accuracy, auc), "roc": hand_roc(index),
             "validation_metrics": scores(validation, auc)},
        )  # fmt: skip
        metrics.append(str(path))
        history = path.parent / "history.csv"
        size_history(*key, settings["seed"]).to_csv(history, index=False)
        histories.append(str(history))
    summary = summarise(metrics_table(read_reports(metrics)))
    summary.to_csv(tmp_path / "summary.csv", index=False)
    inputs = SimpleNamespace(
        summary=str(tmp_path / "summary.csv"), metrics=metrics, histories=histories
    )
    return inputs, points, tmp_path


def figure_outputs(folder: Path, *names: str) -> dict[str, str]:
    """A plotting rule's outputs ``<figure>_png`` and ``_pdf``, in ``folder``."""
    return {
        f"{name}_{ext}": str(folder / f"{name}.{ext}")
        for name in names
        for ext in ("png", "pdf")
    }


def run_size_figures(size_study, real_data: bool) -> None:
    inputs, points, tmp_path = size_study
    params = SimpleNamespace(settings={}, points=points, real_data=real_data)
    outputs = figure_outputs(
        tmp_path, "accuracy_heatmap", "learning_curves", "roc_overlay"
    )
    figures.learning_rate_vs_size_figures(inputs, params, outputs)


def test_real_data_heatmap_puts_nb13_in_percent_at_its_own_cells(size_study, drawn):
    run_size_figures(size_study, real_data=True)
    heatmap, _, _ = drawn
    ours = heatmap.axes_titled("this workflow")
    published = heatmap.axes_titled(NB13_SOURCE)
    for axes in (ours, published):
        assert (axes.xlabel, axes.ylabel) == ("learning rate", "training events")
        assert axes.xticks == [(0, "0.001"), (1, "0.01"), (2, "0.1")]
        assert axes.yticks == [(0, "500"), (1, "800"), (2, "8000")]
    # NB13 read N rows and trained on the first 0.8 N: its row N = 1000 is
    # our 800 training events, N = 10,000 our 8000; 500 has no number.
    nb13 = published.by_ticks(published.images[0].array)
    texts = published.by_ticks(published.cell_texts())
    for n_train in SIZES:
        for rate in RATES:
            key = (format_value(n_train), format_value(rate))
            rows = round(n_train / 0.8)
            if rows in NB13_ACCURACY:
                expected = NB13_ACCURACY[rows][rate]
                assert nb13[key] == pytest.approx(expected), key
                assert texts[key] == f"{expected:.1f}", key  # no std, no seeds
            else:
                assert np.isnan(nb13[key]) and key not in texts, key
    # In percent, as published (not fractions of one).
    assert nb13["800", "0.01"] == 77.5 and nb13["8000", "0.1"] == 78.25
    # Our map beside it: the mean over seeds, in percent.
    cells = ours.by_ticks(ours.images[0].array)
    for n_train in SIZES:
        for rate in RATES:
            expected = 100 * np.mean([size_accuracy(n_train, rate, s) for s in (0, 1)])
            key = (format_value(n_train), format_value(rate))
            assert cells[key] == pytest.approx(expected, abs=1e-3), key
    # Both on one colour scale, spanning both maps.
    values = np.concatenate([ours.images[0].array.ravel(), list(nb13.values())])
    for axes in (ours, published):
        image = axes.images[0]
        assert (image.vmin, image.vmax) == pytest.approx(
            (np.nanmin(values), np.nanmax(values))
        )
    # The cell chosen on the validation set is framed on our map only.
    assert framed_cell(ours) == ("800", "0.001")
    assert not published.boxes


def test_simulation_heatmap_has_no_published_panel(size_study, drawn):
    run_size_figures(size_study, real_data=False)
    heatmap = drawn[0]
    assert not [axes for axes in heatmap.axes if "NB13" in axes.title]
    (axes,) = heatmap.axes
    cells = axes.by_ticks(axes.images[0].array)
    expected = 100 * np.mean([size_accuracy(8000, 0.1, s) for s in (0, 1)])
    assert cells["8000", "0.1"] == pytest.approx(expected, abs=1e-3)
    assert framed_cell(axes) == ("800", "0.001")


def test_size_study_learning_curves_are_each_settings_mean_over_seeds(
    size_study, drawn
):
    run_size_figures(size_study, real_data=False)
    curves = drawn[1]
    assert len(curves.axes) == len(SIZES) * len(RATES)
    # Panels from the largest training set down, learning rates ascending.
    order = [(n, rate) for n in sorted(SIZES, reverse=True) for rate in RATES]
    for axes, (n_train, rate) in zip(curves.axes, order, strict=True):
        assert axes.title == setting_label({"n_train": n_train, "learning_rate": rate})
        runs = [size_history(n_train, rate, seed) for seed in (0, 1)]
        solid, dashed = axes.lines
        assert (solid.linestyle, dashed.linestyle) == ("-", "--")
        for line, column in ((solid, "loss"), (dashed, "val_loss")):
            close(line.x, [1, 2, 3, 4])
            # Epochs 1-3: both seeds; epoch 4: only seed 0 ran it.
            expected = [np.mean([run[column].iloc[e] for run in runs if len(run) > e])
                        for e in range(4)]  # fmt: skip
            close(line.y, expected, rtol=1e-12)


def test_size_study_roc_overlay_draws_every_runs_roc(size_study, drawn):
    run_size_figures(size_study, real_data=False)
    roc = drawn[2].axes[0]
    inputs, _, _ = size_study
    curves = [line for line in roc.lines if "(AUC" in line.label]
    assert len(curves) == len(inputs.metrics)
    for path in inputs.metrics:
        report = json.loads(Path(path).read_text())
        line = roc.line(f"{report['point']} (AUC {report['metrics']['roc_auc']:.3f})")
        background = np.array(report["roc"]["background_efficiency"])
        signal = np.array(report["roc"]["signal_efficiency"])
        close(line.x, signal[background > 0])
        close(line.y, 1 / background[background > 0])


# --- plots.plot_learning_curves -------------------------------------------


def test_learning_curves_are_the_mean_and_std_of_the_histories(tmp_path, drawn, paths):
    runs = {
        "long": pd.DataFrame({"epoch": [1, 2, 3, 4], "loss": [0.9, 0.7, 0.6, 0.5],
                              "val_loss": [1.0, 0.8, 0.75, 0.74]}),
        "short": pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.7, 0.6, 0.4],
                               "val_loss": [0.9, 0.85, 0.6]}),
        "alone": pd.DataFrame({"epoch": [1, 2], "loss": [0.3, 0.2],
                               "val_loss": [0.35, 0.3]}),
    }  # fmt: skip
    files = {}
    for name, history in runs.items():
        files[name] = tmp_path / f"{name}.csv"
        history.to_csv(files[name], index=False)
    plot_learning_curves(
        {"two seeds": [files["long"], files["short"]], "one seed": [files["alone"]]},
        paths,
    )
    (figure,) = drawn
    two, one = figure.axes  # the other panels of the row are hidden
    assert (two.title, one.title) == ("two seeds", "one seed")
    assert figure.legends == ["training", "validation"]
    for column, index in (("loss", 0), ("val_loss", 1)):
        long, short = runs["long"][column], runs["short"][column]
        mean = [(long[0] + short[0]) / 2, (long[1] + short[1]) / 2,
                (long[2] + short[2]) / 2, long[3]]  # fmt: skip
        spread = [abs(long[e] - short[e]) / np.sqrt(2) for e in range(3)] + [0.0]
        line, band = two.lines[index], two.bands[index]
        close(line.x, [1, 2, 3, 4])
        close(line.y, mean, rtol=1e-12)
        close(band.x, [1, 2, 3, 4])
        close(band.low, np.array(mean) - spread, rtol=1e-12)
        close(band.high, np.array(mean) + spread, rtol=1e-12)
        # One run: its own curve, no spread.
        close(one.lines[index].y, runs["alone"][column])
        close(one.bands[index].low, runs["alone"][column])
        close(one.bands[index].high, runs["alone"][column])
    assert [line.linestyle for line in two.lines] == ["-", "--"]


# --- plots.plot_roc_overlay ------------------------------------------------

ROC_RUNS = {  # point: (AUC, signal efficiency at ε_B = 10%, at 1%)
    "weak": (0.810, 0.42, 0.11),
    "strong": (0.870, 0.63, 0.27),
    "middle": (0.840, 0.55, 0.18),
}


def test_roc_overlay_is_each_metrics_json_roc_in_the_collider_convention(
    tmp_path, drawn, paths
):
    background = np.array([0.0, 0.002, 0.01, 0.05, 0.1, 0.3, 1.0])
    metrics, signals = [], {}
    for index, (name, (auc, at_90, at_99)) in enumerate(ROC_RUNS.items()):
        signals[name] = background ** (0.25 + 0.1 * index)
        report = {
            "metrics": {"roc_auc": auc, "signal_efficiency_at_90_rejection": at_90,
                        "signal_efficiency_at_99_rejection": at_99},
            "roc": {"background_efficiency": background.tolist(),
                    "signal_efficiency": signals[name].tolist()},
        }  # fmt: skip
        metrics.append(write_run(tmp_path, name, {}, report))
    plot_roc_overlay(metrics, paths)
    (figure,) = drawn
    (axes,) = figure.axes
    assert axes.xlabel == r"signal efficiency $\varepsilon_S$"
    assert axes.ylabel == r"background rejection $1/\varepsilon_B$"
    assert axes.yscale == "log" and axes.xscale == "linear"
    # Best AUC first in the legend.
    assert axes.legend == [
        "strong (AUC 0.870)", "middle (AUC 0.840)", "weak (AUC 0.810)", "random guess",
    ]  # fmt: skip
    kept = background > 0  # ε_B = 0 has no finite rejection
    for name, (auc, at_90, at_99) in ROC_RUNS.items():
        curve = axes.line(f"{name} (AUC {auc:.3f})")
        close(curve.x, signals[name][kept])
        close(curve.y, 1 / background[kept])
        # The working points, in the curve's colour: ε_B = 10% is a
        # rejection of 10, 1% of 100.
        points = [line for line in axes.lines
                  if line.marker == "o" and line.colour == curve.colour]  # fmt: skip
        marked = sorted((p.x[0], p.y[0]) for p in points)
        close(marked, [(at_99, 100.0), (at_90, 10.0)])
    random = axes.line("random guess")
    close(random.y, 1 / random.x)
    levels = sorted(line.y[0] for line in axes.lines if line.linestyle == "--")
    assert levels == [10.0, 100.0]


# --- plots.plot_overtraining ----------------------------------------------

OVERTRAINING = {
    # Unequal bins: a density must divide by each bin's own width.
    "bin_edges": [0.0, 0.1, 0.3, 0.6, 0.8, 1.0],
    "train": {"signal": [1, 2, 5, 8, 4], "background": [9, 6, 3, 1, 1]},
    "test": {"signal": [0, 3, 4, 9, 2], "background": [7, 5, 0, 2, 1]},
    "ks": {
        "signal": {"statistic": 0.2, "p_value": 0.01234, "n_train": 20, "n_test": 18},
        "background": {
            "statistic": 0.1,
            "p_value": 0.8765,
            "n_train": 20,
            "n_test": 15,
        },
    },
}


def check_overtraining_axes(axes, check: dict) -> None:
    """The histograms and points of ``check``, normalised to unit area, and
    its KS p-values in the legend."""
    edges = np.array(check["bin_edges"])
    widths, centres = np.diff(edges), (edges[1:] + edges[:-1]) / 2
    assert axes.xlabel == "classifier output (signal probability)"
    assert axes.ylabel == "normalised events"
    for name in ("signal", "background"):
        train = np.array(check["train"][name], dtype=float)
        test = np.array(check["test"][name], dtype=float)
        (steps,) = [s for s in axes.steps if s.label == f"{name}, training"]
        close(steps.edges, edges)
        close(steps.values, train / train.sum() / widths, rtol=1e-12)
        assert np.sum(steps.values * widths) == pytest.approx(1)
        (points,) = [e for e in axes.errorbars if e.label.startswith(f"{name}, test")]
        # Empty test bins are left out.
        filled = test > 0
        close(points.x, centres[filled])
        close(points.y, test[filled] / test.sum() / widths[filled], rtol=1e-12)
        close(points.yerr, np.sqrt(test[filled]) / test.sum() / widths[filled],
              rtol=1e-9)  # fmt: skip
        assert np.sum(points.y * widths[filled]) == pytest.approx(1)
        p_value = float(re.fullmatch(r".*KS p = (\S+)", points.label).group(1))
        # Written to two significant digits.
        assert p_value == float(format(check["ks"][name]["p_value"], ".2g"))
        assert steps.colour == points.colour
    signal = [s for s in axes.steps if s.label.startswith("signal")][0]
    assert signal.colour == rgba(OKABE_ITO[0])


def test_overtraining_histograms_have_unit_area_and_the_checks_p_values(drawn, paths):
    plot_overtraining(OVERTRAINING, "a title", paths)
    (figure,) = drawn
    (axes,) = figure.axes
    assert axes.title == "a title"
    check_overtraining_axes(axes, OVERTRAINING)
    labels = [label for label in axes.legend if "test" in label]
    assert labels == ["signal, test: KS p = 0.012", "background, test: KS p = 0.88"]


def test_selected_overtraining_draws_the_first_seeds_check(tmp_path, drawn, paths):
    """selection.json holds the check of the chosen setting's first run."""
    other = json.loads(json.dumps(OVERTRAINING))
    other["train"]["signal"] = [8, 1, 1, 1, 9]
    other["ks"]["signal"]["p_value"] = 0.5
    reports = [
        {"point": "seed~3", "settings": {"seed": 3}, "provenance": {},
         "overtraining": OVERTRAINING},
        {"point": "seed~5", "settings": {"seed": 5}, "provenance": {},
         "overtraining": other},
    ]  # fmt: skip
    selected = {
        "label": "dropout 0.5",
        "model": "network",
        "points": ["seed~3", "seed~5"],
    }
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps(selected | selected_run_facts(selected, reports)))
    plot_selected_overtraining(selection, paths)
    (axes,) = drawn[0].axes
    assert axes.title == "Overtraining check: dropout 0.5 (seed 3)"
    check_overtraining_axes(axes, OVERTRAINING)


# --- figures.regularisation_figures: learning curves and generalisation gap

# (dropout, batch norm): (training, test accuracy) of each of two seeds.
REGULARISATION_RUNS = {
    (0.0, False): ((0.831, 0.770), (0.829, 0.768)),
    (0.5, False): ((0.795, 0.790), (0.797, 0.786)),
    (0.0, True): ((0.812, 0.779), (0.800, 0.781)),
}


def regularisation_history(dropout: float, batch_norm: bool, seed: int):
    epochs = np.arange(1, 4)
    level = dropout + 0.2 * batch_norm + 0.05 * seed
    return pd.DataFrame(
        {"epoch": epochs, "loss": level + 1 / epochs, "val_loss": level + 2 / epochs}
    )


@pytest.fixture
def regularisation_study(tmp_path, drawn):
    rows, points, histories = [], {}, []
    for (dropout, batch_norm), runs in REGULARISATION_RUNS.items():
        for seed, (train, test) in enumerate(runs):
            rows.append({"dropout": dropout, "batch_norm": batch_norm, "seed": seed,
                         "train_accuracy": train, "accuracy": test,
                         "generalisation_gap": train - test})  # fmt: skip
            name = f"dropout~{dropout}__batch_norm~{batch_norm}__seed~{seed}"
            points[name] = {"dropout": dropout, "batch_norm": batch_norm, "seed": seed}
            histories.append(str(tmp_path / f"{name}.csv"))
            regularisation_history(dropout, batch_norm, seed).to_csv(
                histories[-1], index=False
            )
    summarise(pd.DataFrame(rows)).to_csv(tmp_path / "summary.csv", index=False)
    figures.regularisation_figures(
        SimpleNamespace(summary=str(tmp_path / "summary.csv"), histories=histories),
        SimpleNamespace(points=points),
        figure_outputs(tmp_path, "learning_curves", "generalisation_gap"),
    )


def test_regularisation_curves_are_each_settings_mean_over_seeds(
    regularisation_study, drawn
):
    curves = drawn[0]
    # Panels by dropout (descending), then batch norm (ascending).
    order = [(0.5, False), (0.0, False), (0.0, True)]
    assert [axes.title for axes in curves.axes] == [
        setting_label({"dropout": dropout, "batch_norm": batch_norm})
        for dropout, batch_norm in order
    ]
    for axes, setting in zip(curves.axes, order, strict=True):
        runs = [regularisation_history(*setting, seed) for seed in (0, 1)]
        for line, column in zip(axes.lines, ("loss", "val_loss"), strict=True):
            close(line.y, (runs[0][column] + runs[1][column]) / 2, rtol=1e-12)


def test_generalisation_gap_bars_are_the_accuracies_and_the_gap_their_difference(
    regularisation_study, drawn
):
    (axes,) = drawn[1].axes
    training = next(b for b in axes.bars if b.label.startswith("training accuracy"))
    test = next(b for b in axes.bars if b.label.startswith("test accuracy"))
    assert training.orientation == test.orientation == "horizontal"
    gaps = {}
    for (dropout, batch_norm), runs in REGULARISATION_RUNS.items():
        label = setting_label({"dropout": dropout, "batch_norm": batch_norm})
        position = axes.tick_positions("y")[label]
        train, held_out = (100 * np.array(values) for values in zip(*runs, strict=True))
        for bars, values in ((training, train), (test, held_out)):
            (index,) = np.flatnonzero(np.abs(bars.positions - position) < 0.3)
            mean, std = mean_and_std(values)
            assert bars.values[index] == pytest.approx(mean), label
            assert bars.errors[index] == pytest.approx(std), label
        # The gap beside the bars: training minus test, mean ± std over seeds.
        gap, spread = mean_and_std(train - held_out)
        (text,) = [t.text for t in axes.texts if t.y == position]
        assert text == f"gap {gap:+.2f} ± {spread:.2f}", label
        gaps[position] = gap
    # The largest gap at the top.
    assert max(gaps, key=gaps.get) == max(gaps)


# --- figures.activations_figures: gradient norms and heat-map -------------


def write_gradient_file(path, depth: int, epochs: int, factor: float) -> None:
    """Δ RMS ``factor`` × 2^(layer − depth) / (1 + epoch); weight gradients a tenth."""
    rows = [
        (epoch, layer, delta, delta / 10)
        for epoch in range(epochs + 1)
        for layer in range(1, depth + 2)
        for delta in [factor * 2.0 ** (layer - depth) / (1 + epoch)]
    ]
    columns = ["epoch", "layer", "delta_rms", "weight_gradient_rms"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)


# (activation, depth): test, validation accuracy of seeds 0 and 1.
ACTIVATION_RUNS = {
    ("tanh", 2): ((0.71, 0.73), (0.70, 0.72)),
    ("tanh", 4): ((0.75, 0.74), (0.74, 0.75)),
    ("relu", 2): ((0.77, 0.79), (0.80, 0.80)),  # the best on validation
    ("relu", 4): ((0.81, 0.80), (0.76, 0.77)),  # the best on test
}
# Δ scale of each run (seed 1 of relu, depth 2 stops after 3 epochs).
GRADIENT_FACTORS = {0: 1.0, 1: 1.6}


@pytest.fixture
def activation_study(tmp_path, drawn):
    points, gradients, rows = {}, [], []
    for (activation, depth), (test, validation) in ACTIVATION_RUNS.items():
        for seed in (0, 1):
            name = f"{activation}_{depth}_{seed}"
            points[name] = {"activation": activation, "hidden_layers": [8] * depth}
            path = tmp_path / f"{name}.csv"
            epochs = 3 if (activation, depth, seed) == ("relu", 2, 1) else 5
            write_gradient_file(path, depth, epochs, GRADIENT_FACTORS[seed])
            gradients.append(str(path))
            rows.append({"activation": activation, "depth": depth, "seed": seed,
                         "accuracy": test[seed], "val_accuracy": validation[seed]})  # fmt: skip
    summarise(pd.DataFrame(rows)).to_csv(tmp_path / "summary.csv", index=False)
    inputs = SimpleNamespace(summary=str(tmp_path / "summary.csv"), gradients=gradients)
    figures.activations_figures(
        inputs,
        SimpleNamespace(settings={}, points=points),
        figure_outputs(tmp_path, "gradient_norms", "accuracy_heatmap"),
    )


def test_activation_heatmap_is_depth_by_activation_framed_on_validation(
    activation_study, drawn
):
    (axes,) = drawn[1].axes
    assert (axes.xlabel, axes.ylabel) == ("depth", "activation")
    cells = axes.by_ticks(axes.images[0].array)
    assert len(cells) == len(ACTIVATION_RUNS)
    for (activation, depth), (test, _) in ACTIVATION_RUNS.items():
        assert cells[activation, str(depth)] == pytest.approx(100 * np.mean(test))
    assert framed_cell(axes) == ("relu", "2")


def test_gradient_norms_are_the_geometric_mean_of_the_seeds(activation_study, drawn):
    figure = drawn[0]
    tanh_delta, relu_delta, tanh_weights, relu_weights = figure.axes
    assert relu_delta.title == "activation: relu"
    assert relu_delta.yscale == "log"
    factor = np.sqrt(GRADIENT_FACTORS[0] * GRADIENT_FACTORS[1])
    for axes, scale in ((relu_delta, 1.0), (relu_weights, 0.1)):
        shallow = [line for line in axes.lines if len(line.x) == 3]  # depth 2
        by_style = {line.linestyle: line for line in shallow}
        close(by_style["--"].x, [1, 2, 3])
        powers = scale * 2.0 ** np.array([-1, 0, 1])
        # After epoch 1 (÷ 2), and after each run's last epoch: 5 and 3.
        close(by_style["--"].y, factor * powers / 2, rtol=1e-6)
        last = (GRADIENT_FACTORS[0] / 6, GRADIENT_FACTORS[1] / 4)
        close(by_style["-"].y, np.sqrt(last[0] * last[1]) * powers, rtol=1e-6)
        # The band: ± one std of log10 over the seeds, the sample std (n − 1)
        # as of every other spread over seeds: |difference| / √2 for two.
        spread = abs(np.log10(last[0] / last[1])) / np.sqrt(2)
        band = next(b for b in axes.bands if len(b.x) == 3 and np.allclose(
            np.sqrt(b.low * b.high), by_style["-"].y))  # fmt: skip
        close(np.log10(band.high / by_style["-"].y), spread, rtol=1e-6)
    # Deep tanh runs, both after epoch 5: 2^(layer − 4) / 6 × √(1 × 1.6).
    deep = [line for line in tanh_delta.lines if len(line.x) == 5]
    solid = next(line for line in deep if line.linestyle == "-")
    close(solid.x, [1, 2, 3, 4, 5])
    close(solid.y, 2.0 ** (np.arange(1, 6) - 4) / 6 * np.sqrt(1.6), rtol=1e-6)


# --- figures.initialisation_figures: the phase diagram --------------------

WEIGHT_SCALES = (0.5, 1.0, 1.5, 2.0)
BIAS_SCALES = (0.0, 0.3)
WIDTH, DEPTH = 16, 3


def test_phase_diagram_cells_theory_and_boundary(tmp_path, drawn):
    rows = [
        {"weight_scale": w, "bias_scale": b, "seeds": 2,
         "final_val_loss_mean": 0.4 + 0.1 * w + b,
         "delta_ratio_initial_mean": (w / (1 + b)) ** DEPTH / np.sqrt(WIDTH) * 1.1}
        for b in BIAS_SCALES for w in WEIGHT_SCALES
    ]  # fmt: skip
    summary = pd.DataFrame(rows).sample(frac=1, random_state=2)
    summary.to_csv(tmp_path / "summary.csv", index=False)
    points = {"a": {"hidden_layers": [WIDTH] * DEPTH}}
    figures.initialisation_figures(
        SimpleNamespace(summary=str(tmp_path / "summary.csv")),
        SimpleNamespace(points=points),
        figure_outputs(tmp_path, "phase_diagram"),
    )
    (figure,) = drawn
    loss, measured, theory = (figure.axes_titled(f"({p})") for p in "abc")
    for axes in (loss, measured, theory):
        assert axes.xticks == [
            (i, format_value(w)) for i, w in enumerate(WEIGHT_SCALES)
        ]
        assert axes.yticks == [(i, format_value(b)) for i, b in enumerate(BIAS_SCALES)]
    loss_cells = loss.by_ticks(loss.images[0].array)
    measured_cells = measured.by_ticks(measured.images[0].array)
    theory_cells = theory.by_ticks(theory.images[0].array)
    for row in rows:
        key = (format_value(row["bias_scale"]), format_value(row["weight_scale"]))
        assert loss_cells[key] == pytest.approx(row["final_val_loss_mean"])
        assert measured_cells[key] == pytest.approx(
            np.log10(row["delta_ratio_initial_mean"])
        )
        expected = mean_field_delta_ratio(
            row["weight_scale"], row["bias_scale"], DEPTH, WIDTH
        )
        assert theory_cells[key] == pytest.approx(np.log10(expected)), key
    # Without biases and σ_w ≤ 1 the fixed point is q* = 0: χ₁ = σ_w², and
    # the ratio sqrt(χ₁^depth / width) = σ_w^depth / √width.
    for weight in (0.5, 1.0):
        assert theory_cells["0", format_value(weight)] == pytest.approx(
            np.log10(weight**DEPTH / np.sqrt(WIDTH)), abs=1e-6
        )
    # The colours of (b) and (c) centred on the ratio at χ₁ = 1: 1/√width.
    for axes in (measured, theory):
        image = axes.images[0]
        assert (image.vmin + image.vmax) / 2 == pytest.approx(-0.5 * np.log10(WIDTH))
    # The boundary σ_w*(σ_b) through each row, in cell coordinates (the cell
    # of σ_w = 1 is 1): σ_w* = 1 without biases.
    critical = order_chaos_boundary(np.array(BIAS_SCALES))
    assert critical[0] == pytest.approx(1.0, abs=1e-6)
    cells = np.interp(critical, WEIGHT_SCALES, np.arange(len(WEIGHT_SCALES)))
    for axes in (loss, measured, theory):
        (line,) = axes.lines
        close(line.y, [0, 1])
        close(line.x, cells)
    assert cells[0] == pytest.approx(1.0, abs=1e-5)


# --- figures.optimizers_figures: loss curves and ranking ------------------

# Validation loss per epoch and seconds per epoch of each seed's run.
OPTIMIZER_RUNS = {
    "sgd": [([0.60, 0.52, 0.49, 0.48], [1.0, 0.5, 0.5, 0.5]),
            ([0.62, 0.55, 0.51, 0.50], [1.2, 0.5, 0.5, 0.5])],
    "adam": [([0.50, 0.47, 0.46, 0.47], [1.5, 1.0, 1.0, 1.0]),
             ([0.49, 0.48, 0.46, 0.46], [1.5, 1.0, 1.0, 1.0])],
}  # fmt: skip
# Each optimiser's chosen learning rate and its scores (a decoy rate too).
OPTIMIZER_SETTINGS = {  # (optimizer, rate): (val log-loss, accuracy, AUC)
    ("sgd", 0.1): (0.480, 0.770, 0.840),
    ("sgd", 0.01): (0.520, 0.750, 0.820),
    ("adam", 0.001): (0.460, 0.785, 0.855),
    ("adam", 0.01): (0.470, 0.790, 0.860),
}
TARGET = 0.485


@pytest.fixture
def optimizer_study(tmp_path, drawn):
    histories, metrics, rows = [], [], []
    for (optimizer, rate), (val_loss, accuracy, auc) in OPTIMIZER_SETTINGS.items():
        names = [f"lr~{rate}__{optimizer}__seed~{seed}" for seed in (0, 1)]
        for name, (losses, seconds) in zip(
            names, OPTIMIZER_RUNS[optimizer], strict=True
        ):
            folder = tmp_path / name
            folder.mkdir()
            epochs = np.arange(1, len(losses) + 1)
            pd.DataFrame({"epoch": epochs, "val_loss": losses}).to_csv(
                folder / "history.csv", index=False
            )
            (folder / "metrics.json").write_text(
                json.dumps({"training": {"epoch_seconds": seconds}})
            )
            histories.append(str(folder / "history.csv"))
            metrics.append(str(folder / "metrics.json"))
        rows.append({"optimizer": optimizer, "learning_rate": rate, "seeds": 2,
                     "val_log_loss_mean": val_loss, "val_log_loss_std": 0.002,
                     "log_loss_mean": val_loss + 0.01, "log_loss_std": 0.003,
                     "accuracy_mean": accuracy, "accuracy_std": 0.004,
                     "roc_auc_mean": auc, "roc_auc_std": 0.001,
                     "n_events": 10000, "n_signal": 4000,
                     "points": " ".join(names)})  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    outputs = figure_outputs(tmp_path, "loss_curves", "optimizer_ranking")
    outputs["optimizer_table"] = str(tmp_path / "optimizer_table.csv")
    figures.optimizers_figures(
        SimpleNamespace(
            summary=str(tmp_path / "summary.csv"), histories=histories, metrics=metrics
        ),
        SimpleNamespace(settings={"target_loss": TARGET}),
        outputs,
    )


def test_optimizer_curves_are_the_mean_loss_per_epoch_and_second(
    optimizer_study, drawn
):
    by_epoch, by_time = drawn[0].axes
    for optimizer, rate in (("adam", "0.001"), ("sgd", "0.1")):
        losses = np.array([losses for losses, _ in OPTIMIZER_RUNS[optimizer]])
        seconds = np.array([np.cumsum(s) for _, s in OPTIMIZER_RUNS[optimizer]])
        label = f"{optimizer}, learning rate {rate}"
        for axes, x in ((by_epoch, [1, 2, 3, 4]), (by_time, seconds.mean(axis=0))):
            line = axes.line(label)
            close(line.x, x)
            close(line.y, losses.mean(axis=0))
            (band,) = [b for b in axes.bands if b.colour[:3] == line.colour[:3]]
            close(band.x, x)
            close(band.low, losses.min(axis=0))
            close(band.high, losses.max(axis=0))
        assert drawn[0].legend_colours[label] == line.colour
    for axes in (by_epoch, by_time):
        (target,) = [line for line in axes.lines if line.linestyle == "--"]
        close(target.y, [TARGET, TARGET])
    assert f"target loss {TARGET:.4f}" in drawn[0].legends


def test_optimizer_ranking_shows_each_chosen_rates_scores_and_time(
    optimizer_study, drawn
):
    loss, auc, accuracy, timing = drawn[1].axes
    # Adam ranks first (lowest validation log-loss), at the top (y = 0).
    assert [label for _, label in sorted(loss.yticks, reverse=True)] == [
        "1. adam\nlearning rate 0.001",
        "2. sgd\nlearning rate 0.1",
    ]
    for position, (optimizer, rate) in ((0, ("adam", 0.001)), (-1, ("sgd", 0.1))):
        val_loss, test_accuracy, test_auc = OPTIMIZER_SETTINGS[optimizer, rate]
        for axes, value, std in (
            (loss, val_loss, 0.002),
            (auc, test_auc, 0.001),
            (accuracy, 100 * test_accuracy, 0.4),
        ):
            (point,) = [
                e for e in axes.errorbars if e.marker == "o" and e.y[0] == position
            ]
            assert point.x[0] == pytest.approx(value)
            assert point.xerr[0] == pytest.approx(std)
        # The statistical error of the test accuracy: binomial, 10,000 events.
        (thick,) = [
            e for e in accuracy.errorbars if e.marker != "o" and e.y[0] == position
        ]
        error = 100 * np.sqrt(test_accuracy * (1 - test_accuracy) / 10000)
        assert thick.xerr[0] == pytest.approx(error)
    # Seconds to the target: to the end of each seed's first epoch at or
    # below it, the mean over seeds; none where a seed never gets there.
    expected = {}
    for position, optimizer in ((0, "adam"), (-1, "sgd")):
        reached = []
        for losses, seconds in OPTIMIZER_RUNS[optimizer]:
            below = np.flatnonzero(np.array(losses) <= TARGET)
            reached.append((below[0] + 1, np.sum(seconds[: below[0] + 1]))
                           if below.size else None)  # fmt: skip
        expected[position] = None if None in reached else np.mean(reached, axis=0)
    assert expected[0] is not None and expected[-1] is None  # both cases
    (bars,) = timing.bars
    close(bars.positions, [0, -1])
    close(bars.values, [expected[0][1], 0.0])
    texts = {t.y: t.text for t in timing.texts}
    assert texts == {0.0: f"{expected[0][0]:.3g} epochs", -1.0: "not reached"}


# --- figures.feature_sets_figures: the AUC comparison ---------------------

# (model, depth, features): our AUC mean and std over three seeds.
FEATURE_RUNS = {
    ("gradient_boosting", 0, "low"): (0.842, 0.002),
    ("gradient_boosting", 0, "all"): (0.861, 0.001),
    ("network", 1, "low"): (0.851, 0.003),
    ("network", 1, "all"): (0.872, 0.002),
    ("network", 3, "low"): (0.866, 0.004),
    ("network", 3, "all"): (0.878, 0.001),
}
MODEL_LABELS = {0: "BDT", 1: "NN", 3: "DN"}


def run_feature_sets(tmp_path, real_data: bool) -> list[str]:
    rows, runs, metrics = [], [], []
    for index, ((model, depth, features), (auc, std)) in enumerate(
        FEATURE_RUNS.items()
    ):
        rows.append({"model": model, "depth": depth, "features": features,
                     "roc_auc_mean": auc, "roc_auc_std": std, "seeds": 3})  # fmt: skip
        for seed in (0, 1, 2):
            name = f"{model}__{features}__depth~{depth}__seed~{seed}"
            runs.append({"point": name, "seed": seed})
            report = {"metrics": scores(0.7, auc), "roc": hand_roc(index)}
            metrics.append(str(write_run(tmp_path / "points", name, {}, report)))
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    pd.DataFrame(runs).to_csv(tmp_path / "metrics.csv", index=False)
    outputs = figure_outputs(tmp_path, "auc_comparison", "roc_overlay")
    outputs["auc_table"] = str(tmp_path / "auc_table.csv")
    figures.feature_sets_figures(
        SimpleNamespace(
            summary=str(tmp_path / "summary.csv"),
            table=str(tmp_path / "metrics.csv"),
            metrics=metrics,
        ),
        SimpleNamespace(settings={}, real_data=real_data),
        outputs,
    )
    return metrics


def auc_bars(axes, legend_colours) -> dict[tuple[str, str], tuple]:
    """{(model, feature tick label): (x, AUC, std)} of the comparison's bars,
    their model told by colour as the legend tells it."""
    colour_of = {
        model: legend_colours[label]
        for model, label in study_plots.MODEL_DESCRIPTIONS.items()
        if label in legend_colours
    }
    found = {}
    for bars in axes.bars:
        for x, value, error, colour in zip(
            bars.positions, bars.values, bars.errors, bars.colours, strict=True
        ):
            (model,) = [m for m, c in colour_of.items() if c == colour]
            feature = dict((p, label) for p, label in axes.xticks)[round(x)]
            found[model, feature] = (x, value, error)
    return found


@pytest.mark.parametrize("real_data", [True, False])
def test_auc_comparison_bars_are_ours_and_markers_the_papers(
    tmp_path, drawn, real_data
):
    run_feature_sets(tmp_path, real_data)
    comparison, roc = drawn
    (axes,) = comparison.axes
    assert axes.ylabel == "test ROC AUC"
    ticks = {
        "low": "low-level features (8)",
        "all": "all features (18)",
    }
    assert [label for _, label in axes.xticks] == list(ticks.values())
    bars = auc_bars(axes, axes.legend_colours)
    assert len(bars) == len(FEATURE_RUNS)
    written = {(round(t.x, 6), t.text) for t in axes.texts}
    for (_, depth, features), (auc, std) in FEATURE_RUNS.items():
        label = MODEL_LABELS[depth]
        x, value, error = bars[label, ticks[features]]
        assert (value, error) == pytest.approx((auc, std)), (label, features)
        assert (round(x, 6), f"{auc:.3f}") in written
        markers = [
            (marker_x, marker_y, marker_error)
            for e in axes.errorbars
            if e.marker == "D" and e.colour == bars_colour(axes, label)
            for marker_x, marker_y, marker_error in zip(e.x, e.y, e.yerr, strict=True)
            if 0 < marker_x - x < 0.2  # right of our bar, in its slot
        ]
        if real_data:
            # Baldi et al.'s value and std.
            published, spread = BALDI_AUC[label][features]
            ((_, marker, marker_error),) = markers
            assert (marker, marker_error) == pytest.approx((published, spread))
        else:
            assert not markers
    assert ("Baldi" in axes.title) == real_data
    assert any("Baldi" in label for label in axes.legend) == real_data
    # The ROC overlay: the first seed's run of each setting only.
    curves = [line for line in roc.axes[0].lines if "(AUC" in line.label]
    assert len(curves) == len(FEATURE_RUNS)
    assert all("seed~0 (AUC" in line.label for line in curves)


def bars_colour(axes, model: str) -> tuple:
    return axes.legend_colours[study_plots.MODEL_DESCRIPTIONS[model]]


# --- susy.compare.plot_comparison -----------------------------------------


def test_simulation_vs_real_panels_are_class_densities_and_ks(drawn, paths):
    rng = np.random.default_rng(4)

    def sample(n, shift):
        labels = rng.integers(0, 2, n)
        features = rng.normal(shift + 0.5 * labels[:, None], 1.0, (n, len(FEATURES)))
        return np.column_stack([labels, features]).astype(float)

    simulated, real = sample(3000, 0.0), sample(400, 0.2)
    rows = ks_table(simulated, real)
    plot_comparison(simulated, real, rows, paths)
    (figure,) = drawn
    assert len(figure.axes) == len(FEATURES)
    for index, (name, axes) in enumerate(zip(FEATURES, figure.axes, strict=True), 1):
        assert axes.title == name.replace("_", " ")
        both = np.concatenate([simulated[:, index], real[:, index]])
        low, high = np.quantile(both, [0.002, 0.998])
        edges = np.linspace(low, high, 41)
        widths = np.diff(edges)
        ks = []
        for class_name, label in (("signal", 1), ("background", 0)):
            sim = simulated[simulated[:, 0] == label, index]
            obs = real[real[:, 0] == label, index]
            (steps,) = [s for s in axes.steps if s.label == f"simulated {class_name}"]
            close(steps.edges, edges)
            # Normalised to all events of the class, in the range or not.
            close(steps.values, np.histogram(sim, edges)[0] / len(sim) / widths)
            (points,) = [e for e in axes.errorbars if e.label == f"real {class_name}"]
            counts = np.histogram(obs, edges)[0]
            close(points.x, (edges[1:] + edges[:-1]) / 2)
            close(points.y, counts / len(obs) / widths)
            close(points.yerr, np.sqrt(counts) / len(obs) / widths, atol=1e-12)
            ks.append(ks_2samp(sim, obs).statistic)
        (text,) = [t.text for t in axes.texts]
        assert text == f"KS sig {ks[0]:.3f}\nKS bkg {ks[1]:.3f}"


# --- ising.figures.plot_ising_observables ---------------------------------

ISING_L = 6
ISING_TEMPERATURES = (1.5, 2.25, 3.0)


def onsager_m(t):
    """Onsager–Yang: (1 − sinh(2/T)⁻⁴)^(1/8) below T_c, else 0."""
    t = np.asarray(t, dtype=float)
    inside = np.clip(1 - np.sinh(2 / t) ** -4.0, 0, None)
    return np.where(t < 2 / np.log(1 + np.sqrt(2)), inside ** (1 / 8), 0.0)


def onsager_u(t):
    """Onsager's energy per spin: −coth 2β [1 + (2/π)(2 tanh² 2β − 1) K(k²)]."""
    two_beta = 2 / np.asarray(t, dtype=float)
    k = 2 * np.sinh(two_beta) / np.cosh(two_beta) ** 2
    with np.errstate(invalid="ignore"):
        # At T_c: 0 × K(1) = 0 × ∞, whose limit is 0.
        term = (2 * np.tanh(two_beta) ** 2 - 1) * ellipk(k**2)
    term = np.where(np.isfinite(term), term, 0.0)
    return -(1 / np.tanh(two_beta)) * (1 + 2 / np.pi * term)


def test_ising_observables_are_the_lattices_means_beside_onsager(
    tmp_path, drawn, paths
):
    rng = np.random.default_rng(5)
    spins, temperatures = [], []
    for up, t in zip((0.9, 0.7, 0.5), ISING_TEMPERATURES, strict=True):
        spins.append(np.where(rng.random((30, ISING_L**2)) < up, 1, -1))
        temperatures += [t] * 30
    spins, temperatures = np.concatenate(spins).astype(np.int8), np.array(temperatures)
    write_configurations(tmp_path / "ising.parquet", spins, temperatures)
    plot_ising_observables([tmp_path / "ising.parquet"], paths)
    (figure,) = drawn
    magnetisation, energy = figure.axes
    assert magnetisation.ylabel == "⟨|m|⟩ per spin"
    assert energy.ylabel == "energy per spin (J)"
    lattices = spins.reshape(-1, ISING_L, ISING_L).astype(float)
    per_spin = {
        "m": np.abs(lattices.mean(axis=(1, 2))),
        "e": -(lattices * (np.roll(lattices, -1, 1) + np.roll(lattices, -1, 2))).mean(
            axis=(1, 2)
        ),
    }
    t_c = 2 / np.log(1 + np.sqrt(2))
    for axes, key, exact in ((magnetisation, "m", onsager_m), (energy, "e", onsager_u)):
        (points,) = axes.errorbars
        close(points.x, ISING_TEMPERATURES)
        values = [per_spin[key][temperatures == t] for t in ISING_TEMPERATURES]
        close(points.y, [v.mean() for v in values], rtol=1e-12)
        close(points.yerr, [v.std(ddof=1) / np.sqrt(len(v)) for v in values], rtol=1e-9)
        curve = axes.line("Onsager, infinite lattice")
        assert curve.x.min() <= 1.5 and curve.x.max() >= 3.0
        close(curve.y, exact(curve.x), rtol=1e-9, atol=1e-12)
        (critical,) = [line for line in axes.lines if line.label.startswith("$T_c$")]
        close(critical.x, [t_c, t_c])
        (band,) = [box for box in axes.boxes if box.label.startswith("critical band")]
        assert (band.x, band.x + band.width) == pytest.approx((2.0, 2.5))
    # Two values known exactly: m = 0 at T_c, and u(T_c) = −√2.
    curve = magnetisation.line("Onsager, infinite lattice")
    found = np.flatnonzero(np.isclose(curve.x, t_c, rtol=0, atol=1e-12))
    assert found.size == 1, "T_c is not among the curve's points"
    assert curve.y[found[0]] == 0 and curve.y[found[0] - 1] > 0
    assert onsager_u(t_c) == pytest.approx(-np.sqrt(2), rel=1e-6)


# --- ising.phase_study.ising_phase_figures --------------------------------

# (hidden neurons, learning rate): (validation, training, test, critical)
# accuracies of seed 0; seed 1 adds 0.01 to training and 0.02 to critical.
PHASE_RUNS = {
    (1, 0.1): (0.80, 0.91, 0.99, 0.60),
    (1, 0.01): (0.85, 0.86, 0.70, 0.62),
    (10, 0.1): (0.95, 0.97, 0.90, 0.81),  # the chosen one
    (10, 0.01): (0.90, 0.93, 0.95, 0.75),
}
PHASE_TEMPERATURES = (1.0, 2.0, 2.25, 3.5)


def phase_output(neurons: int, rate: float, seed: int, t: float) -> tuple[float, float]:
    """Made-up mean output and its standard error at temperature ``t``."""
    mean = 1 / (1 + np.exp((t - 2.27) * (1 + neurons / 10 + rate))) + 0.01 * seed
    return float(mean), 0.01 + 0.005 * seed


@pytest.fixture
def phase_study(tmp_path, drawn):
    points, metrics = {}, []
    for (neurons, rate), (validation, train, test, critical) in PHASE_RUNS.items():
        for seed in (0, 1):
            name = f"n{neurons}_lr{rate}_s{seed}"
            settings = {"hidden_layers": [neurons], "learning_rate": rate, "seed": seed}
            report = {
                "metrics": scores(test, test),
                "validation_metrics": scores(validation, validation),
                "training_set_metrics": scores(train + 0.01 * seed, train),
                "critical_metrics": scores(critical + 0.02 * seed, critical, 3000),
                "mean_output_by": "temperature",
                "mean_output": [
                    dict(zip(("mean", "standard_error"), phase_output(neurons, rate, seed, t),
                             strict=True), value=t, n_events=10)
                    for t in PHASE_TEMPERATURES
                ],
            }  # fmt: skip
            metrics.append(str(write_run(tmp_path / "points", name, settings, report)))
            points[name] = settings
    summarise(metrics_table(read_reports(metrics))).to_csv(
        tmp_path / "summary.csv", index=False
    )
    outputs = figure_outputs(tmp_path, "accuracy_heatmaps", "output_vs_temperature")
    outputs["output_table"] = str(tmp_path / "output_by_temperature.csv")
    ising_phase_figures(
        SimpleNamespace(summary=str(tmp_path / "summary.csv"), metrics=metrics),
        SimpleNamespace(points=points, bands={}),
        outputs,
    )


def test_ising_heatmaps_are_training_test_and_critical_accuracy(phase_study, drawn):
    heatmaps = drawn[0]
    panels = {
        "training set": (1, 0.01),  # (column of PHASE_RUNS, seed 1 offset)
        "test set": (2, 0.0),
        "critical set": (3, 0.02),
    }
    for title, (column, offset) in panels.items():
        axes = heatmaps.axes_titled(f"{title}:")
        assert axes.ylabel == "hidden neurons"
        assert axes.xticks == [(0, "0.01"), (1, "0.1")]
        cells = axes.by_ticks(axes.images[0].array)
        assert len(cells) == len(PHASE_RUNS)
        for (neurons, rate), accuracies in PHASE_RUNS.items():
            expected = 100 * (accuracies[column] + offset / 2)
            key = (str(neurons), format_value(rate))
            assert cells[key] == pytest.approx(expected, abs=1e-3), (title, key)
        assert framed_cell(axes) == ("10", "0.1")
    assert heatmaps.axes[-1].xlabel == "learning rate"


def test_ising_output_curve_is_each_widths_mean_over_seeds(phase_study, drawn):
    (axes,) = drawn[1].axes
    # Each width at its best learning rate on the validation set.
    assert [e.label for e in axes.errorbars] == [
        "1 hidden neuron, learning rate 0.01",
        "10 hidden neurons, learning rate 0.1 (chosen)",
    ]
    for curve, (neurons, rate) in zip(
        axes.errorbars, ((1, 0.01), (10, 0.1)), strict=True
    ):
        close(curve.x, PHASE_TEMPERATURES)
        outputs = np.array(
            [[phase_output(neurons, rate, seed, t) for t in PHASE_TEMPERATURES]
             for seed in (0, 1)]
        )  # fmt: skip
        close(curve.y, outputs[:, :, 0].mean(axis=0), rtol=1e-6)
        # The error of a mean of two: sqrt(e0² + e1²) / 2.
        errors = np.sqrt((outputs[:, :, 1] ** 2).sum(axis=0)) / 2
        close(curve.yerr, errors, rtol=1e-6)
    (critical,) = [line for line in axes.lines if line.label.startswith("$T_c$")]
    close(critical.x, [2 / np.log(1 + np.sqrt(2))] * 2)
