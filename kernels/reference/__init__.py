"""Plain-NumPy reference twins of every jitted entry point in `migsim.kernels`.

One module per kernel module, one function per kernel, under the kernel's name. Each twin
re-implements its kernel's rule in vectorised NumPy (masks and `np.add.at` instead of a
loop over people), draws every random number with the NumPy counter-based generator
(`migsim.kernels.reference.rng`, same (key, id, year, stream) counters), never modifies its
inputs and returns new arrays: the per-person columns the kernel writes, and its counts
summed over chunks.

They are the oracle of `tests/test_kernels_reference*.py` (kernel == twin, exactly, on 1
and 2 threads) and the in-process yardstick of `benches/` (a kernel's speed is reported as
a ratio to its twin, which survives a noisy machine).
"""

from migsim.kernels.reference import (
    aggregate,
    demography,
    education,
    income,
    migration,
    rng,
    synthesis,
)

__all__ = ["aggregate", "demography", "education", "income", "migration", "rng", "synthesis"]
