"""NB12's study of the Ising model's phases: networks of one hidden layer that
tell ordered from disordered configurations, over hidden neurons × learning
rate, and what they say about the critical configurations they never saw.

Two figures: NB12's three accuracy heat-maps (training, test and critical
sets), and the network's mean output P(ordered) against the temperature,
with T_c marked. A network that has learnt the phase rather than the
training temperatures gives an output that falls from 1 to 0 across T_c,
through the critical band it was not trained on.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..aggregate import write_table
from ..plots import OKABE_ITO, plot_heatmap, plt, save_figure
from ..studies import best_setting, grid_edge_warnings, selection_metric
from .monte_carlo import CRITICAL_TEMPERATURE, DISORDERED_ABOVE, ORDERED_BELOW

STUDY = "ising_phase"
# NB12's three maps: where the network was trained, the configurations held
# out from the same temperatures, and the critical ones (2.0 <= T <= 2.5).
ACCURACY_PANELS = {
    "training set": "train_accuracy",
    "test set": "accuracy",
    "critical set": "critical_accuracy",
}
OUTPUT_COLUMNS = (
    "hidden_neurons",
    "learning_rate",
    "seed",
    "point",
    "selected",
    "temperature",
    "mean_output",
    "standard_error",
    "n_events",
)


def neuron_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """A study summary with ``hidden_neurons`` (the one hidden layer's width,
    a number) in place of ``hidden_layers``, so that maps sort by it."""
    neurons = pd.to_numeric(summary["hidden_layers"].astype(str), errors="raise")
    return summary.drop(columns="hidden_layers").assign(hidden_neurons=neurons)


def output_by_temperature(
    summary: pd.DataFrame, points: dict[str, dict], metrics_paths: list[str]
) -> pd.DataFrame:
    """Mean output per temperature of every run of each width's best learning
    rate (chosen on validation accuracy), one row per run and temperature;
    ``selected`` marks the runs of the setting chosen over all widths."""
    metric = selection_metric(STUDY, {})
    best_per_width = pd.DataFrame(
        [best_setting(runs, metric) for _, runs in summary.groupby("hidden_neurons")]
    )
    chosen = best_setting(summary, metric)
    by_point = {Path(path).parent.name: path for path in metrics_paths}
    rows = []
    for _, setting in best_per_width.iterrows():
        selected = setting["points"] == chosen["points"]
        for name in setting["points"].split():
            report = json.loads(Path(by_point[name]).read_text())
            if report.get("mean_output_by") != "temperature":
                raise ValueError(
                    f"{by_point[name]}: no mean output per temperature "
                    "(scored without dataset.source ising?)"
                )
            for entry in report["mean_output"]:
                rows.append(
                    {
                        "hidden_neurons": setting["hidden_neurons"],
                        "learning_rate": setting["learning_rate"],
                        "seed": points[name]["seed"],
                        "point": name,
                        "selected": bool(selected),
                        "temperature": entry["value"],
                        "mean_output": entry["mean"],
                        "standard_error": entry["standard_error"],
                        "n_events": entry["n_events"],
                    }
                )
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def plot_output_vs_temperature(
    table: pd.DataFrame, band: tuple[float, float], paths: list[str | Path]
) -> None:
    """Mean P(ordered) against T, one curve per width (its best learning
    rate, mean over seeds, ± the standard error), the chosen network bold;
    T_c dashed and the critical ``band`` shaded."""
    figure, axes = plt.subplots(figsize=(7.0, 4.6), layout="constrained")
    axes.axvspan(*band, color="0.9", label="critical set (not trained on)")
    axes.axvline(
        CRITICAL_TEMPERATURE,
        color="black",
        linestyle="--",
        label=f"$T_c$ = {CRITICAL_TEMPERATURE:.3f} (Onsager)",
    )
    axes.axhline(0.5, color="0.5", linewidth=0.8)
    for colour, (neurons, runs) in zip(
        OKABE_ITO, table.groupby("hidden_neurons", sort=True), strict=False
    ):
        curve = runs.groupby("temperature", sort=True).agg(
            mean=("mean_output", "mean"),
            error=("standard_error", lambda e: np.sqrt(np.sum(e**2)) / len(e)),
        )
        selected = bool(runs["selected"].iloc[0])
        rate = runs["learning_rate"].iloc[0]
        axes.errorbar(
            curve.index,
            curve["mean"],
            yerr=curve["error"],
            color=colour,
            marker="o",
            markersize=4 if selected else 3,
            linewidth=2.5 if selected else 1.2,
            capsize=2,
            label=f"{neurons} hidden neuron{'s' * (neurons != 1)}, "
            f"learning rate {rate:g}" + (" (chosen)" if selected else ""),
        )
    axes.set_xlabel("temperature T (J / k_B)")
    axes.set_ylabel("mean network output P(ordered)")
    axes.set_ylim(-0.03, 1.03)
    axes.set_title("Network output against temperature (test and critical sets)")
    axes.legend(fontsize=8, loc="lower left")
    save_figure(figure, paths)


def ising_phase_figures(inputs, params, outputs) -> None:
    """The study's figures and the table behind the output curve, from the
    rule's inputs (``summary``, ``metrics``), params (``points``,
    ``bands``: the config's ising block) and outputs."""
    summary = neuron_summary(pd.read_csv(inputs.summary))
    metric = selection_metric(STUDY, {})
    best = best_setting(summary, metric)
    plot_heatmap(
        summary,
        "learning_rate",
        "hidden_neurons",
        ACCURACY_PANELS,
        [outputs["accuracy_heatmaps_png"], outputs["accuracy_heatmaps_pdf"]],
        warnings=grid_edge_warnings(summary, metric),
        selected=(best["learning_rate"], best["hidden_neurons"]),
    )
    table = output_by_temperature(summary, params.points, inputs.metrics)
    write_table(table, outputs["output_table"])
    band = (
        params.bands.get("ordered_below", ORDERED_BELOW),
        params.bands.get("disordered_above", DISORDERED_ABOVE),
    )
    plot_output_vs_temperature(
        table,
        band,
        [outputs["output_vs_temperature_png"], outputs["output_vs_temperature_pdf"]],
    )
