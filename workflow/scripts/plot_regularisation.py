"""Rule plot_regularisation: the figures of the regularisation study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import regularisation_figures

    regularisation_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
