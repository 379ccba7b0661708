"""Validation of a model variant: `migsim validate [options] KEY=VALUE ...` runs every
experiment with the overrides applied after its own config (a behaviour module of one's own,
a parameter changed), records them in each run directory, in `validation.parquet`
(`overrides`) and in `validation.md`, and says which verdicts differ from the default model's
declared ones. The tiers and the declared misses are the default model's; the generated
tables of the documents are never written from a variant."""

from __future__ import annotations

import polars as pl

from migsim.core.errors import InputError

# what a variant may set: the model, not what the experiments or validate's options set
# (the world: --world; the agents: --quick, --scale; the seeds: --seeds; the regime, the
# years and the base year: each experiment's own)
VARIANT_KEYS = ("behaviour", "economy", "population")
ALLOWED = (
    "behaviour=NAME, behaviour.*, economy.* or population.* (not population.size: --quick or "
    "--scale)"
)


def _key(override: str) -> str:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        (parsed,) = OverridesParser.create().parse_overrides([override])
    except Exception:  # noqa: BLE001  (Hydra's grammar errors: reported in one line)
        raise InputError(f"override '{override}'", "is not a Hydra override", "KEY=VALUE") from None
    if parsed.is_delete():
        raise InputError(f"override '{override}'", "deletes a key", ALLOWED)
    return parsed.key_or_group


def check_overrides(overrides: list[str]) -> list[str]:
    """`overrides` if every one sets a model parameter (`VARIANT_KEYS`) and they compose with
    an experiment's config; otherwise one InputError naming the first that does not."""
    from migsim.validation.runner import compose

    for override in overrides:
        key = _key(override)
        top = key.split(".", 1)[0]
        if top not in VARIANT_KEYS or key == "population.size" or key == "population":
            raise InputError(
                f"override '{override}'", "is not a model parameter a variant may set", ALLOWED
            )
    if overrides:
        compose(["+experiment=e01_status_quo", *overrides])  # a bad key or value: one line
    return list(overrides)


def with_overrides(frame: pl.DataFrame, overrides: list[str]) -> pl.DataFrame:
    """validation.parquet's rows with the `overrides` column (empty for the default model)."""
    return frame.with_columns(pl.lit(" ".join(overrides)).alias("overrides"))


def changed_verdicts(frame: pl.DataFrame) -> list[str]:
    """Lines naming the checks whose verdict differs from the default model's declared one:
    the variant passes a declared miss, or misses a declared pass."""
    lines = []
    for status, what in (
        ("unexpected pass", "passes where the default model misses"),
        ("FAIL", "misses where the default model passes"),
    ):
        keys = [
            f"{e}:{q} ({t})"
            for e, q, t in frame.filter(pl.col("status") == status)
            .select("experiment", "quantity", "tier")
            .iter_rows()
        ]
        if keys:
            lines.append(f"{len(keys)} {what}: " + ", ".join(keys))
    return lines or ["every decided verdict is the default model's declared one"]
