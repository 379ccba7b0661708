"""Playing a game: the four runs of two sides (no liberalisation, each side alone, both),
simulated with one seed, and the game built from a directory of such runs.

Every simulation a game makes goes through `_simulate`, so the assembly behind it is chosen
in one place."""

from __future__ import annotations

import math
import time
from pathlib import Path

from migsim.analysis.runs import Result
from migsim.core.errors import InputError
from migsim.games.figure import write_figure
from migsim.games.game import analyse
from migsim.games.payoffs import (
    LOSS_AVERSION,
    PAYOFFS,
    SCENARIOS,
    read_run,
    side_levels,
    side_members,
)
from migsim.games.report import markdown
from migsim.games.result import GameResult


def scenario_overrides(base: list[str], name: str, components: list[dict]) -> list[str]:
    """The overrides of one of a game's runs: `base` (world, size, years, seed, settings)
    with the regime named `name` made of `components`, in Hydra's grammar, so that the run
    records what it is (`.hydra/overrides.yaml`, as `migsim run` does) and `migsim run` with
    them makes the same run."""
    from migsim.runtime.resume_config import hydra_value

    return [
        *base,
        "regime=status_quo",
        f"regime.name={hydra_value(name)}",
        f"regime.components={hydra_value(components)}",
    ]


def _simulate(overrides: list[str], run_dir: Path) -> Result:
    """Simulate the run of `overrides` into `run_dir` (the public `migsim.run`, which
    records them in `.hydra/overrides.yaml`, so that `migsim collect` and `migsim compare`
    tell a game's runs apart by them, as they do a sweep's). A game owns its output
    directory: a run of an earlier game there is replaced, once the new run is complete
    (it is made beside it, then swapped in), so a game can be played again."""
    import shutil

    from migsim.api import run

    run_dir = Path(run_dir)
    if run_dir.is_symlink() or (run_dir.exists() and not run_dir.is_dir()):
        raise InputError("--out", f"'{run_dir}' is not a directory", "a directory of its own")
    fresh, old = (run_dir.with_name(f".{run_dir.name}.{tag}") for tag in ("new", "old"))
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    result = run(overrides, out=fresh)
    if run_dir.exists():
        run_dir.rename(old)  # the earlier run out of the way, then the new one in its place
    fresh.rename(run_dir)
    shutil.rmtree(old, ignore_errors=True)
    result.run_dir = run_dir
    return result


def check_options(tol: float, payoff: str, loss_aversion: float) -> None:
    """Refuse a game option that is unknown, not a finite number or out of range."""
    if payoff not in PAYOFFS:
        raise InputError("--payoff", f"unknown payoff '{payoff}'", ", ".join(PAYOFFS))
    for name, value, lo, hi, low_open in (
        ("--tol", tol, 0.0, 100.0, False),
        ("--loss-aversion", loss_aversion, 0.0, 100.0, True),
    ):
        ok = isinstance(value, (int, float)) and math.isfinite(value)
        if not ok or not (value > lo if low_open else value >= lo) or value > hi:
            interval = f"{'(' if low_open else '['}{lo:g}, {hi:g}]"
            raise InputError(name, f"{value} is not allowed", f"a number in {interval}")


def play(
    region_a: str,
    region_b: str,
    years: int = 8,
    size: int = 100_000,
    seed: int = 1,
    world: str = "default",
    out_dir: str | Path | None = None,
    tol: float = 0.01,
    extra_overrides: list[str] | None = None,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
    progress=None,
) -> GameResult:
    """Simulate the four runs and build the game; writes game.parquet, positions.parquet,
    game.md, game.svg and the runs (runs/<scenario>/) to `out_dir` (default
    outputs/games/A_B). `progress(line)`: told when each run starts and ends (the command
    prints it on stderr)."""
    from hydra import compose, initialize_config_dir

    from migsim.core.world import load_world
    from migsim.runtime.app import CONFIG_DIR

    check_options(tol, payoff, loss_aversion)
    wd = load_world(world, None)
    sides = {}
    for key, side in (("REGION_A", region_a), ("REGION_B", region_b)):
        codes = side_members(side)
        for code in codes:
            if code not in wd.codes:
                raise InputError(
                    key,
                    f"unknown region '{code}'",
                    ", ".join(wd.codes) + " (a bloc: codes joined by +, e.g. WEU+EEU)",
                )
        if len(set(codes)) != len(codes):
            raise InputError(key, f"'{side}' names a region twice", "each region once")
        sides[key] = codes
    shared = sorted(set(sides["REGION_A"]) & set(sides["REGION_B"]))
    if shared:
        raise InputError(
            "REGION_B",
            f"{', '.join(shared)} on both sides",
            "two sides without a region in common",
        )
    out = Path(out_dir) if out_dir is not None else Path("outputs/games") / f"{region_a}_{region_b}"
    base = [
        f"world={world}",
        f"population.size={size}",
        f"years={years}",
        f"seed={seed}",
        "progress=false",
        *(extra_overrides or []),
    ]

    def comp(dest, orig):
        return {
            "kind": "scale_policy_cost",
            "factor": 0.0,
            "origins": side_members(orig),
            "destinations": side_members(dest),
        }

    regimes = {
        "none": ("no_liberalisation", []),
        "A_alone": (f"{region_a}_liberalises", [comp(region_a, region_b)]),
        "B_alone": (f"{region_b}_liberalises", [comp(region_b, region_a)]),
        "both": ("both_liberalise", [comp(region_a, region_b), comp(region_b, region_a)]),
    }
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg0 = compose("config", overrides=[*base, "regime=status_quo"])
    from migsim.config import validate

    validate(cfg0)  # before the first run is announced
    tell = progress or (lambda line: None)
    for i, (sc, (name, comps)) in enumerate(regimes.items(), start=1):
        tell(f"migsim game: run {i}/4 {name} ({size} agents, {years} years)...")
        t0 = time.perf_counter()
        _simulate(scenario_overrides(base, name, comps), out / "runs" / sc)
        tell(f"migsim game: run {i}/4 {name} done in {time.perf_counter() - t0:.1f} s")
    return analyse_runs(out, region_a, region_b, tol, payoff, loss_aversion)


def analyse_runs(
    out: str | Path,
    region_a: str,
    region_b: str,
    tol: float = 0.01,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
    labour: str = "born",
) -> GameResult:
    """Build the game from the four runs in out/runs/<scenario>/ (written by `play`) and
    write game.parquet, positions.parquet and game.md to `out`."""
    check_options(tol, payoff, loss_aversion)
    out = Path(out)
    levels = {}
    for sc in SCENARIOS:
        run = out / "runs" / sc
        tables = read_run(run)
        levels[sc] = {
            "A": side_levels(run, region_a, tables),
            "B": side_levels(run, region_b, tables),
        }
    res = analyse(levels, region_a, region_b, tol, payoff, loss_aversion, labour)
    res.out_dir = out
    res.payoffs.write_parquet(out / "game.parquet")
    res.positions.write_parquet(out / "positions.parquet")
    (out / "game.md").write_text(markdown(res))
    write_figure(res, out)
    return res
