"""Rules train_<study>_<pack>: train and score the grid points of one pack."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    # Imported inside the log context: TensorFlow talks while it loads.
    from physics_dnn.pack_training import train_and_score_pack

    scores = train_and_score_pack(
        snakemake.params.points,
        # train, validation, test and the data set's further evaluation sets
        dict(snakemake.input.items()),
        snakemake.params.outputs,
        snakemake.threads,
        snakemake.params.checkpoint_seconds,
        # The script's own checkout names the commit that produced the result.
        snakemake.scriptdir,
        snakemake.params.output_by,
    )
    print("test accuracy:", {name: s["accuracy"] for name, s in scores.items()})
