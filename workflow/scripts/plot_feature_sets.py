"""Rule plot_feature_sets: the figures of the feature_sets study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.figures import feature_sets_figures

    feature_sets_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
