"""The Ising data set (dataset.source ising) through the whole workflow."""

import json
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from report_browser import browser_available, check_report, start_browser
from tiny_workflow import REPO, make_workdir, run_snakemake

from physics_dnn.ising.monte_carlo import read_configurations


@pytest.fixture(scope="module")
def ising_run(tmp_path_factory):
    """A finished run of config/ising.yaml at toy size, with its report."""
    config = yaml.safe_load((REPO / "config" / "ising.yaml").read_text())
    config["ising"].update(
        lattice_size=8,
        temperatures=[1.0, 2.0, 2.25, 3.5],
        per_temperature=50,
        equilibration=5,
        decorrelation=1,
        chains=10,
    )
    # NB12's study at toy size: two widths x two learning rates.
    config["training"].update(n_train=60, epochs=30, batch_size=10)
    config["studies"]["ising_phase"]["grid"] = {
        "hidden_layers": [[1], [10]],
        "learning_rate": [1.0e-3, 1.0e-1],
    }
    workdir = make_workdir(tmp_path_factory.mktemp("ising"), config)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    report = run_snakemake(workdir, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    return workdir


@pytest.mark.workflow
def test_ising_config_makes_the_data_its_check_and_nb12s_study(ising_run):
    workdir = ising_run
    data = workdir / "results" / "data"
    critical = read_configurations(data / "ising_critical.parquet")
    assert sorted(set(critical.temperatures)) == [2.0, 2.25]
    parts = {part: pq.read_table(data / f"{part}.parquet") for part in
             ("train", "validation", "test")}  # fmt: skip
    # The ordered (T = 1) and disordered (T = 3.5) configurations, split
    # 70/10/20, with their spins and labels.
    assert {part: table.num_rows for part, table in parts.items()} == {
        "train": 70, "validation": 10, "test": 20}  # fmt: skip
    for table in parts.values():
        assert "s0063" in table.column_names
        labels = table.column("label").to_numpy()
        temperatures = table.column("temperature").to_numpy()
        assert ((temperatures < 2.269) == (labels == 1)).all()
    table = (workdir / "results/tables/ising_observables.csv").read_text()
    assert len(table.splitlines()) == 1 + 4
    # The study: every network scored on the critical set, and its mean
    # output per temperature; the output of the chosen one says "ordered"
    # at T = 1 and "disordered" at T = 3.5.
    study = workdir / "results/studies/ising_phase"
    runs = pd.read_csv(study / "metrics.csv")
    assert len(runs) == 4 and runs["critical_n_events"].eq(100).all()
    selection = json.loads((study / "selection.json").read_text())
    assert selection["further"]["critical"]["n_events"] == 100
    outputs = pd.read_csv(study / "output_by_temperature.csv")
    assert sorted(outputs["temperature"].unique()) == [1.0, 2.0, 2.25, 3.5]
    chosen = outputs[outputs["selected"]].set_index("temperature")["mean_output"]
    assert chosen[1.0] > 0.5 > chosen[3.5]
    for figure in ("accuracy_heatmaps", "output_vs_temperature", "overtraining"):
        assert (study / "figures" / f"{figure}.png").stat().st_size > 10_000
    summary = (workdir / "results/report/summary.rst").read_text()
    assert "Ising model" in summary and "critical set:" in summary
    html = (workdir / "report.html").read_text()
    assert "results/figures/ising_observables.png" in html
    assert "results/studies/ising_phase/figures/accuracy_heatmaps.png" in html


@pytest.mark.workflow
@pytest.mark.skipif(
    not browser_available() and not os.environ.get("SUSY_BROWSER_REQUIRED"),
    reason="no headless Chromium: apt-get install chromium chromium-driver",
)
def test_the_ising_report_works_in_a_browser(ising_run):
    """Every category, figure and table of the Ising run's report opens, as
    for the SUSY report (tests/test_report_browser.py); screenshots go to
    test-artifacts/report-ising/."""
    driver = start_browser()
    try:
        problems = check_report(
            driver,
            ising_run / "report.html",
            ["ising_phase", "Ising data", "Configuration"],
            REPO / "test-artifacts" / "report-ising",
        )
    finally:
        driver.quit()
    assert problems == []
