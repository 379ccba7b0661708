"""The game of two sides from their levels in the four scenarios: every group's % change
against no liberalisation, the political payoff, the payoff matrix, its equilibria and type,
each side's complementarity of reciprocity and the positions table."""

from __future__ import annotations

import polars as pl

from migsim.core.errors import InputError
from migsim.games.payoffs import (
    GROUPS,
    LOSS_AVERSION,
    PAYOFFS,
    POLITICAL_GROUPS,
    SCENARIOS,
    derived_payoffs,
    political_support,
    political_weights,
)
from migsim.games.report import render
from migsim.games.result import GameResult
from migsim.games.theory import classify, nash_equilibria, position


def _pct(x: float, base: float) -> float:
    return 100.0 * (x - base) / abs(base) if base else 0.0


def analyse(
    levels: dict,
    region_a: str,
    region_b: str,
    tol: float = 0.01,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
    labour: str = "born",
) -> GameResult:
    """levels[scenario][side] = side_payoffs(...). Builds the game with each side's payoff
    `payoff`: "welfare" (real income per native-born person plus the option value of access,
    group "welfare" = "natives" + "access") or "political" (the loss-averse, income-weighted
    support of its natives' groups, group "political")."""
    if payoff not in PAYOFFS:
        raise InputError("--payoff", f"unknown payoff '{payoff}'", ", ".join(PAYOFFS))
    levels = {
        sc: {side: derived_payoffs(levels[sc][side], levels["none"][side]) for side in ("A", "B")}
        for sc in SCENARIOS
    }
    sides = {"A": region_a, "B": region_b}
    alone = {"A": "A_alone", "B": "B_alone"}
    rows, scarce = [], {}
    for side in ("A", "B"):
        base = levels["none"][side]
        own = levels[alone[side]][side]
        dl = _pct(own["wage_low"], base["wage_low"])
        dh = _pct(own["wage_high"], base["wage_high"])
        scarce[side] = "low" if dl <= dh else "high"
        abundant = "high" if scarce[side] == "low" else "low"
        for sc in SCENARIOS:
            v = levels[sc][side]
            vals = {
                "welfare": v["natives"],
                "natives": v["natives"],
                "access": v["access"],
                "natives_resident": v["natives_resident"],
                "scarce_labour": v[f"wage_{scarce[side]}"],
                "abundant_labour": v[f"wage_{abundant}"],
                "scarce_born": v[f"born_{scarce[side]}"],
                "abundant_born": v[f"born_{abundant}"],
                "capital": v["capital"],
                "taxpayers": v["taxpayers"],
            }
            bvals = {
                "welfare": base["natives"],
                "natives": base["natives"],
                "access": base["access"],
                "natives_resident": base["natives_resident"],
                "scarce_labour": base[f"wage_{scarce[side]}"],
                "abundant_labour": base[f"wage_{abundant}"],
                "scarce_born": base[f"born_{scarce[side]}"],
                "abundant_born": base[f"born_{abundant}"],
                "capital": base["capital"],
                "taxpayers": base["taxpayers"],
            }
            for g in GROUPS:
                if g == "taxpayers":  # balance change in % of the status quo's taxes
                    change = 100.0 * (vals[g] - bvals[g]) / base["tax_revenue"]
                elif g == "access":  # already % of income against the status quo
                    change = vals[g] - bvals[g]
                elif g == "welfare":  # money income + option value
                    change = _pct(vals[g], bvals[g]) + vals["access"] - bvals["access"]
                else:
                    change = _pct(vals[g], bvals[g])
                if g == "welfare":
                    vals_level = change
                else:
                    vals_level = vals[g]
                rows.append(
                    {
                        "side": side,
                        "region": sides[side],
                        "group": g,
                        "scenario": sc,
                        "level": vals_level,
                        "pct": change,
                    }
                )
    if labour not in POLITICAL_GROUPS:
        raise InputError("labour", f"unknown labour groups '{labour}'", ", ".join(POLITICAL_GROUPS))
    weights = {
        side: political_weights(levels["none"][side], scarce[side], labour) for side in ("A", "B")
    }
    change = {(r["side"], r["scenario"], r["group"]): r["pct"] for r in rows}
    for side in ("A", "B"):
        for sc in SCENARIOS:
            ch = {g: change[(side, sc, g)] for g in POLITICAL_GROUPS[labour]}
            value = political_support(ch, weights[side], loss_aversion)
            rows.append(
                {
                    "side": side,
                    "region": sides[side],
                    "group": "political",
                    "scenario": sc,
                    "level": value,
                    "pct": value,
                }
            )
    payoffs = pl.DataFrame(rows)

    def pct(side, sc, group="welfare"):
        return payoffs.filter(
            pl.col("side") == side, pl.col("scenario") == sc, pl.col("group") == group
        )["pct"][0]

    cell = {("L", "L"): "both", ("L", "D"): "A_alone", ("D", "L"): "B_alone", ("D", "D"): "none"}
    types = {}
    for name, group in (("welfare", "welfare"), ("political", "political")):
        pa = {k: pct("A", sc, group) for k, sc in cell.items()}
        pb = {k: pct("B", sc, group) for k, sc in cell.items()}
        types[name] = classify(pa, pb, tol, names=(region_a, region_b))
        if name == payoff:
            a, b = pa, pb
    matrix = {k: (a[k], b[k]) for k in cell}
    eq = nash_equilibria(a, b, tol)
    kind = types[payoff]
    comp = {
        "A": a[("L", "L")] - a[("L", "D")] - a[("D", "L")] + a[("D", "D")],
        "B": b[("L", "L")] - b[("D", "L")] - b[("L", "D")] + b[("D", "D")],
    }
    prow = []
    for side in ("A", "B"):
        for label, sc in (("No reciprocity", alone[side]), ("Reciprocity", "both")):
            row = {"region": sides[side], "case": label}
            for g in (
                "scarce_labour",
                "abundant_labour",
                "capital",
                "taxpayers",
                "access",
                "natives",
                "welfare",
            ):
                p = pct(side, sc, g)
                row[g] = f"{position(p)} ({p:+.2f}%)"
            prow.append(row)
    positions = pl.DataFrame(prow)
    res = GameResult(
        region_a,
        region_b,
        payoffs,
        matrix,
        eq,
        kind,
        positions,
        scarce,
        "",
        comp,
        payoff=payoff,
        loss_aversion=loss_aversion,
        weights=weights,
        game_types=types,
    )
    res.text = render(res, tol)
    return res
