"""Employer-tied permits in the Gulf (docs/model.md §3.7): in the status quo every regular
migrant into a member of the GCC bloc from outside it, in the base-year stock and among new
entrants, holds a temporary permit without a fixed term, which never expires and is left at
the temporary return hazard; nowhere else does the status quo issue temporary permits."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.people.population import IRREGULAR, PERMANENT, TEMPORARY, synthesise_population
from migsim.regimes import (
    apply_regime,
    bloc_matrix,
    entry_temporary_share,
    initial_irregular_share,
    status_quo,
    tied_corridors,
)


@pytest.mark.parametrize("name", ["default", "corridors"])
def test_tied_corridors_are_the_gulf_from_outside_its_bloc(name):
    world = load_world(name)
    tied = tied_corridors(world)
    gulf = np.array([b == "GCC" for b in world.bloc])
    assert gulf.any()
    same = bloc_matrix(world)
    assert not tied[:, ~gulf].any()  # only Gulf destinations
    assert not tied[same].any() and not np.diag(tied).any()  # nor from inside the bloc
    outside = ~gulf
    assert tied[np.ix_(outside, gulf)].all()  # every origin outside it, into every member
    if gulf.sum() > 1:  # the corridors world: SAU, ARE and the rest of the GCC move freely
        assert not tied[np.ix_(gulf, gulf)].any()


def test_status_quo_admits_the_gulf_s_regular_entrants_on_open_ended_permits():
    world = load_world("default")
    R = world.n_regions
    policy = status_quo(world, np.zeros((R, R, 2)))
    tied = tied_corridors(world)
    share = entry_temporary_share(policy)
    np.testing.assert_allclose(share[tied], 1.0 - policy.irregular_share[tied])
    assert (share[~tied] == 0).all()
    gcc = world.index("GCC")
    assert policy.visa_years[gcc] == 0
    assert (np.delete(policy.visa_years, gcc) == 2).all()
    # a regime that shrinks the irregular channel leaves every regular entrant tied
    regime = OmegaConf.create({"components": [{"kind": "enforcement", "factor": 0.5}]})
    strict = apply_regime(regime, world, policy)
    share = entry_temporary_share(strict)
    np.testing.assert_allclose(share[tied], 1.0 - strict.irregular_share[tied])
    # without tied corridors the policy's own shares stand
    policy.tied = None
    assert (entry_temporary_share(policy) == policy.temporary_share).all()


def test_the_base_year_stock_in_the_gulf_holds_tied_permits():
    world = load_world("default")
    pop = synthesise_population(
        world, 400_000, run_key(5), irregular_share=initial_irregular_share(world)
    )
    n = pop.n
    o, loc, st = pop.origin[:n], pop.location[:n], pop.status[:n]
    abroad = (o != loc) & (st != 4)
    tied = tied_corridors(world)[o, loc]
    regular = abroad & (st != IRREGULAR)
    assert (st[regular & tied] == TEMPORARY).all() and (regular & tied).sum() > 500
    assert (st[regular & ~tied] == PERMANENT).all()
    assert (pop.visa_years_left[:n][abroad] == 0).all()  # no fixed term anywhere
    # (their years abroad follow the temporary hazard's steady state: tests/test_durations.py
    # checks every corridor and status against the duration model)
