"""Rule plot_overtraining: the overtraining check of a study's selected setting."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.plots import plot_selected_overtraining

    plot_selected_overtraining(
        snakemake.input.selection, [snakemake.output.png, snakemake.output.pdf]
    )
