rule split_events:
    input:
        events_parquet(),
    output:
        train="results/data/train.parquet",
        validation="results/data/validation.parquet",
        test="results/data/test.parquet",
    log:
        "results/logs/split_events.log",
    benchmark:
        "results/benchmarks/split_events.tsv"
    conda:
        "../../envs/split.yaml"
    params:
        settings=config["split"],
        code=package_code("split_events.py"),
    script:
        "../scripts/split_events.py"
