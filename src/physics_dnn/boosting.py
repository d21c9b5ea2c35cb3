"""The gradient-boosted decision trees baseline (the BDT of Baldi et al.)."""

import shutil
import time
from pathlib import Path

from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from .atomic import atomic_path
from .code_version import code_digest
from .events import read_events
from .fingerprint import result_fingerprint
from .metrics import score_classifier, write_report
from .packing import run_each
from .provenance import provenance

HELD_OUT_FRACTION = 0.1

# Beside each point's metrics: a copy of them and the fingerprint of what made
# them, so that a rerun job restores the points it has already fitted.
FINISHED_DIR = ".finished"


def train_gradient_boosting_points(
    points: dict[str, dict],
    data: dict[str, str | Path],
    outputs: dict[str, str | Path],
    threads: int,
    workflow_dir: str | Path | None = None,
) -> None:
    """train_gradient_boosting for every point ({name: settings}) in one
    process, ``outputs[name]`` its metrics file.

    A point fitted before with the same settings, data and code is restored,
    not fitted again: adding a point to the study fits only that point.
    """
    code = code_digest(Path(__file__))
    inputs = [data[part] for part in ("train", "validation", "test")]

    def fit_or_restore(name: str, point: dict) -> None:
        made_by = result_fingerprint(point, inputs, code)
        finished = Path(outputs[name]).parent / FINISHED_DIR
        if (finished / "fingerprint").is_file() and (
            finished / "fingerprint"
        ).read_text() == made_by:
            print(f"restored from {finished}: fitted before with the same inputs")
            with atomic_path(outputs[name]) as tmp:
                shutil.copyfile(finished / "metrics.json", tmp)
            return
        train_gradient_boosting(name, point, data, outputs[name], threads, workflow_dir)
        shutil.rmtree(finished, ignore_errors=True)
        finished.mkdir(parents=True)
        shutil.copyfile(outputs[name], finished / "metrics.json")
        # Written last: a fingerprint vouches for a complete copy.
        with atomic_path(finished / "fingerprint") as tmp:
            tmp.write_text(made_by)

    run_each(points, fit_or_restore)


def train_gradient_boosting(
    name: str,
    point: dict,
    data: dict[str, str | Path],
    metrics_path: str | Path,
    threads: int,
    workflow_dir: str | Path | None = None,
) -> dict:
    """Fit trees on the first ``n_train`` training events; score like a network.

    ``point`` holds ``features``, ``n_train``, ``seed`` and the tree settings
    (``max_iter``, ``learning_rate``, ``max_leaf_nodes``). Trees need no
    feature scaling. Boosting stops early when 10 rounds in a row do not
    improve the loss on a held-out tenth of the training events; the seed
    picks that tenth, so seeds give really different models and their spread
    is a real error bar (without it the fit is the same for every seed). The
    metrics file has the same layout as a network's.
    """
    x_train, y_train = read_events(data["train"], point["features"], point["n_train"])
    classifier = HistGradientBoostingClassifier(
        max_iter=point["max_iter"],
        learning_rate=point["learning_rate"],
        max_leaf_nodes=point["max_leaf_nodes"],
        early_stopping=True,
        validation_fraction=HELD_OUT_FRACTION,
        n_iter_no_change=10,
        random_state=point["seed"],
    )
    # scikit-learn's OpenMP pool would take every core otherwise.
    with threadpool_limits(limits=threads):
        started = time.perf_counter()
        classifier.fit(x_train, y_train)
        seconds = time.perf_counter() - started
        report = score_classifier(
            name,
            point,
            lambda x: classifier.predict_proba(x)[:, 1],
            data,
            training={
                "device": "CPU",
                "threads": threads,
                "epochs_run": classifier.n_iter_,
                "training_seconds": round(seconds, 3),
            },
            provenance=provenance(point["seed"], workflow_dir),
        )
    write_report(report, metrics_path)
    return report
