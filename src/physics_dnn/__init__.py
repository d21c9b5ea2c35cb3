"""SUSY signal/background classification with feedforward networks.

The package holds all logic of the Snakemake workflow: the built-in event
simulation, the physics formulas of the high-level columns, ingestion, the
train/validation/test split, training grids, evaluation and figures. Modules
import their heavy dependencies (TensorFlow, matplotlib) themselves, so each
rule's environment needs only what its own module uses.
"""

__version__ = "0.1.0"
