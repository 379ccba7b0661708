"""Bequests (docs/model.md 5.10): the year's dead leave their wealth to those turning 18
where they died. The kernels equal their NumPy twins bit for bit and do not depend on how
the rows are split; the demography keeps the living's wealth (nothing is lost with the
dead), where `population.bequests=none` loses it; and the estates reach the young."""

from __future__ import annotations

import numpy as np
import pytest

import migsim
from migsim.core.world import MAX_AGE
from migsim.kernels import aggregate as ak
from migsim.kernels import reference as ref
from migsim.kernels.bundles import empty_people
from migsim.runtime.assemble import start_simulation
from migsim.runtime.simulation import ESTATE_AGE, HEIRS, estate_shares

KEY, YEAR, SIGMA = np.uint64(12345), 2020, 1.0


def _ages(rule: str = "coming_of_age") -> np.ndarray:
    """The heirs' ages, then the adults' who inherit where no heir lives (2, 2)."""
    return np.array([HEIRS[rule], (ESTATE_AGE, MAX_AGE)], dtype=np.int64)


AT_18 = _ages()


def _people(n: int, R: int = 5, seed: int = 3):
    rng = np.random.default_rng(seed)
    people = empty_people(n + 7)
    people.person_id[:n] = np.sort(rng.choice(10 * n, size=n, replace=False))
    people.alive[:n] = rng.random(n) < 0.9
    people.age[:n] = rng.integers(0, 100, n)
    people.age[: n // 20] = ESTATE_AGE  # enough heirs in every place
    people.origin[:n] = rng.integers(0, R, n)
    people.location[:n] = rng.integers(0, R, n)
    people.wealth[:n] = rng.lognormal(8.0, 2.0, n).astype(np.float32)
    weight = rng.uniform(100.0, 5000.0, R)
    return people, weight


def _copy(people):
    return type(people)(*[np.array(a, copy=True) for a in people])


@pytest.mark.parametrize("rule", ["coming_of_age", "adults"])
def test_collect_and_pay_equal_their_twins_bit_for_bit(rule):
    n, R = 20_011, 5
    heirs = _ages(rule)
    people, weight = _people(n, R)
    mine, twin = _copy(people), _copy(people)
    got = ak.collect_estates(n, mine, weight, R, heirs, KEY, YEAR, SIGMA)
    want = ref.aggregate.collect_estates(n, twin, weight, R, heirs, KEY, YEAR, SIGMA)
    assert got[0].tobytes() == want[0].tobytes() and got[1].tobytes() == want[1].tobytes()
    assert mine.wealth.tobytes() == twin.wealth.tobytes()
    assert (got[0] > 0).all() and (got[1] > 0).all()
    per_share = estate_shares(got[0], got[1])
    ak.pay_estates(n, mine, heirs, KEY, YEAR, SIGMA, per_share)
    ref.aggregate.pay_estates(n, twin, heirs, KEY, YEAR, SIGMA, per_share)
    assert mine.wealth.tobytes() == twin.wealth.tobytes()


def test_estates_are_the_same_bits_however_the_rows_are_split():
    n, R = 20_011, 5
    people, weight = _people(n, R)
    whole = ak.collect_estates(n, _copy(people), weight, R, AT_18, KEY, YEAR, SIGMA)
    cut = 7_919
    head = _copy(people)
    tail = type(people)(*[np.array(a[cut:], copy=True) for a in people])
    a = ak.collect_estates(cut, head, weight, R, AT_18, KEY, YEAR, SIGMA)
    b = ak.collect_estates(n - cut, tail, weight, R, AT_18, KEY, YEAR, SIGMA)
    for k in range(2):
        assert (b[k] + a[k]).tobytes() == whole[k].tobytes()


def test_the_estates_are_the_same_bits_in_any_number_of_lanes():
    """The parallel pass sums its lanes' grid sums: one lane or five, the same bits, and the
    same as the twin's serial scan."""
    n, R = 400_003, 5
    people, weight = _people(n, R, seed=11)
    twin = _copy(people)
    want = ref.aggregate.collect_estates(n, twin, weight, R, AT_18, KEY, YEAR, SIGMA)
    for lanes in (1, 5, 8):
        mine = _copy(people)
        got = ak.collect_estates(n, mine, weight, R, AT_18, KEY, YEAR, SIGMA, lanes)
        assert got[0].tobytes() == want[0].tobytes(), lanes
        assert got[1].tobytes() == want[1].tobytes(), lanes
        assert mine.wealth.tobytes() == twin.wealth.tobytes(), lanes


def test_the_estates_are_paid_out_whole():
    n, R = 20_011, 5
    people, weight = _people(n, R)
    alive = people.alive[:n] != 0
    before = (people.wealth[:n].astype(np.float64) * weight[people.origin[:n]]).sum()
    estates, shares = ak.collect_estates(n, people, weight, R, AT_18, KEY, YEAR, SIGMA)
    assert not people.wealth[:n][~alive].any()  # the dead hold nothing once collected
    ak.pay_estates(n, people, AT_18, KEY, YEAR, SIGMA, estate_shares(estates, shares))
    after = (people.wealth[:n].astype(np.float64) * weight[people.origin[:n]]).sum()
    assert after == pytest.approx(before, rel=1e-5)
    # only the heirs' wealth changed
    again, _ = _people(n, R)
    others = alive & (people.age[:n] != ESTATE_AGE)
    assert (people.wealth[:n][others] == again.wealth[:n][others]).all()


def test_where_no_heir_lives_every_adult_there_inherits():
    n, R = 20_011, 5
    people, weight = _people(n, R)
    nobody = (people.location[:n] == 2) & (people.age[:n] == ESTATE_AGE)
    people.age[:n][nobody] = ESTATE_AGE + 1  # no one turns 18 in place 2
    alive = people.alive[:n] != 0
    before = (people.wealth[:n].astype(np.float64) * weight[people.origin[:n]]).sum()
    kept = people.wealth[:n].copy()
    estates, shares = ak.collect_estates(n, people, weight, R, AT_18, KEY, YEAR, SIGMA)
    per_share = estate_shares(estates, shares)
    assert per_share[0, 2] == 0.0 and per_share[1, 2] > 0.0
    assert (per_share[1, np.arange(R) != 2] == 0.0).all()
    ak.pay_estates(n, people, AT_18, KEY, YEAR, SIGMA, per_share)
    after = (people.wealth[:n].astype(np.float64) * weight[people.origin[:n]]).sum()
    assert after == pytest.approx(before, rel=1e-5)
    adults = alive & (people.location[:n] == 2) & (people.age[:n] >= ESTATE_AGE)
    assert (people.wealth[:n][adults] > kept[adults]).all()
    elsewhere = alive & (people.location[:n] != 2) & (people.age[:n] != ESTATE_AGE)
    assert (people.wealth[:n][elsewhere] == kept[elsewhere]).all()


def test_a_dead_row_s_nan_is_not_an_estate():
    n, R = 2_000, 5
    people, weight = _people(n, R)
    dead = np.flatnonzero(people.alive[:n] == 0)[:3]
    people.wealth[dead] = np.nan
    estates, _ = ak.collect_estates(n, people, weight, R, AT_18, KEY, YEAR, SIGMA)
    assert np.isfinite(estates).all() and not people.wealth[dead].any()


def test_resume_pays_the_estates_as_the_run_does(tmp_path, compose_cfg):
    """A run resumed from a checkpoint keeps the bequest rule (a checkpoint holds no state
    of it): the same bytes, tables and people, as the run left alone."""
    from migsim.runtime import runner

    common = ("population.size=20000", "years=4", "progress=false", "snapshot=true")
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    result = runner.run_simulation(compose_cfg(*common, "checkpoint_every=1"), full)
    saved = full / "checkpoint-2014.npz"
    runner.run_simulation(compose_cfg(*common, f"resume={saved}"), resumed)
    for table in [*result.manifest["tables"], "people.parquet"]:
        assert (full / table).read_bytes() == (resumed / table).read_bytes(), table


def _living_wealth(sim) -> float:
    pop = sim.population
    n = pop.n
    live = pop.alive[:n] != 0
    return float((pop.wealth[:n][live].astype(np.float64) * sim.weight[pop.origin[:n][live]]).sum())


@pytest.mark.parametrize("rule", ["coming_of_age", "adults", "none"])
def test_the_demography_keeps_the_dead_s_wealth_with_the_living(rule):
    cfg = migsim.compose(
        ["progress=false", "population.size=60000", "seed=5", f"population.bequests={rule}"]
    )
    sim = start_simulation(cfg)
    sim.steps = []  # the demography alone: no savings, moves or spending
    pop = sim.population
    young = (pop.alive[: pop.n] != 0) & (pop.age[: pop.n] == ESTATE_AGE - 1)
    ids = pop.person_id[: pop.n][young].copy()
    held = pop.wealth[: pop.n][young].astype(np.float64).copy()
    before = _living_wealth(sim)
    sim.step()
    after = _living_wealth(sim)
    pop = sim.population
    if rule == "none":
        assert after < before * 0.999  # the dead took theirs with them
        return
    assert after == pytest.approx(before, rel=1e-5)
    if rule == "adults":
        return
    # those who turned 18 received it, and more than they held
    rows = np.isin(pop.person_id[: pop.n], ids) & (pop.alive[: pop.n] != 0)
    assert (pop.age[: pop.n][rows] == ESTATE_AGE).all()
    assert pop.wealth[: pop.n][rows].astype(np.float64).sum() > held.sum() * 1.5


def test_the_adults_shares_are_counted_alone_the_same_bits():
    """`collect_estates(adults=False)` leaves the adults' shares at 0 and everything else as
    it was; `adult_shares` gives them, the same bits as counted together, kernel and twin."""
    n, R = 200_003, 5
    people, weight = _people(n, R)
    whole = ak.collect_estates(n, _copy(people), weight, R, AT_18, KEY, YEAR, SIGMA)
    alone = _copy(people)
    estates, shares = ak.collect_estates(n, alone, weight, R, AT_18, KEY, YEAR, SIGMA, 8, False)
    np.testing.assert_array_equal(estates, whole[0])
    np.testing.assert_array_equal(shares[0], whole[1][0])
    assert not shares[1].any()
    for lanes in (1, 3, 8):
        np.testing.assert_array_equal(
            ak.adult_shares(n, alone, weight, R, AT_18, lanes), whole[1][1]
        )
    np.testing.assert_array_equal(
        ref.aggregate.adult_shares(n, alone, weight, R, AT_18), whole[1][1]
    )
    twin = ref.aggregate.collect_estates(
        n, _copy(people), weight, R, AT_18, KEY, YEAR, SIGMA, False
    )
    np.testing.assert_array_equal(twin[1][0], whole[1][0])
    assert not twin[1][1].any()
