rule evaluate_model:
    input:
        train="results/data/train.parquet",
        test="results/data/test.parquet",
        model="results/grid/{point}/model.keras",
        scaler="results/grid/{point}/scaler.json",
        info="results/grid/{point}/train_info.json",
    output:
        "results/grid/{point}/metrics.json",
    log:
        "results/logs/evaluate_model/{point}.log",
    benchmark:
        "results/benchmarks/evaluate_model/{point}.tsv"
    conda:
        "../../envs/evaluate.yaml"
    threads: 1
    params:
        point=point_settings,
    script:
        "../scripts/evaluate_model.py"
