"""Refuse a run that cannot fit in memory before allocating it.

The estimate adds up what the run will allocate after the check (docs/memory.md, "The
check before a run"), from the declarations the code allocates from:

- the population's columns, `BYTES_PER_PERSON` (the dtypes of the `People` bundle) a row,
  for the rows `capacity_for` gives (the base-year people plus `population.spare_capacity`);
- every scratch array a shard keeps in a run (`migsim.people.shards.SCRATCH`): those sized
  by the rows, and those sized by the people in use with their 1/16 of headroom, for as
  many people as the rows hold (births fill the spare rows);
- a fixed `BASE_BYTES` for what the rest of the run adds (calibration, compiled kernels,
  the records and tables), and `MARGIN` more on the whole;
- where the run's people outgrow those rows (births beyond the spare rows and the dead's,
  `Population.make_room`), the columns grown by a quarter as often as needed, and the peak
  of growing them (the new columns and the widest old one), for the most people the run
  will hold: `projected_growth` projects each origin's agents with its region's own
  mortality and fertility over the run's years (no migration; a scenario's vital rates are
  not read), so a run that would run out of memory in a late year is refused at the start.

It counts every allocated page, as if touched: spare rows and the move keys' room are
mostly never touched, so the peak resident memory is lower
(the estimate over the resident memory a run adds after the check: 2.0 at 1M people, 1.35
at 10M; docs/memory.md).

It is compared with the smallest of what this process may still take: MemAvailable of
/proc/meminfo, the memory limit of the process's cgroup (and of its ancestors) minus its
usage (v2 `memory.max` and `memory.current`, v1 `memory.limit_in_bytes` and
`memory.usage_in_bytes`), and the address-space limit (`ulimit -v`, RLIMIT_AS) minus the
current virtual size (a run reserves more address space when it is free, but runs within
the estimate when it is not: 0.53 GB of address space at 10M people under `ulimit -v`,
against 0.57 GB estimated). A file that is missing or cannot be read is skipped.

With `shards.backend=ray` the people live on the Ray actors, perhaps on other machines: this
process checks only its own part (`BASE_BYTES`), and each actor requests its shard's
estimate from Ray (`shard_estimates`), which places it on a node with that memory; shards
that no node, or not the whole cluster, can hold are refused before any actor starts.
"""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.people.population import BYTES_PER_PERSON, PEOPLE_DTYPES, capacity_for
from migsim.people.shards import HEADROOM, SCRATCH

# what a run adds after the check besides the people: 50-90 MB measured at 1M-10M people
BASE_BYTES = 128 * 2**20
MARGIN = 1.05  # the estimate is raised by 5%
GIB = 2**30
NO_LIMIT = 2**60  # a cgroup v1 limit of 2^63 rounded to a page means no limit

MEMINFO = Path("/proc/meminfo")
STATUS = Path("/proc/self/status")
CGROUP = Path("/proc/self/cgroup")
MOUNTINFO = Path("/proc/self/mountinfo")
CGROUP_ROOT = Path("/sys/fs/cgroup")  # where cgroups are mounted when mountinfo is unreadable


def scratch_bytes(rows: int, people: int) -> int:
    """Bytes of the scratch arrays a shard keeps in a run, for `rows` rows and `people` in use."""
    total = 0
    for dtype, per in SCRATCH.values():
        n = rows if per == "rows" else people + people // HEADROOM
        total += n * dtype.itemsize
    return total


def people_bytes(size: int, spare_capacity: float) -> int:
    """Memory the rows and scratch of `size` base-year people take, in bytes (no margin)."""
    rows = capacity_for(size, max(float(spare_capacity), 0.0))
    return rows * BYTES_PER_PERSON + scratch_bytes(rows, rows)


def estimate_bytes(size: int, spare_capacity: float, growth: float = 1.0) -> int:
    """Memory a run of `size` people allocates after the check, in bytes (margin included),
    when its people reach `growth` times `size` (`projected_growth`; 1: never more)."""
    return int(MARGIN * (BASE_BYTES + grown_people_bytes(size, spare_capacity, growth)))


def grown_people_bytes(size: int, spare_capacity: float, growth: float) -> int:
    """The most the rows and scratch of `size` base-year people take while they grow to
    `growth` x size people, in bytes (no margin): the base year's, or the rows grown by a
    quarter at a time (`Population.make_room`) as often as the people need, at the peak of
    each growth (the new columns, the widest old column and the scratch of the old rows)."""
    rows = capacity_for(size, max(float(spare_capacity), 0.0))
    most = people_bytes(size, spare_capacity)
    people = int(np.ceil(max(growth, 0.0) * size))
    widest = max(np.dtype(t).itemsize for t in PEOPLE_DTYPES.values())
    while people > rows:
        grown = max(people, int(rows * 1.25) + 1)
        growing = grown * BYTES_PER_PERSON + rows * widest + scratch_bytes(rows, rows)
        after = grown * BYTES_PER_PERSON + scratch_bytes(grown, min(people, grown))
        most = max(most, growing, after)
        rows = grown
    return most


def projected_growth(world: Any, agents: np.ndarray, years: int) -> float:
    """The most living agents in any year of a run of `years` years over the base year's:
    each origin's `agents` (R,) grow as its region's residents would with the region's own
    death probabilities and fertility and no migration (births to the women at the start
    of each year, who then age or die as the demography step does), at least 1 (1 without
    a world or its schedules)."""
    from migsim.core.labels import FEMALE, MALE
    from migsim.core.world import SEX_RATIO_AT_BIRTH

    if world is None or getattr(world, "resident_pyramid", None) is None:
        return 1.0
    pyramid = np.asarray(world.resident_pyramid, dtype=np.float64).copy()  # (R, 2, N_AGES)
    q = np.asarray(world.death_probability, dtype=np.float64)
    fertility = np.asarray(world.fertility, dtype=np.float64)  # (R, N_AGES)
    base = pyramid.sum(axis=(1, 2))
    agents = np.asarray(agents, dtype=np.float64)
    share = np.where(base > 0, agents / np.where(base > 0, base, 1.0), 0.0)
    total = float(agents.sum())
    if total <= 0:
        return 1.0
    most = 1.0
    girl = 1.0 / (1.0 + SEX_RATIO_AT_BIRTH)
    for _ in range(max(int(years), 0)):
        births = (fertility * pyramid[:, FEMALE]).sum(axis=1)
        survivors = pyramid * (1.0 - q)
        pyramid = np.zeros_like(pyramid)
        pyramid[:, :, 1:] = survivors[:, :, :-1]  # those at MAX_AGE die
        pyramid[:, FEMALE, 0] = girl * births
        pyramid[:, MALE, 0] = (1.0 - girl) * births
        most = max(most, float((share * pyramid.sum(axis=(1, 2))).sum()) / total)
    return most


def run_growth(cfg: Any, world: Any) -> float:
    """`projected_growth` for a run of `cfg` on `world` (its agents by origin and years)."""
    from migsim.people.population import agents_per_origin

    if world is None:
        return 1.0
    size, strat = int(cfg.population.size), float(cfg.population.stratification)
    _, agents = agents_per_origin(world, size, strat)
    return projected_growth(world, agents, int(cfg.years))


def shard_estimates(
    agents: Any, origin_sets: list, spare_capacity: float, world: Any = None, years: int = 0
) -> list[int]:
    """The memory each shard of a Ray run allocates where it lives (its people and scratch,
    margin included, with its origins' `projected_growth` over `years` when `world` is
    given): what each actor requests from Ray (`migsim.people.shards.RayPeople`)."""
    agents = np.asarray(agents)
    out = []
    for origins in origin_sets:
        mine = np.zeros(agents.shape, dtype=agents.dtype)
        mine[np.asarray(origins)] = agents[np.asarray(origins)]
        growth = projected_growth(world, mine, years)
        out.append(int(MARGIN * grown_people_bytes(int(mine.sum()), spare_capacity, growth)))
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def _field_kib(text: str | None, name: str) -> int | None:
    """The `name:` line of /proc/meminfo or /proc/self/status, in bytes."""
    for line in (text or "").splitlines():
        if line.startswith(name + ":"):
            try:
                return int(line.split()[1]) * 1024
            except (ValueError, IndexError):
                return None
    return None


def _number(path: Path) -> int | None:
    text = _read(path)
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None  # "max": no limit


def _mounts() -> dict[str, tuple[str, Path]]:
    """The cgroup mounts, {"v2" or "v1": (root of the mount, mount point)}."""
    found: dict[str, tuple[str, Path]] = {}
    for line in (_read(MOUNTINFO) or "").splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        fstype, _, options = line.split(" - ", 1)[1].partition(" ")
        if fstype == "cgroup2" and "v2" not in found:
            found["v2"] = (fields[3], Path(fields[4]))
        elif fstype == "cgroup" and "memory" in options.split()[-1].split(","):
            found.setdefault("v1", (fields[3], Path(fields[4])))
    if not found:
        found = {"v2": ("/", CGROUP_ROOT), "v1": ("/", CGROUP_ROOT / "memory")}
    return found


def cgroup_available() -> tuple[int, str] | None:
    """The smallest limit minus usage of this process's memory cgroup and its ancestors."""
    mounts = _mounts()
    best = None
    for line in (_read(CGROUP) or "").splitlines():
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        if controllers == "" and path:
            version, limit, usage = "v2", "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            version, limit, usage = "v1", "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        if version not in mounts:
            continue
        root, mount = mounts[version]
        if root != "/" and (path + "/").startswith(root.rstrip("/") + "/"):
            path = path[len(root.rstrip("/")) :]
        here = mount / path.strip("/")
        for folder in (here, *here.parents):
            cap, used = _number(folder / limit), _number(folder / usage)
            if cap is not None and cap < NO_LIMIT:
                have = max(cap - (used or 0), 0)
                if best is None or have < best[0]:
                    best = (have, f"cgroup {limit}")
            if folder == mount:
                break
    return best


def address_space_available() -> tuple[int, str] | None:
    """RLIMIT_AS minus the current virtual size (VmSize), where a limit is set."""
    try:
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (OSError, ValueError):
        return None
    size = _field_kib(_read(STATUS), "VmSize")
    if soft == resource.RLIM_INFINITY or soft < 0 or size is None:
        return None
    return max(soft - size, 0), "ulimit -v"


def limits() -> list[tuple[int, str]]:
    """What this process may still take, by every limit that could be read: (bytes, name)."""
    found = []
    free = _field_kib(_read(MEMINFO), "MemAvailable")
    if free is not None:
        found.append((free, "MemAvailable"))
    for reader in (cgroup_available, address_space_available):
        limit = reader()
        if limit is not None:
            found.append(limit)
    return found


def check_memory(cfg: Any, world: Any = None) -> None:
    """InputError naming population.size when the run would not fit in memory (with its
    people's growth over the run's years when `world` is given: `projected_growth`)."""
    if not cfg.get("memory_check", True):
        return
    size = int(cfg.population.size)
    if size <= 0:
        return  # the config check reports it
    grown = ""
    if cfg.shards.backend == "ray":  # the people live on the actors, which Ray places by
        # the memory each requests (shard_estimates): here, the driver's own part only
        need, who = int(MARGIN * BASE_BYTES), "the driver of a Ray run needs"
        allowed = "more free memory where the run starts"
    else:
        growth = run_growth(cfg, world)
        need = estimate_bytes(size, cfg.population.spare_capacity, growth)
        who = f"{size:,} people need"
        if need > estimate_bytes(size, cfg.population.spare_capacity):
            grown = f" (as they grow to {growth * size:,.0f} over {int(cfg.years)} years)"
        allowed = "a smaller population.size or fewer years"
    found = limits()
    if not found:
        return
    have, name = min(found)
    if need <= have:
        return
    raise InputError(
        "population.size",
        f"{who} about {need / GIB:.1f} GiB of memory{grown}, but {have / GIB:.1f} GiB is "
        "available "
        f"({name})",
        f"{allowed}, or memory_check=false to run anyway",
    )
