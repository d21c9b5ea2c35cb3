"""Column layout of the UCI SUSY dataset (Baldi, Sadowski, Whiteson 2014)."""

from ..labels import LABEL

LOW_LEVEL = (
    "lepton_1_pT",
    "lepton_1_eta",
    "lepton_1_phi",
    "lepton_2_pT",
    "lepton_2_eta",
    "lepton_2_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
)

HIGH_LEVEL = (
    "MET_rel",
    "axial_MET",
    "M_R",
    "M_TR_2",
    "R",
    "MT2",
    "S_R",
    "M_Delta_R",
    "dPhi_r_b",
    "cos_theta_r1",
)

FEATURES = LOW_LEVEL + HIGH_LEVEL

# File order: label first, then the 8 low-level and 10 high-level features.
COLUMNS = (LABEL,) + FEATURES

FEATURE_SETS = {
    "low": LOW_LEVEL,
    "high": HIGH_LEVEL,
    "all": FEATURES,
}
