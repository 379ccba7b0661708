"""What a regime component leaves in the policy, checked after it runs: every array keeps its
shape, holds finite numbers (a quota may be unlimited, +inf) and stays in its range. A
component is code (shipped or a plug-in's), so a NaN cost or a share of 1.7 stops the run
with one line naming the component and the field, instead of reaching the decisions."""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.errors import InputError

# field -> (shape in units of R, low, high, +inf allowed); None: any value
_FIELDS: dict[str, tuple[tuple[int, ...], float | None, float | None, bool]] = {
    "policy_cost": ((1, 1, 2), None, None, False),
    "quota": ((1, 2), 0.0, None, True),
    "temporary_share": ((1, 1, 2), 0.0, 1.0, False),
    "irregular_share": ((1, 1, 2), 0.0, 1.0, False),
    "visa_years": ((1,), 0.0, None, False),
    "overstay": ((1,), 0.0, 1.0, False),
    "upfront_cost_scale": ((1, 1), 0.0, None, False),
    "remittance_fee": ((1, 1), 0.0, 1.0, False),
    "emigrant_levy": ((1, 2), 0.0, 1.0, False),
}


def _shape(units: tuple[int, ...], R: int) -> tuple[int, ...]:
    # (1, 1, 2) reads (R, R, 2): a 1 stands for the regions, a 2 for the two skills
    return tuple(R if u == 1 else u for u in units)


def check_policy(policy: Any, n_regions: int, where: str) -> None:
    """Raise the InputError for the first field of `policy` out of shape or range."""
    for name, (units, lo, hi, inf_ok) in _FIELDS.items():
        value = getattr(policy, name, None)
        shape = _shape(units, n_regions)
        arr = np.asarray(value) if value is not None else None
        if arr is None or arr.shape != shape or arr.dtype.kind not in "fiu":
            got = "None" if arr is None else f"{arr.dtype} of shape {arr.shape}"
            raise InputError(where, f"left policy.{name} as {got}", f"numbers of shape {shape}")
        bad = np.isnan(arr) | (np.isinf(arr) if not inf_ok else np.isneginf(arr))
        if lo is not None:
            bad |= arr < lo
        if hi is not None:
            bad |= arr > hi
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            span = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
            allowed = ("finite numbers" if lo is None and hi is None else f"numbers in {span}") + (
                " or inf" if inf_ok else ""
            )
            raise InputError(where, f"left policy.{name}{list(first)} = {arr[first]!r}", allowed)
