"""Refuse a run that cannot fit in memory before allocating it.

The estimate is linear in the population size: the people's arrays
(`BYTES_PER_PERSON` per row, rows for the initial size plus the spare capacity for births)
twice over, for the scratch buffers of the yearly steps and the copy made when the arrays
grow, plus a fixed base for Python, numba and the world. Measured peak resident memory of
3-year runs: 0.37 GB at 1M people, 0.53 GB at 4M and 0.72 GB at 8M (about 55 bytes a
person over a base of 0.32 GB); the estimate gives 0.46, 0.65 and 0.90 GB.
"""

from __future__ import annotations

from typing import Any

from migsim.core.errors import InputError
from migsim.people.population import BYTES_PER_PERSON

BASE_BYTES = 400 * 2**20
COPIES = 2  # the arrays, and as much again for scratch buffers and growth
MARGIN = 0.9  # share of the available memory a run may plan to use
GIB = 2**30


def estimate_bytes(size: int, spare_capacity: float) -> int:
    """Peak memory of a run of `size` people, in bytes."""
    rows = int(size * (1.0 + max(float(spare_capacity), 0.0))) + 16
    return BASE_BYTES + COPIES * BYTES_PER_PERSON * rows


def available_bytes() -> int | None:
    """MemAvailable of /proc/meminfo, in bytes; None where it cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(cfg: Any) -> None:
    """InputError naming population.size when the run would not fit in memory."""
    if not cfg.get("memory_check", True):
        return
    size = int(cfg.population.size)
    if size <= 0:
        return  # the config check reports it
    need = estimate_bytes(size, cfg.population.spare_capacity)
    have = available_bytes()
    if have is None or need <= MARGIN * have:
        return
    raise InputError(
        "population.size",
        f"{size:,} people need about {need / GIB:.1f} GiB of memory, "
        f"but {have / GIB:.1f} GiB is available",
        "a smaller population.size, or memory_check=false to run anyway",
    )
