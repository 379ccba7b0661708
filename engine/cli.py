"""The `migsim` command: one argparse parser with a subcommand per verb (`migsim --help`).

`migsim [OVERRIDES...]` is `migsim run [OVERRIDES...]`. Everything after `run` goes to Hydra
unchanged (overrides, `-m`, `--cfg job`, `--help`, `--shell-completion`), so the parser lists
`run` but never parses its arguments; `calibrate` takes Hydra overrides as positionals.

Streams (docs/cli.md): data on stdout (a run's summary and directory, the headline of
`validate` and `compare`, tables a command is asked for), status lines on stderr and, for a
run, in the run's `run.log` (the `migsim` logger). Usage errors are one line on stderr with
exit code 2, as every bad input is.
"""

from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger("migsim.cli")

TABLES = ("regions", "stocks", "flows", "remittances", "fiscal", "earnings", "welfare", "people")
TOP_FLAGS = ("-h", "--help", "-V", "--version")


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line on stderr with exit code 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """Every `migsim` subcommand and its options; the handler of each is `ns.handler`."""
    from migsim import __version__
    from migsim.games.payoffs import LOSS_AVERSION, PAYOFFS
    from migsim.validation.cli import add_arguments as validate_arguments
    from migsim.worldbuild.cli import add_parsers as world_parsers

    parser = OneLineParser(
        prog="migsim",
        description="A microsimulation of international labour-mobility regimes. "
        "`migsim OVERRIDES...` is `migsim run OVERRIDES...`.",
        epilog="Exit codes: 0 done, 1 a bug, 2 bad input, 3 a failed validation verdict, "
        "4 the environment, 130 interrupted. Streams, logging, completion: docs/cli.md.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"migsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)

    p = sub.add_parser(
        "run",
        add_help=False,
        help="one run, or a Hydra sweep with -m (Hydra's own --help lists the config groups)",
    )
    p.add_argument("overrides", nargs=argparse.REMAINDER, help="Hydra overrides and flags")

    p = sub.add_parser(
        "calibrate",
        help="calibrate the decision model for a world and store it",
        description="Calibrate the decision model for a world and store it: a shipped world's "
        "in the user cache, a world.path directory's beside its tables, or --out FILE.",
    )
    p.add_argument("--out", default=None, metavar="FILE", help="write the calibration here")
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="Hydra overrides (key=value)")
    p.set_defaults(handler=calibrate_command)

    p = sub.add_parser("behaviours", help="behaviour plug-ins: description, package, parameters")
    p.set_defaults(handler=lambda ns: _print(_behaviours()))

    p = sub.add_parser("params", help="every run parameter: default, allowed values, meaning")
    p.add_argument("prefix", nargs="*", help="only parameters starting with this, e.g. economy")
    p.set_defaults(handler=lambda ns: params_command(ns.prefix))

    p = sub.add_parser(
        "compare",
        help="compare every complete run under DIR against a baseline regime",
        description="Compare every complete run under DIR against the baseline regime (same "
        "seed); writes comparison.parquet, report.md, report.html and SVG plots.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--baseline", default="status_quo")
    p.add_argument("--out", default=None, help="output directory (default: DIR)")
    p.set_defaults(handler=compare_command)

    p = sub.add_parser(
        "game",
        help="the 2x2 liberalisation game of two regions or blocs",
        description="The 2x2 migration-liberalisation game of two regions or blocs: four runs, "
        "the payoff matrix, its Nash equilibria and the groups' positions (game.md, "
        "game.parquet, positions.parquet, game.svg).",
    )
    p.add_argument("region_a", help="a region code, or a bloc: codes joined by +")
    p.add_argument("region_b", help="the other side (no region in common)")
    p.add_argument("--years", type=int, default=8)
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--world", default="default")
    p.add_argument(
        "--tol", type=float, default=0.01, help="payoff differences below this many %% are ties"
    )
    p.add_argument(
        "--payoff",
        choices=PAYOFFS,
        default="welfare",
        help="welfare: real income per native-born person plus the option value of access "
        "abroad; political: loss-averse support of the natives' groups",
    )
    p.add_argument(
        "--loss-aversion",
        type=float,
        default=LOSS_AVERSION,
        help="political payoff: a group's loss counts this many times its gain "
        "(default %(default)s)",
    )
    p.add_argument(
        "--seeds",
        default=None,
        help="the annex games: seeds to play, joined by commas (default: --seed only); the "
        "game type is reported for each and whether they agree",
    )
    p.add_argument("--out", default=None, help="output directory (default: outputs/games/A_B)")
    p.set_defaults(handler=game_command)

    p = sub.add_parser("collect", help="one partitioned Parquet dataset of a sweep's runs")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="a Hydra sweep directory")
    p.add_argument(
        "--table", default="regions", choices=TABLES, help="the run table (default regions)"
    )
    p.set_defaults(handler=collect_command)

    p = sub.add_parser(
        "validate",
        help="run the validation experiments against published figures",
        description="Run the validation experiments (configs/experiment/) against published "
        "figures; writes validation.parquet, validation.md and PNG plots.",
    )
    validate_arguments(p)

    p = sub.add_parser("world", help="build, install and report worlds built from data")
    world_parsers(p)

    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash; zsh with bashcompinit)",
        description="Print a bash completion script for migsim: subcommands and their options, "
        "and Hydra's completion of config overrides after `run` and `calibrate`. "
        'Install: eval "$(migsim completion bash)" in ~/.bashrc.',
    )
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(handler=completion_command)
    return parser


def check_environment() -> None:
    """The environment variables migsim reads itself: a bad value is one line, exit 2."""
    from migsim.kernels._config import vector_draws_setting

    try:
        vector_draws_setting()
    except ValueError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    check_environment()
    if args[:1] == ["help"]:
        args = ["--help"]
    if args[:1] == ["version"]:
        args = ["--version"]
    verbs = _verbs()
    if not args or (args[0] not in verbs and args[0] not in TOP_FLAGS and _is_override(args[0])):
        args = ["run", *args]
    if args[0] == "run":
        if "--help-params" in args:
            sys.exit(params_command([a for a in args[1:] if a != "--help-params"]))
        from migsim.runtime.app import main as run_main

        run_main(args[1:])
        return
    ns = parse(args)
    from migsim.runtime.app import guarded

    sys.exit(guarded(lambda: ns.handler(ns)))


def parse(args: list[str]) -> argparse.Namespace:
    """Parse a command line (not `run`'s, which is Hydra's). `calibrate`'s overrides may
    stand on both sides of `--out FILE`, in the order given."""
    parser = build_parser()
    ns, extra = parser.parse_known_args(args)
    if extra:
        if ns.command != "calibrate" or any(e.startswith("-") for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        ns.overrides = [*ns.overrides, *extra]
    return ns


def _verbs() -> tuple[str, ...]:
    return (
        "run",
        "calibrate",
        "behaviours",
        "params",
        "compare",
        "game",
        "collect",
        "validate",
        "world",
        "completion",
    )


def _is_override(arg: str) -> bool:
    """A first argument that belongs to Hydra (`key=value`, `-m`, `--cfg`), not a verb."""
    return "=" in arg or arg.startswith("-")


def _print(text: str) -> int:
    print(text)
    return 0


def status(text: str) -> None:
    """A status line: stderr, and the `migsim` log."""
    log.info(text)
    print(text, file=sys.stderr)


def calibrate_command(ns) -> int:
    from migsim.api import compose
    from migsim.core.world import load_world
    from migsim.model.calibration import calibrate, write_calibration
    from migsim.runtime import rundirs
    from migsim.runtime.assemble import wealth_age_of

    rundirs.out_file(ns.out, "--out")
    cfg = compose(ns.overrides)
    world = load_world(cfg.world.name, cfg.world.path or None)
    status(f"migsim: calibrating world {world.name}...")
    cal = calibrate(world, cfg.behaviour, cfg.population, wealth_age=wealth_age_of(cfg, world))
    path = write_calibration(cal, world, ns.out)
    p = cal.provenance
    status(
        f"migsim: calibrated {world.name}: {p['iterations']} iterations, max log gap "
        f"{p['max_log_gap']:.1e}, target flows {p['target_flow_total'] / 1e6:.2f} M/yr; "
        f"wrote {path}"
    )
    if p.get("capped_cells"):
        status(
            f"migsim: {p['capped_cells']} origin cells' flow targets capped (95% or more of "
            f"those able to pay would have to choose to leave; "
            f"{p['capped_flow_dropped'] / 1e3:.0f} k/yr dropped); worst: {p['capped_worst'][0]}"
        )
    return 0


def collect_command(ns) -> int:
    from migsim.analysis.collect import collect

    out = collect(ns.sweep_dir, ns.table)
    print(f"migsim: dataset written to {out}")
    return 0


def compare_command(ns) -> int:
    from migsim.analysis.compare import headline
    from migsim.analysis.report import write_comparison

    result = write_comparison(ns.dir, ns.baseline, ns.out)
    text = headline(result.table, ns.baseline, result.reference)
    if text:
        print(text)
    status(f"migsim compare: wrote {', '.join(str(f) for f in result.files)}")
    return 0


# the run settings `migsim game` takes as flags: its errors name the flag
_GAME_FLAGS = {
    "years": "--years",
    "population.size": "--size",
    "seed": "--seed",
    "world": "--world",
    "world.name": "--world",
}


def game_command(ns) -> int:
    from migsim.core.errors import InputError

    try:
        return _game(ns)
    except InputError as exc:
        flag = _GAME_FLAGS.get(exc.where)
        if flag is None:
            raise
        allowed = exc.allowed
        if flag == "--world" and allowed and allowed.startswith("world.name in "):
            allowed = allowed.removeprefix("world.name in ").split(" or world.path")[0]
        raise InputError(flag, exc.problem, allowed) from None


def _game(ns) -> int:
    from migsim.analysis.runs import output_dir
    from migsim.games import annex, play

    if ns.out:  # checked before the work, made when it is written
        output_dir("--out", ns.out, create=False)
    seeds = annex.parse_seeds(ns.seeds) if ns.seeds is not None else [ns.seed]
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
        progress=status,
    )
    print(res.text)
    figure = res.out_dir / "game.svg"
    shown = f", {figure.name}" if figure.is_file() else ""
    status(f"migsim game: wrote {res.out_dir / 'game.md'}, game.parquet, positions.parquet{shown}")
    # the annex games (Alonso's Tables 6.A1/6.A3) from the same four runs, and the other
    # seeds' and settings' runs
    cache = annex.RunCache(res.out_dir / "annex", ns.world, ns.size, ns.years, progress=status)
    from migsim.core.world import load_world

    ma, mb = annex._members(ns.region_a), annex._members(ns.region_b)
    if not annex.already_open(load_world(ns.world, None), ma, mb):  # the same four runs
        for sc, cs in annex.scenario_components(ma, mb).items():
            cache.seed_run("off", ns.seed, cs, res.out_dir / "runs" / sc)
    # the annex games of exactly the seeds asked for (--seeds; --seed alone by default)
    pair = annex.play_pair(ns.region_a, ns.region_b, sorted(seeds), cache)
    print(annex.write_report(pair, res.out_dir, ns.size, ns.years, sorted(seeds)))
    status(f"migsim game: wrote {res.out_dir / 'annex.md'}, annex_*.parquet")
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


def _behaviours() -> str:
    from migsim.model.plugins import listing

    return listing()


def completion_command(ns) -> int:
    from migsim.completion import bash_script

    print(bash_script(build_parser(), ns.shell))
    return 0


if __name__ == "__main__":
    main()
