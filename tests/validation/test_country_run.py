"""The shared run of the 232-country world behind E18 by destination, E19, E22 and E26: its
person-by-person fiscal accounting must agree with the economy step's own (the kernel's
taxes and public spending of the same year), so the experiments read the model, not a
second model beside it."""

import numpy as np
import pytest

from migsim.validation.experiments._countries import country_run

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def test_person_accounting_adds_up_to_the_economy_of_the_run(validation_runner):
    run = country_run(validation_runner)
    p = run.people
    for code in ("GBR", "USA", "IND", "NZL"):
        rows = np.flatnonzero(p["location"] == run.code(code))
        w = run.people_weight(rows)
        taxes = float((w * run.taxes(rows, at_home=False)).sum())
        spending = float((w * run.public_spending(rows, at_home=False)).sum())
        i = run.code(code)
        # expected employment against the drawn one: within four standard errors of the
        # employment draw (a worker's tax t_k is paid with probability e, the country's
        # employment rate: variance sum of (w_k t_k)^2 e (1 - e)); NZL's few hundred
        # working agents at this size put that error near 2% of its taxes
        e = float(run.world.employment_rate[i])
        paid = w * run.taxes(rows, at_home=False) / e  # taxes of each row if employed
        error = float(np.sqrt((paid**2).sum() * e * (1.0 - e)))
        assert abs(taxes - run.tax_revenue[i]) < 4 * error, (code, taxes, error)
        assert error < 0.05 * taxes, code  # and the comparison still means something
        # spending has no draw: the same sum up to float rounding
        assert spending == pytest.approx(run.public_spending_total[i], rel=1e-6), code
        # the revenue not modelled per person is shared out whole: revenue adds up to the
        # economy's taxes plus its other revenue (the budget E19 and E22 read)
        revenue = float((w * run.revenue(rows, at_home=False)).sum())
        other = revenue - taxes
        assert other == pytest.approx(run.other_revenue[i] * float(w.sum()), rel=1e-9), code
        assert other > 0, code


def test_at_home_is_the_same_person_as_a_native_of_the_origin(validation_runner):
    """A native living at home has the same earnings, taxes and spending whichever way
    they are valued."""
    run = country_run(validation_runner)
    p = run.people
    rows = np.flatnonzero((p["origin"] == p["location"]) & (p["status"] == 0))[:5000]
    for what in (run.earnings, run.taxes, run.revenue, run.public_spending):
        np.testing.assert_allclose(what(rows, at_home=True), what(rows, at_home=False))


def test_would_be_movers_are_valued_as_the_run_values_arrivals(validation_runner):
    """E26's would-be movers: a regular arrival of this year valued 'on arrival' earns what
    the run pays them, and a person's wishes over every destination add up to their home
    cell's probability of moving (the decision kernel's p_move and destination CDF, indexed
    as the kernel's NumPy twin indexes them)."""
    run = country_run(validation_runner)
    p = run.people
    usa = run.code("USA")
    new = np.flatnonzero(
        (p["location"] == usa)
        & (p["origin"] != usa)
        & (p["years_abroad"] == 0)
        & (p["status"] != 3)  # not irregular
    )
    assert new.size > 100
    np.testing.assert_allclose(
        run.earnings_on_arrival(new, "USA", 0), run.earnings(new, at_home=False), rtol=1e-12
    )
    home = np.flatnonzero((p["origin"] == p["location"]) & (p["status"] == 0))[:2000]
    total = sum(run.wish_to_move(home, code) for code in run.world.codes)
    np.testing.assert_allclose(total, run.p_move[run.home_cells(home)], rtol=1e-9)
    assert (run.wish_to_move(home, "NZL") >= 0).all()
