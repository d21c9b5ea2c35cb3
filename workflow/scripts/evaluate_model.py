"""Rule evaluate_model: test-set metrics of one grid point."""

from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    # Imported inside the log context: TensorFlow talks while it loads.
    from susy_dnn.evaluate import evaluate_point

    report = evaluate_point(
        snakemake.wildcards.point,
        snakemake.params.point,
        {part: snakemake.input[part] for part in ("train", "validation", "test")},
        {key: snakemake.input[key] for key in ("model", "scaler", "info")},
        snakemake.output[0],
        snakemake.threads,
        # The script's own checkout names the commit that produced the result.
        snakemake.scriptdir,
    )
    print("test metrics:", report["metrics"])
