# Write small files: not worth a place in the cluster's queue.
localrules:
    record_config,
    summarise_results,


SUMMARY_PAGE = "results/report/summary.rst"


# The report opens on the results at a glance once a run has written them
# (rule summarise_results), before that on the workflow's description.
report:
    os.path.abspath(SUMMARY_PAGE)
    if os.path.exists(SUMMARY_PAGE)
    else "../report/workflow.rst"


rule record_config:
    output:
        report(
            "results/report/config.yaml",
            caption="../report/config.rst",
            category="Configuration",
            labels={"file": "config used for this run"},
        ),
    log:
        "results/logs/record_config.log",
    benchmark:
        "results/benchmarks/record_config.tsv"
    conda:
        "../../envs/record_config.yaml"
    params:
        config=config,
        code=package_code("record_config.py"),
    script:
        "../scripts/record_config.py"


rule summarise_results:
    input:
        unpack(summary_inputs),
        intro=Path(workflow.basedir) / "workflow" / "report" / "workflow.rst",
    output:
        SUMMARY_PAGE,
    log:
        "results/logs/summarise_results.log",
    benchmark:
        "results/benchmarks/summarise_results.tsv"
    conda:
        "../../envs/summarise_results.yaml"
    params:
        studies=list(POINTS),
        dataset=DATASET,
        simulation=SIMULATION,
        snakemake_version=SNAKEMAKE_VERSION,
        benchmarks=lambda wildcards: current_benchmarks(),
        code=package_code("summarise_results.py"),
    script:
        "../scripts/summarise_results.py"
