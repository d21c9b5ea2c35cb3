"""The SUSY data set (Baldi, Sadowski, Whiteson 2014): the UCI file's columns
and format, its download and ingest, the built-in event simulation, the
physics formulas of the high-level features, and the simulation's check
against real events."""
