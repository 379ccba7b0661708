"""Behaviour plug-ins: how researchers replace parts of the decision model, and the checks
that run before any work.

A researcher can, without editing migsim:
1. replace the cell-level utility: `utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)`
   (plain Python/NumPy; entry [o, s, g, b, o] is the stay utility);
2. add an individual term: a numba-jitted function
   `term(age, sex, skill, wealth, productivity, years_abroad, origin, params) -> float`
   returning a shift of the log-odds of moving (params: float64 array from the config);
3. replace the decision kernel: a numba-jitted function
   `kernel(key, year, n, people, cells, levers, tallies, params)` taking the bundles of
   `migsim.kernels.bundles` and the float64 params array (rules in docs/plugins.md, "Writing a
   behaviour plug-in").
A plug-in is a `Behaviour` object found through the entry-point group `migsim.behaviours`
(`behaviour.plugin=NAME`) or a dotted path `package.module:attribute` (naming the module
opts in to importing it). The object must be a `Behaviour` instance: migsim never calls what a
config names to find out.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from migsim.core.declarations import name_clash
from migsim.core.errors import InputError, PluginOutputError
from migsim.model.choice import CellContext
from migsim.model.plugin_params import check_declaration, params_array, plugin_params

ENTRY_POINT_GROUP = "migsim.behaviours"
KERNEL_SIGNATURE = (
    "kernel(key, year, n, people, cells, levers, tallies, params), numba-jitted "
    "(bundles of migsim.kernels.bundles)"
)
KERNEL_ARGUMENTS = ("key", "year", "n", "people", "cells", "levers", "tallies", "params")


@dataclass
class Behaviour:
    """A behaviour plug-in. Every part is optional: what is None keeps the default."""

    name: str
    utility: Callable[[CellContext], np.ndarray] | None = None
    individual_term: Callable | None = None  # numba-jitted, see module docstring
    kernel: Callable | None = None  # numba-jitted, KERNEL_SIGNATURE
    description: str = ""
    # its parameters: a dataclass of migsim.core.params.param fields (migsim.model.plugin_params);
    # None: it takes none
    params: type | None = None


DEFAULT = Behaviour("nested_logit", description="built-in nested logit (docs/model.md §3)")


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Names of installed behaviour plug-ins plus the built-in one."""
    return ["nested_logit", *sorted(_entry_points())]


def listing() -> str:
    """`migsim behaviours`: each installed behaviour with its description, the package and
    version that provide it (with its modules and the start of their source hash, as the
    manifest records them) and the parameters it declares (name, type, default, allowed
    values, meaning)."""
    from migsim.model.plugin_params import describe_params

    eps = _entry_points()
    lines = []
    for name in available():
        if name == DEFAULT.name:
            obj: Any = DEFAULT
        else:
            try:
                obj = eps[name].load()
            except Exception as exc:  # noqa: BLE001  (a broken third-party package)
                why = f"{type(exc).__name__}: {_first_line(exc)}"
                lines.append(f"{name}  (cannot be loaded: {why})")
                continue
        if not isinstance(obj, Behaviour):
            lines.append(f"{name}  (not a migsim Behaviour: a {type(obj).__name__})")
            continue
        lines.append(f"{name}  {obj.description}".rstrip())
        lines.append(f"    from {_provenance(obj, eps.get(name))}")
        rows = describe_params(obj)
        if not rows:
            lines.append("    (no parameters)")
        for r in rows:
            lines.append(
                f"    {r['name']}  {r['type']}  default {r['default']!r}  "
                f"allowed {r['allowed']}  {r['doc']}"
            )
    return "\n".join(lines)


def _provenance(obj: Behaviour, entry_point: Any) -> str:
    """`package version (module, source sha256 prefix)` of a listed behaviour."""
    from migsim.runtime.plugin_sources import behaviour_parts, describe

    parts = behaviour_parts(obj) or [load_behaviour]
    info = describe("behaviour", obj.name, parts)
    dist = getattr(entry_point, "dist", None)
    if dist is not None and not info["package"]:
        info["package"], info["version"] = dist.name, dist.version
    package = f"{info['package'] or 'no installed package'} {info['version']}".strip()
    return f"{package} ({', '.join(info['modules'])}; source {info['source_sha256'][:12]})"


def load_behaviour(conf: Any) -> Behaviour:
    """Resolve `behaviour.plugin` to a checked Behaviour (entry point name or module:attribute).

    Every problem (unknown name, import failure, wrong object, an individual term that does
    not compile for migsim's argument types, a kernel with the wrong number of arguments,
    non-numeric params) is an InputError naming the plug-in, raised before any work is done.
    """
    plugin = str(conf.plugin or "").strip()
    if plugin and ":" not in plugin:  # a name: one registration only, never a silent choice
        clash = name_clash(ENTRY_POINT_GROUP, plugin, DEFAULT if plugin == DEFAULT.name else None)
        if clash:
            raise InputError(
                f"behaviour.plugin={plugin}",
                clash,
                "one registration per name (uninstall or rename one), or the plug-in's "
                "package.module:attribute",
            )
    if not plugin or plugin == DEFAULT.name:
        plugin_params(DEFAULT, conf)  # the built-in model takes no behaviour.params
        return DEFAULT
    where = f"behaviour.plugin={plugin}"
    if ":" in plugin:
        module_name, _, attr = plugin.partition(":")
        if not module_name or not attr:
            raise InputError(
                where,
                "is not of the form package.module:attribute",
                "an entry point of group migsim.behaviours or package.module:attribute",
            )
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                where,
                f"cannot be imported ({_first_line(exc)})",
                "an entry point of group migsim.behaviours or package.module:attribute",
            ) from None
        except Exception as exc:  # noqa: BLE001  (the plug-in module fails on import)
            raise InputError(
                where, f"failed to import ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    else:
        eps = _entry_points()
        if plugin not in eps:
            raise InputError(where, "is not an installed behaviour plug-in", ", ".join(available()))
        try:
            obj = eps[plugin].load()
        except Exception as exc:  # noqa: BLE001  (a broken third-party package)
            raise InputError(
                where, f"failed to load ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    if not isinstance(obj, Behaviour):  # never called: a plug-in is an object, not a factory
        if _is_jitted(obj):
            raise InputError(
                where,
                "is a numba function, not a migsim Behaviour",
                "wrap it: Behaviour(name, individual_term=f) or Behaviour(name, kernel=f)",
            )
        raise InputError(
            where,
            f"is a {type(obj).__name__}, not a migsim Behaviour (migsim does not call it)",
            "a migsim.model.plugins.Behaviour object (module-level Behaviour(...))",
        )
    if not obj.name:
        obj = replace(obj, name=plugin)
    elif obj.name != plugin:  # messages name both the Behaviour and what the user typed
        obj = replace(obj, name=f"{obj.name} ({plugin})")
    if obj.params is not None:
        check_declaration(obj.name, obj.params)
    check_behaviour(obj, params_array(obj, plugin_params(obj, conf)))
    return obj


@contextmanager
def plugin_call(behaviour: Behaviour, part: str, year: int) -> Iterator[None]:
    """Around a call of a plug-in's `part` during the run: what the plug-in raises (it is the
    user's code, not migsim's) or a PluginOutputError about its output becomes one InputError
    naming the plug-in and the year; running out of memory stays an environment error."""
    where = f"behaviour plug-in '{behaviour.name}'"
    try:
        yield
    except (InputError, MemoryError):
        raise
    except PluginOutputError as exc:
        raise InputError(where, f"in {year}: {exc}") from None
    except Exception as exc:  # noqa: BLE001  (anything the plug-in's own code raises)
        # raised inside numba's parallel loop, the plug-in's exception arrives as the cause of
        # a SystemError ("returned a result with an exception set")
        cause = exc.__cause__ or exc.__context__
        if isinstance(exc, SystemError) and isinstance(cause, Exception):
            exc = cause
        raise InputError(
            where, f"{part} raised {type(exc).__name__} in {year}: {_numba_reason(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _is_jitted(obj: Any) -> bool:
    from numba.core.dispatcher import Dispatcher  # numba only when a plug-in is used

    return isinstance(obj, Dispatcher)


# Argument types of an individual term as the decision kernel calls it (the People dtypes).
_TERM_SAMPLE = {
    "age": np.uint8(30),
    "sex": np.uint8(0),
    "skill": np.uint8(1),
    "wealth": np.float32(1e4),
    "productivity": 1.0,
    "years_abroad": np.uint8(0),
    "origin": np.uint16(0),
}
TERM_SIGNATURE = (
    "term(age, sex, skill, wealth, productivity, years_abroad, origin, params) "
    "-> float, numba-jitted"
)


def check_behaviour(behaviour: Behaviour, params: np.ndarray | None = None) -> None:
    """Check a plug-in's parts before a run: what can go wrong is reported in one line.

    The individual term is compiled here for the argument types the kernel passes (the
    compiled version is reused by the kernel) and called once on a sample person; a kernel
    is compiled for migsim's bundles and called once with no people.
    """
    where = f"behaviour plug-in '{behaviour.name}'"
    if behaviour.utility is not None and not callable(behaviour.utility):
        raise InputError(
            where,
            f"utility is a {type(behaviour.utility).__name__}",
            "a function utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)",
        )
    term = behaviour.individual_term
    if term is not None and behaviour.kernel is not None:  # the kernel replaces the pass
        raise InputError(
            where,
            "has both a kernel and an individual_term (a kernel replaces the decision pass "
            "that calls the term, so the term would never run)",
            "one of the two; a kernel adds its own term inside it",
        )
    if term is not None:
        if not _is_jitted(term):
            raise InputError(
                where, "individual_term is not numba-jitted", "@numba.njit " + TERM_SIGNATURE
            )
        if params is None:
            params = np.zeros(1)
        try:
            value = term(*_TERM_SAMPLE.values(), np.ascontiguousarray(params, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001  (numba typing errors and the term's own)
            raise InputError(
                where,
                f"individual_term fails for a sample person "
                f"({type(exc).__name__}: {_numba_reason(exc)})",
                TERM_SIGNATURE,
            ) from None
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            raise InputError(
                where, f"individual_term returned {type(value).__name__}", TERM_SIGNATURE
            )
        if not np.isfinite(value):
            raise InputError(
                where,
                f"individual_term returned {value} for a sample person "
                f"({', '.join(f'{k}={v}' for k, v in _TERM_SAMPLE.items())})",
                "a finite shift of the log-odds of moving",
            )
    if behaviour.kernel is not None:
        _check_kernel(where, behaviour.kernel, params)


def _check_kernel(where: str, kernel: Any, params: np.ndarray | None) -> None:
    """A kernel must be jitted, take the eight arguments of KERNEL_SIGNATURE and compile
    for the bundles migsim passes: it is called once on a two-region sample with no people
    (n = 0), which compiles it for those types (numba reuses that compilation in the run)."""
    import inspect

    if not _is_jitted(kernel):
        raise InputError(where, "kernel is not numba-jitted", "@numba.njit " + KERNEL_SIGNATURE)
    got = inspect.signature(kernel.py_func).parameters.values()
    variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in got)
    if len(got) != len(KERNEL_ARGUMENTS) and not variadic:
        raise InputError(
            where,
            f"kernel takes {len(got)} arguments",
            f"the {len(KERNEL_ARGUMENTS)} arguments {KERNEL_SIGNATURE}",
        )
    from migsim.kernels.bundles import read_only, sample_bundles

    people, cells, levers, tallies = sample_bundles()
    params = np.ascontiguousarray(np.zeros(1) if params is None else params, dtype=np.float64)
    try:  # cells and levers read-only, as in the run: a write to them fails to compile
        kernel(np.uint64(1), 1, 0, people, read_only(cells), read_only(levers), tallies, params)
    except Exception as exc:  # noqa: BLE001  (numba typing errors and the kernel's own)
        try:  # numba's reason for a write to a read-only array is obscure: name it
            kernel(np.uint64(1), 1, 0, people, cells, levers, tallies, params)
        except Exception:  # noqa: BLE001  (it fails for another reason, given below)
            pass
        else:
            raise InputError(
                where,
                "kernel writes to cells or levers, which are read-only",
                "writes to people's location, status, years_abroad, visa_years_left, family "
                "and wealth, and to tallies",
            ) from None
        raise InputError(
            where,
            f"kernel fails on migsim's bundles ({type(exc).__name__}: {_numba_reason(exc)})",
            KERNEL_SIGNATURE,
        ) from None


def _numba_reason(exc: BaseException) -> str:
    """The informative line of a (multi-line) numba error."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("Failed in nopython", "During:", "File "))]
    text = lines[0] if lines else type(exc).__name__
    return text[:300]


def check_utility(name: str, V: Any, shape: tuple[int, ...], year: int | None = None) -> np.ndarray:
    """A plug-in's utility must be a finite float array of the expected shape."""
    where = f"behaviour plug-in '{name}'"
    when = f" in {year}" if year is not None else ""
    if not isinstance(V, np.ndarray):
        raise InputError(
            where, f"utility returned {type(V).__name__}{when}", f"a NumPy array of shape {shape}"
        )
    if V.dtype.kind not in "fiu":
        raise InputError(
            where, f"utility has dtype {V.dtype}{when}", "a real-valued array (float or integer)"
        )
    if V.shape != shape:
        raise InputError(
            where,
            f"utility has shape {V.shape}{when}",
            f"shape {shape} [origin, skill, sex, age band, destination]",
        )
    if not np.isfinite(V).all():
        bad = "NaN" if np.isnan(V).any() else "infinite values"
        raise InputError(where, f"utility contains {bad}{when}", "finite utilities")
    return V.astype(np.float64, copy=False)
