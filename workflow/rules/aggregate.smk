# Seconds of table work: not worth a place in the cluster's queue.
localrules:
    aggregate_study,


rule aggregate_study:
    input:
        unpack(study_inputs),
    output:
        table=report(
            "results/studies/{study}/metrics.csv",
            caption="../report/metrics_table.rst",
            category="{study}",
            labels={"table": "every run"},
        ),
        summary=report(
            "results/studies/{study}/summary.csv",
            caption="../report/summary_table.rst",
            category="{study}",
            labels={"table": "mean ± std over seeds"},
        ),
        ranked=report(
            "results/studies/{study}/ranked.html",
            caption="../report/ranked_table.rst",
            category="{study}",
            labels={"table": "settings ranked on validation"},
        ),
        selection=report(
            "results/studies/{study}/selection.txt",
            caption="../report/selection.rst",
            category="{study}",
            labels={"table": "selected setting and its test score"},
        ),
        # The same, for the report's summary page and the overtraining figure.
        selection_json="results/studies/{study}/selection.json",
        grid_edge=report(
            "results/studies/{study}/grid_edge.txt",
            caption="../report/grid_edge.rst",
            category="{study}",
            labels={"table": "grid-edge check"},
        ),
    log:
        "results/logs/aggregate_study/{study}.log",
    benchmark:
        "results/benchmarks/aggregate_study/{study}.tsv"
    conda:
        "../../envs/aggregate.yaml"
    params:
        metric=lambda wildcards: selection_metric(
            wildcards.study, config["studies"][wildcards.study]
        ),
        group=lambda wildcards: SELECTION_GROUPS.get(wildcards.study),
        code=package_code("aggregate_study.py"),
    script:
        "../scripts/aggregate_study.py"
