"""The `migsim` command.

migsim [OVERRIDES...]              run the default job (same as `migsim run`)
migsim run [OVERRIDES...]          the same
migsim calibrate [--out FILE] [OVERRIDES...]
                                   calibrate the decision model for a world and store it
                                   (a shipped world: in the user cache; a world.path
                                   directory: beside its tables; --out: that file)
migsim behaviours                  list behaviour plug-ins and the parameters each declares
migsim params                      list every run parameter: default, allowed values, meaning
migsim --version                   print migsim's version
migsim compare DIR [--baseline status_quo] [--out DIR]
                                   compare every complete run under DIR against the
                                   baseline regime (same seed); writes comparison.parquet,
                                   report.md, report.html and SVG figures
migsim game REGION_A REGION_B [--years N --size N --seed S --world NAME --out DIR
                              --payoff welfare|political --loss-aversion L]
                                   the 2x2 liberalisation game of two regions or blocs (A+B)
migsim collect SWEEP_DIR [--table T] one partitioned Parquet dataset of a sweep's runs
migsim world build --mapping regions12|corridors|countries|PATH.csv --out DIR
migsim world build --all --out DIR
                                   build world tables from the country-level inputs
                                   (engine/data/inputs) with a provenance row per value
migsim world install DIR --name NAME
                                   copy a built world into engine/data/NAME with its config
migsim world report [--readme FILE | --check-readme FILE]
                                   the built worlds' assumed/imputed counts and regions12
                                   beside the default world (docs/worlds.md's generated block)
migsim world mappings [--out DIR]  write the shipped mappings (regions12, corridors,
                                   countries) of the UN matrix's countries
migsim validate [--quick] [--out DIR] [--only E1,E8] [--threads N] [--list]
                [--readme FILE... | --check-readme FILE...]
                                   run the validation experiments (configs/experiment/)
                                   against published figures; writes validation.parquet,
                                   validation.md and PNG plots (engine/validation/)
"""

from __future__ import annotations

import sys

USAGE = __doc__


def _compose(overrides: list[str]):
    from migsim.api import compose

    return compose(overrides)


def calibrate_command(overrides: list[str]) -> int:
    from migsim.core.world import load_world
    from migsim.model.calibration import calibrate, write_calibration

    out = None
    if "--out" in overrides:
        i = overrides.index("--out")
        if i + 1 >= len(overrides):
            from migsim.core.errors import InputError

            raise InputError("--out", "needs a file path", "--out FILE")
        out = overrides[i + 1]
        overrides = overrides[:i] + overrides[i + 2 :]
    cfg = _compose(overrides)
    world = load_world(cfg.world.name, cfg.world.path or None)
    cal = calibrate(world, cfg.behaviour, cfg.population)
    path = write_calibration(cal, world, out)
    p = cal.provenance
    print(
        f"migsim: calibrated {world.name}: {p['iterations']} iterations, max log gap "
        f"{p['max_log_gap']:.1e}, target flows {p['target_flow_total'] / 1e6:.2f} M/yr; "
        f"wrote {path}"
    )
    if p.get("capped_cells"):
        print(
            f"migsim: {p['capped_cells']} origin cells' flow targets capped (more would have "
            f"to choose to leave than live at home; {p['capped_flow_dropped'] / 1e3:.0f} k/yr "
            f"dropped); worst: {p['capped_worst'][0]}"
        )
    return 0


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--help"], ["-h"]):
        print(USAGE)
        print("Config groups and options: migsim run --help (Hydra's help).")
        return
    if args[:1] in (["--version"], ["-V"], ["version"]):
        from migsim import __version__

        print(f"migsim {__version__}")
        return
    command = args[0] if args and "=" not in args[0] and not args[0].startswith("-") else "run"
    if args and command == args[0]:
        args = args[1:]
    if command == "help":
        print(USAGE)
        print("Config groups and options: migsim run --help (Hydra's help).")
        return
    if command == "run":
        if "--help-params" in args:
            sys.exit(params_command([a for a in args if a != "--help-params"]))
        from migsim.runtime.app import main as run_main

        run_main(args)
        return
    from migsim.core.errors import InputError
    from migsim.runtime.app import guarded

    commands = {
        "calibrate": calibrate_command,
        "behaviours": lambda _: _list_behaviours(),
        "params": params_command,
        "collect": collect_command,
        "compare": compare_command,
        "game": game_command,
        "validate": validate_command,
        "world": world_command,
    }
    if command in commands and ("--help" in args or "-h" in args):
        print(verb_usage(command))
        return
    if command not in commands:
        print(
            f"migsim: error: unknown command '{command}' (allowed: run, "
            + ", ".join(commands)
            + ")",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(guarded(lambda: commands[command](args)))
    del InputError


def verb_usage(command: str) -> str:
    """The lines of the usage text about `migsim COMMAND`."""
    lines, keep = [], False
    for line in USAGE.splitlines():
        if line.startswith("migsim "):
            keep = line.startswith(f"migsim {command}")
        if keep:
            lines.append(line)
    return "\n".join(lines) or USAGE


def validate_command(args: list[str]) -> int:
    from migsim.validation.cli import validate_command as run

    return run(args)


def world_command(args: list[str]) -> int:
    from migsim.worldbuild.cli import world_command as run

    return run(args)


def collect_command(args: list[str]) -> int:
    from migsim.analysis.collect import collect

    parser = _Parser.make("collect", "One partitioned Parquet dataset of a sweep's runs.")
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR", help="a Hydra sweep directory")
    parser.add_argument(
        "--table",
        default="regions",
        choices=TABLES,
        help="the run table to collect (default regions)",
    )
    ns = parser.parse_args(args)
    out = collect(ns.sweep_dir, ns.table)
    print(f"migsim: dataset written to {out}")
    return 0


TABLES = ("regions", "stocks", "flows", "remittances", "fiscal", "earnings", "welfare", "people")


class _Parser:
    """argparse that reports usage errors as one line with exit code 2."""

    @staticmethod
    def make(prog: str, description: str):
        import argparse

        class OneLine(argparse.ArgumentParser):
            def error(self, message):
                print(f"migsim {prog}: error: {message}", file=sys.stderr)
                sys.exit(2)

        return OneLine(prog=f"migsim {prog}", description=description)


def compare_command(args: list[str]) -> int:
    from migsim.analysis.compare import headline
    from migsim.analysis.report import write_comparison

    parser = _Parser.make("compare", "Compare every complete run under DIR against a baseline.")
    parser.add_argument("dir")
    parser.add_argument("--baseline", default="status_quo")
    parser.add_argument("--out", default=None, help="output directory (default: DIR)")
    ns = parser.parse_args(args)
    result = write_comparison(ns.dir, ns.baseline, ns.out)
    text = headline(result.table, ns.baseline, result.reference)
    if text:
        print(text)
    print(f"migsim compare: wrote {', '.join(str(f) for f in result.files)}")
    return 0


def game_command(args: list[str]) -> int:
    from migsim.games import LOSS_AVERSION, PAYOFFS, play

    parser = _Parser.make("game", "The 2x2 migration-liberalisation game of two regions or blocs.")
    parser.add_argument("region_a", help="a region code, or a bloc: codes joined by +")
    parser.add_argument("region_b", help="the other side (no region in common)")
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", default="default")
    parser.add_argument(
        "--tol",
        type=float,
        default=0.01,
        help="payoff differences below this many %% points are ties",
    )
    parser.add_argument(
        "--payoff",
        choices=PAYOFFS,
        default="welfare",
        help="welfare: real income per native-born person plus the option value of access "
        "abroad; political: loss-averse support of the natives' groups",
    )
    parser.add_argument(
        "--loss-aversion",
        type=float,
        default=LOSS_AVERSION,
        help="political payoff: a group's loss counts this many times its gain "
        "(default %(default)s)",
    )
    parser.add_argument("--out", default=None, help="output directory (default: outputs/games/A_B)")
    ns = parser.parse_args(args)
    res = play(
        ns.region_a,
        ns.region_b,
        years=ns.years,
        size=ns.size,
        seed=ns.seed,
        world=ns.world,
        out_dir=ns.out,
        tol=ns.tol,
        payoff=ns.payoff,
        loss_aversion=ns.loss_aversion,
    )
    print(res.text)
    print(f"migsim game: wrote {res.out_dir / 'game.md'}, game.parquet, positions.parquet")
    return 0


def params_command(args: list[str]) -> int:
    """Print every declared run parameter (`migsim params [PREFIX]`, e.g. `economy`)."""
    from migsim.config import parameters
    from migsim.core.params import format_table

    rows = parameters()
    if args:
        rows = [r for r in rows if any(r["name"].startswith(a) for a in args)]
    if not rows:
        from migsim.core.errors import InputError

        names = sorted({r["name"].split(".")[0] for r in parameters()})
        raise InputError("migsim params", f"no parameter starts with {args}", ", ".join(names))
    print(format_table(rows))
    return 0


def _list_behaviours() -> int:
    from migsim.model.plugins import listing

    print(listing())
    return 0


if __name__ == "__main__":
    main()
