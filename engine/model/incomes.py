"""Incomes a decision compares: base-year wages per worker and expected net income by
corridor (docs/model.md, incomes). Pure functions of the world tables and the wages in force."""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.world import World


def base_wages(world: World) -> np.ndarray:
    """Annual wage per worker (R, 2) [region, skill], PPP $ of the base year.

    Labour income = labour_share x GDP; workers = employment_rate x residents aged 15-64;
    tertiary workers earn skill_premium times non-tertiary ones.
    """
    working = world.resident_pyramid[:, :, 15:65].sum(axis=(1, 2))
    workers = world.employment_rate * working
    per_worker = world.labour_share * world.gdp_per_capita * world.population / workers
    t, prem = world.tertiary_share, world.skill_premium
    low = per_worker / (1.0 - t + t * prem)
    return np.stack([low, low * prem], axis=1)


def expected_income(
    world: World, wages: np.ndarray, conf: Any, credential_scale: float = 1.0
) -> np.ndarray:
    """Expected net income y[o, d, s] (R, R, 2) of an o-born person of skill s living in d.

    wages: (R, 2, 2) [region, skill, nativity] or (R, 2). Abroad the wage is that of
    immigrants times the credential-transfer factor kappa_s (capped at 1).
    """
    R = world.n_regions
    if wages.ndim == 2:
        wages = np.stack([wages, wages], axis=2)
    net = (1.0 - world.tax_rate) * world.employment_rate
    kappa = np.minimum(
        1.0,
        credential_scale * np.array([conf.credential_transfer_low, conf.credential_transfer_high]),
    )
    y = np.empty((R, R, 2))
    for o in range(R):
        y[o] = wages[:, :, 1] * kappa[None, :] * net[:, None]
        y[o, o] = wages[o, :, 0] * net[o]
    return y


def price_level(world) -> np.ndarray:
    """US$ per PPP $ by region (the US's 1): the world's Penn World Table price levels
    (migsim.core.world_prices), computed for a world that was not loaded with them."""
    if getattr(world, "price_level", None) is not None:
        return world.price_level
    from migsim.core.world_prices import price_levels

    return price_levels(world.name, world.codes, world.base_year, world.gdp_per_capita)[0]


def levy_value(price: np.ndarray) -> np.ndarray:
    """(R, R) [location, origin]: what one PPP $ of a levy paid where an emigrant lives is
    worth at the origin, in the origin's PPP $: the location's US$ per PPP $ over the
    origin's (the levy is paid in the location's money and spent at the origin)."""
    price = np.asarray(price, dtype=np.float64)
    return price[:, None] / price[None, :]


def year_price_level(sim, base: np.ndarray) -> np.ndarray:
    """The year's US$ per PPP $ by region: the scenario's `price_level` path where it has
    one (migsim.scenarios.exogenous), else `base` (the world's base-year levels)."""
    exo = getattr(sim, "exogenous", None)
    return base if exo is None or exo.price_level is None else exo.price_level
