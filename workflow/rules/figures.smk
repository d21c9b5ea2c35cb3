# Seconds of plotting each: not worth a place in the cluster's queue.
localrules:
    plot_learning_rate_vs_size,
    plot_feature_sets,
    plot_regularisation,
    plot_activations,
    plot_initialisation,
    plot_optimizers,
    plot_overtraining,


rule plot_learning_rate_vs_size:
    input:
        unpack(lambda wildcards: figure_inputs("learning_rate_vs_size")),
    output:
        accuracy_heatmap_png=report(
            "results/studies/learning_rate_vs_size/figures/accuracy_heatmap.png",
            caption="../report/accuracy_heatmap.rst",
            category="learning_rate_vs_size",
            labels={"figure": "test accuracy heat-map"},
        ),
        accuracy_heatmap_pdf="results/studies/learning_rate_vs_size/figures/accuracy_heatmap.pdf",
        learning_curves_png=report(
            "results/studies/learning_rate_vs_size/figures/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="learning_rate_vs_size",
            labels={"figure": "learning curves"},
        ),
        learning_curves_pdf="results/studies/learning_rate_vs_size/figures/learning_curves.pdf",
        roc_overlay_png=report(
            "results/studies/learning_rate_vs_size/figures/roc_overlay.png",
            caption="../report/roc_overlay.rst",
            category="learning_rate_vs_size",
            labels={"figure": "ROC curves"},
        ),
        roc_overlay_pdf="results/studies/learning_rate_vs_size/figures/roc_overlay.pdf",
    log:
        "results/logs/plot_learning_rate_vs_size.log",
    benchmark:
        "results/benchmarks/plot_learning_rate_vs_size.tsv"
    conda:
        "../../envs/plot_learning_rate_vs_size.yaml"
    params:
        settings=config["studies"].get("learning_rate_vs_size", {}),
        points=lambda wildcards: POINTS["learning_rate_vs_size"],
        real_data=DATASET["source"] != "simulation",
        code=package_code("plot_learning_rate_vs_size.py"),
    script:
        "../scripts/plot_learning_rate_vs_size.py"


rule plot_feature_sets:
    input:
        unpack(lambda wildcards: figure_inputs("feature_sets")),
    output:
        auc_comparison_png=report(
            "results/studies/feature_sets/figures/auc_comparison.png",
            caption="../report/auc_comparison.rst",
            category="feature_sets",
            labels={"figure": "AUC against the paper"},
        ),
        auc_comparison_pdf="results/studies/feature_sets/figures/auc_comparison.pdf",
        roc_overlay_png=report(
            "results/studies/feature_sets/figures/roc_overlay.png",
            caption="../report/roc_overlay.rst",
            category="feature_sets",
            labels={"figure": "ROC curves"},
        ),
        roc_overlay_pdf="results/studies/feature_sets/figures/roc_overlay.pdf",
        auc_table=report(
            "results/studies/feature_sets/auc_table.csv",
            caption="../report/auc_table.rst",
            category="feature_sets",
            labels={"table": "AUC against the paper"},
        ),
    log:
        "results/logs/plot_feature_sets.log",
    benchmark:
        "results/benchmarks/plot_feature_sets.tsv"
    conda:
        "../../envs/plot_feature_sets.yaml"
    params:
        settings=config["studies"].get("feature_sets", {}),
        points=lambda wildcards: POINTS["feature_sets"],
        real_data=DATASET["source"] != "simulation",
        code=package_code("plot_feature_sets.py"),
    script:
        "../scripts/plot_feature_sets.py"


rule plot_regularisation:
    input:
        unpack(lambda wildcards: figure_inputs("regularisation")),
    output:
        learning_curves_png=report(
            "results/studies/regularisation/figures/learning_curves.png",
            caption="../report/regularisation_curves.rst",
            category="regularisation",
            labels={"figure": "learning curves"},
        ),
        learning_curves_pdf="results/studies/regularisation/figures/learning_curves.pdf",
        generalisation_gap_png=report(
            "results/studies/regularisation/figures/generalisation_gap.png",
            caption="../report/generalisation_gap.rst",
            category="regularisation",
            labels={"figure": "generalisation gap"},
        ),
        generalisation_gap_pdf="results/studies/regularisation/figures/generalisation_gap.pdf",
    log:
        "results/logs/plot_regularisation.log",
    benchmark:
        "results/benchmarks/plot_regularisation.tsv"
    conda:
        "../../envs/plot_regularisation.yaml"
    params:
        settings=config["studies"].get("regularisation", {}),
        points=lambda wildcards: POINTS["regularisation"],
        real_data=DATASET["source"] != "simulation",
        code=package_code("plot_regularisation.py"),
    script:
        "../scripts/plot_regularisation.py"


rule plot_activations:
    input:
        unpack(lambda wildcards: figure_inputs("activations")),
    output:
        gradient_norms_png=report(
            "results/studies/activations/figures/gradient_norms.png",
            caption="../report/gradient_norms.rst",
            category="activations",
            labels={"figure": "gradient norm per layer"},
        ),
        gradient_norms_pdf="results/studies/activations/figures/gradient_norms.pdf",
        accuracy_heatmap_png=report(
            "results/studies/activations/figures/accuracy_heatmap.png",
            caption="../report/activation_heatmap.rst",
            category="activations",
            labels={"figure": "test accuracy heat-map"},
        ),
        accuracy_heatmap_pdf="results/studies/activations/figures/accuracy_heatmap.pdf",
    log:
        "results/logs/plot_activations.log",
    benchmark:
        "results/benchmarks/plot_activations.tsv"
    conda:
        "../../envs/plot_activations.yaml"
    params:
        settings=config["studies"].get("activations", {}),
        points=lambda wildcards: POINTS["activations"],
        real_data=DATASET["source"] != "simulation",
        code=package_code("plot_activations.py"),
    script:
        "../scripts/plot_activations.py"


rule plot_initialisation:
    input:
        unpack(lambda wildcards: figure_inputs("initialisation")),
    output:
        phase_diagram_png=report(
            "results/studies/initialisation/figures/phase_diagram.png",
            caption="../report/phase_diagram.rst",
            category="initialisation",
            labels={"figure": "order-to-chaos phase diagram"},
        ),
        phase_diagram_pdf="results/studies/initialisation/figures/phase_diagram.pdf",
    log:
        "results/logs/plot_initialisation.log",
    benchmark:
        "results/benchmarks/plot_initialisation.tsv"
    conda:
        "../../envs/plot_initialisation.yaml"
    params:
        settings=config["studies"].get("initialisation", {}),
        points=lambda wildcards: POINTS["initialisation"],
        real_data=DATASET["source"] != "simulation",
        code=package_code("plot_initialisation.py"),
    script:
        "../scripts/plot_initialisation.py"


rule plot_optimizers:
    input:
        unpack(lambda wildcards: figure_inputs("optimizers")),
    output:
        loss_curves_png=report(
            "results/studies/optimizers/figures/loss_curves.png",
            caption="../report/optimizer_loss_curves.rst",
            category="optimizers",
            labels={"figure": "validation loss per epoch and per second"},
        ),
        loss_curves_pdf="results/studies/optimizers/figures/loss_curves.pdf",
        optimizer_ranking_png=report(
            "results/studies/optimizers/figures/optimizer_ranking.png",
            caption="../report/optimizer_ranking.rst",
            category="optimizers",
            labels={"figure": "optimisers ranked"},
        ),
        optimizer_ranking_pdf="results/studies/optimizers/figures/optimizer_ranking.pdf",
        optimizer_table=report(
            "results/studies/optimizers/optimizer_table.csv",
            caption="../report/optimizer_table.rst",
            category="optimizers",
            labels={"table": "optimisers at their chosen learning rates"},
        ),
    log:
        "results/logs/plot_optimizers.log",
    benchmark:
        "results/benchmarks/plot_optimizers.tsv"
    conda:
        "../../envs/plot_optimizers.yaml"
    params:
        # The target loss; no published numbers to set beside the results.
        settings=config["studies"].get("optimizers", {}),
        code=package_code("plot_optimizers.py"),
    script:
        "../scripts/plot_optimizers.py"


# The setting each study chose, on its training and test events; the chosen
# point's metrics.json is known only once selection.json is written, so the
# rule reads them all.
rule plot_overtraining:
    input:
        selection="results/studies/{study}/selection.json",
    output:
        png=report(
            "results/studies/{study}/figures/overtraining.png",
            caption="../report/overtraining.rst",
            category="{study}",
            labels={"figure": "overtraining check"},
        ),
        pdf="results/studies/{study}/figures/overtraining.pdf",
    log:
        "results/logs/plot_overtraining/{study}.log",
    benchmark:
        "results/benchmarks/plot_overtraining/{study}.tsv"
    conda:
        "../../envs/plot_overtraining.yaml"
    params:
        code=package_code("plot_overtraining.py"),
    script:
        "../scripts/plot_overtraining.py"
