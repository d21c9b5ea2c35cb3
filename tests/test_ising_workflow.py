"""The Ising data set (dataset.source ising) through the workflow's data stages."""

import pyarrow.parquet as pq
import pytest
import yaml
from tiny_workflow import REPO, make_workdir, run_snakemake

from physics_dnn.ising.monte_carlo import read_configurations


@pytest.mark.workflow
def test_ising_config_makes_the_data_its_split_and_its_check(tmp_path):
    config = yaml.safe_load((REPO / "config" / "ising.yaml").read_text())
    config["ising"].update(
        lattice_size=8,
        temperatures=[1.0, 2.0, 2.25, 3.5],
        per_temperature=50,
        equilibration=5,
        decorrelation=1,
        chains=10,
    )
    workdir = make_workdir(tmp_path, config)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
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
    summary = (workdir / "results/report/summary.rst").read_text()
    assert "Ising model" in summary and "No study ran" in summary
    report = run_snakemake(workdir, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    assert (
        "results/figures/ising_observables.png" in (workdir / "report.html").read_text()
    )
