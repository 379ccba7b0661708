"""Numbers as the report prints them: each shown quantity has a unit (from the column
registry, `migsim.runtime.columns.REPORT_COLUMNS`), a scale and a number of decimals, so a
table never shows float noise (a change below half the last digit prints as 0)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from migsim.runtime.columns import REPORT_COLUMNS


@dataclass(frozen=True)
class Quantity:
    """How one measure is shown: `column` names its unit in REPORT_COLUMNS, `field` is the
    summary's field it reads ("change_pct" or "change"), divided by `scale`."""

    column: str
    field: str
    scale: float = 1.0
    decimals: int = 2

    @property
    def unit(self) -> str:
        return REPORT_COLUMNS[self.column].unit

    @property
    def meaning(self) -> str:
        return REPORT_COLUMNS[self.column].doc

    @property
    def tolerance(self) -> float:
        """Values smaller than this print as 0."""
        return 0.5 * 10.0**-self.decimals

    def spread_fields(self) -> tuple[str, str, str]:
        """The summary's min, max and sd fields of this quantity's field."""
        prefix = "pct" if self.field == "change_pct" else "change"
        return f"{prefix}_min", f"{prefix}_max", f"{prefix}_sd"


PCT = Quantity("change_pct", "change_pct")
PPP_BN = Quantity("change_ppp_bn", "change", 1e9)
USD_BN = Quantity("change_usd_bn", "change", 1e9)
PP = Quantity("change_pp", "change", 0.01)


def clean(x: float | None, quantity: Quantity) -> float | None:
    """The value in display units, rounded to the shown digits; None when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    v = round(x / quantity.scale, quantity.decimals)
    return 0.0 if abs(v) < quantity.tolerance else v


def number(x: float | None, quantity: Quantity, signed: bool = True) -> str:
    """A value as shown: signed, thousands separated, "0" below the tolerance, "–" if none."""
    v = clean(x, quantity)
    if v is None:
        return "–"
    if v == 0:
        return "0"
    return f"{v:+,.{quantity.decimals}f}" if signed else f"{v:,.{quantity.decimals}f}"


def spread(sd: float | None, quantity: Quantity) -> str:
    """The seed spread as shown under a mean: "± sd" (empty for one seed)."""
    v = clean(sd, quantity)
    if v is None:
        return ""
    return "± 0" if v == 0 else f"± {v:,.{quantity.decimals}f}"


def short(x: float | None, quantity: Quantity) -> str:
    """A value for a heat-map cell: three significant digits at most, "0" below the
    tolerance."""
    v = clean(x, quantity)
    if v is None:
        return ""
    if v == 0:
        return "0"
    digits = max(0, min(quantity.decimals, 2 - int(math.floor(math.log10(abs(v))))))
    return f"{v:+,.{digits}f}"
