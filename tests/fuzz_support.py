"""Shared by the fuzz tests (tests/test_input_fuzz*.py): what a valid run is, how a case
is run or refused, and the record of which config fields and world columns the cases hit.

A fuzzed case ends one of two ways, and nothing else: refused with one InputError (one line
naming the field or the file) that leaves no run directory, or a run whose tables pass
`assert_valid_run`."""

from __future__ import annotations

import copy
import dataclasses
import zlib
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import strategies as st

import migsim
from migsim.core.errors import InputError

BASE_OVERRIDES = ("world=toy", "population.size=2000", "years=2", "progress=false")

# (kind, target) -> Counter of outcomes ("refused", "ran") and of mutations
RECORD: dict[tuple[str, str], Counter] = defaultdict(Counter)


def record(kind: str, target: str, mutation: str, outcome: str) -> None:
    """Count one case: `kind` is "config" or "world", `target` the field or file:column."""
    RECORD[(kind, target)][outcome] += 1
    RECORD[(kind, target)][f"mutation:{mutation}"] += 1


# ------------------------------------------------------------------ the config declarations


def declaration(name: str) -> tuple[dataclasses.Field, dict | None]:
    """The dataclass field of a dotted config name and its `param()` declaration."""
    from migsim.config import MigsimConf

    schema, field = MigsimConf, None
    for part in name.split("."):
        field = {f.name: f for f in dataclasses.fields(schema)}[part]
        if field.default_factory is not dataclasses.MISSING:
            schema = type(field.default_factory())
        elif isinstance(field.type, type) and dataclasses.is_dataclass(field.type):
            schema = field.type
    return field, field.metadata.get("param")


def rotated(options: list[str], target: str) -> st.SearchStrategy:
    """`options` drawn from a starting point that depends on `target`, so that targets
    fuzzed with a few examples each do not all see the same mutations first."""
    shift = zlib.crc32(target.encode()) % len(options)
    return st.integers(0, len(options) - 1).map(lambda i: options[(i + shift) % len(options)])


# ------------------------------------------------------------------ composing a case cheaply


@cache
def _base_config():
    return migsim.compose(list(BASE_OVERRIDES))


def compose_case(*overrides: str):
    """The validated config of BASE_OVERRIDES plus value overrides, as `migsim.compose`
    gives it (same parser, merge, error wording and checks) without composing the whole
    defaults tree again: 0.1 s against 0.6 s here, which is what lets the fuzz suite run
    hundreds of cases. `test_fast_composition_matches_compose` holds the two together."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from migsim.api import _composition_error
    from migsim.config import validate

    cfg = copy.deepcopy(_base_config())
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
        ConfigLoaderImpl._apply_overrides_to_config(parsed, cfg)
    except (HydraException, OmegaConfBaseException) as exc:
        raise _composition_error(exc) from None
    validate(cfg)
    return cfg


# ------------------------------------------------------------------ running a case


def refused_or_run(cfg, run_dir: Path, names: tuple[str, ...], column: str = "") -> str:
    """Run `cfg` into `run_dir` through the Python API. Returns "refused" after checking
    the refusal (one line naming one of `names`, and `column` if given; no run directory)
    or "ran" after checking the tables (`assert_valid_run`)."""
    try:
        result = migsim.run(config=cfg, out=run_dir)
    except InputError as error:
        message = assert_one_line(error, names)
        assert not column or f"'{column}'" in message, (column, message)
        assert not run_dir.exists(), sorted(p.name for p in run_dir.rglob("*"))
        return "refused"
    assert_valid_run(result.tables, cfg)
    return "ran"


def assert_one_line(error: InputError, names: tuple[str, ...]) -> str:
    message = str(error)
    assert "\n" not in message, message
    assert "Traceback" not in message, message
    assert any(name in message for name in names), (names, message)
    return message


# ------------------------------------------------------------------ what a valid run is

COUNT_COLUMNS = (
    "population",
    "natives",
    "immigrants",
    "emigrants",
    "births",
    "deaths",
    "arrivals",
    "departures",
    "blocked_by_liquidity",
    "intra_regional_moves",
)


def _close(got, want, rtol: float, what: str, atol: float = 1e-6) -> None:
    np.testing.assert_allclose(
        np.asarray(got), np.asarray(want), rtol=rtol, atol=atol, err_msg=what
    )


def assert_valid_run(tables: dict[str, pl.DataFrame], cfg) -> None:
    """The accounting a run must satisfy whatever its inputs: every number finite, every
    count of people or money sent non-negative, and the identities that tie the tables
    together (population balance, stocks and flows against the regions table, remittances
    and national accounts). The same identities are tested one by one on the shared toy run
    (tests/test_core_simulation.py, tests/test_economy_outputs.py)."""
    for name, frame in tables.items():
        numeric = [c for c, t in frame.schema.items() if t.is_float()]
        for column in numeric:
            values = frame[column].to_numpy()
            assert np.isfinite(values).all(), f"{name}.{column} is not finite"
    regions, stocks, flows = tables["regions"], tables["stocks"], tables["flows"]
    base, years = int(cfg.base_year), int(cfg.years)
    assert sorted(regions["year"].unique().to_list()) == list(range(base, base + years + 1))
    n_regions = regions.filter(pl.col("year") == base).height
    assert regions.height == n_regions * (years + 1)
    for column in (c for c in COUNT_COLUMNS if c in regions.columns):
        assert (regions[column] >= 0).all(), f"regions.{column} is negative"
    assert (stocks["people"] >= 0).all() and (flows["people"] >= 0).all()

    # population(t) = population(t-1) + births - deaths + arrivals - departures
    frame = regions.sort("region", "year").with_columns(
        previous=pl.col("population").shift(1).over("region")
    )
    later = frame.filter(pl.col("year") > base)
    balance = later["previous"] + later["births"] - later["deaths"]
    balance = balance + later["arrivals"] - later["departures"]
    _close(later["population"], balance, 1e-6, "population balance")
    _close(regions["natives"] + regions["immigrants"], regions["population"], 1e-9, "natives")
    assert (regions["immigrants"] <= regions["population"] * (1 + 1e-9)).all()
    per_year = regions.group_by("year").agg(pl.col("immigrants").sum(), pl.col("emigrants").sum())
    _close(per_year["immigrants"], per_year["emigrants"], 1e-9, "world immigrants = emigrants")

    # stocks sum to residents; the foreign-born among them to immigrants
    people = stocks.group_by("year", "location").agg(pl.col("people").sum())
    joined = regions.join(
        people, left_on=["year", "region"], right_on=["year", "location"], how="left"
    ).with_columns(pl.col("people").fill_null(0.0))
    _close(joined["people"], joined["population"], 1e-9, "stocks sum to population")
    foreign = (
        stocks.filter(
            (pl.col("origin") != pl.col("location")) | (pl.col("status") == "intra_regional")
        )
        .group_by("year", "location")
        .agg(pl.col("people").sum())
    )
    joined = regions.join(
        foreign, left_on=["year", "region"], right_on=["year", "location"], how="left"
    ).with_columns(pl.col("people").fill_null(0.0))
    _close(joined["people"], joined["immigrants"], 1e-9, "foreign-born stocks = immigrants")

    # flows add up to arrivals and departures; nobody moves in the base year
    assert flows.height == 0 or flows["year"].min() > base
    assert (flows["source"] != flows["destination"]).all()
    arrivals = flows.group_by("year", "destination").agg(pl.col("people").sum().alias("in"))
    departures = flows.group_by("year", "source").agg(pl.col("people").sum().alias("out"))
    joined = (
        later.join(
            arrivals, left_on=["year", "region"], right_on=["year", "destination"], how="left"
        )
        .join(departures, left_on=["year", "region"], right_on=["year", "source"], how="left")
        .with_columns(pl.col("in").fill_null(0.0), pl.col("out").fill_null(0.0))
    )
    _close(joined["in"], joined["arrivals"], 1e-9, "flows = arrivals")
    _close(joined["out"], joined["departures"], 1e-9, "flows = departures")

    if "remittances" in tables:  # the economy step ran
        remit = tables["remittances"]
        for column in ("sent", "received", "fees"):
            assert (remit[column] >= 0).all(), f"remittances.{column} is negative"
        _close(remit["sent"], remit["received"] + remit["fees"], 1e-9, "sent = received + fees")
    if "gdp" in regions.columns:
        _close(regions["labour_income"] + regions["capital_income"], regions["gdp"], 1e-9, "gdp")
        revenue = regions["tax_revenue"] + regions["other_revenue"] + regions["levy_revenue"]
        _close(
            revenue - regions["public_spending"],
            regions["fiscal_balance"],
            1e-9,
            "fiscal balance",
            atol=1e-6 * float(regions["gdp"].abs().max()),
        )
