"""Three example behaviour plug-ins, one per kind of replacement migsim allows.

* `wealth_aversion` adds an individual term: a numba-jitted function of one person's
  attributes that shifts the log-odds of moving (richer people move less);
* `home_bias` replaces the cell-level utility: the default utility plus a bonus for staying;
* `frozen` replaces the decision kernel: nobody moves, temporary visas still count down.

Each is an `migsim.model.behaviour.Behaviour` registered in the entry-point group
`migsim.behaviours` (pyproject.toml); the configs in `migsim_example/conf/behaviour/` select
them with `behaviour=example_wealth_aversion` etc. and set their parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from migsim.core.params import param
from migsim.kernels.migration import TEMPORARY
from migsim.model.behaviour import Behaviour, CellContext, default_utility

# Wealth (PPP $) at which the shift is -aversion * ln 2.
WEALTH_SCALE = 1e4


# Each plug-in declares its parameters with migsim's own `param(...)`: `behaviour.params` may
# set only these, each value is checked against its range, and the plug-in receives them all
# with the defaults filled in (`migsim behaviours` lists them).
@dataclass
class WealthAversionParams:
    aversion: float = param(
        0.3, range=(0.0, 10.0), doc="fall in the log-odds of moving per log1p(wealth / $10,000)"
    )


@dataclass
class HomeBiasParams:
    home_bias: float = param(
        0.5, range=(-20.0, 20.0), doc="utility bonus of staying home (logit units)"
    )


# Defaults of `behaviour.params` (kept for reference and tests).
WEALTH_AVERSION_PARAMS = {"aversion": 0.3}
HOME_BIAS_PARAMS = {"home_bias": 0.5}


# --- 1. individual term ---------------------------------------------------------------------


@numba.njit(nogil=True)
def wealth_aversion_term(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    """Shift of the log-odds of moving: -params[0] * log1p(wealth / 10,000).

    Called for every person at home, inside the parallel decision kernel. params is the
    float64 array of the declared parameters in order (here: [aversion]).
    """
    return -params[0] * np.log1p(max(wealth, 0.0) / WEALTH_SCALE)


wealth_aversion = Behaviour(
    "example_wealth_aversion",
    individual_term=wealth_aversion_term,
    description="individual term: richer people are less likely to move",
    params=WealthAversionParams,
)


# --- 2. utility replacement -----------------------------------------------------------------


def home_bias_utility(ctx: CellContext) -> np.ndarray:
    """Default utility V[o, s, g, b, d] plus `params.home_bias` on the stay entries d == o
    (migsim fills in the declared default, so ctx.params always holds it)."""
    V = default_utility(ctx)
    bias = float(ctx.params.get("home_bias", HOME_BIAS_PARAMS["home_bias"]))
    for o in range(V.shape[0]):
        V[o, ..., o] += bias
    return V


home_bias = Behaviour(
    "example_home_bias",
    utility=home_bias_utility,
    description="utility: default nested logit plus a bonus for staying",
    params=HomeBiasParams,
)


# --- 3. kernel replacement ------------------------------------------------------------------


@numba.njit(parallel=True, nogil=True)
def frozen_decide(key, year, n, people, cells, levers, tallies, params):
    """Replacement for migsim's decision kernel: nobody moves or returns.

    Arguments as every kernel plug-in receives them (migsim's docs/plugins.md, "Writing a
    behaviour plug-in"): people, cells, levers and tallies are bundles of migsim.kernels.bundles and
    params the float64 array of `behaviour.params`. Temporary visas still count down (but
    nobody is sent home at expiry); no move is counted, so the tallies stay zero.
    """
    # arrays are taken out of the bundles before the parallel loop: numba can lose writes
    # made through a tuple inside prange
    alive = people.alive
    origin = people.origin
    location = people.location
    status = people.status
    visa_years_left = people.visa_years_left
    n_chunks = tallies.moves.shape[0]
    chunk = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0 or location[i] == origin[i]:
                continue
            if status[i] == TEMPORARY and visa_years_left[i] > 0:
                visa_years_left[i] -= 1


frozen = Behaviour(
    "example_frozen",
    kernel=frozen_decide,
    description="kernel: nobody moves (migration frozen at the base year)",
)
