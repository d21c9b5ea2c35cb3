"""One study of the tiny workflow on Keras's JAX backend, against TensorFlow."""

import importlib.util
import json

import pytest
from tiny_workflow import SMALL, TINY_CONFIG, make_workdir, run_snakemake

from physics_dnn.studies import selected_studies, statistical_error

# Enough training for the networks to converge (the tiny workflow's two
# epochs leave them near their random start, where TensorFlow's and JAX's
# different initial weights would decide the metrics): 4000 of the split's
# 4200 training events, 5 epochs; dropout on and off.
STUDY = "regularisation"
CONFIG = dict(
    TINY_CONFIG,
    run_studies=[STUDY],
    studies={
        STUDY: {
            "training": dict(SMALL, n_train=4000, epochs=5, hidden_layers=[16]),
            "grid": {"dropout": [0.0, 0.5]},
        }
    },
)


def run_study(folder, keras_backend: str, monkeypatch) -> dict[str, dict]:
    """Run the study's training jobs on ``keras_backend``; metrics by point."""
    folder.mkdir()
    workdir = make_workdir(folder, CONFIG)
    points = selected_studies(CONFIG)[STUDY]
    targets = [
        f"results/studies/{STUDY}/points/{point}/metrics.json" for point in points
    ]
    with monkeypatch.context() as patch:
        # Snakemake's jobs inherit the environment: Keras reads it at import.
        patch.setenv("KERAS_BACKEND", keras_backend)
        run = run_snakemake(workdir, *targets)
    assert run.returncode == 0, run.stderr[-3000:]
    return {
        point: json.loads((workdir / target).read_text())
        for point, target in zip(points, targets, strict=True)
    }


@pytest.mark.workflow
@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed"
)
def test_a_study_on_jax_agrees_with_tensorflow(tmp_path, monkeypatch):
    """Same events, same batch order (NumPy's); other initial weights and
    dropout masks (each backend draws from its own generator). The test AUC
    of each point is a statistic of the same 1200 test events for two networks
    trained alike: it may differ by the spread over initial weights, which
    for converged networks is below the AUC's statistical error (Hanley &
    McNeil, about 0.012 on the test events; 0.006 apart when written). Two
    statistical errors are allowed: wide for the draw of weights, narrow for
    a backend that trains otherwise (a network that learned nothing scores
    0.5, these about 0.84)."""
    tensorflow = run_study(tmp_path / "tensorflow", "tensorflow", monkeypatch)
    jax = run_study(tmp_path / "jax", "jax", monkeypatch)
    assert tensorflow.keys() == jax.keys()
    for point, expected in tensorflow.items():
        got = jax[point]
        versions = got["provenance"]["versions"]
        assert versions["keras_backend"] == "jax" and "jax" in versions
        assert expected["provenance"]["versions"]["keras_backend"] == "tensorflow"
        assert got["training"]["epochs_run"] == expected["training"]["epochs_run"]
        for part in ("metrics", "validation_metrics"):
            auc, n = expected[part]["roc_auc"], expected[part]["n_events"]
            signal = expected[part]["n_signal"]
            error = statistical_error("roc_auc", auc, n, signal)
            assert abs(got[part]["roc_auc"] - auc) < 2 * error, (point, part)
