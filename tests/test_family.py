"""Returns respond to family (the `family` column): close family left at origin raises the
return hazard by exp(b_fam), family reunification (a regime lever) ends it, temporary visa
holders are never joined, and a return home resets the flag. Cohorts of migrants are run
through the real migration step (kernel, destination scales, calibration of the default
world), so each figure is the model's, not a formula's."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.config import PopulationConf
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.model.behaviour import DEFAULT, BehaviourConf
from migsim.model.calibration import load_calibration
from migsim.people.population import PERMANENT, TEMPORARY, Population
from migsim.regimes import status_quo
from migsim.regimes.registry import apply_component
from migsim.runtime.simulation import Simulation
from migsim.steps.migration import MigrationStep

N = 40_000
YEARS = 5


@pytest.fixture(scope="module")
def setting():
    world = load_world("default")
    conf, pop_conf = BehaviourConf(), PopulationConf()
    return world, conf, pop_conf, load_calibration(world, conf, pop_conf)


def _cohort(setting, apart: float, status: int = PERMANENT, components=(), seed: int = 7):
    """N migrants aged 30 in the first developed region, origins split as its base-year
    stock, a share `apart` of them with close family at origin, run YEARS years under the
    status quo plus `components`: (share that left, the people, their destination, who
    never left)."""
    world, conf, pop_conf, cal = setting
    d = int(np.flatnonzero(world.developed)[0])
    weight = world.migrant_stock[:, d].copy()
    weight[d] = 0.0
    counts = np.floor(weight / weight.sum() * N).astype(np.int64)
    counts[np.argmax(counts)] += N - counts.sum()
    pop = Population.empty(2 * N, np.ones(world.n_regions))
    pop.person_id[:N] = np.arange(N)
    pop.alive[:N] = 1
    pop.age[:N] = 30
    pop.sex[:N] = np.arange(N) % 2
    pop.origin[:N] = np.repeat(np.arange(world.n_regions), counts)
    pop.location[:N] = d
    pop.status[:N] = status
    pop.visa_years_left[:N] = 10 if status == TEMPORARY else 0  # no expiry in the run
    pop.family[:N] = np.random.default_rng(seed).random(N) < apart
    pop.n = pop.next_id = N
    policy = status_quo(world, cal.policy_cost)
    for i, component in enumerate(components):
        apply_component(policy, world, component, i)
    sim = Simulation(world, pop, run_key(seed), world.base_year)
    sim.steps = [MigrationStep(sim, conf, pop_conf, DEFAULT, cal, policy)]
    sim.record(world.base_year)
    gone = np.zeros(N, dtype=bool)
    for _ in range(YEARS):
        sim.step()
        gone |= (pop.alive[:N] == 1) & (pop.location[:N] != d)
    return float(gone.mean()), pop, d, ~gone


def _se(p: float) -> float:
    return float(np.sqrt(p * (1 - p) / N))


def test_families_left_behind_raise_returns(setting):
    rates = [_cohort(setting, share)[0] for share in (0.0, 0.5, 1.0)]
    for low, high in zip(rates, rates[1:]):
        assert high - low > 5 * np.hypot(_se(low), _se(high)), rates
    # with b_fam = 0 the flag changes nothing: the same draws give the same returns
    world, conf, pop_conf, cal = setting
    flat = (world, BehaviourConf(family_return_effect=0.0), pop_conf, cal)
    assert _cohort(flat, 0.0)[0] == _cohort(flat, 1.0)[0]


def test_closing_family_reunification_raises_returns(setting):
    open_rate, open_pop, _, open_stayed = _cohort(setting, 1.0)
    closed = ({"kind": "family_reunification", "destinations": "developed"},)
    closed_rate, closed_pop, _, closed_stayed = _cohort(setting, 1.0, components=closed)
    assert closed_rate - open_rate > 5 * np.hypot(_se(open_rate), _se(closed_rate))
    # closed: every stayer is still apart; open: about 1 - (1 - r)^5 of them were joined
    assert closed_pop.family[:N][closed_stayed & (closed_pop.alive[:N] == 1)].all()
    joined = 1.0 - open_pop.family[:N][open_stayed & (open_pop.alive[:N] == 1)].mean()
    r = BehaviourConf().family_reunification
    assert joined == pytest.approx(1.0 - (1.0 - r) ** YEARS, abs=0.02)


def test_temporary_visa_holders_keep_family_at_origin(setting):
    _, pop, _, stayed = _cohort(setting, 1.0, status=TEMPORARY)
    stayed &= pop.alive[:N] == 1
    assert stayed.sum() > N // 4
    assert (pop.status[:N][stayed] == TEMPORARY).all()
    assert pop.family[:N][stayed].all()


def test_returning_home_resets_family(setting):
    _, pop, d, _ = _cohort(setting, 1.0)
    home = (pop.alive[:N] == 1) & (pop.location[:N] == pop.origin[:N])
    onward = (pop.alive[:N] == 1) & (pop.location[:N] != d) & ~home
    assert home.sum() > 1000 and onward.sum() > 50
    assert not pop.family[:N][home].any()
    # moving on to a third region leaves the family where it was
    assert pop.family[:N][onward].mean() > 0.3


def test_family_reunification_component_scales_by_destination(setting):
    world, _, _, cal = setting
    policy = status_quo(world, cal.policy_cost)
    apply_component(policy, world, {"kind": "family_reunification", "factor": 2.0}, 0)
    assert np.all(policy.family_reunification == 2.0)
    with pytest.raises(InputError, match="factor"):
        apply_component(policy, world, {"kind": "family_reunification", "factor": -1}, 0)
