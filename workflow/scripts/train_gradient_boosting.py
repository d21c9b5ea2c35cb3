"""Rule train_gradient_boosting: the boosted-trees baseline for one point."""

from susy_dnn.boosting import train_gradient_boosting
from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    report = train_gradient_boosting(
        snakemake.wildcards.point,
        snakemake.params.point,
        {part: snakemake.input[part] for part in ("train", "validation", "test")},
        snakemake.output[0],
        snakemake.threads,
        snakemake.scriptdir,
    )
    print("test metrics:", report["metrics"])
