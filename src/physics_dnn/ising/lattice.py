"""How an Ising configuration is stored: one row per configuration, one
int8 column per spin, and the temperature it was sampled at."""

SPIN_PREFIX = "s"
TEMPERATURE = "temperature"
# True for a configuration of NB12's near-critical band (monte_carlo.label_phases).
CRITICAL = "critical"


def spin_columns(lattice_size: int) -> list[str]:
    """The Parquet names of the spins: s0000 … in row-major site order."""
    sites = lattice_size * lattice_size
    width = max(4, len(str(sites - 1)))
    return [f"{SPIN_PREFIX}{site:0{width}d}" for site in range(sites)]


def is_spin_column(name: str) -> bool:
    return name.startswith(SPIN_PREFIX) and name[len(SPIN_PREFIX) :].isdigit()
