"""Training speed: our train_point against a plain Keras fit, per backend.

Trains NB13's network (18-200-100 ReLU, dropout 0.5, SGD with momentum 0.8,
batch 1% of the events; the grid's defaults) on synthetic events in the UCI
column layout, each Keras backend in its own process (KERAS_BACKEND set), at
200,000 events x 3 epochs and at 1,000 and 10,000 events x 10 epochs:

- ours: ``physics_dnn.train.train_point`` as a job runs it (per-epoch batch
  order and dropout seeds, validation and the gradient diagnostic after every
  epoch, checkpoint), timed from the call to its return: reading and
  standardising the events and writing every output included;
- plain job: the same, done plainly: read and standardise the events, build
  and compile the same model (``_compiled_model``: same optimizer, steps per
  execution), ``model.fit(x, y, epochs=E, batch_size=B, shuffle=True)``,
  ``model.save``; no validation, no diagnostics, no checkpoint;
- plain fit: that job's build, compile and fit alone (data in memory).

Each measurement is repeated (ours and the plain job alternate, in one process
after a warm-up); the fastest of each is kept, as the machine is shared.
Prints samples/s (events x epochs per second) and the ratios ours / plain job
(the targets: TensorFlow >= 1.0, JAX >= 0.8) and ours / plain fit; the exit
status is 0 either way. Usage:

    python benchmarks/train_benchmark.py [--quick] [--repeats 3] [--threads 2]
        [--backends tensorflow jax]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from physics_dnn import events
from physics_dnn.packing import POINT_FILES
from physics_dnn.susy.columns import FEATURES

# (events, epochs) per size; --quick divides the large one by 10.
SIZES = [(200_000, 3), (1_000, 10), (10_000, 10)]
QUICK_SIZES = [(20_000, 3), (1_000, 10), (10_000, 10)]
# Validation events per training event: the workflow's split keeps 10% aside.
VALIDATION_FRACTION = 0.1
TARGETS = {"tensorflow": 1.0, "jax": 0.8}


def write_events(path: Path, n_rows: int, seed: int) -> None:
    """UCI layout (label, 18 features): signal shifted in every feature."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n_rows)
    x = rng.normal(loc=3.0, scale=2.0, size=(n_rows, 18)) + 0.4 * label[:, None]
    events.write_events(path, label, x, FEATURES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k, not 200k events")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=list(TARGETS))
    parser.add_argument("--workdir", type=Path, help="where to write the events")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        worker(json.loads(arguments.worker))
        return
    sizes = QUICK_SIZES if arguments.quick else SIZES
    largest = max(n for n, _ in sizes)
    with tempfile.TemporaryDirectory(dir=arguments.workdir) as folder:
        folder = Path(folder)
        write_events(folder / "train.parquet", largest, seed=1)
        n_validation = round(VALIDATION_FRACTION * largest)
        print(
            f"NB13 network, batch 1% of the events, {arguments.threads} threads, "
            f"best of {arguments.repeats}; validation on {VALIDATION_FRACTION:.0%} "
            "as many events as training",
            flush=True,
        )
        results = {}
        for name in arguments.backends:
            task = {
                "folder": str(folder),
                "sizes": sizes,
                "repeats": arguments.repeats,
                "threads": arguments.threads,
                "validation_fraction": VALIDATION_FRACTION,
                "n_validation_file": n_validation,
            }
            env = dict(os.environ, KERAS_BACKEND=name, TF_CPP_MIN_LOG_LEVEL="2")
            run = subprocess.run(
                [sys.executable, __file__, "--worker", json.dumps(task)],
                env=env,
                capture_output=True,
                text=True,
            )
            lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
            if run.returncode != 0 or not lines:
                print(f"{name}: worker failed\n{run.stderr[-3000:]}")
                continue
            results[name] = json.loads(lines[-1])
            report(name, results[name])
    summary(results)


def report(name: str, result: dict) -> None:
    print(f"\n{name} (keras {result['keras']}, {name} {result['version']})")
    print(
        f"{'events x epochs':>16s} {'ours':>10s} {'plain job':>10s} {'ours/job':>9s}"
        f" {'plain fit':>10s} {'ours/fit':>9s}   (samples/s)"
    )
    for row in result["rows"]:
        print(
            f"{row['n']:>9,d} x {row['epochs']:>3d} {row['ours']:10,.0f} "
            f"{row['plain']:10,.0f} {row['ours'] / row['plain']:9.2f} "
            f"{row['fit']:10,.0f} {row['ours'] / row['fit']:9.2f}",
            flush=True,
        )


def summary(results: dict) -> None:
    print("\ntargets (ours / plain job; in brackets ours / plain fit alone):")
    for name, result in results.items():
        target = TARGETS.get(name, 1.0)
        for row in result["rows"]:
            ratio = row["ours"] / row["plain"]
            verdict = "PASS" if ratio >= target else "FAIL"
            print(
                f"  {verdict} {name:10s} {row['n']:>7,d} x {row['epochs']:>2d}: "
                f"{ratio:.2f} >= {target}  ({row['ours'] / row['fit']:.2f})"
            )


def worker(task: dict) -> None:
    """Runs in the backend's process: best-of-repeats times per size."""
    import keras

    from physics_dnn import backend, train
    from physics_dnn.events import feature_names, read_events
    from physics_dnn.grid import batch_size_for, grid_points
    from physics_dnn.scaler import Standardiser

    folder = Path(task["folder"])
    threads = task["threads"]
    rows = []

    def plain(point: dict, run: Path) -> tuple[float, float]:
        """Seconds of the plain job, and of its fit alone (with build, compile)."""
        n, epochs = point["n_train"], point["epochs"]
        started = time.perf_counter()
        backend.configure(threads, point["seed"])
        x, y = read_events(folder / "train.parquet", point["features"], n)
        scaler = Standardiser.fit(
            feature_names(folder / "train.parquet", point["features"]), x
        )
        x = scaler.transform(x)
        fit_started = time.perf_counter()
        model = train._compiled_model(point, x.shape[1], None)
        model.fit(
            x,
            y[:, None],
            epochs=epochs,
            batch_size=batch_size_for(point["batch_size"], n),
            shuffle=True,
            verbose=0,
        )
        fit_seconds = time.perf_counter() - fit_started
        model.save(run / "plain.keras")
        return time.perf_counter() - started, fit_seconds

    def ours(point: dict, run: Path) -> tuple[float, float]:
        outputs = {key: run / name for key, name in POINT_FILES.items()}
        validation = run / "validation.parquet"
        started = time.perf_counter()
        trained = train.train_point(
            point, folder / "train.parquet", validation, outputs, threads
        )
        return time.perf_counter() - started, trained.info["training_seconds"]

    import contextlib
    import io

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        scratch = Path(scratch)
        warm = grid_points({"n_train": 1000, "epochs": 1}, None)["baseline"]
        (scratch / "warm").mkdir()
        write_events(scratch / "warm" / "validation.parquet", 100, seed=2)
        with contextlib.redirect_stdout(io.StringIO()):
            plain(warm, scratch / "warm")
            ours(warm, scratch / "warm")
        for n, epochs in task["sizes"]:
            point = grid_points({"n_train": n, "epochs": epochs}, None)["baseline"]
            times = {"ours": [], "plain": [], "fit": []}
            for repeat in range(task["repeats"]):
                run = scratch / f"{n}-{repeat}"
                run.mkdir()
                n_validation = max(100, round(task["validation_fraction"] * n))
                write_events(run / "validation.parquet", n_validation, seed=2)
                # Alternating which goes first: neither always meets a
                # machine that the other has just warmed or loaded.
                order = ("plain", "ours") if repeat % 2 == 0 else ("ours", "plain")
                for name in order:
                    if name == "plain":
                        job, fit = plain(point, run)
                        times["plain"].append(job)
                        times["fit"].append(fit)
                    else:
                        with contextlib.redirect_stdout(io.StringIO()):
                            times["ours"].append(ours(point, run)[0])
            row = {"n": n, "epochs": epochs}
            row.update({name: n * epochs / min(t) for name, t in times.items()})
            rows.append(row)
    name = keras.backend.backend()
    print(
        json.dumps(
            {
                "keras": keras.__version__,
                "version": __import__(name).__version__,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
