"""Small synthetic files in the UCI SUSY text format."""

import numpy as np


def uci_lines(n_rows: int, seed: int = 0) -> list[str]:
    """Lines of a UCI-format file: a 0/1 label and 18 numbers, printed as %.18e."""
    rng = np.random.default_rng(seed)
    rows = np.column_stack(
        [rng.integers(0, 2, n_rows), rng.normal(size=(n_rows, 18))]
    ).astype(np.float32)
    return [",".join(f"{value:.18e}" for value in row) for row in rows]
