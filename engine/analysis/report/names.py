"""Readable names for the scopes of the comparison: region codes become the world's region
names (its regions.csv: the shipped worlds' names, the country names of a data-built world
for its ISO3 codes), welfare groups the words of Alonso's (2015) Table 6.2."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

WELFARE_ORDER = [
    "natives_developed",
    "earlier_migrants_developed",
    "natives_developing",
    "new_migrants",
    "earlier_migrants_developing",
    "world",
]
WELFARE_LABELS = {
    "natives_developed": "Natives, high-income regions",
    "earlier_migrants_developed": "Earlier migrants, high-income regions",
    "natives_developing": "Natives (stayers), developing regions",
    "new_migrants": "New migrants",
    "earlier_migrants_developing": "Earlier migrants, developing regions",
    "world": "World total",
}


def _world_dir(manifest: dict) -> Path | None:
    from migsim.core.world import DATA_DIR

    cfg = yaml.safe_load(manifest.get("config") or "") or {}
    world = cfg.get("world") or {}
    if world.get("path"):
        return Path(str(world["path"]))
    name = world.get("name") or manifest.get("world")
    return DATA_DIR / str(name) if name else None


def region_names(runs) -> dict[str, str]:
    """Region code -> name, from the regions.csv of every world the runs used (codes of a
    world that cannot be read keep their code). A code two worlds name differently (a sweep
    `world=default,countries`: NAM is Northern America in one, Namibia in the other) gets
    both names, joined by " / " in the order the runs come."""
    names: dict[str, list[str]] = {}
    seen: set[Path] = set()
    for run in runs:
        if run.run is None:
            continue
        root = _world_dir(run.run.manifest)
        if root is None or root in seen:
            continue
        seen.add(root)
        try:
            table = pl.read_csv(root / "regions.csv", columns=["code", "name"])
        except (OSError, ValueError, pl.exceptions.PolarsError):
            continue
        for code, name in table.iter_rows():
            known = names.setdefault(str(code), [])
            if str(name) not in known:
                known.append(str(name))
    return {code: " / ".join(known) for code, known in names.items()}


def scope_label(scope: str, names: dict[str, str]) -> str:
    """What a table header or axis shows for a scope."""
    if scope in WELFARE_LABELS:
        return WELFARE_LABELS[scope]
    if scope == "world":
        return "World"
    name = names.get(scope)
    return f"{name} ({scope})" if name and name != scope else scope
