"""What the driver and the shards send each other: bytes per pass and per year.

`CountingPeople` wraps a shard backend and counts, for every call, the pickled size of the
arguments the driver sends (once per shard, as a Ray actor receives them) and of each
shard's result. Pickle is what Ray serialises (NumPy arrays as their raw bytes plus a small
header), so the counts are the bytes a Ray cluster moves, give or take framing.

Everything exchanged is a per-cell aggregate or a per-region array: nothing per person
crosses. The sizes grow with the number of regions R (cells (R, R, 2, 2, B, 5) counts,
(R, R) money, sparse moves of at most 2 R^3 keys), not with the number of people; the
sparse moves grow with people until every corridor that has moves has them.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Callable
from typing import Any


def nbytes(obj: Any) -> int:
    """Size of `obj` on the wire (pickle protocol 5, as Ray serialises)."""
    return len(pickle.dumps(obj, protocol=5))


class CountingPeople:
    """A shard backend that counts the bytes of every exchange (`sent`, `received`: bytes
    by pass name since the last `reset`)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.backend = getattr(inner, "backend", "local")
        self.reset()

    def __getattr__(self, name: str) -> Any:  # shards, close, ...
        return getattr(self.inner, name)

    def reset(self) -> None:
        self.sent: dict[str, int] = defaultdict(int)
        self.received: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)

    def map(self, fn: Callable, *args) -> list:
        results = self.inner.map(fn, *args)
        name = getattr(fn, "__name__", str(fn))
        self.calls[name] += 1
        self.sent[name] += nbytes((fn, args)) * len(results)
        self.received[name] += sum(nbytes(r) for r in results)
        return results

    def sum(self, fn: Callable, *args) -> Any:
        from migsim.people.shards import add

        return add(self.map(fn, *args))

    def total(self) -> int:
        return sum(self.sent.values()) + sum(self.received.values())


def count_exchange(sim: Any) -> CountingPeople:
    """Put a counter between `sim` and its shards (returned; its counts start at zero)."""
    counter = CountingPeople(sim.people)
    sim.people = counter
    return counter


def measure(world: str = "default", size: int = 100_000, shards: int = 2, years: int = 2) -> dict:
    """Bytes per shard of the last of `years` simulated years, by pass and direction."""
    import migsim
    from migsim.runtime.assemble import start_simulation

    cfg = migsim.compose(
        [f"world={world}", "progress=false", f"population.size={size}", f"shards.count={shards}"]
    )
    sim = start_simulation(cfg)
    counter = count_exchange(sim)
    for _ in range(years):
        counter.reset()
        sim.step()
    sent = {k: v / shards for k, v in counter.sent.items()}
    received = {k: v / shards for k, v in counter.received.items()}
    return {
        "world": world,
        "regions": sim.world.n_regions,
        "people": size,
        "shards": shards,
        "sent_per_shard": sent,
        "received_per_shard": received,
        "bytes_per_shard_per_year": sum(sent.values()) + sum(received.values()),
    }


if __name__ == "__main__":  # python -m migsim.people.exchange [WORLD] [SIZE] [SHARDS]
    import json
    import sys

    args = sys.argv[1:]
    print(
        json.dumps(
            measure(
                args[0] if args else "default",
                int(args[1]) if len(args) > 1 else 100_000,
                int(args[2]) if len(args) > 2 else 2,
            )
        )
    )
