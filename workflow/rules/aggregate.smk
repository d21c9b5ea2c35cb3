rule aggregate_metrics:
    input:
        expand("results/grid/{point}/metrics.json", point=POINTS),
    output:
        report(
            "results/tables/metrics.csv",
            caption="../report/metrics_table.rst",
            category="Grid study",
            labels={"table": "test metrics of every grid point"},
        ),
    log:
        "results/logs/aggregate_metrics.log",
    conda:
        "../../envs/aggregate.yaml"
    script:
        "../scripts/aggregate_metrics.py"


rule plot_figures:
    input:
        table="results/tables/metrics.csv",
        metrics=expand("results/grid/{point}/metrics.json", point=POINTS),
        histories=expand("results/grid/{point}/history.csv", point=POINTS),
    output:
        heatmap_png=report(
            "results/figures/accuracy_heatmap.png",
            caption="../report/accuracy_heatmap.rst",
            category="Grid study",
            labels={"figure": "test accuracy heat-map"},
        ),
        heatmap_pdf="results/figures/accuracy_heatmap.pdf",
        learning_png=report(
            "results/figures/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Grid study",
            labels={"figure": "learning curves"},
        ),
        learning_pdf="results/figures/learning_curves.pdf",
        roc_png=report(
            "results/figures/roc_overlay.png",
            caption="../report/roc_overlay.rst",
            category="Grid study",
            labels={"figure": "ROC curves"},
        ),
        roc_pdf="results/figures/roc_overlay.pdf",
    log:
        "results/logs/plot_figures.log",
    conda:
        "../../envs/plots.yaml"
    params:
        points=list(POINTS),
        heatmap=config["plots"]["heatmap"],
    script:
        "../scripts/plot_figures.py"
