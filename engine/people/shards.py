"""People in shards: where every per-person pass of the yearly loop runs.

A run's people live in one or more shards. Each shard holds the people born in some regions
(their origin never changes, and a newborn's origin is its region of birth, so a shard keeps
its people for the whole run) and the per-person scratch of the passes over them. The
driver, `migsim.runtime.simulation.Simulation` and its steps, sends a shard function and small
arguments (cell probabilities, wages, world arrays) to every shard and adds up what comes
back: cell counts and money sums, never people. Markets, probabilities and quotas are then
solved on those aggregates, exactly as in a single process.

Every draw is keyed on (seed, person id, year, stream), and ids do not depend on the split
(children are numbered by region of birth, see `migsim.kernels.demography`), so a sharded run
makes the same people and the same decisions as a single process: counts are identical,
money totals agree to float rounding (per-shard sums are added in another order).

Backends:
- `LocalPeople`: shards in this process, run one after the other (one shard in an ordinary
  run; several to test the split).
- `RayPeople`: one Ray actor per shard, on one machine or a Ray cluster; each actor
  synthesises its own people, so no population ever passes through the driver.

A shard function is a module-level function `fn(shard, *args)` (importable, so that Ray can
send it by name) that returns NumPy arrays, numbers, or tuples or dicts of them; the
per-person passes of the year are in `migsim.people.passes`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.people.population import Population

BACKENDS = ("local", "ray")


# The per-person scratch arrays a shard keeps between passes, by name: (dtype, sized by).
# "rows": one element per row of the population's columns (spare rows included); "people":
# one per person in use (the caller gives the size), plus 1/HEADROOM so that a growing
# population does not replace it every year. The memory check before a run
# (`migsim.runtime.memory`) counts SCRATCH; docs/memory.md says why each is there.
SCRATCH: dict[str, tuple[np.dtype, str]] = {
    "units": (np.dtype(np.float32), "rows"),  # a worker's efficiency units, supply to income
    "move_keys": (np.dtype(np.int64), "people"),  # room for one move key per person in use
}
# only where ageing runs in a pass of its own (`Simulation.fused_ageing` False), never in a
# run: the demography pass's flags
UNFUSED_SCRATCH: dict[str, tuple[np.dtype, str]] = {
    "children": (np.dtype(np.uint8), "rows"),
    "deaths": (np.dtype(np.uint8), "rows"),
}
HEADROOM = 16


class Shard:
    """The people of some origins and the scratch arrays of the passes over them."""

    def __init__(self, population: Population, origins: Sequence[int] | None = None):
        self.population = population
        self.origins = (
            np.arange(population.weight.shape[0], dtype=np.int64)
            if origins is None
            else np.asarray(sorted(int(o) for o in origins), dtype=np.int64)
        )
        self.scratch: dict[str, np.ndarray] = {}

    def buffer(self, name: str, size: int | None = None) -> np.ndarray:
        """The scratch array `name` of `SCRATCH` (or `UNFUSED_SCRATCH`), of at least the
        population's capacity ("rows") or `size` ("people"); kept between calls, its contents
        are whatever the last pass left."""
        dtype, per = SCRATCH[name] if name in SCRATCH else UNFUSED_SCRATCH[name]
        # a buffer sized by the people in use grows with the population: give it headroom
        # so it is not replaced every year, and drop the old one before allocating (holding
        # both was the peak of a year: 16 bytes a person for the move keys)
        room = per == "people" and size is not None
        size = self.population.capacity if size is None or per == "rows" else size
        arr = self.scratch.get(name)
        if arr is None or arr.shape[0] < size:
            arr = self.scratch.pop(name, None)
            del arr
            arr = np.zeros(size + (size // HEADROOM if room else 0), dtype=dtype)
            self.scratch[name] = arr
        return arr

    def call(self, fn: Callable, *args) -> Any:
        return fn(self, *args)


def add(results: list) -> Any:
    """The sum of shard results, entry by entry (arrays, numbers, tuples, dicts)."""
    first = results[0]
    if len(results) == 1:
        return first
    if isinstance(first, dict):
        return {k: add([r[k] for r in results]) for k in first}
    if isinstance(first, tuple):
        return tuple(add([r[i] for r in results]) for i in range(len(first)))
    total = first.copy() if isinstance(first, np.ndarray) else first
    for r in results[1:]:
        total = total + r
    return total


class LocalPeople:
    """Shards in this process."""

    backend = "local"

    def __init__(self, shards: list[Shard]):
        self.shards = shards

    def map(self, fn: Callable, *args) -> list:
        return [shard.call(fn, *args) for shard in self.shards]

    def sum(self, fn: Callable, *args) -> Any:
        return add(self.map(fn, *args))

    def close(self) -> None:
        pass


class _ShardActor:
    """A shard inside a Ray actor; it builds its own population."""

    def __init__(self, threads: int, build: Callable, *args):
        from migsim.runtime.simulation import set_threads

        set_threads(threads)
        origins = args[-1]
        self.shard = Shard(build(*args), origins)

    def call(self, fn: Callable, *args) -> Any:
        return self.shard.call(fn, *args)


class RayPeople:
    """One Ray actor per shard. `address`: a Ray cluster (None starts a local one)."""

    backend = "ray"

    def __init__(
        self,
        build: Callable,
        build_args: tuple,
        origin_sets: list[np.ndarray],
        address: str | None = None,
        cpus_per_shard: int = 1,
        shard_bytes: Sequence[int] | None = None,
    ):
        """`shard_bytes`: the memory each shard will allocate (`migsim.runtime.memory`),
        requested from Ray with each actor, so that Ray places the shards on nodes with the
        memory for them; a shard no node can hold is refused first (None: not requested)."""
        import ray

        if not ray.is_initialized():
            _check_address(address)
            try:
                ray.init(
                    address=address,
                    include_dashboard=False,
                    logging_level="ERROR",
                    log_to_driver=False,
                    runtime_env={"env_vars": _worker_env(cpus_per_shard)},
                )
            except ConnectionError as exc:  # "auto" with no cluster running
                raise InputError(
                    f"shards.address={address}", f"no Ray cluster found ({exc})", ADDRESSES
                ) from None
        self._ray = ray
        need = cpus_per_shard * len(origin_sets)
        have = int(ray.cluster_resources().get("CPU", 0))
        if need > have:
            # actors that cannot be placed would wait for ever
            raise InputError(
                "shards",
                f"{len(origin_sets)} shards x {cpus_per_shard} CPUs need {need} Ray CPUs, "
                f"the Ray cluster has {have}",
                "shards.count x shards.cpus_per_shard within the cluster's CPUs",
            )
        # the driver's choice of NumPy loops goes with every actor, also on a cluster started
        # elsewhere (its workers would otherwise run NumPy's AVX-512 loops where they have them)
        numpy_env = _numpy_env()
        options = {"runtime_env": {"env_vars": numpy_env}} if numpy_env else {}
        actor = ray.remote(num_cpus=cpus_per_shard, **options)(_ShardActor)
        if shard_bytes is not None:
            check_node_memory(list(shard_bytes), node_memory(ray))
        self.actors = [
            (actor if shard_bytes is None else actor.options(memory=int(shard_bytes[i]))).remote(
                cpus_per_shard, build, *build_args, origins
            )
            for i, origins in enumerate(origin_sets)
        ]

    def map(self, fn: Callable, *args) -> list:
        ray = self._ray
        # large arrays go to the object store once per call, not once per actor
        args = tuple(
            ray.put(a) if isinstance(a, np.ndarray) and a.nbytes > 1 << 16 else a for a in args
        )
        return ray.get([a.call.remote(fn, *args) for a in self.actors])

    def sum(self, fn: Callable, *args) -> Any:
        return add(self.map(fn, *args))

    def close(self) -> None:
        for a in self.actors:
            self._ray.kill(a)
        self.actors = []

    def __getstate__(self):
        raise TypeError("a Ray-sharded simulation cannot be pickled (checkpoints need local)")


ADDRESSES = "empty (a local Ray), auto, or HOST:PORT of a running Ray head"
GIB = 2**30


def node_memory(ray: Any) -> list[float]:
    """The memory each live node of the Ray cluster offers actors (Ray's `memory` resource,
    bytes)."""
    return [
        float(node.get("Resources", {}).get("memory", 0.0))
        for node in ray.nodes()
        if node.get("Alive", False)
    ]


def check_node_memory(shard_bytes: list[int], nodes: list[float]) -> None:
    """Refuse shards that no node, or not the whole cluster, has the memory for (each
    actor would otherwise wait for a place for ever, or a node run out of memory)."""
    if not nodes or not shard_bytes:
        return
    largest, total = max(shard_bytes), sum(shard_bytes)
    if largest > max(nodes):
        raise InputError(
            "population.size",
            f"the largest of {len(shard_bytes)} shards needs about {largest / GIB:.1f} GiB, "
            f"but the largest Ray node offers {max(nodes) / GIB:.1f} GiB (Ray's memory resource)",
            "a smaller population.size, more shards.count, or memory_check=false to run anyway",
        )
    if total > sum(nodes):
        raise InputError(
            "population.size",
            f"{len(shard_bytes)} shards need about {total / GIB:.1f} GiB, but the Ray cluster's "
            f"{len(nodes)} nodes offer {sum(nodes) / GIB:.1f} GiB (Ray's memory resource)",
            "a smaller population.size, a larger cluster, or memory_check=false to run anyway",
        )


def _numpy_env() -> dict[str, str]:
    """NumPy's CPU features as this process has them (migsim turns NumPy's AVX-512 loops
    off, so that every shard computes the bytes a single process does: docs/year.md)."""
    from migsim import _NUMPY_CHOICE

    return {k: os.environ[k] for k in _NUMPY_CHOICE if k in os.environ}


def _worker_env(cpus_per_shard: int) -> dict[str, str]:
    """Environment of the Ray workers: numba's threads per shard and `_numpy_env`."""
    return {"NUMBA_NUM_THREADS": str(cpus_per_shard), **_numpy_env()}


def _check_address(address: str | None) -> None:
    """A HOST:PORT that does not answer fails here in seconds (Ray itself would retry for
    minutes, printing warnings)."""
    if not address or address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except (OSError, ValueError):
        raise InputError(
            f"shards.address={address}", "no Ray head answers there", ADDRESSES
        ) from None


def assign_origins(agents: np.ndarray, n_shards: int) -> list[np.ndarray]:
    """Origins per shard, balancing agents: largest origin first, to the lightest shard
    (ties to the lower shard number), so the split is a pure function of its inputs."""
    load = np.zeros(n_shards)
    sets: list[list[int]] = [[] for _ in range(n_shards)]
    for o in np.argsort(-np.asarray(agents, dtype=np.float64), kind="stable"):
        s = int(np.argmin(load))
        sets[s].append(int(o))
        load[s] += agents[o]
    return [np.array(sorted(s), dtype=np.int64) for s in sets if s]


def split(pop: Population, origin_sets: list[np.ndarray]) -> list[Population]:
    """One population per set of origins (rows keep their order, so their ids stay sorted)."""
    out = []
    n = pop.n
    for origins in origin_sets:
        rows = np.flatnonzero(np.isin(pop.origin[:n], origins) & (pop.alive[:n] == 1))
        part = Population.empty(max(int(rows.size * 1.15) + 16, 16), pop.weight)
        for name, arr in pop.columns().items():
            getattr(part, name)[: rows.size] = arr[:n][rows]
        part.n = int(rows.size)
        part.next_id = pop.next_id
        part.productivity_sigma = pop.productivity_sigma
        out.append(part)
    return out


def merge(pops: list[Population]) -> Population:
    """The living people of several shards in one population, in id order."""
    parts = [p.alive[: p.n] == 1 for p in pops]
    total = int(sum(m.sum() for m in parts))
    whole = Population.empty(max(int(total * 1.15) + 16, 16), pops[0].weight)
    for name in whole.columns():
        getattr(whole, name)[:total] = np.concatenate(
            [getattr(p, name)[: p.n][m] for p, m in zip(pops, parts)]
        )
    order = np.argsort(whole.person_id[:total], kind="stable")
    for arr in whole.columns().values():
        arr[:total] = arr[:total][order]
    whole.n = total
    whole.next_id = max(p.next_id for p in pops)
    whole.productivity_sigma = pops[0].productivity_sigma
    return whole


def default_cpus_per_shard(n_shards: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(n_shards, 1))


# ------------------------------------------------------------------ shard functions
def living(shard: Shard) -> int:
    pop = shard.population
    return int(pop.alive[: pop.n].sum())


def population_bytes(shard: Shard) -> int:
    return int(shard.population.nbytes)


def synthesise_shard(world, size: int, key: int, kwargs: dict, origins) -> Population:
    """The base-year people born in `origins` (run where the shard lives)."""
    from migsim.people.population import synthesise_population

    return synthesise_population(world, size, np.uint64(key), origins=origins, **kwargs)


def population(shard: Shard) -> Population:
    return shard.population
