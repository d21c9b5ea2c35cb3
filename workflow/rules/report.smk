from snakemake import __version__ as SNAKEMAKE_VERSION  # noqa: E402

from susy_dnn.studies import HEADLINE_FIGURES  # noqa: E402


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


def current_benchmarks():
    """The benchmark files of this config's jobs: not those of the packs or
    studies of an earlier config that linger in results/benchmarks."""
    files = []
    for rule in workflow.rules:
        if rule.benchmark:
            files += expand(str(rule.benchmark), study=POINTS, allow_missing=True)
    return files


def summary_inputs(wildcards):
    """Every study's selection and headline figure, every point's metrics
    (for the software versions), the data, and the other final outputs (so
    that every job's benchmark file is there to sum)."""
    return {
        "selections": [f"results/studies/{study}/selection.json" for study in POINTS],
        "headlines": [
            f"results/studies/{study}/figures/{HEADLINE_FIGURES[study]}.png"
            for study in POINTS
        ],
        "metrics": [
            path for study in POINTS for path in point_files(study, "metrics.json")
        ]
        + list(BOOSTING_OUTPUTS.values()),
        "events": events_csv(),
        "outputs": study_outputs() + simulation_comparison(),
        **SPLIT_FILES,
    }


# The HTML report does not show the config by itself: record the one used.
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
