"""Rule plot_optimizers: the figures and the table of the optimiser study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import optimizers_figures

    optimizers_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
