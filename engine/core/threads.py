"""How many numba threads a run uses: one place sets it, from the `threads` setting."""

from __future__ import annotations

import numba


def set_threads(threads: int | None) -> int:
    """Use `threads` numba threads (0 or None = all available); returns the count in use."""
    available = numba.config.NUMBA_NUM_THREADS
    n = available if threads in (0, None) else min(int(threads), available)
    numba.set_num_threads(n)
    return n


def threading_layer() -> str:
    """numba's threading layer, or "unknown" before any parallel kernel has run."""
    try:
        return numba.threading_layer()
    except ValueError:
        return "unknown"
