"""Published results on the real SUSY data, which results on the same data
are shown beside (never beside the simulation's)."""

# Final-epoch test accuracy (%) of Mehta et al.'s NB13 (PyTorch, first N rows,
# 80/20 split): {N: {learning rate: accuracy}}. N is the number of rows read:
# NB13 trained on the first 0.8 N and tested on the next 0.2 N.
NB13_ACCURACY = {
    1000: {1e-5: 54.5, 1e-4: 51.5, 1e-3: 74.5, 1e-2: 77.5, 1e-1: 65.5},
    10000: {1e-5: 44.65, 1e-4: 65.05, 1e-3: 74.55, 1e-2: 77.05, 1e-1: 78.25},
    100000: {1e-5: 42.74, 1e-4: 48.8, 1e-3: 74.05, 1e-2: 78.595, 1e-1: 79.585},
    200000: {1e-5: 56.675, 1e-4: 59.932, 1e-3: 75.953, 1e-2: 78.948, 1e-1: 79.942},
}
NB13_TRAINING_FRACTION = 0.8
NB13_SOURCE = "Mehta et al. NB13 (arXiv:1803.08823), published"


def nb13_by_training_size() -> dict[int, dict[float, float]]:
    """NB13's accuracies keyed by its training size 0.8 N, our ``n_train``."""
    return {
        round(NB13_TRAINING_FRACTION * rows): accuracies
        for rows, accuracies in NB13_ACCURACY.items()
    }


# Test AUC (std over runs) of Baldi, Sadowski and Whiteson 2014 on the
# 4M-event training set, as quoted in ../shared/reference/susy-facts.md: not
# checked against the paper's text, hence the label.
BALDI_AUC = {
    "BDT": {"low": (0.850, 0.003), "high": (0.835, 0.003), "all": (0.863, 0.003)},
    "NN": {"low": (0.867, 0.002), "high": (0.863, 0.001), "all": (0.875, 0.0005)},
    "NN + dropout": {
        "low": (0.856, 0.0005),
        "high": (0.859, 0.0005),
        "all": (0.873, 0.0005),
    },
    "DN": {"low": (0.872, 0.001), "high": (0.865, 0.001), "all": (0.876, 0.0005)},
    "DN + dropout": {
        "low": (0.876, 0.0005),
        "high": (0.869, 0.0005),
        "all": (0.879, 0.0005),
    },
}
BALDI_SOURCE = "Baldi et al. 2014, as quoted, unverified"
