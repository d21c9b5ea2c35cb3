"""Rule plot_learning_rate_vs_size: the figures of the learning_rate_vs_size study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import learning_rate_vs_size_figures

    learning_rate_vs_size_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
