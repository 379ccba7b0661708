"""The generated block of docs/validation.md's "Model variants": the verdicts of the model's
documented alternatives against the default model's, each a full validation of a model
variant (`migsim validate KEY=VALUE`, migsim.validation.variants):

    python -m migsim.validation.variants_report --write docs/validation.md \\
        [--default outputs/validation/<run>/validation.parquet] [--max-seeds 3] [--keep DIR]

Each variant runs every experiment at the default sizes on three seeds (up to `--max-seeds`,
9 by default, where a verdict needs them), five to nine minutes on 2 cores; `--default` takes
the default model's full run from a validation.parquet instead of running it again. CI does
not rebuild the block (half an hour); the block says what it was measured with.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polars as pl

from migsim.core.docblocks import sync_present
from migsim.core.errors import InputError
from migsim.validation.report import REPRODUCED

BEGIN, END = "<!-- validation-variants:begin -->", "<!-- validation-variants:end -->"
# the documented alternatives of model choices that leave the calibration as it is (a
# variant of a calibration parameter calibrates the default world afresh but not the history
# worlds' fitted corridor terms, so it is not one of these)
VARIANTS = (
    (
        "economy.remit_family_drop=0.6",
        "remittances: a migrant without close family at origin remits less often (§5.9)",
    ),
    (
        "economy.education_response=loglinear",
        "brain gain: Beine, Docquier & Rapoport's reduced form (§2, docs/braingain.md)",
    ),
    (
        "economy.public_goods_cost=marginal",
        "fiscal: pure public goods charged to nobody at the margin (§5.8)",
    ),
    (
        "economy.downgrading=false",
        "labour: immigrants' discounted units supplied in their own education's cells (§5.1)",
    ),
    ("population.bequests=none", "wealth: the dead's wealth is lost (§5.10)"),
)


def _reading(tier: str, passed: bool) -> str:
    """pass / miss, or reproduced / not reproduced, whatever the declared verdict was."""
    if tier in REPRODUCED:
        return "reproduced" if passed else "not reproduced"
    return "pass" if passed else "miss"


def _verdicts(frame: pl.DataFrame) -> dict[str, tuple[str, str]]:
    """{experiment:quantity: (tier, reading)} of the decided checks."""
    rows = frame.filter(pl.col("status") != "undecided")
    return {
        f"{e}:{q}": (t, _reading(t, p))
        for e, q, t, p in rows.select("experiment", "quantity", "tier", "passed").iter_rows()
    }


def _evidence(frame: pl.DataFrame) -> str:
    """'P of N pass' over the decided out-of-sample checks (the undecided added)."""
    rows = frame.filter(pl.col("tier") == "out_of_sample")
    decided = rows.filter(pl.col("status") != "undecided")
    passed = int(decided["passed"].sum())
    undecided = rows.height - decided.height
    return f"{passed} of {decided.height} pass" + (f", {undecided} undecided" if undecided else "")


def changes(default: pl.DataFrame, variant: pl.DataFrame) -> list[str]:
    """The checks decided in both runs whose verdict differs, as 'E:q (tier): a -> b'."""
    before, after = _verdicts(default), _verdicts(variant)
    return [
        f"{key} ({tier}): {before[key][1]} -> {result}"
        for key, (tier, result) in after.items()
        if key in before and before[key][1] != result
    ]


def _seeds(frame: pl.DataFrame) -> str:
    low, high = int(frame["seeds"].min()), int(frame["seeds"].max())
    more = f" and up to {high} where a verdict needed them" if high > low else ""
    return f"seeds 1-{low}{more}"


def block(default: pl.DataFrame, measured: list[tuple[str, str, pl.DataFrame]]) -> str:
    """The block's Markdown: the default model's row, then each variant's."""
    lines = [
        "| variant | what changes | out of sample | verdicts that differ from the default's |",
        "|---|---|---|---|",
        f"| (default) | the shipped model | {_evidence(default)} | |",
    ]
    for override, what, frame in measured:
        moved = changes(default, frame)
        lines.append(
            f"| `{override}` | {what} | {_evidence(frame)} | "
            + ("; ".join(moved) if moved else "none")
            + " |"
        )
    variants = pl.concat([f.select("seeds") for _, _, f in measured]) if measured else default
    lines += [
        "",
        "Each row is a full validation at the default sizes (`migsim validate`; the default "
        f"model on {_seeds(default)}, the variants on {_seeds(variants)}); a verdict that "
        "differs is one both runs decide.",
    ]
    return "\n".join(lines)


def measure(override: str, root: Path, log, max_seeds: int) -> pl.DataFrame:
    """The full validation of one variant (or of the default model, override '')."""
    from migsim.validation.runner import run_all

    overrides = [override] if override else []
    frame, _ = run_all(root, seeds=3, max_seeds=max_seeds, overrides=overrides, log=log)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migsim.validation.variants_report")
    parser.add_argument("--write", metavar="FILE", required=True)
    parser.add_argument("--default", metavar="PARQUET", default=None)
    parser.add_argument(
        "--max-seeds",
        type=int,
        default=9,
        help="seeds in all where three leave a verdict within Monte Carlo error (default 9)",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        default=None,
        help="write each variant's validation.parquet here (VARIANT.parquet)",
    )
    ns = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"variants_report: {message}", file=sys.stderr)

    try:
        if not Path(ns.write).is_file():
            raise InputError("--write", f"no file {ns.write}", "a document with its markers")
        text = Path(ns.write).read_text()
        if BEGIN not in text or END not in text:
            raise InputError(f"--write {ns.write}", "has no variants block", BEGIN)
        with tempfile.TemporaryDirectory() as tmp:
            if ns.default:
                default = pl.read_parquet(ns.default)
            else:
                default = measure("", Path(tmp) / "default", log, ns.max_seeds)
            measured = []
            for k, (override, what) in enumerate(VARIANTS):
                log(f"{override}")
                frame = measure(override, Path(tmp) / str(k), log, ns.max_seeds)
                if ns.keep:
                    Path(ns.keep).mkdir(parents=True, exist_ok=True)
                    frame.write_parquet(Path(ns.keep) / f"{override}.parquet")
                measured.append((override, what, frame))
        body = block(default, measured)
        sync_present(ns.write, {(BEGIN, END): lambda: body}, False, "variants")
    except InputError as exc:
        print(f"variants_report: {exc}", file=sys.stderr)
        return InputError.exit_code
    log(f"wrote {ns.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
