"""Rule ingest_events: UCI CSV(.gz) to validated Parquet."""

from physics_dnn.rule_io import logged_to
from physics_dnn.susy.ingest import ingest_csv

with logged_to(snakemake.log[0]):
    rows = ingest_csv(snakemake.input.csv, snakemake.output[0])
    print(f"ingested {rows} rows from {snakemake.input.csv}")
