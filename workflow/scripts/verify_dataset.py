"""Rule verify_dataset: check a staged copy of the dataset against its sha256."""

from physics_dnn.atomic import atomic_path
from physics_dnn.download import verify_file
from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    digest = verify_file(
        snakemake.input[0], snakemake.params.sha256, snakemake.params.size
    )
    with atomic_path(snakemake.output[0]) as tmp:
        tmp.write_text(f"{digest}  {snakemake.input[0]}\n")
    print(f"{snakemake.input[0]}: sha256 {digest}, as expected")
