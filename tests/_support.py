"""Helpers several test files share: a copy of the toy world with one table edited, and a
fresh importable module written from source (for plug-ins named `module:attr`)."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path


def edited_world(
    toy_world_dir: Path, tmp_path: Path, name: str, edit: Callable[[list[str]], list[str]]
) -> Path:
    """A copy of the toy world whose table `name` has its lines passed through `edit`."""
    world = tmp_path / "world"
    shutil.copytree(toy_world_dir, world)
    path = world / name
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")
    return world


def importable_module(tmp_path: Path, monkeypatch, source: str, prefix: str) -> Iterator[str]:
    """Write `source` as a module with a unique name on sys.path; yield the name, then drop
    it from sys.modules (for a pytest fixture: `yield from importable_module(...)`)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(folder))
    yield name
    sys.modules.pop(name, None)
