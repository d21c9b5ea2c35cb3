"""Rule train_model: one network for one grid point."""

from susy_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    # Imported inside the log context: TensorFlow talks while it loads.
    from susy_dnn.train import train_point

    info = train_point(
        snakemake.params.point,
        snakemake.input.train,
        snakemake.input.validation,
        dict(snakemake.output.items()),
        snakemake.threads,
    )
    print("trained:", info)
