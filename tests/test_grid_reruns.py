"""What a changed grid reruns: adding a point trains that point alone."""

import json

import pytest
import yaml
from tiny_workflow import TINY_CONFIG, TINY_STUDIES, make_workdir, run_snakemake

STUDY = "learning_rate_vs_size"
CONFIG = dict(
    TINY_CONFIG,
    simulation=dict(TINY_CONFIG["simulation"], reference=None),
    run_studies=[STUDY],
    studies={
        STUDY: dict(
            TINY_STUDIES[STUDY], grid={"learning_rate": [1e-4, 1e-2], "n_train": [500]}
        )
    },
)


def pack_log(workdir, point: str) -> str:
    """The log of the training job that trained ``point`` last."""
    logs = [
        path.read_text()
        for path in (workdir / "results/logs/train" / STUDY).glob("pack_*.log")
    ]
    (log,) = [text for text in logs if f"=== {point}\n" in text]
    return log


@pytest.mark.workflow
def test_adding_a_learning_rate_trains_only_its_point(tmp_path):
    workdir = make_workdir(tmp_path, CONFIG)
    assert run_snakemake(workdir).returncode == 0
    points = workdir / "results/studies" / STUDY / "points"
    before = {
        path.parent.name: path.read_bytes() for path in points.glob("*/history.csv")
    }
    assert len(before) == 2

    grid = CONFIG["studies"][STUDY]["grid"]
    grown = dict(grid, learning_rate=[*grid["learning_rate"], 1e-1])
    config = dict(CONFIG, studies={STUDY: dict(CONFIG["studies"][STUDY], grid=grown)})
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    run = run_snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]

    # The tiny points share one pack (a new one: its points changed): the new
    # point is trained, the two finished ones are restored from their final
    # checkpoints.
    new = "learning_rate~0.1__n_train~500"
    log = pack_log(workdir, new)
    assert log.count("=== ") == 3
    assert log.count("resuming after epoch 2") == 2
    for name, history in before.items():
        assert (points / name / "history.csv").read_bytes() == history
        metrics = json.loads((points / name / "metrics.json").read_text())
        assert metrics["point"] == name
    assert (points / new / "metrics.json").exists()
    table = (workdir / "results/studies" / STUDY / "metrics.csv").read_text()
    assert new in table
