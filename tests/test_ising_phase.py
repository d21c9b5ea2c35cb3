"""NB12's ising_phase study without Snakemake: scoring on the critical set,
the mean output per temperature, selection, the study's checks and figures."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from physics_dnn.aggregate import metrics_table
from physics_dnn.datasets import check_feature_sets, feature_columns, input_widths
from physics_dnn.errors import ConfigError
from physics_dnn.events import read_column, read_events
from physics_dnn.ising.monte_carlo import (
    CRITICAL_TEMPERATURE,
    generate_configurations,
    write_configurations,
)
from physics_dnn.ising.phase_study import (
    ising_phase_figures,
    neuron_summary,
    output_by_temperature,
)
from physics_dnn.metrics import mean_output_by_value, score_classifier
from physics_dnn.studies import selected_setting, selected_studies, summarise

L = 6


@pytest.fixture(scope="module")
def phase_files(tmp_path_factory):
    """Small lattices at two ordered, two critical and two disordered
    temperatures, written as the workflow writes them: train, validation and
    test from the ordered and disordered ones, the critical ones apart."""
    folder = tmp_path_factory.mktemp("ising")
    temperatures = [1.0, 1.5, 2.0, 2.5, 3.5, 4.0]
    spins, t = generate_configurations(L, temperatures, 60, 20, 1, seed=3, chains=20)
    critical = (t >= 2.0) & (t <= 2.5)
    rng = np.random.default_rng(0)
    trainable = rng.permutation(np.flatnonzero(~critical))
    parts = {
        "train": trainable[:120],
        "validation": trainable[120:160],
        "test": trainable[160:],
        "critical": np.flatnonzero(critical),
    }
    paths = {}
    for part, rows in parts.items():
        paths[part] = folder / f"{part}.parquet"
        write_configurations(paths[part], spins[rows], t[rows])
    return paths


def absolute_magnetisation(x):
    """A classifier that knows the physics: P(ordered) = |m|."""
    return np.abs(x.mean(axis=1))


def test_spins_are_the_feature_set_of_the_ising_data(phase_files):
    x, y = read_events(phase_files["train"], "spins")
    assert x.shape == (120, L * L) and set(np.unique(x)) == {-1.0, 1.0}
    assert set(np.unique(y)) == {0.0, 1.0}
    names = ["temperature", "label", "critical", "s0000", "s0001", "sx", "s12a"]
    assert feature_columns("spins", names) == ["s0000", "s0001"]
    assert input_widths({"dataset": {"source": "ising"}, "ising": {"lattice_size": 40}}) == {
        "spins": 1600
    }  # fmt: skip


def test_critical_set_and_output_per_temperature_are_scored(phase_files):
    report = score_classifier(
        "p", {"features": "spins", "n_train": 120}, absolute_magnetisation,
        phase_files, training={}, provenance={}, output_by="temperature",
    )  # fmt: skip
    critical = report["critical_metrics"]
    assert critical["n_events"] == 120  # 2.0 and 2.5, 60 each
    labels = read_events(phase_files["critical"], "spins")[1]
    assert critical["n_signal"] == int(labels.sum()) == 60  # T = 2.0 < T_c
    # The mean output per temperature on the test and critical sets: every
    # temperature, each mean the classifier's own average there.
    rows = {row["value"]: row for row in report["mean_output"]}
    assert sorted(rows) == [1.0, 1.5, 2.0, 2.5, 3.5, 4.0]
    for part in ("test", "critical"):
        x, _ = read_events(phase_files[part], "spins")
        t = read_column(phase_files[part], "temperature")
        for value in np.unique(t):
            assert rows[value]["mean"] == pytest.approx(
                absolute_magnetisation(x[t == value]).mean(), rel=1e-6
            )
    assert sum(row["n_events"] for row in rows.values()) == (
        len(read_column(phase_files["test"], "temperature")) + 120
    )
    # |m| is large in the ordered phase and small in the disordered one.
    assert rows[1.0]["mean"] > 0.9 and rows[4.0]["mean"] < 0.4


def test_mean_output_by_value_gives_standard_errors():
    values = np.array([2.0, 1.0, 2.0, 1.0, 2.0])
    outputs = np.array([0.2, 0.9, 0.4, 0.7, 0.6])
    rows = mean_output_by_value(values, outputs)
    assert [row["value"] for row in rows] == [1.0, 2.0]
    assert rows[1]["mean"] == pytest.approx(0.4)
    assert rows[1]["standard_error"] == pytest.approx(0.2 / np.sqrt(3))
    assert rows[0]["n_events"] == 2


def run_report(name, neurons, rate, seed, validation, test, critical):
    """A metrics.json of the ising_phase study, with chosen accuracies."""

    def scores(accuracy, n_events=1000):
        return {
            "n_events": n_events, "n_signal": n_events // 2, "accuracy": accuracy,
            "roc_auc": accuracy, "log_loss": 1 - accuracy,
            "signal_efficiency_at_90_rejection": accuracy,
            "signal_efficiency_at_99_rejection": accuracy,
        }  # fmt: skip

    temperatures = [1.0, 2.0, 2.25, 3.5]
    return {
        "point": name,
        "settings": {"hidden_layers": [neurons], "learning_rate": rate, "seed": seed},
        "metrics": scores(test),
        "validation_metrics": scores(validation),
        "training_set_metrics": scores(test),
        "critical_metrics": scores(critical, 3000),
        "training": {},
        "mean_output_by": "temperature",
        "mean_output": [
            {
                "value": t,
                "mean": float(t < CRITICAL_TEMPERATURE),
                "standard_error": 0.01,
                "n_events": 10,
            }
            for t in temperatures
        ],  # fmt: skip
    }


@pytest.fixture
def study_runs(tmp_path):
    """Two widths x two learning rates x two seeds. The best test accuracy is
    not the best validation accuracy: selection must use validation."""
    accuracies = {  # (neurons, rate): (validation, test, critical)
        (1, 0.1): (0.80, 0.99, 0.60),
        (1, 0.01): (0.85, 0.70, 0.62),
        (10, 0.1): (0.95, 0.90, 0.81),
        (10, 0.01): (0.90, 0.95, 0.75),
    }  # fmt: skip
    reports, points, paths = [], {}, []
    for (neurons, rate), (validation, test, critical) in accuracies.items():
        for seed in (0, 1):
            name = f"n{neurons}_lr{rate}_s{seed}"
            report = run_report(name, neurons, rate, seed, validation, test, critical)
            folder = tmp_path / "points" / name
            folder.mkdir(parents=True)
            (folder / "metrics.json").write_text(json.dumps(report))
            reports.append(report)
            points[name] = report["settings"]
            paths.append(str(folder / "metrics.json"))
    summary = summarise(metrics_table(reports))
    return summary, points, paths


def test_the_critical_score_of_the_chosen_setting_is_reported(study_runs):
    summary, _, _ = study_runs
    selected = selected_setting(summary, "accuracy")
    assert selected["settings"] == {"hidden_layers": "10", "learning_rate": 0.1}
    critical = selected["further"]["critical"]
    assert critical["mean"] == pytest.approx(0.81)
    assert critical["n_events"] == 3000
    assert critical["stat_error"] == pytest.approx(np.sqrt(0.81 * 0.19 / 3000))


def test_output_table_takes_each_widths_rate_on_validation(study_runs):
    summary, points, paths = study_runs
    table = output_by_temperature(neuron_summary(summary), points, paths)
    chosen = table.groupby("hidden_neurons")["learning_rate"].unique()
    assert chosen[1].tolist() == [0.01] and chosen[10].tolist() == [0.1]
    assert set(table.loc[table["selected"], "hidden_neurons"]) == {10}
    # Two seeds x four temperatures per width.
    assert len(table) == 2 * 2 * 4


def test_figures_are_written(study_runs, tmp_path):
    summary, points, paths = study_runs
    summary_path = tmp_path / "summary.csv"
    summary.to_csv(summary_path, index=False)
    outputs = {
        f"{figure}_{extension}": str(tmp_path / f"{figure}.{extension}")
        for figure in ("accuracy_heatmaps", "output_vs_temperature")
        for extension in ("png", "pdf")
    }
    outputs["output_table"] = str(tmp_path / "output_by_temperature.csv")
    ising_phase_figures(
        SimpleNamespace(summary=str(summary_path), metrics=paths),
        SimpleNamespace(points=points, bands={}),
        outputs,
    )
    for path in outputs.values():
        assert Path(path).stat().st_size > 500
    table = pd.read_csv(outputs["output_table"])
    assert sorted(table["temperature"].unique()) == [1.0, 2.0, 2.25, 3.5]


ISING_CONFIG = {
    "dataset": {"source": "ising"},
    "ising": {"lattice_size": 8},
    "training": {"features": "spins", "hidden_layers": [10]},
    "studies": {"ising_phase": {"grid": {"learning_rate": [0.01, 0.1]}}},
}


def test_ising_phase_networks_have_one_hidden_layer():
    config = json.loads(json.dumps(ISING_CONFIG))
    assert len(selected_studies(config)["ising_phase"]) == 2
    config["studies"]["ising_phase"]["grid"]["hidden_layers"] = [[10], [10, 10]]
    with pytest.raises(ConfigError, match=r"studies\.ising_phase\.grid\.hidden_layers"):
        selected_studies(config)


def test_a_study_must_read_a_feature_set_of_its_data_set():
    config = json.loads(json.dumps(ISING_CONFIG))
    check_feature_sets(config, selected_studies(config))
    config["training"]["features"] = "all"
    with pytest.raises(ConfigError, match=r"feature set 'all'.*spins"):
        check_feature_sets(config, selected_studies(config))
