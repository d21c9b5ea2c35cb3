rule ingest_events:
    input:
        unpack(ingest_inputs),
    output:
        "results/data/events.parquet",
    log:
        "results/logs/ingest_events.log",
    benchmark:
        "results/benchmarks/ingest_events.tsv"
    conda:
        "../../envs/ingest.yaml"
    params:
        code=package_code("ingest_events.py"),
    script:
        "../scripts/ingest_events.py"
