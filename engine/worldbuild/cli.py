"""`migsim world`: build, install, report and the shipped mappings (migsim.worldbuild)."""

from __future__ import annotations

import time
from pathlib import Path

from migsim.core.errors import InputError


def add_parsers(parser) -> None:
    """The actions of `migsim world` (subcommands of the one `migsim` parser)."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser(
        "build",
        help="build world tables from the country-level inputs",
        description="Build world tables from the country-level inputs (engine/data/inputs) "
        "with a provenance row per value.",
    )
    p.add_argument("--mapping", default=None, help="regions12|corridors|countries|PATH.csv")
    p.add_argument("--all", action="store_true", help="every shipped mapping")
    p.add_argument("--out", required=True)
    p.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
    p.add_argument(
        "--base-year", type=int, default=2010, help="a year of the stock matrix (1990-2010)"
    )
    p.add_argument(
        "--unknown-origin",
        choices=("leave", "spread"),
        default="spread",
        help="migrants of unknown origin: spread over each destination's known origins in "
        "proportion (default; every shipped world), or left out",
    )
    p.add_argument(
        "--growth-to",
        type=int,
        default=None,
        help="write stock_growth.csv: each corridor's growth from the base year to this "
        "year (no stock after it enters the world)",
    )
    p.set_defaults(handler=build_command)
    p = actions.add_parser(
        "install",
        help="copy a built world into the package's worlds",
        description="Copy a built world into engine/data/NAME with its config.",
    )
    p.add_argument("dir")
    p.add_argument("--name", required=True)
    p.set_defaults(handler=install_command)
    p = actions.add_parser(
        "report",
        help="the built worlds' assumed/imputed counts (docs/worlds.md's generated block)",
        description="The shipped built worlds, as a documentation block.",
    )
    p.add_argument("--readme", default=None, help="rewrite this file's block")
    p.add_argument("--check-readme", default=None, help="exit 3 if this file's block is stale")
    p.add_argument(
        "--page", default=None, help="write the regions12 page (docs/worlds-regions12.md)"
    )
    p.add_argument("--check-page", default=None, help="exit 3 if the page is stale")
    p.set_defaults(handler=report_command)
    p = actions.add_parser(
        "mappings",
        help="write the shipped mappings of the UN matrix's countries",
        description="Write the three shipped mappings (regions12, corridors, countries).",
    )
    p.add_argument("--out", default=None, help="default: engine/data/mappings")
    p.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
    p.set_defaults(handler=mappings_command)
    p = actions.add_parser(
        "projection",
        help="write the shipped worlds' projection and history scenarios",
        description="Write the projection scenario (WPP medium variant, PWT incomes then an "
        "assumed growth) of the shipped worlds as projection_<world>.csv, and the history "
        "scenario (observed values only) of the 1990 world as history_<world>.csv.",
    )
    p.add_argument("--out", default=None, help="default: configs/scenario")
    p.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
    p.set_defaults(handler=projection_command)
    p = actions.add_parser(
        "fit-history",
        help="fit a 1990 world's history calibration (1990 to its window's end) and store it",
        description="Fit the corridor constants and the income elasticity and return "
        "hazard scale of a world built at 1990 to the observed changes of its corridor "
        "stocks from 1990 to the end of its growth window (2005 for regions12_1990, 2000 for "
        "regions12_1990_2000), and its within-region rates and return hazard to those of its "
        "within-region stocks, along the history scenario (expected cell-level flows, a few "
        "minutes at most), and write calibration.json.gz into the world directory. Any "
        "installed world built with --base-year 1990 --growth-to YEAR can be fitted; for one "
        "not shipped, its history scenario (configs/scenario/history_NAME.csv) is first "
        "written from the inputs by the mapping it was built with.",
    )
    p.add_argument(
        "--world",
        default="regions12_1990",
        help="an installed world built with --base-year 1990 --growth-to YEAR",
    )
    p.add_argument("--out", default=None, help="default: the world's calibration.json.gz")
    p.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
    p.set_defaults(handler=fit_history_command)


def world_command(args: list[str]) -> int:
    """`migsim world ARGS` from Python (parsed by the `migsim` parser)."""
    from migsim.cli import parse

    ns = parse(["world", *args])
    return ns.handler(ns)


def mappings_command(ns) -> int:
    from migsim.analysis.runs import output_dir
    from migsim.cli import status
    from migsim.worldbuild.build import write_mappings

    if ns.out:  # checked before the work, made when it is written
        output_dir("--out", ns.out, create=False)
    for path in write_mappings(ns.out, ns.inputs):
        status(f"migsim world mappings: wrote {path}")
    return 0


def projection_command(ns) -> int:
    from migsim.analysis.runs import output_dir
    from migsim.cli import status
    from migsim.core.resources import config_dir
    from migsim.worldbuild.inputs import Inputs
    from migsim.worldbuild.projection import HISTORY_WORLDS, WORLD_MAPPINGS, write_projection

    if ns.out:  # checked before the work, made when it is written
        output_dir("--out", ns.out, create=False)
    out = ns.out or config_dir() / "scenario"
    for name in WORLD_MAPPINGS:
        status(f"migsim world projection: wrote {write_projection(name, out, Inputs(ns.inputs))}")
    for name in HISTORY_WORLDS:
        path = write_projection(name, out, Inputs(ns.inputs), history=True)
        status(f"migsim world projection: wrote {path}")
    return 0


def build_command(ns) -> int:
    from migsim.cli import status

    if bool(ns.mapping) == bool(ns.all):
        raise InputError(
            "migsim world build",
            "needs one of --mapping and --all",
            "--mapping regions12|corridors|countries|PATH.csv, or --all",
        )
    from migsim.analysis.runs import output_dir
    from migsim.worldbuild.build import build_all, build_world, check_years

    if ns.out:  # checked before the work, made when it is written
        output_dir("--out", ns.out, create=False)
    years = (ns.base_year, ns.growth_to) if ns.growth_to is not None else None
    check_years(ns.base_year, years)
    start = time.perf_counter()
    if ns.all:
        summaries = build_all(ns.out, ns.inputs, ns.base_year, years, ns.unknown_origin)
    else:
        summaries = {
            Path(ns.mapping).stem: build_world(
                ns.mapping, ns.out, ns.inputs, ns.base_year, years, ns.unknown_origin
            )
        }
    for text in summaries.values():
        print(text)
    status(f"migsim world build: wrote {ns.out} in {time.perf_counter() - start:.1f} s")
    return 0


def install_command(ns) -> int:
    from migsim.cli import status
    from migsim.worldbuild.build import install

    target = install(ns.dir, ns.name)
    status(f"migsim world install: {target} (run with world={ns.name})")
    return 0


def report_command(ns) -> int:
    """Print the generated block of the shipped worlds (docs/worlds.md), or sync a file's."""
    from migsim.cli import status
    from migsim.runtime import rundirs
    from migsim.worldbuild.report import readme_block, sync_readme

    for flag, given in (
        ("--check-page", ns.check_page),
        ("--readme", ns.readme),
        ("--check-readme", ns.check_readme),
    ):
        rundirs.in_file(given, flag)  # a block is rewritten or checked in an existing file
    page = ns.page or ns.check_page
    if page:
        from migsim.worldbuild.page import sync_page

        current = sync_page(Path(page), check=bool(ns.check_page))
        state = "up to date" if current else ("stale" if ns.check_page else "rewritten")
        status(f"migsim world report: {page} is {state}")
        if ns.check_page and not current:
            return 3  # a stale generated page
        if not (ns.readme or ns.check_readme):
            return 0
    path = ns.readme or ns.check_readme
    if not path:
        print(readme_block())
        return 0
    current = sync_readme(Path(path), check=bool(ns.check_readme))
    state = "up to date" if current else ("stale" if ns.check_readme else "rewritten")
    status(f"migsim world report: {path}'s world-build block is {state}")
    return 3 if ns.check_readme and not current else 0  # 3: a stale generated block


def check_history_world(world) -> None:
    """A world a history fit can use: built at 1990 with a growth window (`migsim world build
    --base-year 1990 --growth-to YEAR`, its stock_growth.csv); one line naming what it lacks."""
    from migsim.worldbuild.history_within import BASE_YEAR

    wanted = f"a world built with --base-year {BASE_YEAR} --growth-to YEAR and installed"
    if world.base_year != BASE_YEAR:
        raise InputError(
            "--world", f"'{world.name}' is built at {world.base_year}, not {BASE_YEAR}", wanted
        )
    if not (world.path / "stock_growth.csv").is_file():
        raise InputError(
            "--world",
            f"'{world.name}' has no stock_growth.csv (built without --growth-to)",
            wanted,
        )


def fit_history_command(ns) -> int:
    from migsim.cli import status
    from migsim.config import PopulationConf
    from migsim.core.resources import config_dir
    from migsim.core.world import load_world
    from migsim.model.behaviour import BehaviourConf
    from migsim.runtime import rundirs
    from migsim.worldbuild.history_fit import fit_history, history_inputs, write_fit
    from migsim.worldbuild.inputs import Inputs
    from migsim.worldbuild.projection import HISTORY_WORLDS, write_projection

    rundirs.out_file(ns.out, "--out")
    start = time.perf_counter()
    world = load_world(ns.world)
    check_history_world(world)
    inputs = Inputs(ns.inputs)
    if world.name not in HISTORY_WORLDS:  # a world of one's own: its history scenario
        path = write_projection(world.name, config_dir() / "scenario", inputs, history=True)
        status(f"migsim world fit-history: wrote {path}")
    paths, observed = history_inputs(world, inputs)
    cal, fitted = fit_history(world, BehaviourConf(), PopulationConf(), paths, observed)
    path = write_fit(world, cal, Path(ns.out) if ns.out else None)
    from migsim.worldbuild.history_fit import TIME_BUDGET_SECONDS

    seconds = time.perf_counter() - start
    shown = ", ".join(f"behaviour.{k}={v}" for k, v in fitted.items())
    over = (
        f", over its budget of {TIME_BUDGET_SECONDS:.0f} s" if seconds > TIME_BUDGET_SECONDS else ""
    )
    profiles = "; ".join(
        f"{label} {p['verdict']} (error spread {100 * p['relative_spread']:.2f}%)"
        for label, p in cal.provenance["profiles"].items()
    )
    status(
        f"migsim world fit-history: wrote {path} ({shown}; corridor log error "
        f"{cal.provenance['corridor_log_error']}; within-region log error "
        f"{cal.provenance['within_region']['log_error']}; profiles: {profiles}) in "
        f"{seconds:.1f} s{over}"
    )
    return 0
