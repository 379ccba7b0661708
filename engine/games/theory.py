"""The 2x2 liberalisation game as pure game theory: best responses, pure Nash equilibria, the
game's type (harmony, prisoner's dilemma, deadlock, bully game, one-sided, cooperation and
coordination games, chicken) and the position of a group from its % change. The rules are
in the docstring of migsim.games."""

from __future__ import annotations

ACTIONS = ("L", "D")  # liberalise, defect (keep the status quo)
POSITION_THRESHOLDS = (0.05, 0.5)  # percent: neutral band, strong band


def _best(values: dict[str, float], tol: float) -> set[str]:
    top = max(values.values())
    return {k for k, v in values.items() if v >= top - tol}


def best_responses(a: dict, b: dict, tol: float = 0.0) -> tuple[dict, dict]:
    """a, b: payoffs keyed by (A action, B action). Returns A's best responses to each B
    action and B's to each A action (sets, ties within tol)."""
    br_a = {y: _best({x: a[(x, y)] for x in ACTIONS}, tol) for y in ACTIONS}
    br_b = {x: _best({y: b[(x, y)] for y in ACTIONS}, tol) for x in ACTIONS}
    return br_a, br_b


def nash_equilibria(a: dict, b: dict, tol: float = 0.0) -> list[tuple[str, str]]:
    br_a, br_b = best_responses(a, b, tol)
    return [(x, y) for x in ACTIONS for y in ACTIONS if x in br_a[y] and y in br_b[x]]


def _profile(br: dict) -> str:
    """'L'/'D' dominant, 'indifferent', 'match' (L->L, D->D), 'anti' (L->D, D->L)."""
    common = br["L"] & br["D"]
    if common == {"L", "D"}:
        return "indifferent"
    if common:
        return next(iter(common))
    if br["L"] == {"L"} and br["D"] == {"D"}:
        return "match"
    return "anti"


def classify(a: dict, b: dict, tol: float = 0.0, names=("A", "B")) -> str:
    """The game type from ordinal payoffs (see the module docstring)."""
    br_a, br_b = best_responses(a, b, tol)
    pa, pb = _profile(br_a), _profile(br_b)
    both_prefer_ll = (a[("L", "L")] > a[("D", "D")] + tol) and (b[("L", "L")] > b[("D", "D")] + tol)
    if pa == "indifferent" and pb == "indifferent":
        return "trivial (both indifferent)"
    if pa == pb == "L":
        return "harmony"
    if pa == pb == "D":
        return "prisoner's dilemma" if both_prefer_ll else "deadlock"
    for p, q, bully, other in ((pa, pb, names[0], names[1]), (pb, pa, names[1], names[0])):
        if p == "D" and q in ("match", "indifferent"):
            return f"bully game ({bully} is the bully)"
        if p == "D" and q == "L":
            return f"one-sided ({other} liberalises, {bully} defects)"
        if p == "L" and q == "match":
            return "harmony (asymmetric)"
        if p == "indifferent" and q in ("L", "D"):
            return "harmony (asymmetric)" if q == "L" else f"one-sided ({other} defects)"
    if pa == pb == "match":
        return "cooperation game" if both_prefer_ll else "coordination game"
    if pa == pb == "anti":
        return "chicken"
    return "no pure-strategy equilibrium (discoordination)"


def position(pct: float, thresholds=POSITION_THRESHOLDS) -> str:
    lo, hi = thresholds
    if pct >= hi:
        return "in favor"
    if pct >= lo:
        return "weakly in favor"
    if pct > -lo:
        return "neutral"
    if pct > -hi:
        return "weakly opposed"
    return "opposed"
