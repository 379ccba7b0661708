"""The validation experiments, registered by declaration.

An experiment is a function `runner -> list[Check]` declared with what it checks:

    @experiment(
        "E8",
        title="Free migration under DMS's closure (Docquier, Machado & Sekkat 2015)",
        configs=["e08_free_mobility"],
        cost="run",
        quantities=["E8:world_gdp_pct_after_10y", "E8:extra_migrants_after_10y_M"],
        expected_failures={},
        identities={},
    )
    def e8_dms(r): ...

`quantities` are every `experiment:quantity` key its checks carry (the tests parametrise on
them before anything runs); `expected_failures` maps the keys of known misses to their
measured reason (tests mark them xfail(strict=True); `migsim validate` exits 3 on any other
miss and on a listed miss that passes). `configs` are the run configs under
configs/experiment/ it simulates, checked before any work; `cost` says what it costs:
"analytic" (no simulation), "driven" (a synthesised base year that the experiment steps
itself) or "run" (complete runs, minutes at the default sizes).

Every quantity has an evidence tier, derived, not typed: `calibrated` or `fitted` when one of
the calibration's targets (migsim.model.targets) reads it back; `identity` when the
experiment declares it true by construction of the equations (`identities` maps the key to
the reason); `out_of_sample` otherwise. Declaring an identity for a calibration target is
refused.

`default_world_only` (a reason) keeps an experiment to the default world: `migsim validate
--world NAME` lists it as not run there, unless NAME is one of its `runs_on` worlds (an
experiment that brings its own world, such as the 1990 history, runs on its other ones).
`other_worlds` says, with its sources, why the experiment's figures move on a world built
from data (base year 2010): the validation page of such a world (`--compare-with`) gives it
as the reason of every verdict that differs from the default world's.

`quick_undecided` names the checks that `migsim validate --quick` (an eighth of the agents)
cannot decide, each with the measured reason: there the quick value lies within about two
of its own sampling errors of the band's edge, or its verdict differs from the full run's.
Quick mode reports them as "undecided" and leaves them out of the exit code; every other
check must get the full run's verdict (`migsim validate --quick --agree-with FULL.parquet`,
run by CI). A function decorated with
`@<experiment>.plot` draws the experiment's figures for the report.

The experiments shipped with migsim are the modules of migsim.validation.experiments, one per
experiment, imported when the registry is first used; another package adds its own through
the entry point group `migsim.experiments` (each entry point names a module whose import
declares them). Experiments run in the order of `order` (default: the number of the
experiment's name, E8 -> 8; names without a number come after the numbered ones).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from migsim.core.declarations import load_declarations
from migsim.core.errors import InputError
from migsim.model.targets import targets_of
from migsim.validation.checks import Check

ENTRY_POINT_GROUP = "migsim.experiments"
COSTS = ("analytic", "driven", "run")
TIERS = ("out_of_sample", "fitted", "identity", "calibrated")


@dataclass
class Experiment:
    """A declared experiment; calling it runs its checks."""

    name: str
    fn: Callable[..., list[Check]]
    title: str
    configs: tuple[str, ...]
    cost: str
    quantities: tuple[str, ...]
    expected_failures: dict[str, str]
    order: float
    identities: dict[str, str] = field(default_factory=dict)
    quick_undecided: dict[str, str] = field(default_factory=dict)
    default_world_only: str = ""
    other_worlds: str = ""
    runs_on: tuple[str, ...] = ()
    plots: list[Callable] = field(default_factory=list)
    summaries: list[Callable] = field(default_factory=list)

    def __call__(self, runner) -> list[Check]:
        return self.fn(runner)

    def plot(self, fn: Callable) -> Callable:
        """Declare a figure of this experiment: `fn(frame, runner, out_dir) -> [file names]`,
        called by the report after every experiment has run (it draws nothing when its
        experiment did not run)."""
        self.plots.append(fn)
        return fn

    def summary(self, fn: Callable) -> Callable:
        """Declare a sentence for the generated validation blocks (docs/validation.md's table
        and the README's headline):
        `fn(frame) -> str` (empty when the experiment did not run)."""
        self.summaries.append(fn)
        return fn

    def tier_of(self, key: str) -> tuple[str, str]:
        """(tier, reason) of one of this experiment's quantities."""
        targeted = _from_targets(key)
        if targeted:
            return targeted
        if key in self.identities:
            return "identity", self.identities[key]
        return "out_of_sample", ""

    def matches(self, only: list[str], names: tuple[str, ...] = ()) -> bool:
        """`--only E8` selects E8; `--only E2` or `--only E5` selects E2-E5 (a part of a
        name selects it unless it is itself one of `names`, the experiments' names:
        `--only E23` is E23, not E23-history too)."""
        return self.name in only or any(o in self.name.split("-") and o not in names for o in only)


_EXPERIMENTS: dict[str, Experiment] = {}
_loaded = False


def _default_order(name: str) -> float:
    number = re.match(r"E(\d+)", name)
    return float(number.group(1)) if number else 1e6


def experiment(
    name: str,
    *,
    title: str,
    configs: list[str] | tuple[str, ...] = (),
    cost: str,
    quantities: list[str] | tuple[str, ...],
    expected_failures: Mapping[str, str] | None = None,
    identities: Mapping[str, str] | None = None,
    quick_undecided: Mapping[str, str] | None = None,
    order: float | None = None,
    default_world_only: str = "",
    other_worlds: str = "",
    runs_on: list[str] | tuple[str, ...] = (),
) -> Callable[[Callable[..., list[Check]]], Experiment]:
    """Declare a validation experiment (see the module docstring)."""
    expected = dict(expected_failures or {})
    where = f"experiment '{name}'"
    same = dict(identities or {})
    undecided = dict(quick_undecided or {})
    if cost not in COSTS:
        raise InputError(where, f"unknown cost '{cost}'", ", ".join(COSTS))
    for listed, what in (
        (expected, "expected failure"),
        (same, "identity"),
        (undecided, "quick-undecided check"),
    ):
        unknown = sorted(set(listed) - set(quantities))
        if unknown:
            raise InputError(
                where, f"{what} {unknown[0]} is not one of its quantities", "a quantity"
            )
    for key in sorted(same):
        if targets_of(key):
            raise InputError(
                where,
                f"{key} is declared an identity but the calibration targets it "
                f"({targets_of(key)[0].id})",
                "identities that no calibration target reads back",
            )

    def register(fn: Callable[..., list[Check]]) -> Experiment:
        if name in _EXPERIMENTS and _EXPERIMENTS[name].fn.__module__ != fn.__module__:
            raise InputError(
                where,
                f"declared twice ({_EXPERIMENTS[name].fn.__module__} and {fn.__module__})",
                "one declaration per experiment name",
            )
        exp = Experiment(
            name,
            fn,
            title,
            tuple(configs),
            cost,
            tuple(quantities),
            expected,
            _default_order(name) if order is None else float(order),
            identities=same,
            quick_undecided=undecided,
            default_world_only=default_world_only,
            other_worlds=other_worlds,
            runs_on=tuple(runs_on),
        )
        _EXPERIMENTS[name] = exp
        return exp

    return register


def _load() -> None:
    """Import the shipped experiment modules, then the installed packages' entry points."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    load_declarations(
        "migsim.validation.experiments",
        ENTRY_POINT_GROUP,
        "experiment",
        "an importable module declaring experiments with @experiment",
    )


def registered() -> dict[str, Experiment]:
    """Every experiment, shipped and installed, by name, in run order."""
    _load()
    return {e.name: e for e in sorted(_EXPERIMENTS.values(), key=lambda e: (e.order, e.name))}


def select(only: list[str] | None) -> list[Experiment]:
    """The experiments `--only` names (all when None), their configs checked to exist."""
    from migsim.runtime.app import CONFIG_DIR

    names = tuple(registered())
    chosen = [e for e in registered().values() if not only or e.matches(only, names)]
    for name in only or []:
        if not any(e.matches([name], names) for e in registered().values()):
            raise InputError("--only", f"no experiment named {name}", ", ".join(registered()))
    for exp in chosen:
        for config in exp.configs:
            if not (Path(CONFIG_DIR) / "experiment" / f"{config}.yaml").is_file():
                raise InputError(
                    f"experiment '{exp.name}'",
                    f"its config '{config}' is not in configs/experiment/",
                    "a config of configs/experiment/",
                )
    return chosen


class _View(Mapping):
    """A read-only mapping computed from the registry when first read (so that importing
    migsim.validation imports no experiment)."""

    def __init__(self, build: Callable[[], dict]):
        self._build = build

    def _data(self) -> dict:
        return self._build()

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self) -> Iterator:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())


# every experiment by name; every quantity key by experiment; every listed miss -> reason
EXPERIMENTS: Mapping[str, Experiment] = _View(registered)
QUANTITIES: Mapping[str, list[str]] = _View(
    lambda: {n: list(e.quantities) for n, e in registered().items()}
)
EXPECTED_FAILURES: Mapping[str, str] = _View(
    lambda: {k: v for e in registered().values() for k, v in e.expected_failures.items()}
)


def evidence(key: str) -> tuple[str, str]:
    """(tier, reason) of a validation quantity `experiment:quantity`, whichever experiment
    declares it (a key no experiment declares gets its tier from the targets alone)."""
    for exp in registered().values():
        if key in exp.quantities:
            return exp.tier_of(key)
    return _from_targets(key) or ("out_of_sample", "")


def _from_targets(key: str) -> tuple[str, str] | None:
    """calibrated (or fitted) with the targets' ids and what they are, if any reads `key`."""
    found = targets_of(key)
    if not found:
        return None
    kind = "calibrated" if any(t.kind == "calibrated" for t in found) else "fitted"
    return kind, "; ".join(f"{t.id}: {t.what}" for t in found)


QUICK_UNDECIDED: Mapping[str, str] = _View(
    lambda: {k: v for e in registered().values() for k, v in e.quick_undecided.items()}
)
