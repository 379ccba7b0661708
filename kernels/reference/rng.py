"""NumPy twins of `migsim.kernels.rng`: the counter-based uniform and normal draws."""

from __future__ import annotations

import numpy as np

from migsim.kernels.rng import uniform_reference


def uniform(key, person_id: np.ndarray, year: int, stream: int) -> np.ndarray:
    """uniform(key, person_id[i], year, stream) for every i: SplitMix64 finaliser chained
    over (stream, id, year), top 53 bits as a float in [0, 1)."""
    return uniform_reference(int(key), np.asarray(person_id), int(year), int(stream))


def uniform_array(key, person_id: np.ndarray, year: int, stream: int) -> np.ndarray:
    """Twin of `migsim.kernels.rng.uniform_array` (returns the array it fills)."""
    return uniform(key, person_id, year, stream)


def normal(key, person_id: np.ndarray, year: int, stream: int) -> np.ndarray:
    """Standard normal draws: Box-Muller on the uniforms of sub-streams 2s+1000, 2s+1001."""
    u1 = uniform(key, person_id, year, 2 * int(stream) + 1000)
    u2 = uniform(key, person_id, year, 2 * int(stream) + 1001)
    u1 = np.maximum(u1, 1e-300)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def productivity(key, person_id: np.ndarray, sigma: float) -> np.ndarray:
    """Lognormal productivity with mean 1, keyed on (key, id) only (stream PRODUCTIVITY)."""
    from migsim.kernels.rng import Stream

    z = normal(key, person_id, 0, Stream.PRODUCTIVITY)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


def draw_index(cdf_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise inverse CDF: the first k with u < cdf[k] (the last index if none)."""
    k = (cdf_rows <= u[:, None]).sum(axis=1)
    return np.minimum(k, cdf_rows.shape[1] - 1)
