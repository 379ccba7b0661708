"""The result of a game: its payoffs by group and scenario, matrix, equilibria, type,
positions and the text printed for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from migsim.games.payoffs import LOSS_AVERSION


@dataclass
class GameResult:
    region_a: str
    region_b: str
    payoffs: pl.DataFrame  # side, group, scenario, level, pct
    matrix: dict  # {(a_action, b_action): (payoff A %, payoff B %)}
    equilibria: list
    game_type: str
    positions: pl.DataFrame
    scarce: dict  # side -> scarce skill
    text: str
    complementarity: dict | None = None  # side -> LL - LD - DL + DD (own action first)
    out_dir: Path | None = None
    payoff: str = "welfare"  # the payoff of the matrix: "welfare" or "political"
    loss_aversion: float = LOSS_AVERSION
    weights: dict | None = None  # side -> political weight of each group
    game_types: dict | None = None  # payoff -> game type under that payoff
