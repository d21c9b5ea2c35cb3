"""The metrics table and the figures, from hand-made grid results."""

import json

import numpy as np
import pandas as pd
import pytest

from physics_dnn.aggregate import metrics_table, read_reports, write_table
from physics_dnn.grid import grid_points
from physics_dnn.metrics import classifier_metrics
from physics_dnn.plots import (
    OKABE_ITO,
    WORKING_POINTS,
    collider_roc,
    mean_history,
    plot_heatmap,
    plot_learning_curves,
    plot_roc_overlay,
    plt,
    save_figure,
)
from physics_dnn.studies import summarise


@pytest.fixture
def grid_results(tmp_path):
    """metrics.json and history.csv of a 2 x 2 grid, with made-up scores."""
    points = grid_points(None, {"learning_rate": [1e-4, 0.01], "n_train": [100, 1000]})
    rng = np.random.default_rng(0)
    metrics_paths, histories = [], {}
    for index, (name, point) in enumerate(points.items()):
        folder = tmp_path / name
        folder.mkdir()
        y = rng.integers(0, 2, 500)
        scores = np.clip(
            0.5 + (y - 0.5) * 0.1 * (index + 1) + rng.normal(0, 0.2, 500), 0.01, 0.99
        )
        metrics, roc = classifier_metrics(y, scores)
        validation, _ = classifier_metrics(y[::-1], scores)
        report = {
            "point": name,
            "settings": point,
            "metrics": metrics,
            "validation_metrics": validation,
            "roc": roc,
            "training": {
                "epochs_run": 3,
                "training_seconds": 1.0,
                "device": "CPU",
                "restored_epoch": 2 if index == 1 else None,
                "diverged_epoch": 3 if index == 3 else None,
            },
        }
        (folder / "metrics.json").write_text(json.dumps(report))
        metrics_paths.append(folder / "metrics.json")
        history = pd.DataFrame(
            {"epoch": [1, 2, 3], "loss": [0.7, 0.6, 0.5], "accuracy": [0.5, 0.6, 0.7],
             "val_loss": [0.7, 0.65, 0.6], "val_accuracy": [0.5, 0.55, 0.6]}
        )  # fmt: skip
        history.to_csv(folder / "history.csv", index=False)
        histories[name] = folder / "history.csv"
    return metrics_paths, histories


def test_metrics_table_has_a_row_per_point_with_settings(grid_results, tmp_path):
    metrics_paths, histories = grid_results
    table = metrics_table(read_reports(metrics_paths), histories)
    write_table(table, tmp_path / "metrics.csv")
    table = pd.read_csv(tmp_path / "metrics.csv")
    assert len(table) == 4
    row = table[table["point"] == "learning_rate~1e-4__n_train~100"].iloc[0]
    assert row["learning_rate"] == 1e-4 and row["n_train"] == 100
    assert row["hidden_layers"] == "200x100" and row["depth"] == 2
    assert row["model"] == "network"
    assert row["final_val_loss"] == pytest.approx(0.6)
    stored = json.loads(metrics_paths[0].read_text())
    row = table[table["point"] == stored["point"]].iloc[0]
    assert row["roc_auc"] == pytest.approx(stored["metrics"]["roc_auc"], rel=1e-5)
    assert row["val_roc_auc"] == pytest.approx(
        stored["validation_metrics"]["roc_auc"], rel=1e-5
    )
    # Early stopping kept epoch 2: its losses, not the last epoch's.
    stopped = table.set_index("point").loc["learning_rate~1e-4__n_train~1000"]
    assert stopped["final_val_loss"] == pytest.approx(0.65)
    assert stopped["final_loss"] == pytest.approx(0.6)
    diverged = table.set_index("point")["diverged"]
    assert diverged.to_dict() == {name: int(name == "learning_rate~0.01__n_train~1000")
                                  for name in diverged.index}  # fmt: skip


def test_mean_history_averages_runs_of_different_length(tmp_path):
    long, short = tmp_path / "long.csv", tmp_path / "short.csv"
    pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.6, 0.4, 0.2]}).to_csv(
        long, index=False
    )
    pd.DataFrame({"epoch": [1, 2], "loss": [0.8, 0.6]}).to_csv(short, index=False)
    mean = mean_history([long, short]).set_index("epoch")
    assert mean.loc[1, "loss"] == pytest.approx(0.7)
    assert mean.loc[3, "loss"] == pytest.approx(0.2) and mean.loc[3, "loss_std"] == 0


def test_figures_are_written_as_png_and_pdf(grid_results, tmp_path):
    metrics_paths, histories = grid_results
    # Through CSV, as the rules do: numpy scalars, not Python floats.
    write_table(
        summarise(metrics_table(read_reports(metrics_paths))), tmp_path / "summary.csv"
    )
    summary = pd.read_csv(tmp_path / "summary.csv")
    outputs = {name: [tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"]
               for name in ("heatmap", "curves", "roc")}  # fmt: skip
    reference = {100: {1e-4: 0.5, 0.01: 0.6}, 1000: {1e-4: 0.55, 0.01: 0.65}}
    plot_heatmap(
        summary, "learning_rate", "n_train", "accuracy", outputs["heatmap"],
        reference=reference, reference_label="published",
        warnings=["the optimum may lie beyond the grid"],
    )  # fmt: skip
    plot_learning_curves(
        {name: [path] for name, path in histories.items()}, outputs["curves"]
    )
    plot_roc_overlay(metrics_paths, outputs["roc"])
    for png, pdf in outputs.values():
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert pdf.read_bytes()[:4] == b"%PDF"
    assert not list(tmp_path.glob(".*.tmp"))


def test_heatmap_frames_the_chosen_cell_also_of_an_unset_setting(tmp_path):
    """A y axis of patience holds null (no early stopping) as NaN."""
    summary = summarise(
        pd.DataFrame(
            {"learning_rate": [0.01, 0.1, 0.01, 0.1], "patience": [np.nan, np.nan, 3, 3],
             "accuracy": [0.7, 0.8, 0.72, 0.75], "seed": 0}
        )
    )  # fmt: skip
    paths = [tmp_path / "heatmap.png"]
    plot_heatmap(summary, "learning_rate", "patience", "accuracy", paths,
                 selected=(0.1, np.nan))  # fmt: skip
    assert paths[0].read_bytes()[:4] == b"\x89PNG"


def test_roc_in_the_collider_convention_passes_through_the_working_points():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 20000)
    scores = 1 / (1 + np.exp(-(rng.normal(size=len(y)) + 1.5 * y)))
    metrics, roc = classifier_metrics(y, scores)
    signal, rejection = collider_roc(roc)
    assert np.all(rejection >= 1) and np.all(np.diff(rejection) <= 0)
    assert np.all(np.diff(signal) >= 0)
    # 1/ε_B against ε_S is the same curve as the metrics' working points:
    # ε_B = 10% is a rejection of 10, 1% of 100.
    for percent, efficiency in WORKING_POINTS.items():
        at = np.interp(1 / efficiency, rejection[::-1], signal[::-1])
        expected = metrics[f"signal_efficiency_at_{percent}_rejection"]
        assert at == pytest.approx(expected, abs=2e-3), percent
    # And they are those of the scores themselves.
    background = np.sort(scores[y == 0])[::-1]
    cut = background[int(0.01 * len(background))]
    assert np.mean(scores[y == 1] > cut) == pytest.approx(
        metrics["signal_efficiency_at_99_rejection"], abs=0.01
    )


def test_figures_share_a_colour_blind_safe_style_and_embed_their_fonts(tmp_path):
    figure, axes = plt.subplots()
    lines = [axes.plot([0, 1], [0, i])[0] for i in range(3)]
    assert [line.get_color().lower() for line in lines] == [
        colour.lower() for colour in OKABE_ITO[:3]
    ]
    axes.set_xlabel("signal efficiency")
    save_figure(figure, [tmp_path / "style.pdf"])
    # TrueType fonts embedded whole (Type 42), not Type 3 outlines.
    pdf = (tmp_path / "style.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf


def _gradient_norms(path, deltas_by_epoch, seed):
    """gradient_norms.csv with the given RMS Delta per layer (1 = first) and
    epoch, its rows shuffled: the table must not rely on their order."""
    rows = [
        {"epoch": epoch, "layer": layer, "delta_rms": delta,
         "weight_gradient_rms": 1.0}
        for epoch, deltas in deltas_by_epoch.items()
        for layer, delta in enumerate(deltas, start=1)
    ]  # fmt: skip
    order = np.random.default_rng(seed).permutation(len(rows))
    pd.DataFrame([rows[i] for i in order]).to_csv(path, index=False)


def test_generalisation_gap_and_delta_ratios_from_hand_made_inputs(tmp_path):
    points = grid_points(None, {"hidden_layers": [[4, 4], [4] * 10]})
    shallow, deep = points
    # Training and test accuracy; the deep point does better on the test set.
    accuracies = {shallow: (0.9, 0.7), deep: (0.6, 0.65)}
    reports, gradients = [], {}
    for name, point in points.items():
        train_accuracy, test_accuracy = accuracies[name]
        scores = {"accuracy": test_accuracy, "roc_auc": 0.8, "log_loss": 0.5,
                  "signal_efficiency_at_90_rejection": 0.6,
                  "signal_efficiency_at_99_rejection": 0.2,
                  "n_events": 100, "n_signal": 40}  # fmt: skip
        reports.append(
            {"point": name, "settings": point, "metrics": scores,
             "validation_metrics": dict(scores, accuracy=0.75),
             "training_set_metrics": dict(scores, accuracy=train_accuracy),
             "training": {"epochs_run": 3, "restored_epoch": None,
                          "diverged_epoch": None}}
        )  # fmt: skip
        gradients[name] = tmp_path / f"{name}.csv"
    # Shallow: Delta shrinks towards the input before training (first/last =
    # 0.5/0.1), grows after it (0.01/0.1). Epoch 3 is the last, not epoch 2.
    _gradient_norms(
        gradients[shallow],
        {0: [0.5, 0.3, 0.1], 1: [9, 9, 9], 3: [0.01, 0.02, 0.1], 2: [7, 7, 7]},
        seed=0,
    )
    # Deep: 11 Dense layers (layer 10 and 11 must not sort before layer 2).
    initial = [2.0, *np.linspace(1.5, 0.6, 9), 0.4]
    final = [0.03, *np.linspace(0.5, 0.9, 9), 0.6]
    _gradient_norms(gradients[deep], {0: initial, 1: final}, seed=1)

    table = metrics_table(reports, gradients=gradients).set_index("point")
    write_table(table.reset_index(), tmp_path / "metrics.csv")
    table = pd.read_csv(tmp_path / "metrics.csv").set_index("point")
    # Training minus test accuracy: overtraining is a positive gap.
    assert table.loc[shallow, "generalisation_gap"] == pytest.approx(0.2)
    assert table.loc[deep, "generalisation_gap"] == pytest.approx(-0.05)
    assert table.loc[shallow, "delta_ratio_initial"] == pytest.approx(5.0)
    assert table.loc[shallow, "delta_ratio_final"] == pytest.approx(0.1)
    assert table.loc[deep, "delta_ratio_initial"] == pytest.approx(5.0)
    assert table.loc[deep, "delta_ratio_final"] == pytest.approx(0.05)
