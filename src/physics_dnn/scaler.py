"""Feature standardisation fitted on the training subset only."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_path


@dataclass(frozen=True)
class Standardiser:
    """Subtract the training mean and divide by the training std, per feature."""

    features: list[str]
    mean: list[float]
    std: list[float]

    @classmethod
    def fit(cls, features: list[str], x: np.ndarray) -> "Standardiser":
        mean = x.mean(axis=0, dtype=np.float64)
        std = x.std(axis=0, dtype=np.float64)
        # A constant column (possible in a tiny subset) is centred, not scaled.
        std[std == 0] = 1.0
        return cls(list(features), mean.tolist(), std.tolist())

    def transform(self, x: np.ndarray) -> np.ndarray:
        mean = np.asarray(self.mean, dtype=np.float32)
        std = np.asarray(self.std, dtype=np.float32)
        return (x - mean) / std

    def save(self, path: str | Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Standardiser":
        return cls(**json.loads(Path(path).read_text()))
