"""The report of the annex games (`migsim.games.annex`): a pair's long tables (positions,
payoffs, game types, native-born abroad), its Markdown and the files the command writes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.games.annex_rules import (
    CELLS,
    DISCOUNT_RATE,
    HEADLINE,
    LAMBDA_GRID,
    TABLES,
    THETA_GRID,
    TOL,
    PairResult,
    game_map,
    payoff_matrix,
    positions_check,
    provenance_counts,
)
from migsim.games.theory import nash_equilibria


def _agree_all(values: list[str]) -> str:
    return values[0] if len(set(values)) == 1 else "seeds differ: " + " / ".join(values)


def pair_tables(res: PairResult) -> dict[str, pl.DataFrame]:
    """Long tables of a pair's result: positions (cell by cell against the table), payoffs
    (matrix at the headline point, per seed), types (the map, per seed)."""
    names = (res.a, res.b)
    pos_rows, pay_rows, type_rows, abroad_rows = [], [], [], []
    for setting, by_seed in res.settings.items():
        if isinstance(by_seed, str):
            continue
        for seed, changes in by_seed.items():
            for side, name in (("A", res.a), ("B", res.b)):
                alone = "A_alone" if side == "A" else "B_alone"
                cases = {
                    "no reciprocity": changes[side][alone],
                    "reciprocity": changes[side]["both"],
                }
                if res.kind == "symmetric":
                    table_name = "6.A1"
                elif name == res.host:
                    table_name = "6.A3"
                else:
                    table_name = None
                for row in positions_check(cases, TABLES.get(table_name)):
                    pos_rows.append(
                        {
                            "setting": setting,
                            "seed": seed,
                            "side": name,
                            "scarce": changes[side]["none"].scarce,
                            "table_name": table_name or "none",
                            "table": row.get("table", ""),
                            "agree": row.get("agree"),
                            "sign_agrees": row.get("sign_agrees"),
                            **{k: row[k] for k in ("group", "case", "change_pct", "position")},
                        }
                    )
            for side, name in (("A", res.a), ("B", res.b)):
                for sc in CELLS.values():
                    abroad_rows.append(
                        {
                            "setting": setting,
                            "seed": seed,
                            "side": name,
                            "scenario": sc,
                            "abroad_share": changes[side][sc].abroad_share,
                        }
                    )
            pa, pb = payoff_matrix(changes, HEADLINE["loss_aversion"], HEADLINE["theta"])
            eq = nash_equilibria(pa, pb, TOL)
            for cell in CELLS:
                pay_rows.append(
                    {
                        "setting": setting,
                        "seed": seed,
                        "a": cell[0],
                        "b": cell[1],
                        "payoff_a": pa[cell],
                        "payoff_b": pb[cell],
                        "nash": cell in eq,
                    }
                )
            for (lam, th), kind in game_map(changes, names).items():
                type_rows.append(
                    {
                        "setting": setting,
                        "seed": seed,
                        "loss_aversion": lam,
                        "theta": th,
                        "game_type": kind,
                    }
                )
    return {
        "positions": pl.DataFrame(pos_rows, infer_schema_length=None),
        "payoffs": pl.DataFrame(pay_rows),
        "types": pl.DataFrame(type_rows),
        "abroad": pl.DataFrame(abroad_rows),
    }


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def report(res: PairResult, size: int, years: int, seeds: list[int]) -> str:
    """The pair's annex game as Markdown: per setting, (1) positions against Table 6.A1/6.A3
    cell by cell, (2) the payoff matrix, (3) the equilibria, (4) the game type, (5) the map
    of the game type over the rule's parameters, each across the seeds."""
    t = pair_tables(res)
    lam, th = HEADLINE["loss_aversion"], HEADLINE["theta"]
    kind = (
        f"asymmetric (GDP per person ratio {res.gdp_ratio:.1f}; host {res.host}; checked "
        "against Table 6.A3)"
        if res.kind == "asymmetric"
        else f"symmetric (GDP per person ratio {res.gdp_ratio:.1f}; checked against Table 6.A1)"
    )
    lines = [
        f"### {res.a} and {res.b}: {kind}",
        "",
        f"{size:,} agents, {years} years, seeds {', '.join(map(str, seeds))}; present values "
        f"at {100 * DISCOUNT_RATE:g}% a year; headline rule lambda {lam:g}, theta {th:g}; "
        f"{res.reference}. Typed values of the games: {provenance_counts()}.",
        "",
    ]
    for setting, by_seed in res.settings.items():
        if isinstance(by_seed, str):
            lines += [f"**Externalities {setting}**: {by_seed}.", ""]
            continue
        lines += [f"**Externalities {setting}**", ""]
        pos = t["positions"].filter(pl.col("setting") == setting)
        rows = []
        for (side, group, case), g in pos.group_by(["side", "group", "case"], maintain_order=True):
            g = g.sort("seed")
            positions = g["position"].to_list()
            changes = ", ".join(f"{x:+.2f}" for x in g["change_pct"])
            table = g["table"][0] or "(no table)"
            if g["table_name"][0] == "none":
                verdict = "-"
            else:
                n = int(g["agree"].sum())
                verdict = f"{'agree' if n == len(g) else 'disagree'} ({n}/{len(g)} seeds)"
            rows.append(
                [
                    side,
                    group.replace("_", " "),
                    case,
                    _agree_all(positions),
                    changes,
                    table,
                    verdict,
                ]
            )
        scarce = {s: pos.filter(pl.col("side") == s)["scarce"][0] for s in (res.a, res.b)}
        lines += [
            "(1) Positions (present-value % change per seed; scarce labour: "
            + ", ".join(f"{s} {e.replace('_', '-')}" for s, e in scarce.items())
            + "):",
            "",
            *_md_table(
                ["side", "group", "case", "position", "% by seed", "annex table", "check"], rows
            ),
            "",
        ]
        pay = t["payoffs"].filter(pl.col("setting") == setting)
        cells = []
        for (a_act, b_act), g in pay.group_by(["a", "b"], maintain_order=True):
            vals = "; ".join(f"{x:+.3f}, {y:+.3f}" for x, y in zip(g["payoff_a"], g["payoff_b"]))
            cells.append([f"{res.a} {a_act}, {res.b} {b_act}", vals])
        lines += [
            f"(2) Payoff matrix (political support, points; {res.a} first; seed by seed):",
            "",
            *_md_table(["cell", "payoffs"], cells),
            "",
        ]
        eqs = []
        for seed in sorted(by_seed):
            ps = pay.filter(pl.col("seed") == seed, pl.col("nash"))
            eqs.append(
                "(" + "), (".join(f"{x}, {y}" for x, y in zip(ps["a"], ps["b"])) + ")"
                if ps.height
                else "none"
            )
        types = t["types"].filter(pl.col("setting") == setting)
        head = types.filter(pl.col("loss_aversion") == lam, pl.col("theta") == th).sort("seed")
        lines += [
            f"(3) Nash equilibria by seed: {'; '.join(eqs)}.",
            "",
            f"(4) Game type: {_agree_all(head['game_type'].to_list())}.",
            "",
            "(5) Game type over the rule's parameters "
            "(rows: loss aversion lambda; columns: theta):",
            "",
        ]
        grid, agreed = [], 0
        for lam_i in LAMBDA_GRID:
            row = [f"{lam_i:g}"]
            for th_i in THETA_GRID:
                g = types.filter(pl.col("loss_aversion") == lam_i, pl.col("theta") == th_i).sort(
                    "seed"
                )
                kinds = g["game_type"].to_list()
                agreed += len(set(kinds)) == 1
                row.append(_agree_all(kinds))
            grid.append(row)
        points = len(LAMBDA_GRID) * len(THETA_GRID)
        lines += [
            *_md_table(["lambda \\ theta", *[f"{x:g}" for x in THETA_GRID]], grid),
            "",
            f"The seeds give one game type at {agreed} of the {points} points.",
            "",
        ]
        abroad = t["abroad"].filter(pl.col("setting") == setting)
        names = {
            "none": "D,D",
            "A_alone": f"{res.a} alone",
            "B_alone": f"{res.b} alone",
            "both": "L,L",
        }
        parts = []
        for name in (res.a, res.b):
            cells = []
            for sc, label in names.items():
                v = abroad.filter(pl.col("side") == name, pl.col("scenario") == sc)
                v = v.sort("seed")["abroad_share"]
                cells.append(f"{label} {v.min():.2f}-{v.max():.2f}")
            parts.append(f"{name}: " + ", ".join(cells))
        lines += [
            "Native-born living abroad in the final year, % (range over seeds): "
            + "; ".join(parts)
            + ".",
            "",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------------ the command's part
def write_report(res: PairResult, out: Path, size: int, years: int, seeds: list[int]) -> str:
    """Write annex.md and the long tables (annex_positions/payoffs/types.parquet) to `out`;
    returns the Markdown."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    text = report(res, size, years, seeds)
    for name, frame in pair_tables(res).items():
        frame.write_parquet(out / f"annex_{name}.parquet")
    (out / "annex.md").write_text(text + "\n")
    return text
