"""The published numbers and dataset settings in the code, cell by cell
against ../shared/reference/susy-facts.md, the project's record of them.

Every number is parsed from the facts file, never copied into this file, so
a mistyped or shifted cell in the code (or a changed fact) fails here.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from physics_dnn.studies import selected_studies
from physics_dnn.susy.columns import COLUMNS, HIGH_LEVEL, LOW_LEVEL
from physics_dnn.susy.published import (
    BALDI_AUC,
    BALDI_SOURCE,
    NB13_ACCURACY,
    NB13_TRAINING_FRACTION,
    nb13_by_training_size,
)

REPO = Path(__file__).resolve().parents[1]

# The facts' feature-set headers, by the code's names.
BALDI_FEATURES = {"low-level": "low", "high-level": "high", "complete": "all"}


def section(text: str, heading: str) -> str:
    """The body under the Markdown ``heading`` (a line's start), up to the
    next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}.*$", text, flags=re.M)
    assert match, f"no heading {heading!r} in the facts file"
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", flags=re.M).search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


def tables(text: str) -> list[list[list[str]]]:
    """The Markdown tables in ``text``: each a list of rows of cell strings,
    header first, without the |---| separator."""
    found, rows = [], []
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            cells = [cell.strip() for cell in line[1:-1].split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                rows.append(cells)
        elif rows:
            found.append(rows)
            rows = []
    return found


def table_with_header(text: str, first_cell: str) -> list[list[str]]:
    (table,) = [table for table in tables(text) if table[0][0] == first_cell]
    assert all(len(row) == len(table[0]) for row in table), table
    return table


def number(cell: str) -> float:
    """A facts-file number: 1,000 → 1000.0, 1e-5 → 1e-05."""
    return float(cell.replace(",", ""))


def facts(text: str, pattern: str) -> tuple[str, ...]:
    """The groups of ``pattern`` in ``text``, its line breaks and indents
    read as single spaces."""
    match = re.search(pattern, " ".join(text.split()))
    assert match, f"facts file: nothing matches {pattern!r}"
    return match.groups()


def fact(text: str, pattern: str) -> str:
    (group,) = facts(text, pattern)
    return group


def susy_config() -> dict:
    return yaml.safe_load((REPO / "config" / "susy.yaml").read_text())


# --- Mehta et al. NB13 -------------------------------------------------------


@pytest.fixture(scope="module")
def nb13(facts_text):
    return section(facts_text, "Mehta et al. notebook NB13")


def nb13_table(nb13_text: str) -> dict[int, dict[float, float]]:
    header, *rows = table_with_header(nb13_text, "N \\ lr")
    rates = [number(cell) for cell in header[1:]]
    return {
        int(number(row[0])): dict(zip(rates, map(number, row[1:]), strict=True))
        for row in rows
    }


def test_nb13_accuracies_are_the_facts_cell_by_cell(nb13):
    published = nb13_table(nb13)
    assert list(NB13_ACCURACY) == list(published)  # the same N, in order
    for rows, accuracies in published.items():
        assert list(NB13_ACCURACY[rows]) == list(accuracies), rows
        for rate, accuracy in accuracies.items():
            assert NB13_ACCURACY[rows][rate] == accuracy, (rows, rate)


def test_nb13_training_sizes_are_the_published_fraction_of_n(nb13):
    # "first 80% train, last 20% test": the code's n_train is 0.8 N.
    percent = fact(nb13, r"first (\d+)% train")
    assert NB13_TRAINING_FRACTION == int(percent) / 100
    expected = {round(rows * int(percent) / 100) for rows in nb13_table(nb13)}
    assert set(nb13_by_training_size()) == expected


def test_susy_config_runs_nb13_grid(nb13):
    # Every published cell has a point beside it in config/susy.yaml.
    published = nb13_table(nb13)
    points = selected_studies(susy_config())["learning_rate_vs_size"].values()
    cells = {(point["n_train"], point["learning_rate"]) for point in points}
    for n_train, accuracies in nb13_by_training_size().items():
        for rate in accuracies:
            assert (n_train, rate) in cells
    rates = {rate for accuracies in published.values() for rate in accuracies}
    assert {point["learning_rate"] for point in points} == rates


# --- Baldi, Sadowski, Whiteson 2014 -------------------------------------------


@pytest.fixture(scope="module")
def baldi(facts_text):
    return section(facts_text, "Baldi, Sadowski, Whiteson 2014")


def baldi_table(baldi_text: str) -> dict[str, dict[str, tuple[float, str, float]]]:
    """{model: {features: (auc, "" or "<", std)}} of the AUC table."""
    header, *rows = table_with_header(baldi_text, "model")
    features = [BALDI_FEATURES[cell] for cell in header[1:]]
    table = {}
    for model, *cells in rows:
        table[model] = {}
        for name, cell in zip(features, cells, strict=True):
            match = re.fullmatch(r"(\d\.\d+) \((<?)(\d\.\d+)\)", cell)
            assert match, f"unreadable AUC cell {cell!r} ({model}, {name})"
            auc, bound, std = match.groups()
            table[model][name] = (float(auc), bound, float(std))
    return table


def test_baldi_aucs_are_the_facts_cell_by_cell(baldi):
    published = baldi_table(baldi)
    assert list(BALDI_AUC) == list(published)  # the same models, in order
    for model, cells in published.items():
        assert set(BALDI_AUC[model]) == set(cells), model
        for features, (auc, bound, std) in cells.items():
            code_auc, code_std = BALDI_AUC[model][features]
            assert code_auc == auc, (model, features)
            if bound == "<":
                # Published only as "< 0.001": the code's stand-in (half the
                # bound) must lie below it and above zero.
                assert 0 < code_std < std, (model, features)
            else:
                assert code_std == std, (model, features)


def test_baldi_aucs_carry_the_label_the_facts_ask_for(baldi):
    # The table is [recalled]: a figure must say "as quoted, unverified".
    assert "[recalled" in fact(baldi, r"(Test AUC on SUSY \[recalled)")
    label = fact(baldi, r'must say "([^"]+)"')
    assert label in BALDI_SOURCE


def test_baldi_training_size_and_split_are_the_facts(baldi, facts_text):
    # "rows 0–4,000,000 train, the next 500,000 validation, the last 500,000
    # test", of a file of 5,000,000 rows.
    train, validation, test = map(
        number,
        facts(
            baldi,
            r"rows 0–([\d,]+) train, the next ([\d,]+) validation, "
            r"the last ([\d,]+) test",
        ),
    )
    rows = number(fact(facts_text, r"Layout \[checked\]: ([\d,]+) rows"))
    assert train + validation + test == rows
    config = susy_config()
    assert (config["split"]["method"], config["split"]["test"]) == ("uci", test)
    assert config["split"]["validation"] == validation
    points = selected_studies(config)["feature_sets"].values()
    assert {point["n_train"] for point in points} == {train}


# --- The dataset ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(facts_text):
    return section(facts_text, "1. The UCI SUSY dataset")


def test_download_url_and_checksum_are_the_facts(dataset):
    url = fact(dataset, r"Download \(classic archive path\) \[checked\]:\s*`([^`]+)`")
    sha256 = fact(dataset, r"sha256 of `SUSY\.csv\.gz`[^`]*`([0-9a-f]{64})`")
    config = susy_config()["dataset"]
    assert config["source"] == "download"
    assert config["url"] == url
    assert config["sha256"] == sha256


def test_columns_are_the_facts_layout(dataset):
    header, *rows = table_with_header(dataset, "#")
    assert header == ["#", "name", "kind"]
    # "Column 0 is the label", then the table's columns by number.
    assert [int(row[0]) for row in rows] == list(range(1, len(COLUMNS)))
    for index, name, kind in rows:
        code_name = COLUMNS[int(index)]
        # lepton 1 pT → lepton_1_pT, cos(theta_r1) → cos_theta_r1.
        assert code_name == re.sub(r"\W+", "_", name).strip("_"), index
        assert code_name in {"low": LOW_LEVEL, "high": HIGH_LEVEL}[kind], index
    assert len(rows) == len(LOW_LEVEL) + len(HIGH_LEVEL)


def test_simulated_signal_fraction_is_the_real_one(dataset):
    percent = fact(dataset, r"about ([\d.]+)% signal")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert config["simulation"]["signal_fraction"] == pytest.approx(
        float(percent) / 100, abs=1e-12
    )


def test_shared_rows_are_the_ones_the_facts_describe(dataset, real_rows_csv):
    # "the first 1,000 rows have 447 signal and 553 background": the counts
    # that the simulation's KS bound (tests/test_simulation.py) assumes.
    signal, background = map(
        int, facts(dataset, r"first 1,000 rows have (\d+) signal and (\d+) background")
    )
    rows = np.loadtxt(real_rows_csv, delimiter=",")
    assert rows.shape == (signal + background, len(COLUMNS))
    assert (rows[:, 0].sum(), (rows[:, 0] == 0).sum()) == (signal, background)
