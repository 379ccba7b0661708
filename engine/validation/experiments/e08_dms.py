"""E8: free migration under the closure of Docquier, Machado & Sekkat 2015, world GDP and
extra migrants after 10 years, mean over three seeds, read two ways.

- Static (DMS's own reading): the `free_mobility_dms` regime's catch-up moves the desired
  stock in the first year, as a static equilibrium would have it. The path was chosen with
  DMS's figure in view, so these checks are `fitted` / `calibrated`.
- Dynamic (the model's answer): plain `free_mobility` under the same closure; people move
  at the model's own pace, with the liquidity constraint, after 10 and 30 years.
"""

from __future__ import annotations

from migsim.validation.checks import Check, point, within
from migsim.validation.experiments._shared import pct, year_sum
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E8:world_gdp_pct_after_10y",
    "E8:extra_migrants_after_10y_M",
    "E8:world_gdp_pct_after_10y_dynamic",
    "E8:world_gdp_pct_after_30y_dynamic",
    "E8:extra_migrants_after_10y_M_dynamic",
]
_DYNAMIC_WHY = (
    "the model's own dynamics: without the catch-up, people move at the calibrated yearly "
    "pace and within the liquidity constraint, so the desired stock builds up over decades "
    "and the gain stays below DMS's static +11.5-12.5%"
)
EXPECTED_FAILURES = {
    "E8:world_gdp_pct_after_10y": (
        "the static reading moves the same desired stock at once (the catch-up is fitted to "
        "DMS's 400M); its world GDP gain was +11.7% with two skill groups and a single "
        "experience profile, and is now just below the band. Measured (seed 1, 10 years): "
        "+10.8%, and neither the experience bands (sigma_x 1e6: +10.7%) nor the split of "
        "non-tertiary workers into primary and secondary (sigma_HS 1e6: +11.0%; both: "
        "+10.8%) nor DMS's one-nest logit (the default nest, rho 0.6: +11.0%) accounts for "
        "the gap; the "
        "config keeps schooling given and credentials transferring at once, so neither the "
        "education response nor downgrading is in it, and what lowers the gain is not "
        "isolated"
    ),
    "E8:extra_migrants_after_10y_M": (
        "the catch-up is fitted to move DMS's 400M desired migrants in the first year; ten "
        "years on, the count adds the moves the model makes after it, and since the dead's "
        "wealth passes to the young (docs/model.md 5.10) more of them can pay: 441M, just "
        "above the band (426M with `population.bequests=none`, the dead's wealth lost)"
    ),
    "E8:world_gdp_pct_after_10y_dynamic": (_DYNAMIC_WHY),
    "E8:world_gdp_pct_after_30y_dynamic": (_DYNAMIC_WHY),
    "E8:extra_migrants_after_10y_M_dynamic": (_DYNAMIC_WHY),
}
LONG_TERM = 30


MEDIUM_TERM = 10  # years after the base year: DMS's "medium term"


E8_SEEDS = (1, 2, 3)  # the mean over seeds is checked (one seed's sampling: ~0.1 point)


@experiment(
    "E8",
    title="Free migration under DMS's closure (Docquier, Machado & Sekkat 2015)",
    configs=["e08_free_mobility"],
    cost="run",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    other_worlds=(
        "the calibration sets free mobility's desired extra migrants to 400 M in any world, "
        "and the horizons count from 2010; world GDP gains follow regions12's GDP per head "
        "(PWT 10.01, 2010; docs/worlds-regions12.md)"
    ),
)
def e8_dms(r: Runner) -> list[Check]:
    """Mean over E8_SEEDS (each seed's liberalisation against its own status quo): one seed's
    sampling moves the 10-year gain by about 0.1 point."""
    y = r.base_year + MEDIUM_TERM
    gdp, extra, dyn10, dyn30, dyn_extra = [], [], [], [], []
    for seed in E8_SEEDS:
        over = [f"seed={seed}"]
        treat = r.run("e08_free_mobility", extra=over).table("regions")
        base = r.run("e08_free_mobility", baseline=True, extra=over).table("regions")
        gdp.append(pct(year_sum(treat, y, "gdp"), year_sum(base, y, "gdp")))
        extra.append((year_sum(treat, y, "immigrants") - year_sum(base, y, "immigrants")) / 1e6)
        dyn = r.run("e08_free_mobility", extra=[*over, "regime=free_mobility"]).table("regions")
        dyn10.append(pct(year_sum(dyn, y, "gdp"), year_sum(base, y, "gdp")))
        y30 = r.base_year + LONG_TERM
        dyn30.append(pct(year_sum(dyn, y30, "gdp"), year_sum(base, y30, "gdp")))
        dyn_extra.append((year_sum(dyn, y, "immigrants") - year_sum(base, y, "immigrants")) / 1e6)
    seeds = ", ".join(f"{g:.2f}" for g in gdp)
    src = "Docquier, Machado & Sekkat 2015"
    dynamic = [
        within("E8", "world_gdp_pct_after_10y_dynamic", src, "V", 11.5, 12.5, _mean(dyn10), "%"),
        within("E8", "world_gdp_pct_after_30y_dynamic", src, "V", 11.5, 12.5, _mean(dyn30), "%"),
        point("E8", "extra_migrants_after_10y_M_dynamic", src, "V", 400.0, _mean(dyn_extra), "M"),
    ]
    for c in dynamic:
        c.note = "regime free_mobility (no catch-up), same closure; mean of seeds " + ", ".join(
            map(str, E8_SEEDS)
        )
    return dynamic + [
        within(
            "E8",
            "world_gdp_pct_after_10y",
            "Docquier, Machado & Sekkat 2015",
            "V",
            11.5,
            12.5,
            sum(gdp) / len(gdp),
            "%",
            f"mean of seeds {', '.join(map(str, E8_SEEDS))}: {seeds}",
        ),
        point(
            "E8",
            "extra_migrants_after_10y_M",
            "Docquier, Machado & Sekkat 2015",
            "V",
            400.0,
            sum(extra) / len(extra),
            "M",
            "DMS: ~400M would move; the calibration targets 400M desired movers",
        ),
    ]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


@e8_dms.summary
def both_ways(frame) -> str:
    """E8's two readings side by side: DMS's static one and the model's own dynamics."""
    import polars as pl

    rows = dict(frame.filter(pl.col("experiment") == "E8").select("quantity", "simulated").rows())
    needed = ("world_gdp_pct_after_10y", "world_gdp_pct_after_10y_dynamic")
    if not all(k in rows for k in needed):
        return ""
    return (
        "E8 both ways (free mobility under DMS's closure, world GDP against the status quo; "
        "DMS: +11.5 to +12.5%): the static reading, with the desired stock moved at once, "
        f"gives {rows['world_gdp_pct_after_10y']:+.1f}% after 10 years "
        f"({rows['extra_migrants_after_10y_M']:.0f}M extra migrants); the model's own "
        f"dynamics give {rows['world_gdp_pct_after_10y_dynamic']:+.1f}% after 10 years "
        f"({rows['extra_migrants_after_10y_M_dynamic']:.0f}M) and "
        f"{rows['world_gdp_pct_after_30y_dynamic']:+.1f}% after 30. The dynamic figure is "
        "the model's answer."
    )
