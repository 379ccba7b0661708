"""Per-corridor stock growth of a world: `stock_growth.csv` (origin, destination, growth),
when the world directory has one.

The calibration's yearly flow targets are S (exit (1 - onward) + g) (docs/model.md §4.2).
Without this file g is behaviour.stock_growth for every corridor; with it, a listed
corridor takes its own g (a world built by `migsim world build --growth-to YEAR` lists the
observed yearly growth of each area pair's stock from its base year to YEAR) and an
unlisted one the uniform value.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.world import World

GROWTH_FILE = "stock_growth.csv"
# A corridor shrinking faster than its exits would need negative flows: its target is
# floored at this share of the flow that replaces its exits (a stated choice), so that it
# keeps a calibrated constant and can respond to costs and incomes.
MIN_REPLACEMENT = 0.1
# A yearly growth rate outside this range is not a corridor's trend but an error.
GROWTH_RANGE = (-0.5, 0.5)


def corridor_growth(world: World, uniform: float) -> np.ndarray | float:
    """(R, R) yearly stock growth by origin and destination, or `uniform` itself when the
    world has no stock_growth.csv (so worlds without it calibrate exactly as before)."""
    path = world.path / GROWTH_FILE if world.path is not None else None
    if path is None or not path.is_file():
        return uniform
    try:
        frame = pl.read_csv(path, schema_overrides={"growth": pl.Float64})
    except Exception as exc:  # noqa: BLE001  (polars raises several kinds)
        raise InputError(str(path), f"cannot be read ({exc})", "a CSV table") from None
    columns = ("origin", "destination", "growth")
    if missing := [c for c in columns if c not in frame.columns]:
        raise InputError(str(path), f"missing column '{missing[0]}'", ", ".join(columns))
    index = {c: i for i, c in enumerate(world.codes)}
    out = np.full((world.n_regions, world.n_regions), float(uniform))
    low, high = GROWTH_RANGE
    for o, d, g in frame.select(columns).iter_rows():
        if o not in index or d not in index or o == d:
            raise InputError(
                str(path), f"row {o}->{d} is not a corridor", "two distinct region codes"
            )
        if g is None or not low <= g <= high:
            raise InputError(str(path), f"growth of {o}->{d} is {g}", f"{low} to {high} a year")
        out[index[o], index[d]] = g
    return out


def floored_targets(
    stock: np.ndarray, replace: np.ndarray, growth: np.ndarray
) -> tuple[np.ndarray, int]:
    """Yearly flow targets S (replace + g) by (o, d, s, g) with per-corridor g (R, R), floored
    at S replace MIN_REPLACEMENT; also the number of cells floored."""
    rate = replace + growth[:, :, None, None]
    low = MIN_REPLACEMENT * replace
    floored = (rate < low) & (stock > 0)
    return stock * np.maximum(rate, low), int(floored.sum())
