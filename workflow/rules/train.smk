# One job per pack of grid points (physics_dnn.packing): small points share a
# process and its start-up, a big point has a job of its own. The job scores
# each network on the test, validation and training events (and a data
# set's further evaluation sets) as it finishes.
# On a cluster its time, memory and partition follow from its size
# (physics_dnn.job_resources); a job without a GPU joins the group CPU_TRAINING.
for study, packs in PACKS.items():
    for pack, names in packs.items():
        pack_settings = [POINTS[study][name] for name in names]

        rule:
            name:
                f"train_{study}_{pack}"
            input:
                **EVALUATION_FILES,
            output:
                [path for name in names for path in point_outputs(study, name).values()],
            log:
                f"results/logs/train/{study}/{pack}.log",
            benchmark:
                f"results/benchmarks/train/{study}/{pack}.tsv"
            group:
                None
                if uses_gpu(pack_settings, config["resources"], INPUT_WIDTHS)
                else CPU_TRAINING
            conda:
                "../../envs/train.yaml"
            threads: config["resources"]["train_threads"]
            resources:
                **training_resources(
                    pack_settings, config["resources"], INPUT_WIDTHS, DATA_VALUES
                ),
            params:
                points={name: POINTS[study][name] for name in names},
                outputs={name: point_outputs(study, name) for name in names},
                checkpoint_seconds=config["resources"]["checkpoint_seconds"],
                output_by=MEAN_OUTPUT_BY,
                code=package_code("train_pack.py"),
            script:
                "../scripts/train_pack.py"


# The boosted-trees baselines of the feature_sets study (Baldi et al.'s BDT):
# one job, one process, as their fits take seconds on the default config.
rule train_gradient_boosting:
    input:
        **SPLIT_FILES,
    output:
        list(BOOSTING_OUTPUTS.values()),
    log:
        "results/logs/train_gradient_boosting.log",
    benchmark:
        "results/benchmarks/train_gradient_boosting.tsv"
    # Submitted with the training jobs without a GPU, so on their partition:
    # the jobs of a group must all ask for the same one.
    group:
        CPU_TRAINING
    conda:
        "../../envs/train_gradient_boosting.yaml"
    threads: config["resources"]["train_threads"]
    resources:
        slurm_partition=config["resources"]["cpu_partition"],
    params:
        points=BOOSTING_POINTS,
        outputs=BOOSTING_OUTPUTS,
        code=package_code("train_gradient_boosting.py"),
    script:
        "../scripts/train_gradient_boosting.py"
