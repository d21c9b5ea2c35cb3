# Writes one small file: not worth a place in the cluster's queue.
localrules:
    record_config,


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
