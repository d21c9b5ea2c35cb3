"""Shared fixtures: the real SUSY rows from ../shared and small synthetic files."""

from pathlib import Path

import numpy as np
import pytest

from physics_dnn import events
from physics_dnn.susy.columns import FEATURES

REPO = Path(__file__).resolve().parents[1]
REAL_ROWS = REPO.parent / "shared" / "data" / "SUSY_1K.csv"


@pytest.fixture
def real_rows_csv() -> Path:
    """The first 1,000 rows of the real UCI SUSY file, where ../shared has them."""
    if not REAL_ROWS.exists():
        pytest.skip(f"real SUSY rows not available at {REAL_ROWS}")
    return REAL_ROWS


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
