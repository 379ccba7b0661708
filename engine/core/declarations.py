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
