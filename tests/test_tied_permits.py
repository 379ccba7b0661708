"""Employer-tied permits in the Gulf (docs/model.md §3.7): in the status quo every regular
migrant into a member of the GCC bloc from outside it, in the base-year stock and among new
entrants, holds a temporary permit without a fixed term, which never expires and is left at
the temporary return hazard; nowhere else does the status quo issue temporary permits."""

from __future__ import annotations

import numpy as np
import polars as pl
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


def test_settlement_unties_the_covered_corridors_and_settles_their_stock_once():
    world = load_world("default")
    R = world.n_regions
    base = status_quo(world, np.zeros((R, R, 2)))
    tied = tied_corridors(world)
    sas, eas = world.index("SAS"), world.index("EAS")
    part = OmegaConf.create({"components": [{"kind": "settlement", "origins": ["SAS"]}]})
    policy = apply_regime(part, world, base)
    assert tied[sas].any() and not policy.tied[sas].any()  # South Asia's corridors untied
    np.testing.assert_array_equal(policy.tied[eas], tied[eas])  # the others still tied
    np.testing.assert_array_equal(policy.settle, tied & (np.arange(R) == sas)[:, None])
    share = entry_temporary_share(policy)
    assert (share[sas] == 0).all() and (share[eas][tied[eas]] > 0).all()
    # new entries only: nobody present changes status
    entries = OmegaConf.create({"components": [{"kind": "settlement", "stock": False}]})
    policy = apply_regime(entries, world, base)
    assert not policy.tied.any() and policy.settle is None
    assert (entry_temporary_share(policy) == 0).all()
    assert base.tied.any() and base.settle is None  # the status quo is left as it was


def test_settlement_refuses_a_stock_that_is_not_a_boolean():
    from migsim.core.errors import InputError

    world = load_world("default")
    R = world.n_regions
    bad = OmegaConf.create({"components": [{"kind": "settlement", "stock": "yes"}]})
    with pytest.raises(InputError, match=r"regime.components\[0\].stock.*'yes'.*true, false"):
        apply_regime(bad, world, status_quo(world, np.zeros((R, R, 2))))


def test_gulf_settlement_run_makes_the_gulf_s_migrants_settlers(run_toy, tmp_path):
    """The same seed with and without the regime: in its first year every tied permit in the
    Gulf becomes permanent and no new one is issued, so no temporary permit is left there;
    settlers leave at the lower hazard, so the Gulf keeps more of its migrants."""
    common = ("world=default", "population.size=60000", "years=3")
    quo = run_toy(tmp_path / "quo", *common)
    settled = run_toy(tmp_path / "settled", *common, "regime=gulf_settlement")
    last = quo.stocks["year"].max()

    def gulf(run, status=None):
        s = run.stocks.filter(
            (pl.col("year") == last) & (pl.col("location") == "GCC") & (pl.col("origin") != "GCC")
        )
        if status is not None:
            s = s.filter(pl.col("status") == status)
        return float(s["people"].sum())

    assert gulf(quo, "temporary") > 0.5 * gulf(quo)  # the status quo's Gulf: tied permits
    assert gulf(settled, "temporary") == 0.0
    assert gulf(settled, "permanent") > 0.8 * gulf(settled)
    assert gulf(settled) > 1.02 * gulf(quo)
