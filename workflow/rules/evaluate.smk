rule evaluate_model:
    input:
        train="results/data/train.parquet",
        validation="results/data/validation.parquet",
        test="results/data/test.parquet",
        model="results/studies/{study}/points/{point}/model.keras",
        scaler="results/studies/{study}/points/{point}/scaler.json",
        info="results/studies/{study}/points/{point}/train_info.json",
    output:
        "results/studies/{study}/points/{point}/metrics.json",
    log:
        "results/logs/evaluate_model/{study}/{point}.log",
    benchmark:
        "results/benchmarks/evaluate_model/{study}/{point}.tsv"
    conda:
        "../../envs/evaluate.yaml"
    threads: 1
    params:
        point=point_settings,
        code=package_code("evaluate_model.py"),
    script:
        "../scripts/evaluate_model.py"
