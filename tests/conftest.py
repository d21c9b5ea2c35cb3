"""Shared fixtures: the real SUSY rows from ../shared and small synthetic files.

Tests that read ../shared (the real rows, the reference facts) skip where it
is missing, unless SUSY_SHARED_REQUIRED is set, as in CI, where they fail:
``pytest_runtest_makereport`` below turns every skip whose reason names a
path under ../shared into a failure, including the skips that test files
write themselves.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from physics_dnn import events
from physics_dnn.susy.columns import FEATURES

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_ROWS = SHARED / "data" / "SUSY_1K.csv"
FACTS = SHARED / "reference" / "susy-facts.md"


def shared_file(path: Path) -> Path:
    """``path`` (under ../shared), or skip the test where it is missing."""
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is missing or incomplete)")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under SUSY_SHARED_REQUIRED, a skip for want of ../shared is a failure."""
    outcome = yield
    report = outcome.get_result()
    required = os.environ.get("SUSY_SHARED_REQUIRED")
    # A skip's longrepr is (path, line, reason); an xfail's is no tuple.
    if not (required and report.skipped and isinstance(report.longrepr, tuple)):
        return
    reason = report.longrepr[2]
    if str(SHARED) in reason:
        report.outcome = "failed"
        report.longrepr = f"SUSY_SHARED_REQUIRED is set, but the test skipped: {reason}"


@pytest.fixture
def real_rows_csv() -> Path:
    """The first 1,000 rows of the real UCI SUSY file, where ../shared has them."""
    return shared_file(REAL_ROWS)


@pytest.fixture(scope="session")
def facts_text() -> str:
    """../shared/reference/susy-facts.md, the facts the published numbers
    and the dataset settings are held against."""
    return shared_file(FACTS).read_text(encoding="utf-8")


PARTS = ("train", "validation", "test")


def write_events(path, n_rows, seed):
    """Synthetic split file: signal shifted in every feature, so a network
    can learn it."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n_rows)
    x = rng.normal(loc=3.0, scale=2.0, size=(n_rows, 18)) + 0.8 * label[:, None]
    events.write_events(path, label, x, FEATURES)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A folder with small train (3000), validation (500) and test (800) files."""
    folder = tmp_path_factory.mktemp("events")
    for name, rows, seed in [
        ("train", 3000, 1),
        ("validation", 500, 2),
        ("test", 800, 3),
    ]:
        write_events(folder / f"{name}.parquet", rows, seed)
    return folder


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """A finished run of the tiny workflow, shared by the tests that read it."""
    # Imported here: tiny_workflow imports REAL_ROWS from this module.
    from tiny_workflow import TINY_CONFIG, make_workdir, run_snakemake

    workdir = make_workdir(tmp_path_factory.mktemp("workflow"), TINY_CONFIG)
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir
