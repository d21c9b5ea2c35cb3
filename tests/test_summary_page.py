"""The report's summary page, built and rendered without Snakemake."""

import base64
import json
import re

import jinja2
import matplotlib
import numpy as np
import pytest
from conftest import PARTS
from docutils.core import publish_parts

from physics_dnn.summary_page import (
    data_facts,
    run_facts,
    software_versions,
    summary_page,
    write_summary_page,
)

matplotlib.use("Agg")


def _selection(metric="accuracy", edge=()):
    return {
        "metric": metric,
        "lower_is_better": False,
        "settings_compared": 6,
        "label": "learning rate 0.1, training events 100000",
        "settings": {"learning_rate": 0.1, "n_train": 100000},
        "points": ["learning_rate~0.1__n_train~100000"],
        "seeds": 2,
        "validation": {"mean": 0.79, "std": 0.001},
        "test": {"mean": 0.785, "std": 0.002, "stat_error": 0.0017, "n_events": 60000},
        "diverged_fraction": 0.0,
        "grid_edge": list(edge),
    }


def _rendered(page: str) -> str:
    """The page as Snakemake's report makes it: its template engine, then
    docutils; any docutils warning fails."""
    text = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(page)
    config = {"dataset": {"source": "simulation"}}
    rst = text.render(snakemake=type("Snakemake", (), {"config": config}))
    return publish_parts(rst, writer="html", settings_overrides={"halt_level": 2})[
        "html_body"
    ]


@pytest.fixture
def headline(tmp_path):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([0, 1], [0, 1])
    path = tmp_path / "accuracy_heatmap.png"
    figure.savefig(path)
    plt.close(figure)
    return path


def _facts(sample, tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_bytes(b"abc")
    data = data_facts(
        {"source": "simulation"},
        {"seed": 1, "signal_fraction": 0.458},
        csv,
        {part: sample / f"{part}.parquet" for part in PARTS},
    )
    run = {
        "jobs": 3,
        "job_seconds": 30.0,
        "training_job_seconds": 20.0,
        "network_training_seconds": 15.0,
        "longest_job": "train/lr/pack_1",
        "longest_job_seconds": 20.0,
    }
    software = software_versions([{"versions": {"keras": "3.15.1"}}], {})
    return data, run, software


def test_data_facts_count_the_split_events_and_hash_the_input(sample, tmp_path):
    data, _, _ = _facts(sample, tmp_path)
    # The sha256 of "abc" (FIPS 180-2, appendix B.1).
    assert data["sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert not data["real"] and "simulation" in data["origin"]
    import pyarrow.parquet as pq

    for part in PARTS:
        labels = pq.read_table(sample / f"{part}.parquet")["label"].to_numpy()
        assert data["splits"][part] == {
            "events": len(labels),
            "signal": int(np.sum(labels)),
        }


def test_run_facts_sum_the_benchmark_files(tmp_path):
    benchmarks = tmp_path / "benchmarks"
    (benchmarks / "train" / "lr").mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\n"
    (benchmarks / "split_events.tsv").write_text(header + "2.5\t0:00:02\t100\n")
    (benchmarks / "train" / "lr" / "pack_1.tsv").write_text(
        header + "40.0\t0:00:40\t900\n"
    )
    table = tmp_path / "metrics.csv"
    table.write_text("point,training_seconds\na,10.5\nb,20\nc,\n")
    files = [*benchmarks.rglob("*.tsv"), benchmarks / "not_run_here.tsv"]
    run = run_facts(files, [table])
    assert run == {
        "jobs": 2,
        "job_seconds": 42.5,
        "training_job_seconds": 40.0,
        "network_training_seconds": 30.5,
        "longest_job": "train/lr/pack_1",
        "longest_job_seconds": 40.0,
    }


def test_software_versions_list_every_version_the_jobs_recorded():
    software = software_versions(
        [
            {"versions": {"numpy": "2.4.6", "keras": "3.15.1"}, "git_commit": "abc"},
            {"versions": {"numpy": "2.4.5", "keras": "3.15.1"}, "git_commit": "abc"},
        ],
        {"snakemake": "9.27.1"},
    )
    assert software["versions"] == {
        "snakemake": "9.27.1",
        "keras": "3.15.1",
        "numpy": "2.4.6 / 2.4.5",
    }
    assert software["git_commit"] == "abc"


def test_page_renders_every_study_with_its_scores_links_and_figure(
    sample, tmp_path, headline
):
    data, run, software = _facts(sample, tmp_path)
    studies = {
        "learning_rate_vs_size": {
            "selection": _selection(),
            "headline": headline,
            "figure": "results/studies/learning_rate_vs_size/figures/x.png",
        },
        "feature_sets": {
            "selection": _selection(
                "roc_auc", edge=["the best validation ROC AUC lies at the edge"]
            ),
            "headline": headline,
            "figure": "results/studies/feature_sets/figures/x.png",
        },
    }
    intro = "Data source: **{{ snakemake.config['dataset']['source'] }}**."
    html = _rendered(summary_page(intro, studies, data, run, software))
    assert "Results at a glance" in html
    assert "Data source: <strong>simulation</strong>" in html
    assert html.count("<tr>") == 1 + len(studies) + 1 + len(software["versions"])
    assert "0.7850 ± 0.0017 (stat.) ± 0.0020 (std over 2 seeds)" in html
    assert "the best validation ROC AUC lies at the edge" in html
    assert "inside the grid" in html
    embedded = re.findall(r'src="data:image/png;base64,([^"]*)"', html)
    assert [base64.b64decode(data, validate=True) for data in embedded] == [
        headline.read_bytes()
    ] * len(studies)
    assert "javascript:app.showCategory('feature_sets')" in html
    assert (
        "javascript:app.showResultInfo("
        "'results/studies/feature_sets/ranked.html')" in html
    )
    assert data["sha256"] in html
    assert "not the real dataset" in html


def test_page_text_is_shielded_from_the_template_engine(sample, tmp_path, headline):
    """A setting label with template syntax in it stays as it is."""
    data, run, software = _facts(sample, tmp_path)
    selection = dict(_selection(), label="odd {# label {{ x }}")
    studies = {"activations": {"selection": selection, "headline": headline,
                               "figure": "f.png"}}  # fmt: skip
    html = _rendered(summary_page("Intro.", studies, data, run, software))
    assert "odd {# label {{ x }}" in html


def test_written_page_reads_the_selections_and_their_versions(
    sample, tmp_path, headline
):
    data, run, _ = _facts(sample, tmp_path)
    selection = tmp_path / "selection.json"
    provenances = [{"versions": {"keras": "3.15.1"}, "git_commit": "abc"}]
    selection.write_text(json.dumps(dict(_selection(), provenances=provenances)))
    intro = tmp_path / "workflow.rst"
    intro.write_text("Intro.")
    page = tmp_path / "summary.rst"
    write_summary_page(
        intro,
        {"activations": selection},
        {"activations": headline},
        data,
        run,
        {"snakemake": "9.27.1"},
        page,
    )
    html = _rendered(page.read_text())
    assert "3.15.1" in html and "9.27.1" in html
    assert "learning rate 0.1, training events 100000 (of 6 settings)" in html


def test_a_run_without_studies_says_so(sample, tmp_path):
    """The Ising data set's first part runs no study yet: the page still renders."""
    csv = tmp_path / "configurations.parquet"
    csv.write_bytes(b"x")
    data = data_facts(
        {"source": "ising"},
        {},
        csv,
        {part: sample / f"{part}.parquet" for part in PARTS},
    )
    _, run, software = _facts(sample, tmp_path)
    html = _rendered(summary_page("Intro.", {}, data, run, software))
    assert "No study ran with this configuration." in html
    assert "Ising model" in html and "Published numbers" not in html


def test_the_critical_set_score_stands_beside_the_test_score(
    sample, tmp_path, headline
):
    data, run, software = _facts(sample, tmp_path)
    selection = _selection()
    selection["further"] = {
        "critical": {"mean": 0.8123, "std": 0.004, "stat_error": 0.0023,
                     "n_events": 30000}
    }  # fmt: skip
    studies = {
        "ising_phase": {
            "selection": selection,
            "headline": headline,
            "figure": "results/studies/ising_phase/figures/accuracy_heatmaps.png",
        }
    }
    html = _rendered(summary_page("", studies, data, run, software))
    assert (
        "critical set: 0.8123 ± 0.0023 (stat.) ± 0.0040 (std over 2 seeds), "
        "30,000 events" in html
    )
    assert "critical temperatures it never saw" in html
