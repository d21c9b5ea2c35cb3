"""The overtraining check: classifier output on the training and the test events.

A network that memorised its training events scores them more confidently
than new ones: its output distributions on the training events differ from
those on the test events. The check compares them per class with the
two-sample Kolmogorov–Smirnov test, on the unbinned outputs, and keeps
histograms on fixed bins for the figure.
"""

import numpy as np
from scipy.stats import ks_2samp

# 40 equal bins of the signal probability; rounded so that metrics.json
# stores 0.075, not 0.07500000000000001.
OUTPUT_BIN_EDGES = np.linspace(0.0, 1.0, 41).round(6)

CLASS_LABELS = {"signal": 1, "background": 0}


def overtraining_check(
    y_train: np.ndarray,
    p_train: np.ndarray,
    y_test: np.ndarray,
    p_test: np.ndarray,
) -> dict:
    """Per class, histograms of the output on the training and the test
    events and the KS test of one against the other.

    ``y_*`` are the labels (1 signal, 0 background), ``p_*`` the classifier's
    signal probabilities. Returns ``bin_edges``; ``train`` and ``test``, each
    {class: counts per bin}; ``ks``, {class: ``statistic``, ``p_value``,
    ``n_train``, ``n_test``}. Plain lists and numbers, for metrics.json.
    """
    check = {"bin_edges": OUTPUT_BIN_EDGES.tolist(), "train": {}, "test": {}, "ks": {}}
    for name, label in CLASS_LABELS.items():
        train = np.asarray(p_train)[np.asarray(y_train) == label]
        test = np.asarray(p_test)[np.asarray(y_test) == label]
        for part, outputs in (("train", train), ("test", test)):
            counts, _ = np.histogram(outputs, bins=OUTPUT_BIN_EDGES)
            check[part][name] = counts.tolist()
        ks = ks_2samp(train, test)
        check["ks"][name] = {
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "n_train": len(train),
            "n_test": len(test),
        }
    return check
