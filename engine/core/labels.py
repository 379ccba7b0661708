"""Labels of the cells every table is indexed by: ages and age bands, sexes, skills and legal
statuses. Their order is the order of the integer codes people carry and of array axes."""

from __future__ import annotations

MAX_AGE = 105  # ages are 0..MAX_AGE; everyone reaching MAX_AGE dies that year
N_AGES = MAX_AGE + 1
FEMALE, MALE = 0, 1
SEXES = ("female", "male")
SKILLS = ("low", "high")  # skill classes: non-tertiary, tertiary
# Education groups of the `skill` column (its codes 0, 1, 2); "high" skill is tertiary.
EDUCATION = ("primary", "secondary", "tertiary")
NATIVITIES = ("native", "immigrant")
# Age bands of cells (decision and output tables): the age-propensity bands of docs/model.md.
AGE_BAND_EDGES = (0, 15, 20, 25, 30, 35, 40, 50, 65, N_AGES)
AGE_BANDS = ("0-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-49", "50-64", "65+")
# Legal status codes (part of a person's state).
NATIVE, PERMANENT, TEMPORARY, IRREGULAR, INTRA_REGIONAL = 0, 1, 2, 3, 4
STATUSES = ("native", "permanent", "temporary", "irregular", "intra_regional")
