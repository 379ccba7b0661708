"""Remittance fees by corridor: the (R, R) table of what it costs to send money from the
region where a migrant lives (source) to the region of their origin (destination).

A world may hold `remittance_fees.csv` (source, destination, fee: share of the amount sent),
built from Remittance Prices Worldwide by `migsim world build`. A pair without a row costs
the receiving region's `remittance_fee` of regions.csv; such pairs are assumed and counted
(`World.remittance_fee_assumed`). The hand-typed worlds have no corridor file, so every
pair takes its receiver's fee, as before corridors existed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.errors import InputError

FEES_FILE = "remittance_fees.csv"
FEE_RANGE = (0.0, 0.5)  # as regions.csv remittance_fee


def corridor_fees(
    root: Path, codes: list[str], receiver_fee: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(fee[source, destination], assumed[source, destination]) for a world's regions."""
    R = len(codes)
    fee = np.broadcast_to(np.asarray(receiver_fee, dtype=np.float64)[None, :], (R, R)).copy()
    assumed = ~np.eye(R, dtype=bool)
    path = Path(root) / FEES_FILE
    if not path.is_file():
        return fee, assumed
    try:
        frame = pl.read_csv(path, schema_overrides={"fee": pl.Float64})
    except Exception as exc:  # a malformed CSV: one line naming the file
        raise InputError(str(path), f"cannot be read ({exc.__class__.__name__})", "a CSV") from exc
    missing = {"source", "destination", "fee"} - set(frame.columns)
    if missing:
        raise InputError(
            str(path), f"missing column(s) {', '.join(sorted(missing))}", "source,destination,fee"
        )
    index = {c: i for i, c in enumerate(codes)}
    seen = np.zeros((R, R), dtype=bool)
    for s, d, v in zip(frame["source"], frame["destination"], frame["fee"]):
        if s not in index or d not in index:
            unknown = s if s not in index else d
            raise InputError(str(path), f"unknown region code '{unknown}'", ", ".join(codes))
        i, j = index[s], index[d]
        if i == j or seen[i, j]:
            problem = "pairs a region with itself" if i == j else "has two rows"
            raise InputError(str(path), f"row {s}->{d} {problem}", "one row per ordered pair")
        if v is None or not FEE_RANGE[0] <= v <= FEE_RANGE[1]:
            raise InputError(
                str(path),
                f"fee {v} for {s}->{d} is out of range",
                f"{FEE_RANGE[0]} to {FEE_RANGE[1]}",
            )
        fee[i, j], seen[i, j] = v, True
    return fee, assumed & ~seen
