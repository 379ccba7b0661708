"""Steps of the yearly loop, registered by declaration.

A step is a class deriving from `Step` and decorated with `@step("name")`, in a module of
this package (found without being listed anywhere) or exported by a third-party package
through the entry-point group `migsim.steps`. The run's `steps` setting
lists which run and in which order, after demography (which always runs first). Each step
declares, once, what it reads from and writes to the year's state (`YearState`), the columns
it adds to `regions` (name -> `Column`, with unit and meaning) and the tables it produces
(with their columns' units and meanings); the loop records exactly those.

    @step("my_step")
    class MyStep(Step):
        reads = ("cells",)
        writes = ("region_columns",)
        columns = {"my_measure": Column("people", "what it counts")}

        @classmethod
        def build(cls, ctx):          # ctx: StepContext (config, simulation, policy...)
            return cls()

        def run(self, sim, year):
            sim.state.region_columns["my_measure"] = ...
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from migsim.core.declarations import name_clash, target
from migsim.core.errors import InputError

ENTRY_POINT_GROUP = "migsim.steps"
_STEPS: dict[str, type[Step]] = {}


@dataclass(frozen=True)
class Column:
    """A column of an output table: its unit ("" only for identifiers and labels) and one
    line of meaning, written into the Parquet file as field metadata
    (`migsim.runtime.columns`). `derive` (for `regions`) computes it from the finished
    table's other columns after the loop instead of per year."""

    unit: str
    doc: str
    derive: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None


@dataclass
class StepContext:
    """What a step is built from: the composed config, the simulation in its base year, the
    calibration (None without migration) and the regime's policy arrays."""

    cfg: Any
    sim: Any
    calibration: Any
    policy: Any


class Step:
    """A module of the yearly loop. Subclasses set the class attributes and `run`."""

    name: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()  # YearState fields read
    writes: ClassVar[tuple[str, ...]] = ()  # YearState fields written
    columns: ClassVar[dict[str, Column]] = {}  # columns added to regions
    tables: ClassVar[dict[str, str]] = {}  # tables produced (name -> meaning), in `records`
    table_columns: ClassVar[dict[str, dict[str, Column]]] = {}  # their columns, in order

    @classmethod
    def enabled(cls, cfg: Any) -> bool:
        """Whether the config switches this step on (a listed step may still be off)."""
        return True

    @classmethod
    def build(cls, ctx: StepContext) -> Step:
        raise NotImplementedError

    def run(self, sim: Any, year: int) -> None:
        raise NotImplementedError

    def base_year_values(self, sim: Any) -> None:
        """Columns of the base year's row, recorded before any decision (default: none)."""

    def use_policy(self, policy: Any) -> None:
        """Take the policy in force this year (a regime whose components have timing keys:
        `migsim.regimes.timeline`); a step that derives arrays from its policy overrides it."""
        if hasattr(self, "policy"):
            self.policy = policy

    def checkpoint_state(self) -> dict[str, Any]:
        """What a checkpoint stores of this step (default: every attribute). Values must be
        NumPy arrays or scalars, numbers, strings, lists, tuples, dicts, polars frames, or
        the run's world, calibration, behaviour plug-in or config sections
        (`migsim.runtime.checkpoint_state`)."""
        return dict(vars(self))

    def restore_state(self, state: dict[str, Any]) -> None:
        """Put back what `checkpoint_state` returned, into a step made without `build` (a
        resume does not build the steps again: their state is the checkpoint's)."""
        vars(self).update(state)


def step(name: str) -> Callable[[type[Step]], type[Step]]:
    """Class decorator: register a step under `name` (the name the `steps` setting uses)."""

    def register(cls: type[Step]) -> type[Step]:
        known = _STEPS.get(name)
        if known is not None and target(known) != target(cls):
            raise InputError(
                f"step '{name}'",
                f"declared twice ({target(known)} and {target(cls)})",
                "one declaration per step name",
            )
        cls.name = name
        _STEPS[name] = cls
        return cls

    return register


def _builtin() -> None:
    """Import every module of this package, so a step in a new file registers itself."""
    import importlib
    import pkgutil

    import migsim.steps

    for module in pkgutil.iter_modules(migsim.steps.__path__):
        importlib.import_module(f"migsim.steps.{module.name}")


def available() -> dict[str, type[Step]]:
    """Every registered step: built-in ones and those of installed packages."""
    _builtin()
    out = dict(_STEPS)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in out:
            out[ep.name] = ep
    return out


def step_class(name: str) -> type[Step]:
    """The step registered as `name`; one line naming the allowed names otherwise."""
    steps = available()
    if name == "demography":
        raise InputError("steps", "'demography' always runs first and is not listed", _names())
    if name not in steps:
        raise InputError("steps", f"'{name}' is not a step", _names())
    cls = steps[name]
    known = None if isinstance(cls, importlib.metadata.EntryPoint) else cls
    clash = name_clash(ENTRY_POINT_GROUP, name, known)
    if clash:
        raise InputError(f"steps: '{name}'", clash, "one registration per step name")
    if isinstance(cls, importlib.metadata.EntryPoint):
        try:
            cls = cls.load()
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001  (a broken third-party package)
            raise InputError(f"steps: '{name}'", f"failed to load ({type(exc).__name__})") from None
        if not (isinstance(cls, type) and issubclass(cls, Step)):
            raise InputError(f"steps: '{name}'", "is not a Step subclass", _names())
        cls.name = name
        _STEPS[name] = cls
    return cls


def _names() -> str:
    return ", ".join(sorted(available()))


def check_steps(names: Any) -> list[type[Step]]:
    """The step classes of the `steps` setting, in order; each listed once."""
    names = [str(n) for n in (names or [])]
    seen = set()
    for n in names:
        if n in seen:
            raise InputError("steps", f"'{n}' is listed twice", "each step once")
        seen.add(n)
    return [step_class(n) for n in names]


def build_steps(cfg: Any, sim: Any, calibration: Any, policy: Any) -> list[Step]:
    """The configured steps that are switched on, built in the `steps` order."""
    ctx = StepContext(cfg, sim, calibration, policy)
    return [cls.build(ctx) for cls in check_steps(cfg.steps) if cls.enabled(cfg)]


def declared_columns(steps: list[Any]) -> dict[str, Column]:
    """Every column the steps declare, in step order."""
    out: dict[str, Column] = {}
    for s in steps:
        out.update(getattr(s, "columns", {}) or {})
    return out
