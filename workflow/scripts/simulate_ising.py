"""Rule simulate_ising: NB12's Ising configurations, by Swendsen-Wang Monte Carlo."""

from physics_dnn.ising.monte_carlo import generate_configurations, write_phase_sets
from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    settings = dict(snakemake.params.settings)
    bands = {key: settings.pop(key) for key in ("ordered_below", "disordered_above")}
    spins, temperatures = generate_configurations(**settings)
    counts = write_phase_sets(
        snakemake.output.trainable,
        snakemake.output.critical,
        spins,
        temperatures,
        **bands,
    )
    print(f"configurations written: {counts}")
