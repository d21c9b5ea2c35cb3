"""Rule plot_ising_observables: the configurations against the exact solution."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.ising.figures import plot_ising_observables

    plot_ising_observables(
        [snakemake.input.trainable, snakemake.input.critical],
        [snakemake.output.png, snakemake.output.pdf],
        table_path=snakemake.output.table,
    )
