"""Rule plot_activations: the figures of the activations study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import activations_figures

    activations_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
