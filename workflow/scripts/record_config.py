"""Rule record_config: the config of this run, for the report."""

from physics_dnn.config_record import write_config
from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    write_config(snakemake.params.config, snakemake.output[0])
