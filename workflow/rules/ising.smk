# The Ising model's data set (dataset.source: ising): NB12 of Mehta et al.
# Its plots take seconds: not worth a place in the cluster's queue.
localrules:
    plot_ising_observables,
    plot_ising_phase,


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


# NB12's study: the accuracy heat-maps on the training, test and critical
# sets, and the networks' mean output against the temperature.
rule plot_ising_phase:
    input:
        unpack(lambda wildcards: figure_inputs("ising_phase")),
    output:
        accuracy_heatmaps_png=report(
            "results/studies/ising_phase/figures/accuracy_heatmaps.png",
            caption="../report/ising_accuracy_heatmaps.rst",
            category="ising_phase",
            labels={"figure": "accuracy heat-maps: training, test, critical"},
        ),
        accuracy_heatmaps_pdf="results/studies/ising_phase/figures/accuracy_heatmaps.pdf",
        output_vs_temperature_png=report(
            "results/studies/ising_phase/figures/output_vs_temperature.png",
            caption="../report/ising_output_vs_temperature.rst",
            category="ising_phase",
            labels={"figure": "network output against temperature"},
        ),
        output_vs_temperature_pdf="results/studies/ising_phase/figures/output_vs_temperature.pdf",
        output_table=report(
            "results/studies/ising_phase/output_by_temperature.csv",
            caption="../report/ising_output_table.rst",
            category="ising_phase",
            labels={"table": "mean output per temperature"},
        ),
    log:
        "results/logs/plot_ising_phase.log",
    benchmark:
        "results/benchmarks/plot_ising_phase.tsv"
    conda:
        "../../envs/plot_ising_phase.yaml"
    params:
        points=lambda wildcards: POINTS["ising_phase"],
        bands=ISING,
        code=package_code("plot_ising_phase.py"),
    script:
        "../scripts/plot_ising_phase.py"
