"""The report's first page: what each study found, on which data, with what.

Snakemake's report opens on the workflow's description (an reStructuredText
file). After a run, that description is this page: the workflow's own
introduction, then per study the validation-selected setting with its
validation and test scores, the grid-edge verdict and the study's headline
figure, then the data, the run time and the software. Every number sits
beside a link to the report entry it came from.
"""

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow.parquet as pq

from .atomic import atomic_path
from .download import sha256_of
from .labels import LABEL
from .studies import metric_words

TITLE = "Results at a glance"

# The question each study answers, as the summary page heads it.
STUDY_QUESTIONS = {
    "learning_rate_vs_size": "How do the learning rate and the number of "
    "training events set the accuracy? (Mehta et al., NB13)",
    "feature_sets": "Do deep networks find the high-level features by "
    "themselves? (Baldi et al. 2014)",
    "regularisation": "What do dropout, batch normalisation, L2 and early "
    "stopping do against overfitting?",
    "activations": "Which activations and depths let the gradients through?",
    "initialisation": "Where are the ordered and the chaotic phase of deep "
    "tanh networks? (mean-field theory)",
    "optimizers": "Which optimiser, each at its own learning rate, gets "
    "furthest, and how fast? (Mehta et al., NB11)",
    "ising_phase": "Can a network of one hidden layer tell the Ising model's "
    "ordered phase from the disordered one, and does that carry to the "
    "critical temperatures it never saw? (Mehta et al., NB12)",
}

# Versions listed first, in this order; any others the runs recorded follow.
SOFTWARE_ORDER = (
    "python",
    "physics_dnn",
    "snakemake",
    "keras",
    "keras_backend",
    "tensorflow",
    "jax",
    "numpy",
    "scikit-learn",
    "pyarrow",
)


def data_facts(
    dataset: dict, simulation: dict, events_csv: str | Path, splits: dict
) -> dict:
    """Where the events came from, the input's sha256, and the split sizes.

    ``splits`` maps train/validation/test to their Parquet files.
    """
    source = dataset["source"]
    if source == "simulation":
        origin = (
            f"the built-in simulation of SUSY-like events (seed "
            f"{simulation.get('seed')}, signal fraction "
            f"{simulation.get('signal_fraction')}), not the real dataset"
        )
    elif source == "ising":
        origin = (
            "configurations of the 2D Ising model from the built-in "
            "Swendsen-Wang Monte Carlo (NB12's data set): the ordered and "
            "disordered ones, split below; the critical ones are evaluated apart"
        )
    elif source == "download":
        origin = f"the real UCI SUSY dataset, downloaded from {dataset.get('url')}"
    else:
        origin = f"the real UCI SUSY dataset, the copy at {dataset.get('path')}"
    counts = {}
    for part, path in splits.items():
        labels = pq.read_table(path, columns=[LABEL])[LABEL].to_numpy()
        counts[part] = {"events": len(labels), "signal": int(labels.sum())}
    return {
        "source": source,
        "real": source in ("download", "file"),
        # What label 1 means: the share of it is given per split.
        "positive_class": "ordered" if source == "ising" else "signal",
        "origin": origin,
        "input": str(events_csv),
        "sha256": sha256_of(events_csv),
        "splits": counts,
    }


def run_facts(benchmarks: list[str | Path], metrics_tables: list[str | Path]) -> dict:
    """Job count and seconds from the jobs' ``benchmarks`` files (those not
    there are skipped), and the networks' own training seconds from the
    studies' run tables (metrics.csv).

    A benchmark file holds the last run of its job: after a partial rerun,
    the sums mix this run's jobs with earlier ones.
    """
    jobs = {}
    for path in map(Path, benchmarks):
        if path.exists():
            job = path.with_suffix("").as_posix().split("benchmarks/", 1)[-1]
            jobs[job] = float(pd.read_csv(path, sep="\t")["s"].sum())
    training = sum(
        pd.read_csv(path)["training_seconds"].fillna(0).sum() for path in metrics_tables
    )
    longest = max(jobs, key=jobs.get) if jobs else None
    return {
        "jobs": len(jobs),
        "job_seconds": sum(jobs.values()),
        "training_job_seconds": sum(
            seconds for name, seconds in jobs.items() if name.startswith("train")
        ),
        "network_training_seconds": float(training),
        "longest_job": longest,
        "longest_job_seconds": jobs.get(longest, 0.0),
    }


def software_versions(provenances: list[dict], more: dict[str, str]) -> dict:
    """Package versions the training jobs recorded (metrics.json's
    ``provenance``), plus ``more``; a package seen with several versions
    lists them all."""
    seen: dict[str, list[str]] = {}
    for provenance in provenances:
        for package, version in provenance.get("versions", {}).items():
            if version is not None and str(version) not in seen.setdefault(package, []):
                seen[package].append(str(version))
    for package, version in more.items():
        seen[package] = [str(version)]
    ordered = [p for p in SOFTWARE_ORDER if p in seen] + sorted(
        p for p in seen if p not in SOFTWARE_ORDER
    )
    commits = {p.get("git_commit") for p in provenances} - {None}
    return {
        "versions": {package: " / ".join(seen[package]) for package in ordered},
        "git_commit": " / ".join(sorted(commits)) or None,
    }


def report_link(text: str, path: str) -> str:
    """An rst link that opens the report's entry of the result at ``path``."""
    return f"`{text} <javascript:app.showResultInfo('{quote(path)}')>`__"


def category_link(text: str, category: str) -> str:
    """An rst link that opens a category (a study) of the report."""
    return f"`{text} <javascript:app.showCategory('{quote(category)}')>`__"


def score_text(score: dict, seeds: int, statistical: bool) -> str:
    """``0.7850 ± 0.0017 (stat.) ± 0.0020 (seeds)``, as far as known."""
    text = f"{score['mean']:.4f}"
    if statistical and score.get("stat_error") is not None:
        text += f" ± {score['stat_error']:.4f} (stat.)"
    if seeds > 1:
        text += f" ± {score['std']:.4f} (std over {seeds} seeds)"
    return text


def study_row(study: str, selected: dict) -> list[str]:
    """One study's row of the summary table; links to its tables beside it."""
    folder = f"results/studies/{study}"
    words = metric_words(selected["metric"])
    seeds = selected["seeds"]
    sources = ", ".join(
        report_link(text, f"{folder}/{name}")
        for text, name in (("selection", "selection.txt"), ("ranking", "ranked.html"))
    )
    test = selected["test"]
    events = f", {test['n_events']:,} test events" if test.get("n_events") else ""
    # Further evaluation sets (the Ising model's critical configurations).
    for part, score in selected.get("further", {}).items():
        events += f"; {part} set: {score_text(score, seeds, statistical=True)}"
        if score.get("n_events"):
            events += f", {score['n_events']:,} events"
    edges = len(selected["grid_edge"])
    axes = "1 axis" if edges == 1 else f"{edges} axes"
    return [
        f"{category_link(study, study)} ({sources})",
        f"{selected['label']} (of {selected['settings_compared']} settings)",
        f"{words}: {score_text(selected['validation'], seeds, statistical=False)}",
        f"{words}: {score_text(test, seeds, statistical=True)}{events}",
        report_link(f"on the edge ({axes}, see below)", f"{folder}/grid_edge.txt")
        if edges
        else "inside the grid",
    ]


def list_table(header: list[str], rows: list[list[str]], widths: str) -> str:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines)


def image(png: str | Path, alt: str) -> str:
    """The figure embedded in the page (the report is one self-contained file).

    The data URI spans many lines, which docutils joins: it refuses lines
    over 10,000 characters.
    """
    lines = base64.encodebytes(Path(png).read_bytes()).decode("ascii").split()
    uri = "\n".join(f"   {line}" for line in ["data:image/png;base64,", *lines])
    return f".. image::\n{uri}\n   :alt: {alt}"


def heading(text: str, underline: str) -> str:
    return f"{text}\n{underline * len(text)}"


def summary_page(
    intro: str,
    studies: dict[str, dict],
    data: dict,
    run: dict,
    software: dict,
) -> str:
    """The page's reStructuredText.

    ``studies`` maps each study to its ``selection`` (selection.json's
    content), ``headline`` (PNG path) and ``figure`` (its report path);
    ``data``, ``run`` and ``software`` are ``data_facts``, ``run_facts`` and
    ``software_versions``. ``intro`` is the workflow's own description, a
    template Snakemake renders; the rest is shielded from its template
    engine.
    """
    rows = [study_row(study, parts["selection"]) for study, parts in studies.items()]
    sections = [
        heading(TITLE, "="),
        intro.strip(),
        "{% raw %}",
        "Every setting was chosen on the validation events; the test events "
        "only report the chosen one, with the statistical error of the test "
        "sample and, where several seeds ran, their spread. Each link opens "
        "the table the numbers come from.",
        heading("Studies", "-"),
        list_table(
            ["Study", "Selected setting", "Validation", "Test", "Grid edge"],
            rows,
            "18 24 18 26 14",
        )
        if rows
        else "No study ran with this configuration.",
    ]
    for study, parts in studies.items():
        sections += [
            heading(STUDY_QUESTIONS.get(study, study), "~"),
            f"Study {category_link(study, study)}; this figure in the report: "
            f"{report_link(Path(parts['figure']).name, parts['figure'])}.",
            *(f"Grid edge: {warning}." for warning in parts["selection"]["grid_edge"]),
            image(parts["headline"], f"{study}: headline figure"),
        ]
    splits = data["splits"]
    total = sum(part["events"] for part in splits.values())
    split_text = ", ".join(
        f"{part} {counts['events']:,} ({counts['signal'] / counts['events']:.1%} "
        f"{data['positive_class']})"
        for part, counts in splits.items()
    )
    sections += [
        heading("Data", "-"),
        f"The events are {data['origin']}.",
        f"Input file ``{data['input']}``, sha256 ``{data['sha256']}``.",
        f"{total:,} events, split into {split_text}.",
    ]
    if data["source"] == "simulation":
        sections.append(
            "Published numbers (Baldi et al. 2014, NB13) are for the real "
            "dataset: beside simulated results they compare nothing, and the "
            "figures leave them out."
        )
    sections += [
        heading("Run time", "-"),
        f"{run['jobs']} jobs took {run['job_seconds']:.0f} s together, the "
        f"training jobs {run['training_job_seconds']:.0f} s; the longest job "
        f"was {run['longest_job']} ({run['longest_job_seconds']:.0f} s). From "
        "the jobs' benchmark files, which hold the last run of each job; "
        "Snakemake's *Statistics* panel shows the jobs over time. The networks "
        f"trained for {run['network_training_seconds']:.0f} s in all (a point "
        "restored from its checkpoint counts the time of its first training).",
        heading("Software", "-"),
        list_table(
            ["Package", "Version"],
            [[package, version] for package, version in software["versions"].items()],
            "30 70",
        ),
        f"Source commit: ``{software['git_commit'] or 'unknown'}``. The "
        "versions are those the training jobs recorded in each point's "
        "metrics.json; the configuration of this run is under *Configuration*.",
        "{% endraw %}",
    ]
    return "\n\n".join(sections) + "\n"


def write_summary_page(
    intro_path: str | Path,
    selections: dict[str, str | Path],
    headlines: dict[str, str | Path],
    data: dict,
    run: dict,
    more_versions: dict[str, str],
    path: str | Path,
) -> None:
    """Write the summary page; ``selections`` (selection.json, with the
    versions each study's jobs recorded) and ``headlines`` are keyed by
    study."""
    studies = {
        study: {
            "selection": json.loads(Path(selection).read_text()),
            "headline": headlines[study],
            "figure": str(headlines[study]),
        }
        for study, selection in selections.items()
    }
    provenances = [
        provenance
        for parts in studies.values()
        for provenance in parts["selection"].get("provenances", [])
    ]
    page = summary_page(
        Path(intro_path).read_text(),
        studies,
        data,
        run,
        software_versions(provenances, more_versions),
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page)
