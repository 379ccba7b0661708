"""`migsim world`: build, install, report and the shipped mappings (migsim.worldbuild)."""

from __future__ import annotations

import time
from pathlib import Path

from migsim.core.errors import InputError


def world_command(args: list[str]) -> int:
    from migsim.cli import _Parser

    actions = ("build", "install", "report", "mappings", "projection")
    if not args or args[0] not in actions:
        problem = f"unknown action '{args[0]}'" if args else "needs an action"
        raise InputError("migsim world", problem, ", ".join(actions))
    action, rest = args[0], args[1:]
    if action == "report":
        return report_command(rest)
    if action == "mappings":
        parser = _Parser.make("world mappings", "Write the three shipped mappings.")
        parser.add_argument("--out", default=None, help="default: engine/data/mappings")
        parser.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
        ns = parser.parse_args(rest)
        from migsim.worldbuild.build import write_mappings

        for path in write_mappings(ns.out, ns.inputs):
            print(f"migsim world mappings: wrote {path}")
        return 0
    if action == "projection":
        parser = _Parser.make(
            "world projection",
            "Write the projection scenario (WPP medium variant, PWT incomes then an assumed "
            "growth) of the shipped worlds as projection_<world>.csv, and the history "
            "scenario (observed values only) of the 1990 world as history_<world>.csv.",
        )
        parser.add_argument("--out", default=None, help="default: configs/scenario")
        parser.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
        ns = parser.parse_args(rest)
        from migsim.core.resources import config_dir
        from migsim.worldbuild.inputs import Inputs
        from migsim.worldbuild.projection import HISTORY_WORLDS, WORLD_MAPPINGS, write_projection

        out = ns.out or config_dir() / "scenario"
        for name in WORLD_MAPPINGS:
            path = write_projection(name, out, Inputs(ns.inputs))
            print(f"migsim world projection: wrote {path}")
        for name in HISTORY_WORLDS:
            path = write_projection(name, out, Inputs(ns.inputs), history=True)
            print(f"migsim world projection: wrote {path}")
        return 0
    if action == "build":
        parser = _Parser.make("world build", "Build a world from the country-level inputs.")
        parser.add_argument("--mapping", default=None)
        parser.add_argument("--all", action="store_true")
        parser.add_argument("--out", required=True)
        parser.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
        parser.add_argument(
            "--base-year", type=int, default=2010, help="a year of the stock matrix (1990-2010)"
        )
        parser.add_argument(
            "--growth-to",
            type=int,
            default=None,
            help="write stock_growth.csv: each corridor's growth from the base year to this "
            "year (no stock after it enters the world)",
        )
        ns = parser.parse_args(rest)
        if bool(ns.mapping) == bool(ns.all):
            raise InputError(
                "migsim world build",
                "needs one of --mapping and --all",
                "--mapping regions12|corridors|countries|PATH.csv, or --all",
            )
        from migsim.worldbuild.build import build_all, build_world, check_years

        years = (ns.base_year, ns.growth_to) if ns.growth_to is not None else None
        check_years(ns.base_year, years)
        start = time.perf_counter()
        if ns.all:
            summaries = build_all(ns.out, ns.inputs, ns.base_year, years)
        else:
            summaries = {
                Path(ns.mapping).stem: build_world(
                    ns.mapping, ns.out, ns.inputs, ns.base_year, years
                )
            }
        for text in summaries.values():
            print(text)
        print(f"migsim world build: wrote {ns.out} in {time.perf_counter() - start:.1f} s")
        return 0
    parser = _Parser.make("world install", "Copy a built world into the package's worlds.")
    parser.add_argument("dir")
    parser.add_argument("--name", required=True)
    ns = parser.parse_args(rest)
    from migsim.worldbuild.build import install

    target = install(ns.dir, ns.name)
    print(f"migsim world install: {target} (run with world={ns.name})")
    return 0


def report_command(rest: list[str]) -> int:
    """Print the generated README block of the shipped worlds, or sync a file's block."""
    from migsim.cli import _Parser
    from migsim.worldbuild.report import readme_block, sync_readme

    parser = _Parser.make("world report", "The shipped built worlds, as a README block.")
    parser.add_argument("--readme", default=None)
    parser.add_argument("--check-readme", default=None)
    ns = parser.parse_args(rest)
    path = ns.readme or ns.check_readme
    if not path:
        print(readme_block())
        return 0
    current = sync_readme(Path(path), check=bool(ns.check_readme))
    state = "up to date" if current else ("stale" if ns.check_readme else "rewritten")
    print(f"migsim world report: {path}'s world-build block is {state}")
    return 1 if ns.check_readme and not current else 0
