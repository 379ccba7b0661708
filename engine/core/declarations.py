"""Loading what packages declare: every module of a shipped package, then the modules or
objects named by an entry-point group. Registries (measures, experiments) call this once;
a declaration registers itself when its module is imported."""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil

from migsim.core.errors import InputError


def load_declarations(package: str, group: str, what: str, allowed: str) -> None:
    """Import the modules of `package` (but `_private` ones), then load every entry point of
    `group`; an entry point that fails to load is one line naming it (`what` plug-in)."""
    shipped = importlib.import_module(package)
    for info in pkgutil.iter_modules(shipped.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")
    for ep in importlib.metadata.entry_points(group=group):
        try:
            ep.load()
        except Exception as exc:
            raise InputError(
                f"{what} plug-in '{ep.name}' ({ep.value})",
                f"failed to load: {type(exc).__name__}: {exc}",
                allowed,
            ) from exc


def target(obj: object, name: str = "?") -> str:
    """`module:qualname` of a declared function or class, as an entry point names it
    (`name` for an object without a qualified name of its own)."""
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', name)}"


def _owner(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} ({ep.value})" if dist is not None else ep.value


def _loaded(ep: importlib.metadata.EntryPoint) -> object:
    try:
        return ep.load()
    except Exception:  # noqa: BLE001  (a broken package is reported when it is used)
        return ep


def name_clash(group: str, name: str, registered: object = None) -> str:
    """'' when `name` means one thing in entry-point group `group`; otherwise who registers
    it, for a one-line error: two packages' entry points of one name, or one naming other
    than what migsim already `registered` under it (a built-in), are never chosen between
    silently. Entry points of one object (a package found twice on the path, a re-export)
    are one registration; they are loaded only when there is more than one."""
    found = importlib.metadata.entry_points(group=group)
    points = {ep.value: ep for ep in found if ep.name == name}
    if len(points) + (registered is not None) < 2:
        return ""
    owners: dict[int, str] = {}
    if registered is not None:
        owners[id(registered)] = target(registered, name)
    for ep in points.values():
        owners.setdefault(id(_loaded(ep)), _owner(ep))
    if len(owners) < 2:
        return ""
    return f"is registered {len(owners)} times: {', '.join(owners.values())}"
