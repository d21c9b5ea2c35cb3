rule simulate_events:
    output:
        "results/data/simulated.csv.gz",
    log:
        "results/logs/simulate_events.log",
    benchmark:
        "results/benchmarks/simulate_events.tsv"
    conda:
        "../../envs/simulate.yaml"
    params:
        events=SIMULATION.get("events"),
        signal_fraction=SIMULATION.get("signal_fraction"),
        seed=SIMULATION.get("seed"),
        code=package_code("simulate_events.py"),
    script:
        "../scripts/simulate_events.py"
