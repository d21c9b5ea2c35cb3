"""Rule compare_simulation: simulated vs real columns, with KS statistics."""

from physics_dnn.rule_io import logged_to

with logged_to(snakemake.log[0]):
    import pandas as pd

    from physics_dnn.atomic import atomic_path
    from physics_dnn.susy.compare import ks_table, plot_comparison
    from physics_dnn.susy.ingest import read_uci

    simulated = read_uci(snakemake.input.simulated)
    real = read_uci(snakemake.input.reference)
    rows = ks_table(simulated, real)
    with atomic_path(snakemake.output.table) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False, float_format="%.4f")
    plot_comparison(simulated, real, rows, [snakemake.output.png, snakemake.output.pdf])
    worst = max(rows, key=lambda row: row["ks"])
    print(
        f"largest KS statistic: {worst['ks']:.3f} ({worst['column']}, {worst['class']})"
    )
