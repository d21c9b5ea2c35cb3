# Seconds of histogramming: not worth a place in the cluster's queue.
localrules:
    compare_simulation,


# Only with simulation.reference: a file of real UCI events to hold the
# simulation against.
rule compare_simulation:
    input:
        simulated="results/data/simulated.csv.gz",
        reference=config.get("simulation", {}).get("reference") or [],
    output:
        table="results/tables/simulation_ks.csv",
        png=report(
            "results/figures/simulation_vs_real.png",
            caption="../report/simulation_vs_real.rst",
            category="Simulation",
            labels={"figure": "simulated vs real columns"},
        ),
        pdf="results/figures/simulation_vs_real.pdf",
    log:
        "results/logs/compare_simulation.log",
    benchmark:
        "results/benchmarks/compare_simulation.tsv"
    conda:
        "../../envs/compare_simulation.yaml"
    params:
        code=package_code("compare_simulation.py"),
    script:
        "../scripts/compare_simulation.py"
