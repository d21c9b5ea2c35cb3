"""Rule plot_figures: heat-map, learning curves and ROC overlay."""

from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    import pandas as pd

    from susy_dnn.plots import plot_heatmap, plot_learning_curves, plot_roc_overlay

    table = pd.read_csv(snakemake.input.table)
    heatmap = snakemake.params.heatmap
    output = snakemake.output
    plot_heatmap(
        table,
        heatmap["x"],
        heatmap["y"],
        heatmap["metric"],
        [output.heatmap_png, output.heatmap_pdf],
    )
    plot_learning_curves(
        table,
        dict(zip(snakemake.params.points, snakemake.input.histories, strict=True)),
        heatmap["x"],
        heatmap["y"],
        [output.learning_png, output.learning_pdf],
    )
    plot_roc_overlay(snakemake.input.metrics, [output.roc_png, output.roc_pdf])
