"""Rule download_dataset: fetch the UCI file with retries, resume and checksum."""

from physics_dnn.download import download
from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    download(
        snakemake.params.url,
        snakemake.output[0],
        snakemake.params.sha256,
        snakemake.params.size,
    )
