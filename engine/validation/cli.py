"""`migsim validate [--quick] [--seeds N] [--max-seeds M] [--out DIR] [--only E1,E8]
[--threads N] [--list] [--readme FILE... | --check-readme FILE...] [--agree-with FILE] [--world NAME
[--compare-with FILE] [--page FILE | --check-page FILE]] [KEY=VALUE ...]`: run the experiments
(each with N seeds, decided on the mean; an experiment with a verdict still within Monte
Carlo error runs again with N more seeds, up to M in all, outside quick mode) and write the
report into DIR (default outputs/validation/<timestamp>/) through a staging directory renamed
at the end. Exit code 3 on any unexplained miss or unexpected pass, with --check-readme when
a file's generated blocks differ from this run (--readme rewrites them), and with
--agree-with when a check this run decides gets another verdict in that file or is not in it.

KEY=VALUE overrides make a model variant (migsim.validation.variants): applied to every
experiment's config, recorded in its runs and in the report, their verdicts set no exit code
(--agree-with still compares them), and no document's table is written or checked from them.

On another world (`--world regions12`) the misses and passes are that world's, not the
default world's declared ones, so they set no exit code; `--page` writes the page that sets
them beside the default world's run (`--compare-with` its validation.parquet) with a reason
for every changed verdict (migsim.validation.worlds), and `--check-page` exits 3 when a page
disagrees with this run."""

from __future__ import annotations

import datetime as _dt
import shutil
import time
from pathlib import Path

import polars as pl

from migsim.validation.agreement import disagreements, unmatched
from migsim.validation.registry import registered
from migsim.validation.report import (
    has_validation_block,
    headline,
    sync_readme,
    write_report,
)
from migsim.validation.runner import run_all
from migsim.validation.variants import changed_verdicts, check_overrides, with_overrides

# seeds in all for the experiments whose verdicts three seeds leave within Monte Carlo error
MAX_SEEDS = 9


def list_experiments() -> int:
    """One line per registered experiment: name, cost, configs and title."""
    for exp in registered().values():
        configs = ",".join(exp.configs) or "-"
        print(f"{exp.name:<10} {exp.cost:<10} {configs:<45} {exp.title}")
    return 0


def add_arguments(parser) -> None:
    """The options of `migsim validate` (a subcommand of the one `migsim` parser)."""
    parser.add_argument(
        "--quick", action="store_true", help="an eighth of the agents (about 3 minutes on 2 cores)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every experiment's number of agents by this factor (full mode; e.g. 2, "
        "with --agree-with a full run's validation.parquet, to check that the verdicts hold "
        "with more agents)",
    )
    parser.add_argument(
        "--out", default=None, help="output directory (default outputs/validation/<timestamp>)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=3,
        help="repeat every experiment with this many seeds and decide on the mean (default 3)",
    )
    parser.add_argument(
        "--max-seeds",
        type=int,
        default=MAX_SEEDS,
        help="seeds in all for an experiment with a verdict within Monte Carlo error after "
        f"--seeds, run in batches of --seeds (default {MAX_SEEDS}; not in quick mode)",
    )
    parser.add_argument("--only", default="", help="comma-separated experiments, e.g. E1,E8")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument(
        "--readme",
        nargs="+",
        default=None,
        help="rewrite the generated validation blocks of these files (the table and the "
        "headline, each where the file has its markers: docs/validation.md README.md)",
    )
    parser.add_argument(
        "--agree-with",
        default=None,
        help="exit 3 if a check this run decides gets another verdict in this "
        "validation.parquet, or is not in it (e.g. a full run's, to check --quick against it)",
    )
    parser.add_argument(
        "--check-readme",
        nargs="+",
        default=None,
        help="exit 3 if the generated validation blocks of these files differ from this run",
    )
    parser.add_argument("--world", default="default", help="the world the experiments run in")
    parser.add_argument(
        "--compare-with",
        default=None,
        help="the default world's validation.parquet, set beside this world's run on --page",
    )
    parser.add_argument("--page", default=None, help="write this world's validation page")
    parser.add_argument(
        "--check-page",
        default=None,
        help="exit 3 if this world's validation page disagrees with this run",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="a model variant: Hydra overrides applied to every experiment's config "
        "(behaviour=NAME, behaviour.*, economy.*, population.*), recorded in the runs and "
        "the report; its verdicts set no exit code (--agree-with compares them)",
    )
    parser.set_defaults(handler=validate)


def validate_command(args: list[str]) -> int:
    """`migsim validate ARGS` from Python (parsed by the `migsim` parser)."""
    from migsim.cli import parse

    return validate(parse(["validate", *args]))


def validate(ns) -> int:
    from migsim.cli import status
    from migsim.core.errors import InputError

    if not 1 <= ns.seeds <= 20:
        raise InputError("--seeds", f"{ns.seeds} is out of range", "1 to 20")
    if not ns.seeds <= ns.max_seeds <= 30:
        raise InputError("--max-seeds", f"{ns.max_seeds} is out of range", "--seeds to 30")
    if ns.threads < 0:
        raise InputError("--threads", f"{ns.threads} is negative", "0 (all) or a positive count")
    if ns.list:
        return list_experiments()
    if not 0.125 <= ns.scale <= 8.0:
        raise InputError("--scale", f"{ns.scale:g} is out of range", "0.125 to 8")
    if ns.quick and ns.scale != 1.0:
        raise InputError("--scale", "cannot be combined with --quick", "one of them")
    from migsim.validation.worlds import check_world_options

    check_world_options(ns)
    overrides = check_overrides(ns.overrides)
    if overrides and (ns.readme or ns.check_readme or ns.page or ns.check_page):
        flag = next(
            f
            for f, v in (
                ("--readme", ns.readme),
                ("--check-readme", ns.check_readme),
                ("--page", ns.page),
                ("--check-page", ns.check_page),
            )
            if v
        )
        raise InputError(
            flag, "the documents' tables are the default model's", "no overrides with it"
        )
    if ns.readme and ns.check_readme:
        raise InputError("--readme", "given with --check-readme", "one of the two")
    readmes = ns.readme or ns.check_readme or []
    flag = "--readme" if ns.readme else "--check-readme"
    if readmes and (ns.quick or ns.only or ns.scale != 1.0):
        raise InputError(
            flag,
            "the documents' tables are of the full run",
            "no --quick, no --only and no --scale",
        )
    for readme in readmes:
        if not Path(readme).is_file():
            raise InputError(flag, f"no file {readme}", "an existing Markdown file")
        if not has_validation_block(Path(readme).read_text()):
            raise InputError(
                f"{flag} {readme}",
                "has no generated validation block",
                "a file with the validation-table or validation-headline markers",
            )
    reference = None
    if ns.agree_with:
        try:
            reference = pl.read_parquet(
                ns.agree_with, columns=["experiment", "quantity", "passed", "status"]
            )
        except Exception as exc:  # missing file, not Parquet, missing columns
            raise InputError(
                f"--agree-with {ns.agree_with}",
                f"cannot be read ({type(exc).__name__})",
                "a validation.parquet written by migsim validate",
            ) from None
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out = Path(ns.out) if ns.out else Path.cwd() / "outputs" / "validation" / stamp
    from migsim.analysis.runs import output_dir

    output_dir("--out", out, create=False)  # a file there or above it: refused, not a crash
    if out.exists() and any(out.iterdir()):
        raise InputError("--out", f"{out} exists and is not empty", "a new directory")
    staging = out.parent / f".staging-{out.name}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise InputError(
            "--out", f"'{out}' cannot be created ({exc.strerror or exc})", "a writable directory"
        ) from None
    t0 = time.perf_counter()
    only = [o.strip() for o in ns.only.split(",") if o.strip()] or None
    try:
        frame, runner = run_all(
            staging,
            ns.quick,
            only,
            ns.threads,
            log=lambda m: status(f"migsim validate: {m}"),
            seeds=ns.seeds,
            max_seeds=ns.max_seeds,
            world=ns.world,
            scale=ns.scale,
            overrides=overrides,
        )
        frame = with_overrides(frame, overrides)
        write_report(frame, runner, staging, time.perf_counter() - t0)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        out.rmdir()
    staging.rename(out)
    counts = dict(frame.group_by("status").len().iter_rows())
    print(
        f"migsim validate: {frame.height} checks, "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f"; {time.perf_counter() - t0:.0f} s"
    )
    print(f"migsim validate: {headline(frame)}")
    if overrides:
        for line in changed_verdicts(frame):
            print(f"migsim validate: with {' '.join(overrides)}, {line}")
    status(f"migsim validate: wrote {out / 'validation.md'}, validation.parquet")
    stale = []
    for readme in readmes:
        current = sync_readme(Path(readme), frame, check=bool(ns.check_readme))
        if ns.check_readme and not current:
            print(f"migsim validate: {readme}'s validation blocks differ from this run")
            stale.append(readme)
        if ns.readme:
            status(
                f"migsim validate: {readme}'s validation blocks are "
                + ("up to date" if current else "rewritten")
            )
    if stale:
        print(f"migsim validate: refresh them with `migsim validate --readme {' '.join(stale)}`")
        return 3
    if ns.world != "default":
        from migsim.validation.worlds import page_command

        return page_command(ns, frame)
    if reference is not None:
        differ = disagreements(frame, reference)
        compared, missing = unmatched(frame, reference)
        if differ:
            print(
                f"migsim validate: {len(differ)} verdicts differ from {ns.agree_with}: "
                + ", ".join(differ)
            )
            return 3
        if missing:  # a reference of other checks (another world, a truncated file)
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            print(
                f"migsim validate: {len(missing)} decided checks of this run are not in "
                f"{ns.agree_with} ({shown}); {compared} compared"
            )
            return 3
        print(
            f"migsim validate: every decided verdict agrees with {ns.agree_with} "
            f"({compared} checks decided by both)"
        )
    if overrides:  # a variant's verdicts are its findings, not a failure of the model
        return 0
    # 3: the checks ran but a verdict failed (1 is left to crashes, 2 to bad input)
    return 3 if counts.get("FAIL", 0) or counts.get("unexpected pass", 0) else 0
