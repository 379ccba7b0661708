"""A validation check: one simulated figure against a published value, range or sign.

The acceptance bands are those the validation protocol prescribes: a published point value
[V] within +-10%, [K], [C] and [A] within +-25% (relative); a published range must contain
the simulated figure (or the wider `accept` band the experiment states); a sign test is
exact. A miss is never widened away: it stays a failing check, listed by its experiment as
an expected failure with the measured reason.

A dynamic check (a back-cast, a history) carries a naive null: the figure a simple rule gives
without the model (e.g. every stock growing at one constant rate). It passes only if it is
inside its band and at least as close to the published value as the null.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

INF = math.inf


@dataclass
class Check:
    experiment: str
    quantity: str
    source: str
    flag: str  # V, K, C, A, sign
    published_low: float
    published_high: float
    simulated: float
    accept_low: float
    accept_high: float
    unit: str = ""
    note: str = ""
    null: float = math.nan  # the naive null's figure, for dynamic checks

    @property
    def in_band(self) -> bool:
        return bool(
            np.isfinite(self.simulated) and self.accept_low <= self.simulated <= self.accept_high
        )

    @property
    def beats_null(self) -> bool:
        """At least as close to the published value (the middle of a range) as the null;
        True when there is no null or the published range is open."""
        target = 0.5 * (self.published_low + self.published_high)
        if not (math.isfinite(self.null) and math.isfinite(target)):
            return True
        return abs(self.simulated - target) <= abs(self.null - target)

    @property
    def passed(self) -> bool:
        return self.in_band and self.beats_null

    @property
    def key(self) -> str:
        return f"{self.experiment}:{self.quantity}"


def point(
    experiment, quantity, source, flag, value, simulated, unit="", note="", tol=None, null=None
) -> Check:
    """A published point value: [V] +-10%, [K]/[C]/[A] +-25% (relative); `null` is the naive
    null's figure of a dynamic check."""
    tol = tol if tol is not None else (0.10 if flag == "V" else 0.25)
    a, b = value * (1 - tol), value * (1 + tol)
    return Check(
        experiment,
        quantity,
        source,
        flag,
        value,
        value,
        float(simulated),
        min(a, b),
        max(a, b),
        unit,
        note,
        math.nan if null is None else float(null),
    )


def within(
    experiment, quantity, source, flag, low, high, simulated, unit="", note="", accept=None
) -> Check:
    """A published range: the simulated figure must fall inside it (or inside `accept`)."""
    lo, hi = accept if accept is not None else (low, high)
    return Check(
        experiment, quantity, source, flag, low, high, float(simulated), lo, hi, unit, note
    )


def sign(experiment, quantity, source, positive, simulated, unit="", note="") -> Check:
    """A direction test (exact): positive -> simulated > 0, else simulated < 0."""
    lo, hi = (1e-12, INF) if positive else (-INF, -1e-12)
    return Check(
        experiment,
        quantity,
        source,
        "sign",
        0.0 if positive else -INF,
        INF if positive else 0.0,
        float(simulated),
        lo,
        hi,
        unit,
        note,
    )


def status(check: Check, expected_failures: Mapping[str, str]) -> str:
    """pass, FAIL, expected failure, or unexpected pass (a listed miss that now passes)."""
    expected = check.key in expected_failures
    if check.passed:
        return "unexpected pass" if expected else "pass"
    return "expected failure" if expected else "FAIL"
