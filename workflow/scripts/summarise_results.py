"""Rule summarise_results: the report's first page, results at a glance."""

from pathlib import Path

from physics_dnn.rule_io import logged_to
from physics_dnn.summary_page import data_facts, run_facts, write_summary_page

with logged_to(snakemake.log[0]):
    studies = snakemake.params.studies
    splits = {part: snakemake.input[part] for part in ("train", "validation", "test")}
    write_summary_page(
        snakemake.input.intro,
        dict(zip(studies, snakemake.input.selections, strict=True)),
        dict(zip(studies, snakemake.input.headlines, strict=True)),
        data_facts(
            snakemake.params.dataset,
            snakemake.params.simulation,
            snakemake.input.events,
            splits,
        ),
        run_facts(
            snakemake.params.benchmarks,
            [Path(path).parent / "metrics.csv" for path in snakemake.input.selections],
        ),
        {"snakemake": snakemake.params.snakemake_version},
        snakemake.output[0],
    )
