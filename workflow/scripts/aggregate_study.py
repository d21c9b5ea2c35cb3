"""Rule aggregate_study: per-run table, seed summary, selection and grid-edge check."""

from physics_dnn.rule_io import logged_to
from physics_dnn.studies import aggregate_study

with logged_to(snakemake.log[0]):
    notes = aggregate_study(
        snakemake.input.metrics,
        snakemake.input.history,
        snakemake.input.gradient_norms,
        snakemake.params.metric,
        dict(snakemake.output.items()),
        snakemake.params.group,
    )
    selection, *warnings = notes
    print(selection)
    for warning in warnings:
        print(f"WARNING ({snakemake.wildcards.study}): {warning}")
