"""The political economy of migration liberalisation between two regions (Alonso's (2015) annex,
Tables 6.A1-6.A4; Trachtman 2009): a 2x2 game computed from four simulated runs.

    play(region_a, region_b, years=8, size=100_000, seed=1, world="default", out_dir=None,
         payoff="welfare", loss_aversion=2.25) -> GameResult
    analyse_runs(out_dir, region_a, region_b, payoff=...)   the game from play's saved runs

Rooms: `theory` (best responses, equilibria, game types, positions), `payoffs` (a side's
levels from a run, derived payoffs, blocs, political support), `game` (the game of two
sides from their levels), `result` (GameResult), `report` (the printed text and game.md),
`play` (the four runs).

The four runs share one seed (common random numbers), so payoff differences come from
policy alone:

    none      no liberalisation (status quo)
    A alone   policy cost 0 for entries INTO A from B
              (`{kind: scale_policy_cost, factor: 0.0, origins: [B], destinations: [A]}`)
    B alone   the same for entries into B from A
    both      both components

Payoff of a side X (final simulated year, % change against `none`):
  welfare          natives + access (both in % of income): the welfare payoff of the game
  natives          real money income per X-born person, wherever they live: X's resident
                   natives' earnings - taxes + public spending received (fiscal.parquet) + X's
                   capital income owned by X's natives, net of the cost of the capital that
                   liberalisation added or removed (`native_capital_income`: capital follows
                   labour and is supplied at the base-year return r0, so the return on
                   capital that arrives with immigrants is not a gain to natives), plus X-born
                   people abroad (stocks.parquet, origin X) valued at the per-person
                   earnings - taxes + public spending of immigrants of the same skill and age
                   band in their location
  access           the option value of the destinations open to X's people (Alonso's (2015)
                   "consumers", neutral without reciprocity and weakly in favour with it):
                   X-born people choose where to live in a random-utility model (nested
                   logit, engine/model/behaviour.py), so a partner's opening is worth more to them
                   than the money income of those who use it. Each run records per region
                   and year `access_value` (regions.parquet; MigrationStep.access_value): the
                   change in the expected maximum utility (the log-sum, `behaviour.log_sum`)
                   of that year's decision between the run's policy costs and the status
                   quo's, at the run's own incomes and diasporas, divided by the income
                   elasticity lambda (log points of income, Small & Rosen 1981), averaged
                   over the people living in their region of birth. `access` = 100 x that
                   x the share of X-born people living at home (0 for those abroad): per
                   X-born person, % of income. It is 0 exactly in `none` and when only X
                   opens (X's people face unchanged costs), > 0 when the partner opens.
                   Money-income effects (wages at home and abroad) are left to the other
                   measures, so they are not counted twice. What it leaves out [A]: it is
                   the option of the year's decision for those at home; the X-born who have
                   already moved are valued at their money income abroad, which understates
                   what they gained by their own choice (movers to a poorer partner lower
                   `natives`), and liquidity constraints and lottery-rationed quotas are not
                   in the utility (a quota's shadow price is).
  natives_resident the same for the natives living in X only (the host-country view)
  scarce_labour    the native wage of the skill whose native wage falls most when X
                   liberalises alone (the skill immigration competes with)
  abundant_labour  the native wage of the other skill
  scarce_born      earnings per native-born person of the scarce skill, at home and abroad
                   (abroad valued at the earnings per person of immigrants of the same skill
                   and age band where they live): the group with its members who emigrate
  abundant_born    the same for the other skill
  capital          X's natives' capital income (net, as above)
  taxpayers        X's fiscal balance; its "%" is the change in the balance in % of the
                   status quo's tax revenue (a balance is near 0, so a % of it would be
                   meaningless): the proportional tax cut (+) or rise (-) it would allow at
                   the status quo's tax base, which every resident taxpayer pays on their
                   taxes. It used to be the balance per resident native, which changed when
                   natives emigrated with the balance unchanged (a deficit shared by fewer
                   natives looked larger, although the tax rate that closes it is the same):
                   an artefact of the denominator, worth -0.09 of the -0.37 points that
                   NTA's taxpayers lost under reciprocity in the twins world (NTA-NTB, 400k
                   agents, 6 years, seed 1; now -0.28). The rest is the model's: the swap
                   of natives for equally skilled immigrants lowers earnings, because
                   immigrants' credentials transfer only in part (kappa 0.85 non-tertiary,
                   0.7 tertiary, reaching 1 over 10 years, EconomyConf) and immigrants are
                   imperfect substitutes for natives (sigma_N 20), while public spending per
                   person is the same: NTA's taxes -2.0 bn, spending +0.2 bn, revenue taxed
                   on GDP -0.8 bn, balance -2.9 bn of 1,037 bn taxes. Fewer efficiency units
                   also lower the return on the capital in place while it adjusts (partial
                   closure): capital -0.07%.

  political        the political payoff (below), in the same "%" units

Two payoffs (`payoff`): "welfare" (default) = natives + access; "political" = the support of a
government that weighs its natives' groups with loss aversion (Freund & Ozden 2008: loss
aversion and reference dependence in a Grossman-Helpman political-support model; Alonso's (2015)
annex reads the games off the positions of scarce labour, abundant labour, capital and
consumers):

    political = sum_g w_g v(change_g),  v(x) = x (x >= 0), loss_aversion * x (x < 0)

over g = scarce_born, abundant_born, capital, taxpayers, access (`POLITICAL_GROUPS["born"]`;
the resident natives' wages instead with labour="resident"), w_g = the group's income as a
share of natives' factor income in the status quo (`political_weights`; taxpayers: the taxes
the resident natives pay, since a change in the balance changes every taxpayer's tax in
proportion and natives pay their share of it; access: ACCESS_WEIGHT = 1, because every native
has the option and `access` is already per native-born person in % of income, so the group's
income is all of the natives' income [A]), reference point = no liberalisation,
loss_aversion = 2.25 (`LOSS_AVERSION`). The access group never loses (costs only fall in the
game), so loss aversion does not touch it. With
loss_aversion 1 it is about the natives' income change and additive if the groups' changes
are; with > 1 a group that loses from its side opening alone but not when access abroad comes
with it makes reciprocity worth more than the sum of the two openings. The weights go with the
skill, so which skill is called "scarce" changes the labels, not the payoff.

Positions (Tables 6.A1/6.A3) classify the % change of each group's payoff against `none`,
without reciprocity (X liberalises alone) and with reciprocity (both):
  in favor >= +0.5%; weakly in favor [+0.05%, +0.5%); neutral (-0.05%, +0.05%);
  weakly opposed (-0.5%, -0.05%]; opposed <= -0.5%     (thresholds: POSITION_THRESHOLDS)

Complementarity of a side: payoff(L,L) - payoff(L,D) - payoff(D,L) + payoff(D,D) (own and
partner's action in that order). A side's own liberalisation can pay when the partner
reciprocates and cost it when the partner does not (the cooperation game of Table 6.A2)
only if its complementarity exceeds the gain from liberalising alone in absolute value;
with payoffs additive in the two openings (complementarity 0) the side's best reply does
not depend on the partner and a cooperation game cannot arise.

Game type, from each side's best responses (payoffs within `tol` percent points of each
other are ties): both have dominant L -> harmony; both dominant D -> prisoner's dilemma if
both prefer (L, L) to (D, D), else deadlock; one has dominant D and the other's best reply
matches it (L to L, D to D) -> bully game (the dominant-D side is the bully, Table 6.A4);
one dominant D and the other dominant L -> one-sided (asymmetric dominance); neither has a
dominant strategy and both match -> cooperation game (assurance; Table 6.A2) if both prefer
(L, L) to (D, D), else coordination game; both anti-match -> chicken; one dominant L and the
other matching -> harmony (asymmetric); a side indifferent to its own action counts as
having both strategies weakly dominant (reported as "indifferent").
"""

from migsim.games.game import analyse
from migsim.games.payoffs import (
    ACCESS_WEIGHT,
    BLOC_MEANS,
    BLOC_SUMS,
    GROUPS,
    LOSS_AVERSION,
    PAYOFFS,
    POLITICAL_GROUPS,
    SCENARIOS,
    derived_payoffs,
    loss_averse,
    native_capital_income,
    political_support,
    political_weights,
    read_run,
    side_levels,
    side_members,
    side_payoffs,
)
from migsim.games.play import analyse_runs, play
from migsim.games.report import PAYOFF_TEXT, markdown, render
from migsim.games.result import GameResult
from migsim.games.theory import (
    ACTIONS,
    POSITION_THRESHOLDS,
    best_responses,
    classify,
    nash_equilibria,
    position,
)

__all__ = [
    "ACCESS_WEIGHT",
    "ACTIONS",
    "BLOC_MEANS",
    "BLOC_SUMS",
    "GROUPS",
    "LOSS_AVERSION",
    "PAYOFFS",
    "PAYOFF_TEXT",
    "POLITICAL_GROUPS",
    "POSITION_THRESHOLDS",
    "SCENARIOS",
    "GameResult",
    "analyse",
    "analyse_runs",
    "best_responses",
    "classify",
    "derived_payoffs",
    "loss_averse",
    "markdown",
    "nash_equilibria",
    "native_capital_income",
    "play",
    "political_support",
    "political_weights",
    "position",
    "read_run",
    "render",
    "side_levels",
    "side_members",
    "side_payoffs",
]
