"""Rule aggregate_metrics: one table over all grid points."""

from susy_dnn.aggregate import write_metrics_table
from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    write_metrics_table(snakemake.input, snakemake.output[0])
    print(f"wrote {snakemake.output[0]} ({len(snakemake.input)} points)")
