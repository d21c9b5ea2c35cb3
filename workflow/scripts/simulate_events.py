"""Rule simulate_events: the built-in Monte Carlo, written in UCI format."""

from physics_dnn.rule_io import logged_to
from physics_dnn.susy.simulation import simulate_events, write_uci_csv

with logged_to(snakemake.log[0]):
    events = simulate_events(
        snakemake.params.events,
        snakemake.params.signal_fraction,
        snakemake.params.seed,
    )
    write_uci_csv(snakemake.output[0], events)
    print(f"simulated {len(events)} events into {snakemake.output[0]}")
