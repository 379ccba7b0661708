"""The game as text: the matrix, equilibria, type, weights, complementarity and positions
printed by `migsim game`, and game.md."""

from __future__ import annotations

import polars as pl

from migsim.games.result import GameResult

PAYOFF_TEXT = {
    "welfare": "real income per native-born person (at home and abroad) plus the option value "
    "of access abroad, % vs no liberalisation",
    "political": "political support: income-weighted % changes of the natives' groups (scarce "
    "and abundant labour, capital, taxpayers, access) vs no liberalisation, each group's loss "
    "counted {lam:g} times (loss aversion)",
}


def _weights_line(res: GameResult) -> str:
    def w(side):
        return ", ".join(f"{g} {v:.2f}" for g, v in res.weights[side].items())

    return (
        f"Political weights (income shares): {res.region_a}: {w('A')}; "
        f"{res.region_b}: {w('B')}; loss aversion {res.loss_aversion:g}"
    )


def render(res: GameResult, tol: float) -> str:
    ra, rb, matrix, eq = res.region_a, res.region_b, res.matrix, res.equilibria
    comp = res.complementarity

    def c(k):
        pa, pb = matrix[k]
        star = "*" if k in eq else " "
        return f"{pa:+8.3f}%, {pb:+8.3f}%{star}"

    lines = [
        f"Migration liberalisation game: {ra} (rows) vs {rb} (columns)",
        f"payoff ({res.payoff}) = {PAYOFF_TEXT[res.payoff].format(lam=res.loss_aversion)}; "
        "* = pure Nash equilibrium",
        f"{'':>14}{rb + ' liberalises':>24}{rb + ' defects':>24}",
        f"{ra + ' liberalises':>14}{c(('L', 'L')):>24}{c(('L', 'D')):>24}",
        f"{ra + ' defects':>14}{c(('D', 'L')):>24}{c(('D', 'D')):>24}",
        f"Nash equilibria: {', '.join(f'({x}, {y})' for x, y in eq) or 'none'} "
        f"(L = liberalise, D = defect; ties within {tol} points)",
        f"Game type: {res.game_type}",
    ]
    if res.game_types is not None:
        lines.append(
            "Game type by payoff: " + "; ".join(f"{k}: {v}" for k, v in res.game_types.items())
        )
    if res.weights is not None:
        lines.append(_weights_line(res))
    lines.append(
        f"Scarce labour: {ra}: {res.scarce['A']}-skilled natives; "
        f"{rb}: {res.scarce['B']}-skilled natives"
    )
    if comp is not None:
        alone = {"A": matrix[("L", "D")][0], "B": matrix[("D", "L")][1]}
        lines.append(
            "Complementarity of reciprocity (LL - LD - DL + DD, points; a side plays the "
            "cooperation game only if alone < 0 < alone + complementarity): "
            f"{ra} {comp['A']:+.3f} (alone {alone['A']:+.3f}), "
            f"{rb} {comp['B']:+.3f} (alone {alone['B']:+.3f})"
        )
    lines += [
        "Positions (thresholds: neutral within +-0.05%, weak within +-0.5%):",
    ]
    lines.append(" | ".join(res.positions.columns))
    for row in res.positions.iter_rows():
        lines.append(" | ".join(str(v) for v in row))
    return "\n".join(lines)


def markdown(res: GameResult) -> str:
    def tab(df: pl.DataFrame) -> str:
        out = [
            "| " + " | ".join(df.columns) + " |",
            "|" + "|".join("---" for _ in df.columns) + "|",
        ]
        out += [
            "| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r) + " |"
            for r in df.iter_rows()
        ]
        return "\n".join(out)

    ra, rb = res.region_a, res.region_b
    m = res.matrix

    def cell(k):
        return f"{m[k][0]:+.3f}%, {m[k][1]:+.3f}%"

    mat = pl.DataFrame(
        {
            "": [f"{ra} liberalises", f"{ra} defects"],
            f"{rb} liberalises": [cell(("L", "L")), cell(("D", "L"))],
            f"{rb} defects": [cell(("L", "D")), cell(("D", "D"))],
        }
    )
    eq = ", ".join(f"({x}, {y})" for x, y in res.equilibria) or "none"
    return "\n".join(
        [
            f"# Migration liberalisation game: {ra} vs {rb}",
            "",
            f"Payoffs ({res.payoff}): {PAYOFF_TEXT[res.payoff].format(lam=res.loss_aversion)} "
            "(row player first).",
            "",
            tab(mat),
            "",
            f"Pure Nash equilibria: {eq}. Game type: **{res.game_type}**.",
            "",
            *(
                [
                    "Game type by payoff: "
                    + "; ".join(f"{k}: {v}" for k, v in res.game_types.items())
                    + ".",
                    "",
                    _weights_line(res) + ".",
                    "",
                ]
                if res.game_types is not None
                else []
            ),
            *(
                [
                    "Complementarity of reciprocity, LL - LD - DL + DD (own action first), "
                    f"points: {ra} {res.complementarity['A']:+.3f}, "
                    f"{rb} {res.complementarity['B']:+.3f}. A side's best reply depends on "
                    "the partner's action (the cooperation game of Table 6.A2) only if this "
                    "exceeds the loss from liberalising alone.",
                    "",
                ]
                if res.complementarity is not None
                else []
            ),
            "## Positions (as in Tables 6.A1/6.A3)",
            "",
            "in favor >= +0.5%; weakly in favor >= +0.05%; neutral within +-0.05%; weakly opposed "
            "> -0.5%; opposed <= -0.5%. Scarce labour = the skill whose native wage falls most "
            f"when the region liberalises alone ({ra}: {res.scarce['A']}, "
            f"{rb}: {res.scarce['B']}).",
            "",
            tab(res.positions),
            "",
            "## Payoffs by group and scenario",
            "",
            tab(res.payoffs),
            "",
        ]
    )
