"""Shared fixtures: the real SUSY rows from ../shared and small synthetic files."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_ROWS = REPO.parent / "shared" / "data" / "SUSY_1K.csv"


@pytest.fixture
def real_rows_csv() -> Path:
    """The first 1,000 rows of the real UCI SUSY file, where ../shared has them."""
    if not REAL_ROWS.exists():
        pytest.skip(f"real SUSY rows not available at {REAL_ROWS}")
    return REAL_ROWS
