"""Speed of the Ising generator: Swendsen–Wang sweeps per second, and the time
NB12's data set takes.

A sweep is one Swendsen–Wang update of one chain (all L² spins). Measures, at
each of a few temperatures, the vectorised update of a batch of chains (as
``generate_configurations`` runs it) and, as the baseline, the same update
called on one chain at a time in a Python loop; prints both rates and their
ratio. Then projects the time of NB12's full set and of the default
(both: 16 temperatures × 10,000 configurations at L = 40) from the measured
rates; ``--run`` also generates and writes the default set and times it.
Usage:

    python benchmarks/ising_benchmark.py [--chains 100] [--sweeps 30] [--run]
"""

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from physics_dnn.ising.monte_carlo import (
    NB12_LATTICE_SIZE,
    NB12_TEMPERATURES,
    generate_configurations,
    swendsen_wang_update,
    write_configurations,
)

TEMPERATURES = (0.5, 2.27, 4.0)
# The default of config/ising.yaml: NB12's full set. Equilibration: hot starts settle in
# 20–30 updates near T_c at L = 40; decorrelation: the integrated
# autocorrelation time of the energy is about 4 updates there (1.5–2 away
# from T_c), so kept configurations correlate by at most about 0.3.
DEFAULT = dict(per_temperature=10_000, equilibration=50, decorrelation=5, chains=100)


def sweeps_per_second(lattices: np.ndarray, temperature: float, sweeps: int) -> float:
    """Rate of the update vectorised over all chains of ``lattices``."""
    rng = np.random.default_rng(0)
    swendsen_wang_update(lattices, temperature, rng)  # warm the caches
    start = time.perf_counter()
    for _ in range(sweeps):
        swendsen_wang_update(lattices, temperature, rng)
    return len(lattices) * sweeps / (time.perf_counter() - start)


def per_chain_sweeps_per_second(
    lattices: np.ndarray, temperature: float, sweeps: int
) -> float:
    """Rate of the same update called on one chain at a time."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(sweeps):
        for chain in range(len(lattices)):
            swendsen_wang_update(lattices[chain : chain + 1], temperature, rng)
    return len(lattices) * sweeps / (time.perf_counter() - start)


def sweeps_needed(per_temperature, equilibration, decorrelation, chains) -> int:
    """Sweeps of one temperature, as generate_configurations runs them."""
    rounds = math.ceil(per_temperature / chains)
    return chains * (equilibration + (rounds - 1) * decorrelation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=DEFAULT["chains"])
    parser.add_argument("--sweeps", type=int, default=30, help="updates timed per T")
    parser.add_argument("--run", action="store_true", help="also time the default")
    arguments = parser.parse_args()
    size = NB12_LATTICE_SIZE

    rates = []
    print(f"L = {size}, {arguments.chains} chains; rates in sweeps (chain updates)/s")
    for temperature in TEMPERATURES:
        # Equilibrated starting points, so that cluster sizes are typical.
        lattices = np.ones((arguments.chains, size, size), np.int8)
        rng = np.random.default_rng(1)
        for _ in range(30):
            swendsen_wang_update(lattices, temperature, rng)
        batched = sweeps_per_second(lattices, temperature, arguments.sweeps)
        looped = per_chain_sweeps_per_second(lattices, temperature, arguments.sweeps)
        rates.append(batched)
        print(
            f"T = {temperature:4}: vectorised {batched:8,.0f}/s, per-chain loop "
            f"{looped:7,.0f}/s, ratio {batched / looped:4.1f}"
        )

    # Time per sweep averaged over the measured temperatures (the rate hardly
    # depends on T), times the sweeps of 16 temperatures.
    seconds_per_sweep = np.mean([1 / rate for rate in rates])
    for name, settings in [
        ("NB12 full set = config/ising.yaml default", DEFAULT),
        ("NB12 full set, decorrelation 10", DEFAULT | dict(decorrelation=10)),
    ]:
        sweeps = len(NB12_TEMPERATURES) * sweeps_needed(**settings)
        print(
            f"{name}: {settings}: {sweeps:,} sweeps, projected "
            f"{sweeps * seconds_per_sweep:.0f} s"
        )

    if arguments.run:
        start = time.perf_counter()
        spins, temperatures = generate_configurations(
            size, NB12_TEMPERATURES, seed=1, **DEFAULT
        )
        generated = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ising.parquet"
            write_configurations(path, spins, temperatures)
            written = time.perf_counter()
            megabytes = path.stat().st_size / 2**20
        print(
            f"default run: generated {len(spins):,} configurations in "
            f"{generated - start:.0f} s, wrote {megabytes:.0f} MiB of Parquet in "
            f"{written - generated:.0f} s"
        )


if __name__ == "__main__":
    main()
