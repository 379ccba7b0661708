"""Where the code a run plugged in came from: each plug-in's providing package, its version
and a hash of its module files, for the manifest and `migsim behaviours`.

A version number alone does not pin a plug-in under development (an editable install keeps
its version while its code changes), so the manifest also records the SHA-256 of its source
files: every .py file of the package that defines it (the helper modules it imports with
them; a module outside any package is hashed alone), so two runs with the same hash ran
the same plug-in code. A checkpoint records the hashes, and a resume with other plug-in
code is refused (`migsim.runtime.checkpoint`).
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


def source_files(name: str) -> list[tuple[str, Path]]:
    """(label, file) of the files a plug-in module's code can depend on: the .py files of
    its top-level package (the helper modules it imports included; hidden files and caches
    left out; labelled by their path in the package), or, for a module outside any package,
    the module alone; migsim's own modules are themselves (labelled by module name)."""
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if not path or not Path(path).is_file():
        return []
    top = name.split(".")[0]
    package = getattr(sys.modules.get(top), "__path__", None) if top != "migsim" else None
    if not package:
        return [(name, Path(path))]
    files = set()
    for root in map(Path, package):
        for f in root.rglob("*.py"):
            parts = f.relative_to(root).parts
            if f.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts):
                files.add((f"{top}/{f.relative_to(root).as_posix()}", f))
    return sorted(files)


def source_hash(module_names: list[str], objects: list[Any] = ()) -> str:
    """SHA-256 over the source files of the modules (`source_files`: each label, a zero
    byte, the file), in name order; for objects defined where there is no file (a
    notebook's `__main__`), over their source text. "" when neither can be read."""
    digest = hashlib.sha256()
    found = False
    for name in module_names:
        for label, file in source_files(name):
            try:
                data = file.read_bytes()
            except OSError:  # gone or unreadable since it was listed
                continue
            found = True
            digest.update(label.encode() + b"\0")
            digest.update(data)
    if not found:
        for obj in objects:
            try:
                text = inspect.getsource(getattr(obj, "py_func", obj))
            except (OSError, TypeError):
                continue
            found = True
            digest.update(text.encode())
    return digest.hexdigest() if found else ""


def plugin_hashes(cfg: Any, steps: list[Any]) -> dict[str, str]:
    """`kind name` -> source hash of every plug-in of a run that is not migsim's own (what a
    checkpoint records, so that a resume with other plug-in code is refused)."""
    return {
        f"{p['kind']} {p['name']}": p["source_sha256"]
        for p in run_plugins(cfg, steps)
        if p["package"] != "migsim"
    }


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
        "source_sha256": source_hash(modules, objects),
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
