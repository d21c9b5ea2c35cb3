"""Rule train_gradient_boosting: the boosted-trees baselines, in one process."""

from physics_dnn.boosting import train_gradient_boosting_points
from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    train_gradient_boosting_points(
        snakemake.params.points,
        {part: snakemake.input[part] for part in ("train", "validation", "test")},
        snakemake.params.outputs,
        snakemake.threads,
        snakemake.scriptdir,
    )
