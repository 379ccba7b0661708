"""World: regions, their economies and demography, and the bilateral matrices.

A world is a directory of CSV tables (see `engine/data/SOURCES.md` for the default world's
sources). `load_world` reads and checks every table before any work is done: a missing file,
a missing or malformed column, or an out-of-range value stops the run with one line naming
the file and the column. Derived single-year demographic schedules (mortality, fertility, the
base-year age-sex pyramid) are built here from a few parameters per region.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from migsim.core import world_education as schooling
from migsim.core.errors import InputError
from migsim.core.labels import (  # noqa: F401  (re-exported: the labels lived here)
    AGE_BAND_EDGES,
    AGE_BANDS,
    FEMALE,
    MALE,
    MAX_AGE,
    N_AGES,
    SEXES,
    SKILLS,
)
from migsim.core.resources import data_dir
from migsim.core.world_fees import corridor_fees
from migsim.core.world_prices import price_levels
from migsim.core.world_tables import (
    BILATERAL_COLUMNS,
    DESIRED_COLUMNS,
    INTRA_COLUMNS,
    MIGRANT_AGE_COLUMNS,
    REGION_COLUMNS,
    REGION_RANGES,
    STOCK_COLUMNS,
    TABLE_YEAR,
    read_history,
)
from migsim.core.world_tables import square_table as _square

DATA_DIR = data_dir()

UN_AREAS = ("Africa", "Asia", "Europe", "Latin America", "North America", "Oceania")
SEX_RATIO_AT_BIRTH = 1.05  # males per female at birth (UN WPP standard assumption) [K]


@dataclass
class World:
    """A calibrated world. Arrays are indexed by region r (0..R-1) in `codes` order.

    Bilateral arrays are indexed [origin, destination]; demographic schedules by
    [region, sex, age] with sex 0 = female, 1 = male and age 0..MAX_AGE in years.
    """

    name: str
    path: Path
    codes: list[str]
    names: list[str]
    un_area: list[str]
    developed: np.ndarray  # (R,) bool
    population: np.ndarray  # (R,) residents in the base year, people
    share_0_14: np.ndarray
    share_65plus: np.ndarray
    female_share: np.ndarray
    life_expectancy: np.ndarray  # (R, 2) years at birth, [female, male]
    total_fertility: np.ndarray  # (R,) children per woman
    gdp_per_capita: np.ndarray  # (R,) PPP $ per resident
    tertiary_share: np.ndarray  # (R,) share of 25+ with tertiary education
    skill_premium: np.ndarray  # (R,) tertiary / non-tertiary earnings
    labour_share: np.ndarray  # (R,) 1 - alpha
    tax_rate: np.ndarray  # (R,)
    employment_rate: np.ndarray  # (R,)
    remittance_inflow: np.ndarray  # (R,) US$ bn received in the base year
    remittance_fee: np.ndarray  # (R,) cost of sending to the region, share of the amount
    bloc: list[str]
    latitude: np.ndarray
    longitude: np.ndarray
    migrant_stock: np.ndarray  # (R, R) people born in o living in d (o != d), base year
    migrant_female_share: np.ndarray  # (R, R)
    migrant_tertiary_share: np.ndarray  # (R, R)
    intra_migrants: np.ndarray  # (R,) migrants between countries of the same region
    distance_km: np.ndarray  # (R, R)
    contiguous: np.ndarray  # (R, R) 0/1
    common_language: np.ndarray  # (R, R) 0/1
    colonial_link: np.ndarray  # (R, R) 0/1
    migrant_age_share: np.ndarray  # (N_AGES,) age distribution of migrants, sums to 1
    stock_history: pl.DataFrame | None
    # optional: share of would-be migrants' desired destinations (Gallup), sums to 1
    desired_share: np.ndarray | None = None
    base_year: int = TABLE_YEAR  # the year the tables describe (base_year.txt, else 2013)
    # derived schedules
    death_probability: np.ndarray | None = None  # (R, 2, N_AGES) annual probability
    fertility: np.ndarray | None = None  # (R, N_AGES) births per woman per year
    resident_pyramid: np.ndarray | None = None  # (R, 2, N_AGES) base-year residents, people
    # (R, R) [source, destination] fee by corridor and the pairs that took the receiver's fee
    remittance_fee_corridor: np.ndarray | None = None
    remittance_fee_assumed: np.ndarray | None = None
    secondary_share: np.ndarray | None = None  # (R,) of non-tertiary adults (world_education)
    # (R, R) of migrants without a degree: migrant_stock_2013.csv's, else world_education's
    migrant_secondary_share: np.ndarray | None = None
    tertiary_age_profile: np.ndarray | None = None  # (R, N_AGES) over 25+ (world_education)
    price_level: np.ndarray | None = None  # (R,) US$ per PPP $ (world_prices), and where fitted
    price_level_assumed: np.ndarray | None = None

    @property
    def n_regions(self) -> int:
        return len(self.codes)

    @property
    def cohort_tertiary_share(self) -> np.ndarray:
        """(R,) the base year's share of a cohort taking a degree: the share at 25-29."""
        p, t = self.tertiary_age_profile, self.tertiary_share
        return t if p is None else np.clip(t * p[:, schooling.COHORT_AGE], 0.0, 1.0)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    @property
    def immigrants(self) -> np.ndarray:
        """Foreign-born residents per region in the base year (inter- plus intra-regional)."""
        return self.migrant_stock.sum(axis=0) + self.intra_migrants

    @property
    def emigrants(self) -> np.ndarray:
        """People born in each region living in another country, base year."""
        return self.migrant_stock.sum(axis=1) + self.intra_migrants


MAX_DISTANCE_KM = 20_100.0  # no two places on Earth are further apart along its surface


def _read_table(
    path: Path, columns: dict[str, pl.DataType], optional: dict[str, pl.DataType] | None = None
) -> pl.DataFrame:
    if not path.is_file():
        raise InputError(str(path), "file not found", "a CSV table in the world directory")
    try:
        frame = pl.read_csv(path, infer_schema_length=0)  # read all as strings, cast below
    except Exception as exc:  # polars raises several exception types for malformed CSV
        raise InputError(str(path), f"cannot be read as CSV ({type(exc).__name__})") from None
    columns = columns | {c: t for c, t in (optional or {}).items() if c in frame.columns}
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            str(path), f"missing column '{missing[0]}'", "columns " + ", ".join(columns)
        )
    out = {}
    for column, dtype in columns.items():
        raw = frame[column]
        if dtype == pl.String:
            out[column] = raw.fill_null("")
            continue
        if dtype == pl.Boolean:
            lowered = raw.str.to_lowercase().str.strip_chars()
            bad = ~lowered.is_in(["true", "false", "1", "0"]) | lowered.is_null()
            if bad.any():
                value = raw.filter(bad)[0]
                raise InputError(
                    str(path), f"column '{column}' has value '{value}'", "true or false"
                )
            out[column] = lowered.is_in(["true", "1"])
            continue
        cast = raw.str.strip_chars().cast(dtype, strict=False)
        bad = cast.is_null() | (~cast.is_finite() if dtype == pl.Float64 else cast.is_null())
        if bad.any():
            row = int(bad.arg_max())
            raise InputError(
                str(path),
                f"column '{column}' row {row + 1} has value '{raw[row]}'",
                "a finite number" if dtype == pl.Float64 else "an integer",
            )
        out[column] = cast
    return pl.DataFrame(out)


def load_world(name: str = "default", path: str | Path | None = None) -> World:
    """Load and check a world from `path` (or the shipped `engine/data/<name>`)."""
    root = Path(path) if path else DATA_DIR / name
    if not root.is_dir():
        # world directories only (engine/data also holds the inputs and the mappings)
        shipped = sorted(p.name for p in DATA_DIR.iterdir() if (p / "regions.csv").is_file())
        raise InputError(
            "world",
            f"no world directory '{root}'",
            "world.name in " + ", ".join(shipped) + " or world.path=DIR",
        )
    regions = _read_table(root / "regions.csv", REGION_COLUMNS)
    rpath = root / "regions.csv"
    if regions.height < 2:
        raise InputError(str(rpath), f"{regions.height} region(s)", "at least 2 regions")
    if regions.height > 250:
        raise InputError(str(rpath), f"{regions.height} regions", "at most 250 regions")
    codes = regions["code"].to_list()
    if len(set(codes)) != len(codes) or any(not c for c in codes):
        raise InputError(
            str(rpath), "column 'code' has empty or duplicate codes", "one unique code per region"
        )
    for area in regions["un_area"]:
        if area not in UN_AREAS:
            raise InputError(
                str(rpath), f"column 'un_area' has value '{area}'", ", ".join(UN_AREAS)
            )
    for column, (lo, hi) in REGION_RANGES.items():
        values = regions[column].to_numpy()
        bad = (values < lo) | (values > hi)
        if bad.any():
            row = int(np.argmax(bad))
            raise InputError(
                str(rpath),
                f"column '{column}' has value {values[row]} for {codes[row]}",
                f"{lo} to {hi}",
            )

    spath = root / "migrant_stock_2013.csv"
    # the secondary share of the migrants without a degree is optional (built worlds have it)
    stock = _read_table(spath, STOCK_COLUMNS, {"secondary_share": pl.Float64})
    optional = [c for c in ("secondary_share",) if c in stock.columns]
    for column in ("migrants",):
        if (stock[column] < 0).any():
            raise InputError(str(spath), f"column '{column}' has a negative value", ">= 0")
    for column in ("female_share", "tertiary_share", *optional):
        if ((stock[column] < 0) | (stock[column] > 1)).any():
            raise InputError(str(spath), f"column '{column}' outside [0, 1]", "0 to 1")
    bpath = root / "bilateral.csv"
    bilateral = _read_table(bpath, BILATERAL_COLUMNS)
    if (bilateral["distance_km"] <= 0).any():
        raise InputError(str(bpath), "column 'distance_km' has a non-positive value", "> 0")
    if (bilateral["distance_km"] > MAX_DISTANCE_KM).any():
        raise InputError(
            str(bpath),
            "column 'distance_km' has a value beyond any distance on Earth",
            f"at most {MAX_DISTANCE_KM:,.0f} km (half the equator, 20,038 km, plus a margin)",
        )
    for column in ("contiguous", "common_language", "colonial_link"):
        if (~bilateral[column].is_in([0, 1])).any():
            raise InputError(str(bpath), f"column '{column}' has a value other than 0 or 1", "0, 1")
    ipath = root / "intra_region_migrants_2013.csv"
    intra_frame = _read_table(ipath, INTRA_COLUMNS)
    if (intra_frame["migrants"] < 0).any():
        raise InputError(str(ipath), "column 'migrants' has a negative value", ">= 0")
    if intra_frame["region"].is_duplicated().any():
        twice = intra_frame["region"].filter(intra_frame["region"].is_duplicated())[0]
        raise InputError(str(ipath), f"region {twice} has two rows", "one row per region")
    apath = root / "migrant_age.csv"
    age_frame = _read_table(apath, MIGRANT_AGE_COLUMNS)
    dpath = root / "desired_destinations.csv"
    desired = None
    if dpath.is_file():
        frame = _read_table(dpath, DESIRED_COLUMNS)
        if frame["region"].is_duplicated().any():
            twice = frame["region"].filter(frame["region"].is_duplicated())[0]
            raise InputError(str(dpath), f"region {twice} has two rows", "one row per region")
        desired = np.zeros(regions.height)
        for code, share in zip(frame["region"], frame["share"]):
            if code not in codes:
                raise InputError(str(dpath), f"unknown region code '{code}'", ", ".join(codes))
            if share < 0:
                raise InputError(str(dpath), f"column 'share' is negative for {code}", ">= 0")
            desired[codes.index(code)] = share
        if not 0.99 < desired.sum() < 1.01:
            raise InputError(str(dpath), f"shares sum to {desired.sum():.4f}", "1.0 (+-0.01)")
        desired /= desired.sum()
    ypath, year = root / "base_year.txt", TABLE_YEAR
    if ypath.is_file():
        text = ypath.read_text().strip()
        if not (text.isdigit() and 1900 <= int(text) <= 2100):
            raise InputError(str(ypath), f"holds '{text[:20]}'", "a year from 1900 to 2100")
        year = int(text)
    history = read_history(root / "stock_history.csv", _read_table)
    index = {c: i for i, c in enumerate(codes)}
    intra = np.zeros(len(codes))
    for code, value in zip(intra_frame["region"], intra_frame["migrants"]):
        if code not in index:
            raise InputError(str(ipath), f"unknown region code '{code}'", ", ".join(codes))
        intra[index[code]] = value
    distance = _square(bilateral, bpath, codes, "distance_km", 0.0)
    missing_pairs = (distance <= 0) & ~np.eye(len(codes), dtype=bool)
    if missing_pairs.any():
        o, d = np.argwhere(missing_pairs)[0]
        raise InputError(
            str(bpath),
            f"no row for pair {codes[o]}->{codes[d]}",
            "one row per ordered pair of distinct regions",
        )

    migrant_age, covered = np.zeros(N_AGES), np.zeros(N_AGES, dtype=bool)
    for lo, hi, share in zip(age_frame["age_from"], age_frame["age_to"], age_frame["share"]):
        if not (0 <= lo <= hi <= MAX_AGE) or not 0 <= share <= 1 or covered[lo : hi + 1].any():
            raise InputError(
                str(apath),
                f"row {lo}-{hi} share {share} is invalid",
                f"0 <= age_from <= age_to <= {MAX_AGE}, ages in one row only, 0 <= share <= 1",
            )
        migrant_age[lo : hi + 1] += share / (hi - lo + 1)
        covered[lo : hi + 1] = True
    if not 0.99 < migrant_age.sum() < 1.01:
        total = f"{migrant_age.sum():.4f}"
        raise InputError(str(apath), f"column 'share' sums to {total}", "1.0 (+-0.01)")
    migrant_age /= migrant_age.sum()

    col = lambda name: regions[name].to_numpy().astype(np.float64)  # noqa: E731
    world = World(
        name=name if not path else root.name,
        path=root,
        codes=codes,
        names=regions["name"].to_list(),
        un_area=regions["un_area"].to_list(),
        developed=regions["developed"].to_numpy().astype(bool),
        population=col("population"),
        share_0_14=col("share_0_14"),
        share_65plus=col("share_65plus"),
        female_share=col("female_share"),
        life_expectancy=np.stack([col("life_expectancy_female"), col("life_expectancy_male")], 1),
        total_fertility=col("total_fertility"),
        gdp_per_capita=col("gdp_per_capita_ppp"),
        tertiary_share=col("tertiary_share"),
        skill_premium=col("skill_premium"),
        labour_share=col("labour_share"),
        tax_rate=col("tax_rate"),
        employment_rate=col("employment_rate"),
        remittance_inflow=col("remittance_inflow_usd_bn"),
        remittance_fee=col("remittance_fee"),
        bloc=regions["bloc"].to_list(),
        latitude=col("latitude"),
        longitude=col("longitude"),
        migrant_stock=_square(stock, spath, codes, "migrants", 0.0),
        migrant_female_share=_square(stock, spath, codes, "female_share", 0.48),
        migrant_tertiary_share=_square(stock, spath, codes, "tertiary_share", 0.2),
        intra_migrants=intra,
        distance_km=distance,
        contiguous=_square(bilateral, bpath, codes, "contiguous", 0.0),
        common_language=_square(bilateral, bpath, codes, "common_language", 0.0),
        colonial_link=_square(bilateral, bpath, codes, "colonial_link", 0.0),
        migrant_age_share=migrant_age,
        stock_history=history,
        desired_share=desired,
        base_year=year,
    )
    immigrants = world.immigrants
    too_many = immigrants >= 0.95 * world.population
    if too_many.any():
        r = int(np.argmax(too_many))
        between = world.migrant_stock.sum(axis=0)[r] >= 0.95 * world.population[r]
        raise InputError(
            str(spath if between else ipath),
            f"{codes[r]} hosts {immigrants[r]:.0f} migrants of {world.population[r]:.0f} residents",
            "fewer than 95% of residents",
        )
    world.remittance_fee_corridor, world.remittance_fee_assumed = corridor_fees(
        root, codes, world.remittance_fee
    )
    world.secondary_share = schooling.secondary_shares(world.name, codes, year)[0]  # [1]: assumed
    given = _square(stock, spath, codes, "secondary_share", np.nan) if optional else None
    world.migrant_secondary_share = schooling.migrant_secondary_matrix(world.secondary_share, given)
    _derive_demography(world)
    profile = schooling.tertiary_age_profile(world.name, codes, year, world.resident_pyramid.sum(1))
    world.tertiary_age_profile = profile[0]  # [1]: where assumed (a flat profile)
    prices = price_levels(world.name, codes, year, world.gdp_per_capita)
    world.price_level, world.price_level_assumed = prices
    return world


# ---------------------------------------------------------------------------------------
# Demographic schedules from a few parameters per region
# ---------------------------------------------------------------------------------------


def check_base_year(world: World, base_year: int) -> None:
    """Refuse a run whose base_year is not the year the world's tables describe."""
    if base_year != world.base_year:
        raise InputError(
            "base_year",
            f"{base_year} is not the year of world '{world.name}' (its tables are of "
            f"{world.base_year})",
            f"world.base_year={world.base_year} (a world.path world keeps 2013 unless told)",
        )


def _hazard_shape(ages: np.ndarray) -> np.ndarray:
    """Baseline force of mortality by age (per year), a Siler-type curve.

    mu(a) = 0.05 exp(-1.3 a) + 0.0004 + 2.2e-5 exp(0.097 a); one level factor k per region
    and sex scales it to the published life expectancy (`_fit_level`). Shape values [A].
    """
    return 0.05 * np.exp(-1.3 * ages) + 0.0004 + 2.2e-5 * np.exp(0.097 * ages)


def death_probabilities(life_expectancy: float) -> np.ndarray:
    """Annual death probability q(a), a = 0..MAX_AGE, with life expectancy at birth e0."""
    ages = np.arange(N_AGES, dtype=np.float64)
    shape = _hazard_shape(ages + 0.5)

    def e0_for(k):
        q = 1.0 - np.exp(-k * shape)
        q[-1] = 1.0
        survival = np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]])
        # person-years lived: survivors at the start of each year, half a year for deaths
        return float(np.sum(survival * (1.0 - 0.5 * q)))

    lo, hi = 1e-3, 50.0
    for _ in range(100):
        mid = np.sqrt(lo * hi)
        if e0_for(mid) > life_expectancy:
            lo = mid
        else:
            hi = mid
    q = 1.0 - np.exp(-np.sqrt(lo * hi) * shape)
    q[-1] = 1.0
    return q


def fertility_schedule(total_fertility: float) -> np.ndarray:
    """Births per woman by single age: TFR times a gamma-shaped schedule over ages 15-49.

    f(a) proportional to (a - 14)^3 exp(-(a - 14) / 4.2), peaking near age 26-27 [A].
    """
    ages = np.arange(N_AGES, dtype=np.float64)
    x = np.clip(ages - 14.0, 0.0, None)
    shape = x**3 * np.exp(-x / 4.2)
    shape[(ages < 15) | (ages > 49)] = 0.0
    return total_fertility * shape / shape.sum()


def _survivorship(q: np.ndarray) -> np.ndarray:
    return np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]])


def stable_pyramid(
    q_female: np.ndarray,
    q_male: np.ndarray,
    share_0_14: float,
    female_share: float,
    share_65plus: float | None = None,
) -> np.ndarray:
    """Base-year age-sex distribution (2, N_AGES) summing to 1.

    Stable-population shape c_g(a) proportional to s_g exp(-r a) l_g(a), with the growth
    rate r chosen so that the share aged 0-14 matches the data. Real populations are not
    stable (baby booms, falling fertility), and the stable shape puts far too many people
    over 65 in ageing regions (East Asia 20% against 8.3%), which inflates deaths; so when
    `share_65plus` is given the 65+ block is rescaled to it and the 15-64 block takes the
    rest, each keeping its shape. Sexes are then rescaled to the published female share.
    """
    ages = np.arange(N_AGES, dtype=np.float64)
    lf, lm = _survivorship(q_female), _survivorship(q_male)

    def pyramid(r):
        f = np.exp(-r * ages) * lf
        m = SEX_RATIO_AT_BIRTH * np.exp(-r * ages) * lm
        total = f.sum() + m.sum()
        return np.stack([f, m]) / total

    lo, hi = -0.06, 0.12
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if pyramid(mid)[:, :15].sum() < share_0_14:
            lo = mid
        else:
            hi = mid
    p = pyramid(0.5 * (lo + hi))
    if share_65plus is not None:
        young, old = p[:, :15].sum(), p[:, 65:].sum()
        working = p[:, 15:65].sum()
        p[:, 65:] *= share_65plus / old
        p[:, 15:65] *= (1.0 - young - share_65plus) / working
    p[FEMALE] *= female_share / p[FEMALE].sum()
    p[MALE] *= (1.0 - female_share) / p[MALE].sum()
    return p


def _derive_demography(world: World) -> None:
    R = world.n_regions
    world.death_probability = np.zeros((R, 2, N_AGES))
    world.fertility = np.zeros((R, N_AGES))
    world.resident_pyramid = np.zeros((R, 2, N_AGES))
    for r in range(R):
        for g in (FEMALE, MALE):
            world.death_probability[r, g] = death_probabilities(world.life_expectancy[r, g])
        world.fertility[r] = fertility_schedule(world.total_fertility[r])
        world.resident_pyramid[r] = world.population[r] * stable_pyramid(
            world.death_probability[r, FEMALE],
            world.death_probability[r, MALE],
            world.share_0_14[r],
            world.female_share[r],
            world.share_65plus[r],
        )


def age_band_of(age: np.ndarray) -> np.ndarray:
    """Index of the cell age band for each age."""
    return np.searchsorted(np.asarray(AGE_BAND_EDGES[1:]), age, side="right")


AGE_BAND_OF_AGE = age_band_of(np.arange(N_AGES)).astype(np.uint8)
