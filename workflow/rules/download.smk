# Network and disk bound, not compute: run on the submit host, which on
# many clusters is the only one with internet access.
localrules:
    download_dataset,
    verify_dataset,


rule download_dataset:
    output:
        "resources/SUSY.csv.gz",
    log:
        "results/logs/download_dataset.log",
    benchmark:
        "results/benchmarks/download_dataset.tsv"
    conda:
        "../../envs/download.yaml"
    params:
        url=config["dataset"].get("url"),
        sha256=config["dataset"].get("sha256"),
        size=config["dataset"].get("size"),
        code=package_code("download_dataset.py"),
    script:
        "../scripts/download_dataset.py"


# A copy staged on disk (dataset.source: file) is checked, not downloaded.
rule verify_dataset:
    input:
        config["dataset"].get("path") or [],
    output:
        "results/data/dataset.sha256",
    log:
        "results/logs/verify_dataset.log",
    benchmark:
        "results/benchmarks/verify_dataset.tsv"
    conda:
        "../../envs/verify_dataset.yaml"
    params:
        sha256=config["dataset"].get("sha256"),
        size=config["dataset"].get("size"),
        code=package_code("verify_dataset.py"),
    script:
        "../scripts/verify_dataset.py"
