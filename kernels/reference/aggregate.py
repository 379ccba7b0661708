"""NumPy twins of `migsim.kernels.aggregate`: integer counts of people by cell."""

from __future__ import annotations

import numpy as np

from migsim.kernels.bundles import TERTIARY


def count_cells(n, people, band_of_age, n_regions, n_bands, n_status):
    """Living agents per (origin, location, skill, sex, band, status) cell, flat int64."""
    live = people.alive[:n] != 0
    index = np.ravel_multi_index(
        (
            people.origin[:n][live].astype(np.int64),
            people.location[:n][live].astype(np.int64),
            (people.skill[:n][live] == TERTIARY).astype(np.int64),
            people.sex[:n][live].astype(np.int64),
            band_of_age[people.age[:n][live]].astype(np.int64),
            people.status[:n][live].astype(np.int64),
        ),
        (n_regions, n_regions, 2, 2, n_bands, n_status),
    )
    return np.bincount(index, minlength=n_regions * n_regions * 4 * n_bands * n_status)


def count_pairs(n, flag, a, b, n_a, n_b):
    """Rows i < n with flag[i] != 0 by (a[i], b[i]), int64 (n_a, n_b)."""
    on = flag[:n] != 0
    index = a[:n][on].astype(np.int64) * n_b + b[:n][on].astype(np.int64)
    return np.bincount(index, minlength=n_a * n_b).reshape(n_a, n_b)
