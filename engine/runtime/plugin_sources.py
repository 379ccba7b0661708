"""Where the code a run plugged in came from: each plug-in's providing package, its version
and a hash of its module files, for the manifest and `migsim behaviours`.

A version number alone does not pin a plug-in under development (an editable install keeps
its version while its code changes), so the manifest also records the SHA-256 of the source
files of the modules that define it: two runs with the same hash ran the same plug-in code.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def providing_package(module_name: str) -> tuple[str, str]:
    """(distribution, version) that installs `module_name`; ("", "") when none does (a
    module on the path, not installed)."""
    top = module_name.split(".")[0]
    if top == "migsim":
        from migsim import __version__

        return "migsim", __version__
    for dist in _distributions().get(top, []):
        try:
            return dist, importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "", ""


def _modules(objects: list[Any]) -> list[str]:
    """Names of the modules that define `objects` (functions, classes, numba functions)."""
    names = set()
    for obj in objects:
        if obj is None:
            continue
        target = getattr(obj, "py_func", obj)  # a numba dispatcher: its Python function
        name = getattr(target, "__module__", None)
        if name is None and not inspect.isclass(target):
            name = type(target).__module__
        if name:
            names.add(name)
    return sorted(names)


def source_hash(module_names: list[str]) -> str:
    """SHA-256 over the source files of the modules, in name order ("" if none is a file)."""
    digest = hashlib.sha256()
    found = False
    for name in module_names:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if not path or not Path(path).is_file():
            continue
        found = True
        digest.update(name.encode() + b"\0")
        digest.update(Path(path).read_bytes())
    return digest.hexdigest() if found else ""


def describe(kind: str, name: str, objects: list[Any]) -> dict:
    """One plug-in: its kind and name, providing package and version, modules and hash."""
    modules = _modules(objects)
    package, version = providing_package(modules[0]) if modules else ("", "")
    return {
        "kind": kind,
        "name": name,
        "package": package,
        "version": version,
        "modules": modules,
        "source_sha256": source_hash(modules),
    }


def behaviour_parts(behaviour: Any) -> list[Any]:
    """What a Behaviour plugs in (its parts and its parameter declaration)."""
    parts = [behaviour.utility, behaviour.individual_term, behaviour.kernel, behaviour.params]
    return [p for p in parts if p is not None]


def run_plugins(cfg: Any, steps: list[Any]) -> list[dict]:
    """Every plug-in a run used: its behaviour, the steps of its year and its regime's
    components (built-in ones too, as package migsim)."""
    from migsim.model.plugins import DEFAULT, Behaviour, load_behaviour
    from migsim.regimes.registry import component_spec, regime_components

    out = []
    for step in steps:
        behaviour = getattr(step, "behaviour", None)  # the migration step's plug-in
        if not isinstance(behaviour, Behaviour):
            continue
        parts = behaviour_parts(behaviour)
        if behaviour is DEFAULT or not parts:
            parts = [load_behaviour]  # the built-in model lives beside the loader
        out.append(describe("behaviour", behaviour.name, parts))
    for step in steps:
        out.append(describe("step", str(getattr(step, "name", type(step).__name__)), [type(step)]))
    seen = set()
    for i, comp in enumerate(regime_components(cfg.regime)):
        kind = str(comp.get("kind", ""))
        if kind in seen:
            continue
        seen.add(kind)
        spec = component_spec(kind, f"regime.components[{i}].kind")
        out.append(describe("regime_component", kind, [spec.apply]))
    return out
