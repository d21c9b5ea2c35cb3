rule train_model:
    input:
        train="results/data/train.parquet",
        validation="results/data/validation.parquet",
    output:
        model="results/grid/{point}/model.keras",
        history="results/grid/{point}/history.csv",
        gradients="results/grid/{point}/gradient_norms.csv",
        scaler="results/grid/{point}/scaler.json",
        info="results/grid/{point}/train_info.json",
    log:
        "results/logs/train_model/{point}.log",
    benchmark:
        "results/benchmarks/train_model/{point}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: config["resources"]["train_threads"]
    params:
        point=point_settings,
    script:
        "../scripts/train_model.py"
