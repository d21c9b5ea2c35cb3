"""The column that every data set's events carry: what a network learns."""

# 1 for a SUSY signal event or an ordered Ising configuration, 0 for a
# background event or a disordered configuration.
LABEL = "label"
