"""Rule split_events: training, validation and test Parquet files."""

from physics_dnn.rule_io import logged_to
from physics_dnn.split import split_events

with logged_to(snakemake.log[0]):
    sizes = split_events(
        snakemake.input[0], dict(snakemake.output.items()), snakemake.params.settings
    )
    print("rows per part:", sizes)
