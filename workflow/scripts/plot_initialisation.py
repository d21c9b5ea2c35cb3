"""Rule plot_initialisation: the figures of the initialisation study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import initialisation_figures

    initialisation_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
