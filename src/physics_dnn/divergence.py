"""Which runs diverged in a way that leaves nothing to score.

Kept apart from the metrics (scikit-learn, pyarrow) so that the tables can ask
it without those packages in their environment.
"""


def scored_as_diverged(training: dict) -> bool:
    """Whether a run's loss diverged with no earlier epoch kept to score.

    ``training`` is a run's train_info.json: ``diverged_epoch`` is the epoch
    whose loss became NaN or infinite, ``restored_epoch`` the epoch early
    stopping kept (as Keras's restore_best_weights, also after a divergence).
    """
    return bool(training.get("diverged_epoch")) and not training.get("restored_epoch")
