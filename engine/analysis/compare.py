"""Regime comparison: read every complete run under a directory, set each against the same
seed's baseline run (common random numbers), one row per measure and scope.

    compare(sweep_dir, baseline="status_quo") -> polars.DataFrame
    (the files: migsim.analysis.report.write_comparison)

The tidy table has one row per (regime, seed, measure, scope) for the **final simulated
year** of each run (column `year` holds that year):

    regime, variant, seed, year, measure, scope, value, baseline, change, change_pct, unit

`change = value - baseline`, `change_pct = 100 * change / |baseline|` (null when the
baseline is 0). A run is complete iff its `manifest.json` exists; its regime name comes from
the manifest's resolved config (`regime.name` plus the names in `regime.add`, joined by '+',
`migsim.regimes.regime_name`). `variant` holds the command-line overrides (Hydra's
`.hydra/overrides.yaml`, other than regime, seed, hydra.*, what names the regime
(`regime.name`, `regime.add`, and the whole `regime.components` of a run that names its
regime, as a game's runs do; a parameter of its components, `regime.components.0.rate`, is
a variant) and the settings that do not change results, `NOT_RESULTS`, unless every run sets
one of `SWEPT_SETTINGS`: a determinism sweep `-m threads=1,2`) whose values differ between
the runs compared, as `key=value` joined by spaces, and is empty when every run shares them.
Values are read from each run's resolved config, so `20_000` and `20000`, `0.60` and `0.6`,
or a default given and left unset are one value. A sweep
`-m regime=status_quo,free_mobility behaviour.nest_dissimilarity=0.6,1.0` compares each
regime with the baseline of its own variant and seed. Runs are identified by (regime,
variant, seed); two complete runs with the same triple are an error (compare one sweep at a
time), and so is a variant without a baseline run, and so is a run whose resolved config
differs from its reference's where their overrides do not say so (two worlds, lengths or agent
counts compared as if they were one: `same_config`).

A sweep of the baseline regime alone (a sensitivity sweep `-m behaviour.x=0.5,1,2`, or a
seed-only sweep `-m seed=1,2,3`) has nothing to set against its own regime: each variant is
compared with the variant at the config's default value of the swept parameters (same seed),
and in a seed-only sweep each seed with the config's default seed (`reference_of`); when the
default is not among the swept values, the first value is the reference and the report says so.

The measures are those registered in `migsim.analysis.measures` (shipped and installed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from migsim.analysis.measures import registered
from migsim.analysis.runs import Result, load_run
from migsim.analysis.runs import find_runs as complete_runs
from migsim.core.errors import InputError, plugin_code

KEYS = ["regime", "variant", "seed", "year", "measure", "scope"]
# settings that do not change a run's results (threads, the bar, files written on the side,
# how a run is split into shards or restarted: the same tables, docs/operations.md): never a
# difference between a run and its reference, and a variant only as SWEPT_SETTINGS says
NOT_RESULTS = (
    "threads", "progress", "memory_check", "snapshot", "checkpoint_every", "resume",
    "start_from", "shards",
)  # fmt: skip
# of those, the ones a sweep may vary to check determinism (`-m threads=1,2`): a variant when
# every run compared sets them, not when one run happens to give one
SWEPT_SETTINGS = ("threads", "shards")
# what identifies a run rather than varies it
_IDENTITY = ("regime", "seed")
# of the regime's keys, those that name it (regime_name): an override of any other, a
# parameter of one of its components (`regime.components.0.rate=0.05,0.2`), is a variant
_REGIME_NAME = ("regime", "regime.name", "regime.add")


@dataclass(frozen=True)
class Reference:
    """What every run is set against: `kind` "regime" (the baseline regime's run of the same
    variant and seed), "variant" (the baseline regime's run of variant `variant`, same seed)
    or "seed" (the run with seed `seed`, same variant); `note` says how it was chosen."""

    kind: str = "regime"
    variant: str = ""
    seed: int | None = None
    note: str = ""


@dataclass
class RunInfo:
    path: Path
    regime: str
    seed: int
    world: str
    years: int
    size: int
    overrides: dict[str, str]
    variant: str = ""
    run: Result | None = None
    config: dict[str, str] | None = None  # the resolved config, flat (`flat_config`)

    @property
    def label(self) -> str:
        """The regime, with its variant in brackets when there is one (report labels)."""
        return f"{self.regime} [{self.variant}]" if self.variant else self.regime


def find_runs(sweep_dir: str | Path) -> list[RunInfo]:
    """Every complete run (a directory with manifest.json) under `sweep_dir`, recursively."""
    root = Path(sweep_dir)
    if not root.is_dir():
        raise InputError("compare", f"'{root}' is not a directory", "a sweep or run directory")
    runs = []
    for path in complete_runs(root):
        run = load_run(path)
        data = run.manifest
        runs.append(
            RunInfo(
                path,
                run.regime,
                run.seed,
                str(data.get("world", "")),
                int(data.get("years", 0)),
                int(data.get("agents", 0)),
                run.override_values,
                run=run,
                config=flat_config(run.config),
            )
        )
    if not runs:
        raise InputError(
            "compare",
            f"no complete run (manifest.json) under '{root}'",
            "a directory written by `migsim run [-m]`",
        )
    # a setting that does not change results is a variant only when every run sets it (a
    # sweep `threads=1,2` checking determinism), not when one run happens to give it
    keys = sorted(
        {
            k
            for r in runs
            for k in r.overrides
            if (_varies(k) and not _names_regime(k, r.overrides))
            or (k.split(".")[0] in SWEPT_SETTINGS and all(k in o.overrides for o in runs))
        }
    )
    for r in runs:
        r.overrides = {k: _effective(r, k) for k in keys}
    varying = [k for k in keys if len({r.overrides[k] for r in runs}) > 1]
    for r in runs:
        r.variant = " ".join(f"{k}={r.overrides[k]}" for k in varying)
    seen: dict[tuple, Path] = {}
    for r in runs:
        key = (r.regime, r.variant, r.seed)
        if key in seen:
            raise InputError(
                "compare",
                f"two runs of regime '{r.label}' with seed {r.seed} ({seen[key]} and {r.path})",
                "one run per regime, seed and variant of the overrides",
            )
        seen[key] = r.path
    return runs


def _text(value: Any) -> str:
    """A config value as the text a variant shows (`0.6`, `20000`, `true`, lists as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def flat_config(config: Any) -> dict[str, str]:
    """A resolved config (plain mappings) as dotted key -> `_text` of its value."""
    from migsim.runtime.resume_config import flat

    return {k: _text(v) for k, v in flat(config).items()} if isinstance(config, dict) else {}


def _ignored(key: str) -> bool:
    head = key.split(".")[0]
    return head in NOT_RESULTS or head in _IDENTITY


def _varies(key: str) -> bool:
    """An override that makes a variant: not ignored, or a regime key other than its name."""
    if key.split(".")[0] == "regime":
        return key not in _REGIME_NAME and not key.startswith(("regime.name.", "regime.add."))
    return not _ignored(key)


def _names_regime(key: str, overrides: dict[str, str]) -> bool:
    """Whether `key` is the whole list of a regime's components given with the regime's
    name (a game's runs, `migsim.games`): the name says what they are, not a variant."""
    return key == "regime.components" and "regime.name" in overrides


def _effective(run: RunInfo, key: str) -> str:
    """The value `key` has in `run`: from its resolved config when the key is a value there,
    else the override's text (a config group such as `world=toy`; a plug-in's parameter),
    read as YAML so that `1_000` and `1000` agree; `(unset)` when neither has it."""
    config = run.config or {}
    if key in config:
        return config[key]
    text = run.overrides.get(key)
    if text is None:
        return config.get(f"{key}.name", "(unset)")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, dict) else _text(value)


def same_config(run: RunInfo, reference: RunInfo) -> None:
    """Refuse a comparison of `run` with `reference` whose resolved configs differ in a key
    other than the regime, the seed and the settings that do not change results."""
    mine, theirs = run.config or {}, reference.config or {}
    if not mine or not theirs:  # a run without its resolved config (older manifests)
        return
    versions = {
        str((r.run.manifest if r.run is not None else {}).get("packages", {}).get("migsim"))
        for r in (run, reference)
    }
    first = ("world.name", "base_year", "years", "population.size")  # the likeliest slips
    for key in sorted(set(mine) | set(theirs), key=lambda k: (k not in first, k)):
        one_sided = key not in mine or key not in theirs
        if _ignored(key) or mine.get(key) == theirs.get(key) or (one_sided and len(versions) > 1):
            continue  # (a key only one has, in runs of two migsim versions: a new parameter)
        raise InputError(
            "compare",
            f"{run.path} differs from the run it is compared with ({reference.path}) in "
            f"{key}: {mine.get(key, '(absent)')} against {theirs.get(key, '(absent)')}, "
            "which no override of the runs names",
            "runs of one config that differ in the regime, the seed and the overrides a "
            "sweep varies",
        )


def _config_defaults(runs: list[RunInfo], keys: list[str]) -> dict[str, Any]:
    """The values the config gives `keys` when they are not overridden (the other overrides
    the runs share kept); {} when the config cannot be composed here."""
    from migsim.api import compose

    shared = {k: v for k, v in runs[0].overrides.items() if k not in keys and v != "(unset)"}
    # the regime the runs share, so that its own parameters have their defaults
    regime = [
        str(o)
        for o in (runs[0].run.overrides if runs[0].run is not None else [])
        if str(o).lstrip("+~").partition("=")[0] in ("regime", "regime.add")
    ]
    try:
        cfg = compose([*regime, *(f"{k}={v}" for k, v in shared.items())])
    except Exception:  # a plug-in parameter not importable here: fall back to the first value
        return {}
    from omegaconf import OmegaConf

    return {k: OmegaConf.select(cfg, k, default=None) for k in keys}


def _same(text: str, value: Any) -> bool:
    """An override string equals a config value (`0.6` and 0.6, `true` and True)."""
    try:
        return yaml.safe_load(text) == value
    except yaml.YAMLError:
        return text == str(value)


def reference_of(runs: list[RunInfo], baseline: str) -> Reference:
    """What each run is compared with (see the module's docstring)."""
    regimes = {r.regime for r in runs}
    if regimes != {baseline} or len(runs) < 2:
        return Reference()
    variants = sorted({r.variant for r in runs})
    if variants != [""]:
        keys = sorted({k for r in runs for k in r.overrides})
        keys = [k for k in keys if len({r.overrides.get(k) for r in runs}) > 1]
        defaults = _config_defaults(runs, keys)
        for v in variants:
            run = next(r for r in runs if r.variant == v)
            if defaults and all(_same(run.overrides.get(k, ""), defaults.get(k)) for k in keys):
                return Reference("variant", v, None, f"{v}: the config's default")
        return Reference(
            "variant",
            variants[0],
            None,
            f"{variants[0]}: the first value (the default is not swept)",
        )
    seeds = sorted({r.seed for r in runs})
    default = _config_defaults(runs, ["seed"]).get("seed")
    if default in seeds:
        return Reference("seed", "", int(default), f"seed {default}: the config's default")
    return Reference(
        "seed", "", seeds[0], f"seed {seeds[0]}: the first seed (the default is not run)"
    )


def set_against(long: pl.DataFrame, on: list[str], baseline: str, ref: Reference) -> pl.DataFrame:
    """Rows of `long` (regime, variant, seed, *on, value) with the reference's value
    (`baseline`), `change` and `change_pct` beside them."""
    if ref.kind == "variant":
        base, keys = long.filter(pl.col("variant") == ref.variant), ["seed", *on]
    elif ref.kind == "seed":
        base, keys = long.filter(pl.col("seed") == ref.seed), ["variant", *on]
    else:
        base, keys = long.filter(pl.col("regime") == baseline), ["variant", "seed", *on]
    base = base.select(*keys, pl.col("value").alias("baseline"))
    out = long.join(base, on=keys, how="left").with_columns(
        change=pl.col("value") - pl.col("baseline")
    )
    return out.with_columns(
        change_pct=pl.when(pl.col("baseline") != 0)
        .then(100.0 * pl.col("change") / pl.col("baseline").abs())
        .otherwise(None)
    )


def _reference_run(
    run: RunInfo, runs: list[RunInfo], baseline: str, ref: Reference
) -> RunInfo | None:
    """The run `run` is set against when it shares `run`'s variant (a regime's baseline, or
    the reference seed); None for a sensitivity sweep's variants, which differ by design."""
    if ref.kind == "variant":
        return None
    for other in runs:
        if other is run or other.variant != run.variant:
            continue
        if ref.kind == "seed" and other.seed == ref.seed:
            return other
        if ref.kind == "regime" and other.regime == baseline and other.seed == run.seed:
            return other
    return None


def measured(measure: Any, tables: Any) -> pl.DataFrame:
    """`measure.compute(tables)` as (scope, value): a plug-in's measure that raises or returns
    anything else is one line naming it (exit 2), not a migsim bug."""
    where = f"measure '{measure.name}'"
    allowed = "a polars DataFrame with a text column scope (one row each) and a number value"
    with plugin_code(measure.compute, where):
        out = measure.compute(tables)
    if not isinstance(out, pl.DataFrame) or not {"scope", "value"} <= set(out.columns):
        got = list(out.columns) if isinstance(out, pl.DataFrame) else type(out).__name__
        raise InputError(where, f"returned {got}", allowed)
    out = out.select("scope", "value")
    if not out["value"].dtype.is_numeric():
        raise InputError(where, "returned a value that is not a number", allowed)
    if out["scope"].is_duplicated().any():
        raise InputError(where, "returned a scope twice", allowed)
    return out.with_columns(pl.col("scope").cast(pl.String), pl.col("value").cast(pl.Float64))


def run_measures(run: RunInfo) -> pl.DataFrame:
    """Every registered measure of one run's final year, long format (KEYS, value)."""
    tables = run.run if run.run is not None else load_run(run.path)
    year = int(tables.table("regions")["year"].max())
    parts = [
        measured(m, tables).with_columns(measure=pl.lit(m.name), unit=pl.lit(m.unit))
        for m in registered().values()
    ]
    out = pl.concat(parts, how="vertical_relaxed")
    return out.with_columns(
        regime=pl.lit(run.regime),
        variant=pl.lit(run.variant),
        seed=pl.lit(run.seed, pl.Int64),
        year=pl.lit(year, pl.Int64),
    ).select(*KEYS, "value", "unit")


def compare(
    sweep_dir: str | Path,
    baseline: str = "status_quo",
    runs: list[RunInfo] | None = None,
    reference: Reference | None = None,
) -> pl.DataFrame:
    """Tidy comparison of every complete run under `sweep_dir` against `baseline` (`runs`:
    find_runs(sweep_dir) and `reference`: reference_of(runs, baseline), when the caller has
    them already)."""
    runs = find_runs(sweep_dir) if runs is None else runs
    regimes = sorted({r.regime for r in runs})
    if baseline not in regimes:
        raise InputError(
            "--baseline", f"no run of regime '{baseline}' under '{sweep_dir}'", ", ".join(regimes)
        )
    have = {(r.variant, r.seed) for r in runs if r.regime == baseline}
    for r in runs:
        if (r.variant, r.seed) not in have:
            raise InputError(
                "--baseline",
                f"no run of regime '{baseline}' with seed {r.seed}"
                + (f" and {r.variant}" if r.variant else "")
                + f" to compare {r.path} with",
                "a baseline run for every seed and variant of the sweep",
            )
    reference = reference_of(runs, baseline) if reference is None else reference
    for r in runs:
        other = _reference_run(r, runs, baseline, reference)
        if other is not None:
            same_config(r, other)
    long = pl.concat([run_measures(r) for r in runs], how="vertical_relaxed")
    out = set_against(long, ["measure", "scope"], baseline, reference)
    order = {r: (0 if r == baseline else 1, r) for r in regimes}
    return (
        out.with_columns(
            _o=pl.col("regime").replace_strict(
                {r: i for i, r in enumerate(sorted(regimes, key=order.get))}, return_dtype=pl.Int64
            )
        )
        .sort("_o", "variant", "seed", "measure", "scope")
        .select(*KEYS, "value", "baseline", "change", "change_pct", "unit")
    )


def labelled(
    table: pl.DataFrame, baseline: str, reference: Reference | None = None
) -> pl.DataFrame:
    """The table for reports: `regime` becomes the label "regime [variant]" (just the regime
    when there is no variant), `variant` is dropped and `is_baseline` marks the baseline's
    rows of every variant. In a sensitivity sweep the label is the variant; in a seed-only
    sweep it is "seed N" (`is_baseline` marks the reference's rows)."""
    ref = reference or Reference()
    if ref.kind == "variant":
        return table.with_columns(
            is_baseline=pl.col("variant") == ref.variant, regime=pl.col("variant")
        ).drop("variant")
    if ref.kind == "seed":
        return table.with_columns(
            is_baseline=pl.col("seed") == ref.seed, regime=pl.format("seed {}", "seed")
        ).drop("variant")
    return table.with_columns(
        is_baseline=pl.col("regime") == baseline,
        regime=pl.when(pl.col("variant") != "")
        .then(pl.format("{} [{}]", "regime", "variant"))
        .otherwise(pl.col("regime")),
    ).drop("variant")


def summarise(table: pl.DataFrame) -> pl.DataFrame:
    """Mean and spread across seeds per (regime label, measure, scope) of a `labelled` table."""
    return table.group_by("regime", "measure", "scope", maintain_order=True).agg(
        is_baseline=pl.col("is_baseline").first(),
        seeds=pl.len(),
        value=pl.col("value").mean(),
        baseline=pl.col("baseline").mean(),
        change=pl.col("change").mean(),
        change_min=pl.col("change").min(),
        change_max=pl.col("change").max(),
        change_sd=pl.col("change").std(),
        change_pct=pl.col("change_pct").mean(),
        pct_min=pl.col("change_pct").min(),
        pct_max=pl.col("change_pct").max(),
        pct_sd=pl.col("change_pct").std(),
    )


def headline(table: pl.DataFrame, baseline: str, reference: Reference | None = None) -> str:
    """One line per regime: mean world GDP change."""
    s = summarise(labelled(table, baseline, reference)).filter(
        pl.col("measure") == "world_gdp", ~pl.col("is_baseline")
    )
    return "\n".join(
        f"migsim compare: {r}: world GDP {m:+.3f}% (min {lo:+.3f}, max {hi:+.3f}, "
        f"{n} seed{'s' if n != 1 else ''})"
        for r, n, m, lo, hi in s.select(
            "regime", "seeds", "change_pct", "pct_min", "pct_max"
        ).iter_rows()
    )
