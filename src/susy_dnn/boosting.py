"""The gradient-boosted decision trees baseline (the BDT of Baldi et al.)."""

import time
from pathlib import Path

from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from .events import read_events
from .metrics import score_classifier, write_report
from .provenance import provenance

HELD_OUT_FRACTION = 0.1


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
