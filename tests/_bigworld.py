"""A synthetic world of many regions, for tests and benchmarks of how migsim scales with R.

The default world's twelve regions are tiled: region i copies the row of region i % 12
(population and intra-regional migrants divided by the number of copies, so the world keeps
its size), with a distinct code and slightly moved coordinates. Bilateral tables cover every
ordered pair; migrant stocks follow the default world's corridor of the two base regions,
shrunk by the copies and set to zero for most pairs (real bilateral stock tables are
sparse). Every number is invented from the default world's tables; none is a published
figure, and nothing is written into the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.world import DATA_DIR

BASE = DATA_DIR / "default"


def write_big_world(
    root: str | Path, n_regions: int = 230, seed: int = 0, desired: bool = False
) -> Path:
    """Write a world directory of `n_regions` regions into `root` and return its path.

    The stock of corridor (i, j) is the default stock of (i % 12, j % 12) divided by the
    square of the copies, kept for one pair in six (and for every pair among the first
    twelve regions), so about 85% of corridors are empty. `desired`: also write
    desired_destinations.csv; without it the calibration sets one incompressible-cost level
    for all destinations (one bisection) instead of one per destination (a Gauss-Seidel
    sweep of R bisections, hours at 230 regions)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    regions = pl.read_csv(BASE / "regions.csv", infer_schema_length=0)
    base_codes = regions["code"].to_list()
    n_base = len(base_codes)
    R = n_regions
    base_of = np.arange(R) % n_base
    copies = np.bincount(base_of, minlength=n_base)
    codes = [f"{base_codes[b]}{i // n_base:02d}" for i, b in enumerate(base_of)]

    rows = regions[base_of.tolist()].with_columns(
        pl.Series("code", codes), pl.Series("name", [f"Synthetic {c}" for c in codes])
    )
    population = regions["population"].cast(pl.Float64).to_numpy()[base_of] / copies[base_of]
    lat = regions["latitude"].cast(pl.Float64).to_numpy()[base_of] + rng.uniform(-4, 4, R)
    lon = regions["longitude"].cast(pl.Float64).to_numpy()[base_of] + rng.uniform(-8, 8, R)
    rows = rows.with_columns(
        pl.Series("population", np.round(population).astype(np.int64).astype(str)),
        pl.Series("latitude", np.round(np.clip(lat, -89, 89), 2).astype(str)),
        pl.Series("longitude", np.round((lon + 180.0) % 360.0 - 180.0, 2).astype(str)),
    )
    rows.write_csv(root / "regions.csv")

    bilateral = pl.read_csv(BASE / "bilateral.csv")
    stock = pl.read_csv(BASE / "migrant_stock_2013.csv")
    index = {c: i for i, c in enumerate(base_codes)}

    def square(frame: pl.DataFrame, column: str) -> np.ndarray:
        m = np.zeros((n_base, n_base))
        for o, d, v in zip(frame["origin"], frame["destination"], frame[column]):
            m[index[o], index[d]] = v
        return m

    o, d = np.meshgrid(np.arange(R), np.arange(R), indexing="ij")
    pairs = o != d
    o, d = o[pairs], d[pairs]
    bo, bd = base_of[o], base_of[d]
    same_base = bo == bd
    rad = np.radians
    cos_angle = np.sin(rad(lat[o])) * np.sin(rad(lat[d])) + np.cos(rad(lat[o])) * np.cos(
        rad(lat[d])
    ) * np.cos(rad(lon[o] - lon[d]))
    great_circle = 6371.0 * np.arccos(np.clip(cos_angle, -1.0, 1.0))
    distance = np.where(same_base, great_circle, square(bilateral, "distance_km")[bo, bd])
    code = np.array(codes)
    pl.DataFrame(
        {
            "origin": code[o],
            "destination": code[d],
            "distance_km": np.maximum(np.round(distance), 50).astype(np.int64),
            "contiguous": np.where(same_base, 1, square(bilateral, "contiguous")[bo, bd]).astype(
                np.int64
            ),
            "common_language": np.where(
                same_base, 1, square(bilateral, "common_language")[bo, bd]
            ).astype(np.int64),
            "colonial_link": square(bilateral, "colonial_link")[bo, bd].astype(np.int64),
        }
    ).write_csv(root / "bilateral.csv")

    first = (o < n_base) & (d < n_base)
    keep = first | (rng.random(o.size) < 1.0 / 6.0)
    migrants = square(stock, "migrants")[bo, bd] / (copies[bo] * copies[bd])
    migrants = np.where(keep & ~same_base, migrants * np.where(first, 1.0, 6.0), 0.0)
    # no destination may host more migrants than its base region's share of residents
    hosted = np.bincount(d, weights=migrants, minlength=R)
    base_share = (
        square(stock, "migrants").sum(axis=0) / regions["population"].cast(pl.Float64).to_numpy()
    )
    cap = np.minimum(base_share[base_of], 0.8) * population
    migrants = np.round(migrants * np.minimum(1.0, cap / np.maximum(hosted, 1.0))[d])
    pl.DataFrame(
        {
            "origin": code[o],
            "destination": code[d],
            "migrants": migrants.astype(np.int64),
            "female_share": square(stock, "female_share")[bo, bd].round(3),
            "tertiary_share": square(stock, "tertiary_share")[bo, bd].round(3),
        }
    ).write_csv(root / "migrant_stock_2013.csv")

    intra = pl.read_csv(BASE / "intra_region_migrants_2013.csv")
    per_base = dict(zip(intra["region"], intra["migrants"]))
    values = [per_base[base_codes[b]] / copies[b] for b in base_of]
    pl.DataFrame({"region": codes, "migrants": np.round(values).astype(np.int64)}).write_csv(
        root / "intra_region_migrants_2013.csv"
    )
    if desired:
        wish = pl.read_csv(BASE / "desired_destinations.csv")
        per_base = dict(zip(wish["region"], wish["share"]))
        share = np.array([per_base[base_codes[b]] / copies[b] for b in base_of])
        pl.DataFrame({"region": codes, "share": (share / share.sum()).round(8)}).write_csv(
            root / "desired_destinations.csv"
        )
    for name in ("migrant_age.csv", "stock_history.csv"):
        shutil.copy(BASE / name, root / name)
    return root


def run_and_measure(
    world: str | Path | None, size: int, years: int, seed: int = 1, named: str | None = None
) -> dict:
    """Calibrate, build and run a world (`world`: a directory, or None for the world named
    `named`, the default world if None too) for `years` years of `size` agents in this
    process, and return its figures: seconds stepping, person-years per second, and the
    process's peak resident memory (MiB) before and after. Kernels are loaded (or compiled)
    first on a small toy run, so the peak before is the interpreter with migsim warm."""
    import resource
    import time

    import migsim
    from migsim.core.world import load_world
    from migsim.kernels.rng import run_key
    from migsim.model.calibration import load_calibration
    from migsim.runtime.assemble import start_simulation

    def peak_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    warm = migsim.build_simulation(["world=toy", "population.size=2000", "progress=false"])
    warm.step()
    before = peak_mib()
    chosen = [f"world.path={world}"] if world else [f"world={named or 'default'}"]
    cfg = migsim.compose([*chosen, "progress=false", f"population.size={size}", f"seed={seed}"])
    start = time.perf_counter()
    loaded = load_world(cfg.world.name, cfg.world.path or None)
    calibration = load_calibration(loaded, cfg.behaviour, cfg.population)
    sim = start_simulation(cfg, loaded, run_key(seed), calibration)
    setup_s = time.perf_counter() - start
    person_years, stepping = 0, 0.0
    for _ in range(years):
        alive = int(sim.population.alive[: sim.population.n].sum())
        start = time.perf_counter()
        sim.step()
        stepping += time.perf_counter() - start
        person_years += alive
    return {
        "regions": loaded.n_regions,
        "agents": size,
        "years": years,
        "setup_s": setup_s,
        "step_s": stepping,
        "person_years_per_s": person_years / stepping,
        "peak_mib_before": before,
        "peak_mib": peak_mib(),
    }
