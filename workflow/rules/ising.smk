# The Ising model's data set (dataset.source: ising): NB12 of Mehta et al.
# Its plot writes seconds of figure: not worth a place in the cluster's queue.
localrules:
    plot_ising_observables,


rule simulate_ising:
    output:
        trainable=ISING_FILES["trainable"],
        critical=ISING_FILES["critical"],
    log:
        "results/logs/simulate_ising.log",
    benchmark:
        "results/benchmarks/simulate_ising.tsv"
    conda:
        "../../envs/simulate_ising.yaml"
    params:
        settings=ISING,
        code=package_code("simulate_ising.py"),
    script:
        "../scripts/simulate_ising.py"


rule plot_ising_observables:
    input:
        **ISING_FILES,
    output:
        png=report(
            "results/figures/ising_observables.png",
            caption="../report/ising_observables.rst",
            category="Ising data",
            labels={"figure": "magnetisation and energy against the exact solution"},
        ),
        pdf="results/figures/ising_observables.pdf",
        table="results/tables/ising_observables.csv",
    log:
        "results/logs/plot_ising_observables.log",
    benchmark:
        "results/benchmarks/plot_ising_observables.tsv"
    conda:
        "../../envs/plot_ising_observables.yaml"
    params:
        code=package_code("plot_ising_observables.py"),
    script:
        "../scripts/plot_ising_observables.py"
