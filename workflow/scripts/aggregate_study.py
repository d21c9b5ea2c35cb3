"""Rule aggregate_study: per-run table, seed summary and grid-edge check."""

from pathlib import Path

from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from susy_dnn.aggregate import metrics_table, write_table
    from susy_dnn.atomic import atomic_path
    from susy_dnn.studies import grid_edge_warnings, summarise

    def by_point(paths):
        return {Path(path).parent.name: path for path in paths}

    table = metrics_table(
        snakemake.input.metrics,
        by_point(snakemake.input.history),
        by_point(snakemake.input.gradient_norms),
    )
    summary = summarise(table)
    write_table(table, snakemake.output.table)
    write_table(summary, snakemake.output.summary)
    warnings = grid_edge_warnings(summary, snakemake.params.metric)
    for warning in warnings:
        print(f"WARNING ({snakemake.wildcards.study}): {warning}")
    note = "\n".join(warnings) or (
        f"The best {snakemake.params.metric} lies inside the grid on every "
        "numeric axis with three or more values."
    )
    with atomic_path(snakemake.output.grid_edge) as tmp:
        tmp.write_text(note + "\n")
