"""The cost distributions of the education choice (migsim.steps.education; docs/model.md §2)
and the declarations of their settings (EconomyConf), kept apart from the step so that the
economy's config can name them without importing a step."""

from __future__ import annotations

import math

import numpy as np

# economy.brain_gain_elasticity and economy.education_response
ELASTICITY_DOC = "BDR 2008 short-run elasticity of H_ex [V]"
RESPONSES = ("threshold", "logistic", "loglinear")
RESPONSE_DOC = (
    "H_ex's cost distribution: threshold (log-normal costs, the response rises as an "
    "origin's tertiary share falls), logistic (the earlier rule) [A], or loglinear (Beine, "
    "Docquier & Rapoport's reduced form: ln H_ex linear in ln p_s, the same elasticity at "
    "every origin, wages left out)"
)
# loglinear: the skilled emigration prospect's floor (ln 0 is not a prospect) and H_ex's cap
PROSPECT_FLOOR = 1e-4
SHARE_CAP = 0.99


def capped_exp(x: np.ndarray) -> np.ndarray:
    """min(e^x, SHARE_CAP): the loglinear response's H_ex from ln H_ex."""
    return np.minimum(np.exp(np.minimum(x, 0.0)), SHARE_CAP)


_ERF = np.vectorize(math.erf, otypes=[float])


def logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z), elementwise (math.erf: the same bits on every machine numpy runs on)."""
    return 0.5 * (1.0 + _ERF(np.asarray(z, dtype=float) / math.sqrt(2.0)))


def normal_quantile(q: np.ndarray) -> np.ndarray:
    """Phi^-1(q) by bisection on [-10, 10] (q in (0, 1))."""
    q = np.asarray(q, dtype=float)
    lo, hi = np.full_like(q, -10.0), np.full_like(q, 10.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        below = normal_cdf(mid) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)
