"""A validation check: one simulated figure against a published value, range or sign.

The acceptance bands are those the validation protocol prescribes: a published point value
[V] within +-10%, [K], [C] and [A] within +-25% (relative); a published range must contain
the simulated figure (or the wider `accept` band the experiment states); a sign test is
exact. A miss is never widened away: it stays a failing check, listed by its experiment as
an expected failure with the measured reason.

A dynamic check (a back-cast, a history) carries a naive null: the figure a simple rule gives
without the model (e.g. every stock growing at one constant rate). It passes only if it is
inside its band and at least as close to the published value as the null.

A check whose figure is an error measure of noisy simulated arrays (the absolute log errors of
a run's corridor stocks) carries them as `pooled`: over several seeds its figure is the
measure of the seeds' mean arrays, the model's expected stocks, rather than the mean of each
seed's measure, which sampling noise biases upwards (an absolute error grows with the noise,
so the mean of per-seed errors falls with the number of agents). Its Monte Carlo error is the
jackknife's over the seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Pooled:
    """The simulated arrays behind a check's figure and the measure that makes it:
    `statistic(*parts)` is the figure of one seed; over seeds, `statistic` of the parts'
    means is the check's figure (the parts are arrays of one shape on every seed)."""

    parts: tuple[np.ndarray, ...]
    statistic: Callable[..., float]

    def of(self, *parts: np.ndarray) -> float:
        return float(self.statistic(*parts))


def pooled_figure(pools: list[Pooled]) -> tuple[float, float]:
    """(figure on the seeds' mean parts, its jackknife standard error over the seeds; NaN for
    one seed)."""
    n = len(pools)
    stacked = [np.stack([p.parts[k] for p in pools]) for k in range(len(pools[0].parts))]
    total = [s.sum(axis=0) for s in stacked]
    figure = pools[0].of(*(t / n for t in total))
    if n < 2:
        return figure, math.nan
    leave_out = np.array(
        [pools[0].of(*((t - s[i]) / (n - 1) for t, s in zip(total, stacked))) for i in range(n)]
    )
    se = math.sqrt((n - 1) / n * float(((leave_out - leave_out.mean()) ** 2).sum()))
    return figure, se


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
    # the arrays the figure is a measure of, where seeds are pooled (not a column)
    pooled: Pooled | None = field(default=None, repr=False, compare=False)

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
