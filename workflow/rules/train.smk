rule train_model:
    input:
        train="results/data/train.parquet",
        validation="results/data/validation.parquet",
    output:
        model="results/studies/{study}/points/{point}/model.keras",
        history="results/studies/{study}/points/{point}/history.csv",
        gradients="results/studies/{study}/points/{point}/gradient_norms.csv",
        scaler="results/studies/{study}/points/{point}/scaler.json",
        info="results/studies/{study}/points/{point}/train_info.json",
    log:
        "results/logs/train_model/{study}/{point}.log",
    benchmark:
        "results/benchmarks/train_model/{study}/{point}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: config["resources"]["train_threads"]
    params:
        point=point_settings,
        code=package_code("train_model.py"),
    script:
        "../scripts/train_model.py"


# The boosted-trees baseline of the feature_sets study (Baldi et al.'s BDT).
rule train_gradient_boosting:
    input:
        train="results/data/train.parquet",
        validation="results/data/validation.parquet",
        test="results/data/test.parquet",
    output:
        "results/studies/feature_sets/gradient_boosting/{point}/metrics.json",
    log:
        "results/logs/train_gradient_boosting/{point}.log",
    benchmark:
        "results/benchmarks/train_gradient_boosting/{point}.tsv"
    conda:
        "../../envs/train_gradient_boosting.yaml"
    threads: config["resources"]["train_threads"]
    params:
        point=boosting_settings,
        code=package_code("train_gradient_boosting.py"),
    script:
        "../scripts/train_gradient_boosting.py"
