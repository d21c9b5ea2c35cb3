"""Rule plot_ising_phase: the figures of NB12's ising_phase study."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    from physics_dnn.ising.phase_study import ising_phase_figures

    ising_phase_figures(
        snakemake.input, snakemake.params, dict(snakemake.output.items())
    )
