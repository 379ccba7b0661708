"""The annex games as Alonso (2015) argues them: a pair's 2x2 migration-liberalisation game
read off the positions of the interest groups that can remove governments (Tables 6.A1 and
6.A3 of the annex of "Managing Labor Mobility"), on real country pairs.

The entry point: playing the pairs (`play_pair`, `RunCache`), the command's seeds and the
generated block of docs/games.md (`python -m migsim.games.annex --write|--check FILE`). The
groups, the present values, the political rule and the game types are in
`migsim.games.annex_rules` (its docstring states them); the report in
`migsim.games.annex_report`. Both are re-exported here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from migsim.core.errors import InputError
from migsim.games.annex_report import pair_tables, report, write_report
from migsim.games.annex_rules import (
    ASYMMETRY_RATIO,
    CASES,
    CELLS,
    DISCOUNT_RATE,
    EDUCATION,
    EXTERNALITY_COSTS,
    EXTERNALITY_SWITCHES,
    GROUPS,
    HEADLINE,
    LAMBDA_GRID,
    ON_VALUES,
    ORGANISED,
    PARAMETER_RANGES,
    PROVENANCE,
    SETTINGS,
    SIGN,
    TABLE_6A1,
    TABLE_6A3,
    TABLES,
    TERTIARY_CODES,
    THETA_GRID,
    TOL,
    PairResult,
    SideChanges,
    education_group,
    game_map,
    game_type,
    payoff_matrix,
    political,
    positions_check,
    provenance_counts,
    setting_available,
    side_changes,
    side_series,
)

__all__ = [
    "GROUPS",
    "CASES",
    "TABLE_6A1",
    "TABLE_6A3",
    "TABLES",
    "SIGN",
    "DISCOUNT_RATE",
    "LAMBDA_GRID",
    "THETA_GRID",
    "PARAMETER_RANGES",
    "HEADLINE",
    "ORGANISED",
    "ASYMMETRY_RATIO",
    "TOL",
    "EXTERNALITY_SWITCHES",
    "ON_VALUES",
    "SETTINGS",
    "EXTERNALITY_COSTS",
    "PROVENANCE",
    "provenance_counts",
    "TERTIARY_CODES",
    "education_group",
    "EDUCATION",
    "setting_available",
    "side_series",
    "SideChanges",
    "side_changes",
    "political",
    "CELLS",
    "payoff_matrix",
    "game_type",
    "game_map",
    "positions_check",
    "scenario_components",
    "already_open",
    "RunCache",
    "PairResult",
    "check_pair",
    "play_pair",
    "pair_tables",
    "report",
    "write_report",
    "parse_seeds",
    "DOC_PAIRS",
    "DOC_WORLD",
    "DOC_YEARS",
    "DOC_SEEDS",
    "DOC_BEGIN",
    "DOC_END",
    "doc_block",
    "main",
]


# ------------------------------------------------------------------ playing the pairs
def scenario_components(a: list[str], b: list[str], world=None) -> dict[str, list[dict]]:
    """The policy components of the four scenarios of sides a and b (region codes).

    From the status quo: no liberalisation is the status quo; a side liberalises by removing
    its policy cost on the other's people (`scale_policy_cost` factor 0). A pair whose
    members already share a mobility bloc in `world` (free movement in the status quo, e.g.
    two EU members) is played from the other end: both liberalised is the status quo, and a
    side that does not liberalise puts on the other's people the mean policy cost it puts on
    developed countries' people outside its bloc (`policy_cost_like`) [A]."""

    def opening(dest, orig):
        return {"kind": "scale_policy_cost", "factor": 0.0, "origins": orig, "destinations": dest}

    if world is not None and already_open(world, a, b):

        def closing(dest, orig):
            blocs = {world.bloc[world.index(code)] for code in dest}
            like = [
                code
                for code, dev, bloc in zip(world.codes, world.developed, world.bloc)
                if dev and bloc not in blocs and code not in a + b
            ]
            return {
                "kind": "policy_cost_like",
                "like": like,
                "origins": orig,
                "destinations": dest,
            }

        return {
            "none": [closing(a, b), closing(b, a)],
            "A_alone": [closing(b, a)],
            "B_alone": [closing(a, b)],
            "both": [],
        }
    return {
        "none": [],
        "A_alone": [opening(a, b)],
        "B_alone": [opening(b, a)],
        "both": [opening(a, b), opening(b, a)],
    }


def already_open(world, a: list[str], b: list[str]) -> bool:
    """Whether every member of a shares a mobility bloc with every member of b."""
    blocs = [world.bloc[world.index(code)] or "" for code in a + b]
    return blocs[0] != "" and len(set(blocs)) == 1


@dataclass
class RunCache:
    """Runs made within one command, keyed by (setting, seed, policy components), so a
    status-quo run is shared by every pair of the same setting and seed."""

    root: Path
    world: str
    size: int
    years: int
    progress: object = None
    runs: dict = field(default_factory=dict)

    def get(self, setting: str, seed: int, components: list[dict], label: str) -> Path:
        key = (setting, seed, repr(sorted(repr(c) for c in components)))
        if key in self.runs:
            return self.runs[key]
        name = (
            "none"
            if not components
            else "open_"
            + "_".join(
                "+".join(c["destinations"]) + "-from-" + "+".join(c["origins"]) for c in components
            )
        )
        run_dir = self.root / setting / f"seed{seed}" / name
        self._simulate(setting, seed, components, run_dir, label)
        self.runs[key] = run_dir
        return run_dir

    def seed_run(self, setting: str, seed: int, components: list[dict], run_dir: Path) -> None:
        """Record a run already made (e.g. by `migsim game`'s own four runs)."""
        key = (setting, seed, repr(sorted(repr(c) for c in components)))
        self.runs[key] = Path(run_dir)

    def _simulate(self, setting, seed, components, run_dir, label) -> None:
        import time

        from migsim.games.play import _simulate, scenario_overrides

        base = [
            f"world={self.world}",
            f"population.size={self.size}",
            f"years={self.years}",
            f"seed={seed}",
            "progress=false",
            *SETTINGS[setting],
        ]
        tell = self.progress or (lambda line: None)
        tell(f"migsim game: {setting}, seed {seed}: run {label} ({self.size} agents)...")
        t0 = time.perf_counter()
        _simulate(scenario_overrides(base, label, components), run_dir)
        tell(
            f"migsim game: {setting}, seed {seed}: {label} done in {time.perf_counter() - t0:.1f} s"
        )


def _members(side: str) -> list[str]:
    return [c.strip() for c in side.split("+")]


def check_pair(a: str, b: str, world: str) -> None:
    """Refuse an unknown region code, a region named twice, or two sides sharing one."""
    from migsim.core.world import load_world

    codes = load_world(world, None).codes
    seen = []
    for key, side in (("REGION_A", a), ("REGION_B", b)):
        for code in _members(side):
            if code not in codes:
                raise InputError(
                    key, f"unknown region '{code}' in world {world}", "a region code of the world"
                )
            if code in seen:
                raise InputError(key, f"{code} named twice", "two sides with different regions")
            seen.append(code)


def play_pair(
    a: str,
    b: str,
    seeds: list[int],
    cache: RunCache,
    settings: list[str] | None = None,
    discount_rate: float = DISCOUNT_RATE,
) -> PairResult:
    """The annex game of sides a and b for every seed and setting (runs from `cache`)."""
    from migsim.core.world import load_world

    check_pair(a, b, cache.world)
    ma, mb = _members(a), _members(b)
    world = load_world(cache.world, None)
    comps = scenario_components(ma, mb, world)
    labels = {
        "none": "no_liberalisation",
        "A_alone": f"{a}_liberalises",
        "B_alone": f"{b}_liberalises",
        "both": "both_liberalise",
    }
    out: dict = {}
    kind, host, ratio = "symmetric", None, 1.0
    for setting in settings or list(SETTINGS):
        ok, why = setting_available(SETTINGS[setting], cache.world)
        if not ok:
            out[setting] = f"skipped: {why}"
            continue
        by_seed = {}
        for seed in seeds:
            series = {}
            for sc, cs in comps.items():
                run = cache.get(setting, seed, cs, labels[sc])
                series[sc] = {"A": side_series(run, ma), "B": side_series(run, mb)}
            none = series["none"]

            def tert(frame):
                r = frame.row(0, named=True)
                p = r["people_home_tertiary"] + r["people_home_non_tertiary"]
                return r["people_home_tertiary"] / p if p else 0.0

            def gdp_pc(frame):
                r = frame.row(0, named=True)
                return r["gdp"] / r["population"]

            ta, tb = tert(none["A"]), tert(none["B"])
            scarce = {
                "A": "non_tertiary" if ta >= tb else "tertiary",
                "B": "non_tertiary" if tb >= ta else "tertiary",
            }
            ga, gb = gdp_pc(none["A"]), gdp_pc(none["B"])
            ratio = max(ga, gb) / min(ga, gb)
            kind = "asymmetric" if ratio >= ASYMMETRY_RATIO else "symmetric"
            host = (a if ga >= gb else b) if kind == "asymmetric" else None
            by_seed[seed] = {
                side: {
                    sc: side_changes(series[sc][side], none[side], scarce[side], discount_rate)
                    for sc in comps
                }
                for side in ("A", "B")
            }
        out[setting] = by_seed
    reference = (
        "both liberalised is the status quo (the pair shares a mobility bloc); not "
        "liberalising puts on the partner's people the policy cost put on developed "
        "countries' people outside the bloc"
        if already_open(world, ma, mb)
        else "no liberalisation is the status quo; liberalising removes the policy cost on "
        "the partner's people"
    )
    return PairResult(a, b, kind, reference, host, out, ratio)


# ------------------------------------------------------------------ the command's part


def parse_seeds(text: str) -> list[int]:
    """'1,2,3' -> [1, 2, 3]; one line naming what is allowed otherwise."""
    try:
        seeds = [int(s) for s in str(text).split(",")]
    except ValueError:
        seeds = []
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise InputError(
            "--seeds",
            f"'{text}' is not a list of seeds",
            "distinct integers >= 0 joined by commas, e.g. 1,2,3",
        )
    return seeds


# ------------------------------------------------------------------ the generated block
# (side A, side B, agents): the symmetric pair's payoffs are small (tenths of a point), so
# it runs with more agents than the rich-poor pairs
DOC_PAIRS = (("DEU", "FRA", 250_000), ("USA", "MEX", 100_000), ("ESP", "MAR", 100_000))
DOC_WORLD = "countries"
DOC_YEARS = 8
DOC_SEEDS = (1, 2, 3)
DOC_BEGIN = (
    "<!-- annex-games:begin (generated by `python -m migsim.games.annex --write docs/games.md`) -->"
)
DOC_END = "<!-- annex-games:end -->"


def doc_block(root: Path | str = "outputs/games/annex", progress=None) -> str:
    """The annex games of DOC_PAIRS on DOC_WORLD, every seed of DOC_SEEDS, as Markdown."""
    caches: dict[int, RunCache] = {}
    parts = []
    for a, b, size in DOC_PAIRS:
        if size not in caches:
            caches[size] = RunCache(
                Path(root) / f"n{size}", DOC_WORLD, size, DOC_YEARS, progress=progress
            )
        res = play_pair(a, b, list(DOC_SEEDS), caches[size])
        parts.append(report(res, size, DOC_YEARS, list(DOC_SEEDS)))
    return "\n".join(parts).rstrip()


def _tell(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    from migsim.core.docblocks import write_or_check

    made: list[str] = []  # the block, made once for every file given

    def block() -> str:
        if not made:
            made.append(doc_block(progress=_tell))
        return made[0]

    def sync(path, check):
        from migsim.core.docblocks import sync_present

        # the markers are looked for before the runs (a quarter of an hour) are made
        return sync_present(path, {(DOC_BEGIN, DOC_END): block}, check, "annex games")

    return write_or_check(
        argv, "python -m migsim.games.annex", "annex games: {path}'s blocks are", sync
    )


if __name__ == "__main__":
    sys.exit(main())
