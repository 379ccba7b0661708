"""Counter-based randomness: every draw is a pure function of (key, person id, year, stream).

key is a 64-bit run key derived from the seed (`run_key`). Because a draw depends only on
who, when and what for, results do not depend on thread count or on the order in which people
are visited, and two regimes run with one seed face the same draws (common random numbers).

The mixer is the SplitMix64 finaliser (Steele, Lea & Flood, OOPSLA 2014). Chained over the
run key, the stream and the year it gives a stream's seed for the year (`stream_seed`); a
draw is SplitMix64's own output at index person id of the sequence with that seed, one
finaliser of seed + id x golden gamma. Two streams of one year are the same Weyl sequence at
offsets set by their random seeds, so they meet only if the offsets fall within the ids in
use (a chance of about ids / 2^64). Streams are registered in `Stream`; never reuse a number
for two purposes.
"""

from __future__ import annotations

from enum import IntEnum

import numba as nb
import numpy as np

from migsim.kernels._config import JIT

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
INV_2_53 = 1.0 / 9007199254740992.0


class Stream(IntEnum):
    """Registry of random streams (one integer per stochastic process)."""

    SYNTH_LOCATION = 1
    SYNTH_AGE = 2
    SYNTH_SEX = 3
    SYNTH_SKILL = 4
    SYNTH_WEALTH = 5
    PRODUCTIVITY = 6
    SYNTH_EDUCATION = 7
    SYNTH_FAMILY = 8
    MORTALITY = 10
    FERTILITY = 11  # retired: fertility shares the MORTALITY draw
    BIRTH_SEX = 12
    EDUCATION = 20
    EDUCATION_SECONDARY = 21
    MIGRATE_NEST = 30
    MIGRATE_DEST = 31
    RETURN = 32
    VISA = 33
    QUOTA_LOTTERY = 34
    CATCH_UP = 35
    CATCH_UP_DEST = 36
    CATCH_UP_VISA = 37
    FAMILY_LEFT = 38
    FAMILY_REUNIFY = 39
    REMIT = 40
    EMPLOYMENT = 41
    ESTATE_SHARE = 42


# Streams PLUGIN_STREAMS + k (k = 0, 1, ...) are free for a behaviour plug-in's own
# processes; migsim never uses them (nor does `normal`, whose sub-streams are 2s + 1000/1001).
PLUGIN_STREAMS = 10_000


@nb.njit(inline="always", **JIT)
def mix64(z):
    """SplitMix64 finaliser on a uint64."""
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always", **JIT)
def stream_seed(key, year, stream):
    """The seed of one (run key, year, stream): two SplitMix64 finalisers over the words."""
    k = mix64(np.uint64(key) ^ (np.uint64(stream) * GOLDEN))
    return mix64(k ^ (np.uint64(year) * MIX1))


@nb.njit(inline="always", **JIT)
def uniform(key, person_id, year, stream):
    """Uniform draw in [0, 1) for (key, person_id, year, stream): SplitMix64's output at
    index person_id of the sequence seeded with `stream_seed(key, year, stream)`. The seed
    does not depend on the person, so a kernel's loop computes it once (LLVM hoists it) and
    a draw costs one finaliser."""
    return seeded_uniform(stream_seed(key, year, stream), person_id)


@nb.njit(inline="always", **JIT)
def seeded_uniform(seed, person_id):
    """`uniform` given its stream's seed for the year (`stream_seed`), for a loop that
    draws inside a branch, out of which LLVM does not hoist the seed."""
    k = mix64(seed + np.uint64(person_id) * GOLDEN)
    return np.float64(k >> np.uint64(11)) * INV_2_53


@nb.njit(inline="always", **JIT)
def normal(key, person_id, year, stream):
    """Standard normal draw (Box-Muller on two uniforms of sub-streams 2s and 2s+1)."""
    u1 = uniform(key, person_id, year, 2 * stream + 1000)
    u2 = uniform(key, person_id, year, 2 * stream + 1001)
    u1 = max(u1, 1e-300)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def rest_below_reference(u, p, r):
    """Given u >= p for a uniform u on [0, 1): whether the rest of the draw, (u - p) / (1 - p),
    itself uniform on [0, 1), falls below r: one draw decides a first event (u < p) and,
    failing it, a second of probability r, with neither a second draw nor a division. On
    scalars or NumPy arrays (the twins of `migsim.kernels.reference`); the kernels call
    `rest_below`, the same expression compiled inline."""
    return u - p < r * (1.0 - p)


rest_below = nb.njit(inline="always", **JIT)(rest_below_reference)


@nb.njit(inline="always", **JIT)
def block_draws(key, year, stream, person_id, start, stop, out):
    """out[j] = uniform(key, person_id[start + j], year, stream) for rows [start, stop): a
    branch-free loop that LLVM vectorises (with AVX-512DQ, `_config.VECTOR_DRAWS`). The ids
    are read through a view of the block: read as person_id[start + j], numba's
    negative-index wraparound of the computed index made LLVM gather them (three times
    slower)."""
    ids = person_id[start:stop]
    for j in range(ids.shape[0]):
        out[j] = uniform(key, ids[j], year, stream)


@nb.njit(parallel=True, **JIT)
def uniform_array(key, person_id, year, stream, out):
    """Fill `out[i]` with uniform(key, person_id[i], year, stream)."""
    for i in nb.prange(person_id.shape[0]):
        out[i] = uniform(key, person_id[i], year, stream)


def run_key(seed: int) -> np.uint64:
    """64-bit run key from a non-negative integer seed (NumPy SeedSequence)."""
    return np.random.SeedSequence(int(seed)).generate_state(1, np.uint64)[0]


def uniform_reference(key: int, person_id: np.ndarray, year: int, stream: int) -> np.ndarray:
    """Plain NumPy implementation of `uniform`, the oracle the kernel is tested against."""
    with np.errstate(over="ignore"):

        def mix(z):
            z = (z ^ (z >> np.uint64(30))) * MIX1
            z = (z ^ (z >> np.uint64(27))) * MIX2
            return z ^ (z >> np.uint64(31))

        pid = person_id.astype(np.uint64)
        seed = mix(np.uint64(key) ^ (np.uint64(stream) * GOLDEN))
        seed = mix(seed ^ (np.uint64(year) * MIX1))
        k = mix(seed + pid * GOLDEN)
    return (k >> np.uint64(11)).astype(np.float64) * INV_2_53
