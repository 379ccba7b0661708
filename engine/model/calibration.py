"""Calibration of the status-quo decision model to the base-year world (docs/model.md §4).

1. Yearly flow targets: for every corridor, skill and sex, the base-year stock times its
   exit rate (return hazard + mortality) plus the stock growth rate, so that the baseline
   keeps the 2013 stocks growing at the recent pace (f = h S / (1 - S), docs/model.md §4.2);
   the growth rate is per corridor where the world has a stock_growth.csv
   (`migsim.model.growth`), behaviour.stock_growth otherwise.
   An origin cell whose targets need more people choosing to leave than live at home (only the
   share able to pay can go) has them scaled down (`cap_infeasible_targets`; in the provenance).
2. Corridor constants xi[o, d, s, g] solve expected model flows = targets, with cell
   populations, the age profile, nested logit and the liquidity constraint (a contraction
   on log flows).
3. Policy cost split (Docquier-Machado-Sekkat "dual strategy"): total cost from the stock
   odds C = lambda ln(y_d / y_o) - ln(S / N); incompressible cost c_inc from gravity
   covariates plus a level per destination chosen so that removing every policy cost would
   raise the desired emigrant stock by `free_mobility_extra_share` of world population (DMS:
   ~400M), split across destinations as Gallup's would-be migrants wish; c_pol =
   max(0, C - c_inc), zero inside a free-mobility bloc. "Would raise" is measured with the
   decision model's own response (`desired_extra`: stocks times the change in yearly flows),
   so that free mobility in the model adds the 400M whatever the nest: under the multinomial
   logit and small cuts it is DMS's S (e^c - 1); with a nest (rho < 1) a destination's own
   cut weighs 1/rho and the others' cuts offset part of it.

Everything is computed from the world tables' expected cell populations, not from a sampled
population, so the calibration depends on neither the seed nor the number of agents. `migsim
calibrate` writes `calibration.json` into the world directory with its provenance; a run whose
tables, inputs or parameters differ calibrates afresh in memory (`load_calibration`).
"""

from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from migsim.core.errors import InputError
from migsim.core.resources import cache_dir, is_shipped, world_overrides
from migsim.core.world import World
from migsim.core.world_tables import hash_tables
from migsim.model.behaviour import CALIBRATION_FIELDS, CellContext, default_utility, nested_logit
from migsim.model.cells import (  # noqa: F401  (re-exported)
    BAND_LOWER,
    B,
    BaseCells,
    base_cells,
    cap_infeasible_targets,
    within_region_base,
    within_region_levers,
)
from migsim.model.costs import return_hazard_table, upfront_cost  # noqa: F401  (re-exported)
from migsim.model.growth import corridor_growth, floored_targets
from migsim.model.incomes import base_wages, expected_income  # noqa: F401  (re-exported)
from migsim.model.policy_split import (  # noqa: F401  (re-exported)
    GRAVITY_SPLIT_MAX_REGIONS,
    Split,
    split_gaps,
    split_method,
    sweep_levels,
)
from migsim.regimes import bloc_matrix, tied_corridors

CALIBRATION_FILE = "calibration.json"
# Worlds up to this many regions sweep the per-destination cost levels with the full model
# (the stored calibrations of the shipped worlds); larger ones with the column updates of
# `migsim.model.policy_split`, which find the same levels up to rounding in O(R) per trial.
FULL_SWEEP_MAX_REGIONS = 64


@dataclass
class Calibration:
    codes: list
    corridor_constant: np.ndarray  # (R, R, 2, 2) xi_inc
    policy_cost: np.ndarray  # (R, R, 2) c_pol status quo
    incompressible_cost: np.ndarray  # (R, R, 2) c_inc (level + gravity), utility units
    intra_rate: np.ndarray  # (R, B)
    intra_return: np.ndarray  # (R, B)
    target_flow: np.ndarray  # (R, R, 2, 2) people per year
    provenance: dict
    # (R, R) change of xi per year since base (migsim.worldbuild.history_fit); None: none
    corridor_trend: np.ndarray | None = None

    def to_json(self) -> str:
        items = ((k, v) for k, v in asdict(self).items() if v is not None)
        out = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in items}
        return json.dumps(out, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        raw = json.loads(text)
        arrays = {
            k: np.asarray(v, dtype=np.float64)
            for k, v in raw.items()
            if k not in ("codes", "provenance") and v is not None
        }
        return cls(codes=raw["codes"], provenance=raw["provenance"], **arrays)


def provenance_key(world: World, conf: Any, pop_conf: Any, wealth_age=None) -> str:
    """Hash of everything the calibration depends on: world tables, inputs, parameters
    (and the base-year wealth by age where it is not the flat default)."""
    digest = hashlib.sha256()
    hash_tables(digest, world.path)  # the CSV tables (a built world's mapping left out)
    profile = world.tertiary_age_profile  # natives' degrees by age, where not flat
    if profile is not None and (profile != 1.0).any():
        # computed at load: rounded, or NumPy's AVX-512 last bits would miss stored files
        digest.update(np.round(np.asarray(profile, dtype=np.float64), 9).tobytes())
    tied = tied_corridors(world)  # the status quo's employer-tied permits, where any
    if tied.any():
        digest.update(b"tied:" + tied.tobytes())
    params = {name: _plain(getattr(conf, name)) for name in CALIBRATION_FIELDS}
    params["wealth_sigma"] = float(pop_conf.wealth_sigma)
    params["wealth_to_income"] = float(pop_conf.wealth_to_income)
    digest.update(json.dumps(params, sort_keys=True).encode())
    if wealth_age is not None:
        digest.update(b"wealth_age:" + np.round(np.asarray(wealth_age, np.float64), 9).tobytes())
    return digest.hexdigest()[:16]


def _plain(value: Any) -> Any:
    if OmegaConf.is_config(value):
        return OmegaConf.to_container(value)
    return value


def model_flows(world, conf, cells, wages, xi) -> np.ndarray:
    """Expected yearly movers (R, R, 2, 2) for corridor constants xi (no policy split)."""
    R = world.n_regions
    ctx = CellContext(
        income=expected_income(world, wages, conf),
        corridor_constant=xi,
        policy_cost=np.zeros((R, R, 2)),
        network=np.zeros((R, R, 2)),
        # list() first: NumPy probing an OmegaConf list directly costs ~1 ms per call
        age_shift=np.log(np.asarray(list(conf.age_profile), dtype=np.float64)),
        income_elasticity=conf.income_elasticity,
        nest_dissimilarity=conf.nest_dissimilarity,
        year=0,
    )
    p_move, dest = nested_logit(default_utility(ctx), conf.nest_dissimilarity)
    movers = cells.home[..., None] * p_move[..., None] * dest * cells.feasible  # o s g b d
    return np.transpose(movers.sum(axis=3), (0, 3, 1, 2))  # o d s g


def desired_extra(world, conf, cells, wages, xi_sq, xi_new, flows_sq=None) -> np.ndarray:
    """Extra migrants (R, R, 2) [o, d, s] who would live abroad with corridor constants
    xi_new instead of xi_sq (o, d, s, g; policy costs inside): the base-year stock times the
    model's own change in yearly flows, S (F_new / F_sq - 1), since calibrated stocks are
    flows over exit rates. For the multinomial logit (rho = 1) and small emigration rates the
    ratio is DMS's exp(c); with a nest (rho < 1) a destination's own cut counts 1/rho times
    and a cut to every destination exp(c) again (the inclusive value). Large cuts raise
    yearly emigration probabilities to where the logit's denominator matters, so the
    response is below exp(c): with the default world's calibrated costs under the logit,
    S (e^c - 1) would be 465M where the model's own response is 401M. Negative entries
    (flows diverted away) are kept; callers clip as they need."""
    F0 = model_flows(world, conf, cells, wages, xi_sq) if flows_sq is None else flows_sq
    F1 = model_flows(world, conf, cells, wages, xi_new)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(F0 > 0, F1 / F0, 1.0)
    return (cells.stock * (ratio - 1.0)).sum(axis=3)


def _changed(conf: Any) -> str:
    """The calibration's behaviour parameters that differ from their defaults, for the
    message of a calibration that fails (the likely cause when the world is a shipped one)."""
    from migsim.model.behaviour import BehaviourConf

    default = BehaviourConf()
    changed = []
    for name in CALIBRATION_FIELDS:
        value, base = getattr(conf, name, None), getattr(default, name, None)
        if isinstance(base, list):
            value = list(value) if value is not None else value
        if value is not None and value != base:
            changed.append(f"behaviour.{name}={value}")
    return "; changed from their defaults: " + ", ".join(changed) if changed else ""


def calibrate(
    world: World,
    conf: Any,
    pop_conf: Any,
    tolerance: float = 1e-6,
    max_iterations: int = 500,
    wealth_age=None,
) -> Calibration:
    """The calibration of `world` (docs/model.md §4); `wealth_age`: the base-year wealth by
    age of `migsim.model.wealth_profile` (None: flat)."""
    R = world.n_regions
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, pop_conf, wealth_age)
    # leavers who move on to a third region stay migrants: only (1 - onward) of exits
    # must be replaced by new emigration from home, in aggregate
    growth = corridor_growth(world, conf.stock_growth)
    per_corridor = isinstance(growth, np.ndarray)
    replace = cells.exit_rate * (1.0 - conf.onward_share)
    if per_corridor:
        target, floored = floored_targets(cells.stock, replace, growth)
    else:
        target = cells.stock * (replace + growth)
    target, capped = cap_infeasible_targets(target, cells, world.codes)
    off = ~np.eye(R, dtype=bool)[:, :, None, None] & (target > 0)
    floor = 1e-6
    home_sg = cells.home.sum(axis=3)  # o s g
    xi = np.log(np.maximum(target, floor) / np.maximum(home_sg[:, None], 1.0))
    rho = conf.nest_dissimilarity
    residual = np.inf
    iteration = 0
    for iteration in range(max_iterations):  # noqa: B007 (reported in provenance)
        flows = model_flows(world, conf, cells, wages, xi)
        gap = np.where(
            off, np.log(np.maximum(target, floor)) - np.log(np.maximum(flows, floor)), 0.0
        )
        residual = float(np.abs(gap).max())
        if residual < tolerance:
            break
        xi = xi + rho * gap
    xi[~off] = -40.0
    if residual > 1e-3:
        o, d, s, g = np.unravel_index(int(np.abs(gap).argmax()), gap.shape)
        raise InputError(
            "calibration",
            f"did not converge (max log gap {residual:.2e}, worst corridor "
            f"{world.codes[o]}->{world.codes[d]})",
            "check the world tables and behaviour parameters" + _changed(conf),
        )

    # policy cost split (DMS dual strategy)
    y = expected_income(world, wages, conf)
    S = cells.stock.sum(axis=3)  # o d s
    N = cells.home.sum(axis=(2, 3))  # o s
    lam = conf.income_elasticity
    with np.errstate(divide="ignore"):
        total_cost = lam * np.log(y / np.stack([y[o, o] for o in range(R)])[:, None, :]) - np.log(
            np.maximum(S, 1.0) / N[:, None, :]
        )
    gravity = (
        conf.gravity_distance * np.log(world.distance_km.clip(1.0) / 1000.0)
        - conf.gravity_language * world.common_language
        - conf.gravity_colony * world.colonial_link
        - conf.gravity_contiguity * world.contiguous
    )[:, :, None]
    same_bloc = bloc_matrix(world)[:, :, None]
    offdiag = ~np.eye(R, dtype=bool)[:, :, None]

    split = Split(split_method(conf, R), total_cost, gravity, y, same_bloc | ~offdiag)
    rising, policy_for, policy_column = split.rising, split.policy, split.column

    F0 = model_flows(world, conf, cells, wages, xi)

    def extra(level):
        """Extra migrants by destination if every policy cost were removed (R,)."""
        c = policy_for(level)
        return desired_extra(world, conf, cells, wages, xi, xi + c[:, :, :, None], F0).sum(
            axis=(0, 2)
        )

    # The level of c_inc is set per destination so that removing policy costs would raise
    # the desired stock by `free_mobility_extra_share` of world population, split across
    # destinations as would-be migrants' desired destinations (Gallup;
    # desired_destinations.csv). Without that table one level for all destinations matches
    # the world total.
    extra_total = conf.free_mobility_extra_share * world.population.sum()
    targets = extra_total * world.desired_share if world.desired_share is not None else None
    level = np.zeros(R)
    sweeps = 0

    def bisect(fits) -> float:
        lo, hi = -50.0, 50.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
        return 0.5 * (lo + hi)

    if rising:
        plain_bisect = bisect

        def bisect(fits) -> float:
            """A destination whose target no kappa reaches (none of its corridors gains, or
            the cap binds) gets no policy cost: the bottom of the bracket."""
            x = plain_bisect(fits)
            return -50.0 if x > 49.0 else x

    if targets is not None and R > FULL_SWEEP_MAX_REGIONS:
        level, sweeps = sweep_levels(
            world,
            conf,
            cells,
            xi,
            y,
            F0,
            policy_column,
            targets,
            bisect,
            rising=rising,
        )
    elif targets is not None:
        # destination d's extra migrants depend on the others' levels through the nest's
        # inclusive value: sweep over destinations until the levels settle (Gauss-Seidel)
        for sweeps in range(1, 101):  # noqa: B007 (reported in provenance)
            previous = level.copy()
            for d in range(R):

                def more(x, d=d):
                    trial = level.copy()
                    trial[d] = x
                    return (extra(trial)[d] > targets[d]) != rising

                level[d] = bisect(more)
            if np.abs(level - previous).max() < 1e-7:
                break
    else:
        level[:] = bisect(lambda x: (extra(np.full(R, x)).sum() > extra_total) != rising)
    achieved = extra(level)
    split_gap, shortfall, worst = split_gaps(
        level, achieved, targets, extra_total, rising, world.codes
    )
    if split_gap > 1e-3:
        raise InputError(
            "calibration",
            f"the policy-cost split misses its desired extra migrants by {100 * split_gap:.2g}%"
            + worst,
            "desired_destinations.csv shares that the world's stocks and costs can reach, and "
            "behaviour.free_mobility_extra_share in 0-1",
        )
    policy_cost = policy_for(level)
    xi_inc = xi + policy_cost[:, :, :, None]
    xi_inc[~off] = -40.0

    # within-region migration between countries of one region: the inflow that keeps the
    # stock growing at stock_growth, as a rate per native of working age
    native_working, death = within_region_base(world)
    inflow = world.intra_migrants * (conf.intra_return_hazard + death + conf.stock_growth)
    intra_rate, intra_return = within_region_levers(
        inflow / np.maximum(native_working, 1.0), conf.intra_return_hazard, B
    )

    provenance = {
        "key": provenance_key(world, conf, pop_conf, wealth_age),
        "world": world.name,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "iterations": iteration + 1,
        "split_sweeps": sweeps,
        "split_gap": split_gap,
        "max_log_gap": residual,
        "policy_split": split.method,
        # gravity: the level of c_inc per destination; income_gap: ln kappa per destination
        "incompressible_cost_level": level.tolist(),
        "target_flow_total": float(target.sum()),
        "base_stock_between_regions": float(S.sum()),
        "desired_extra_migrants": float(achieved.sum()),
        **shortfall,
        "method": "flow targets S*(exit+growth); nested-logit contraction; DMS policy split",
        **(
            {"growth": "per corridor (stock_growth.csv)", "growth_floored_cells": floored}
            if per_corridor
            else {}
        ),
        **capped,
    }
    incompressible = split.incompressible(level, policy_cost, offdiag)
    return Calibration(
        world.codes,
        xi_inc,
        policy_cost,
        incompressible,
        intra_rate,
        intra_return,
        target,
        provenance,
    )


def calibration_path(world: World) -> Path:
    """Where `migsim calibrate` writes this world's calibration: beside the tables of a
    world of the user's own (`world.path`), in the user cache for a shipped world (the
    install tree is never written to; `migsim calibrate --out FILE` writes elsewhere)."""
    if is_shipped(world.path):
        return cache_dir() / "calibrations" / world.name / CALIBRATION_FILE
    return world.path / CALIBRATION_FILE


def calibration_candidates(world: World) -> list[Path]:
    """Stored calibrations to try, in order: the world directory's own file (plain, or
    gzipped for a large world: the 232-country one's is 16 MB plain, 2.8 MB gzipped), then
    the user cache's (for a shipped world)."""
    out = [world.path / CALIBRATION_FILE, world.path / (CALIBRATION_FILE + ".gz")]
    cached = calibration_path(world)
    if cached != out[0]:
        out.append(cached)
    return out


# Plausible values of a stored calibration, (low, high) inclusive, and the shape's trailing
# axes after (R,) or (R, R). Utility terms: the shipped worlds' constants lie in [-40, -1.3]
# (-40 marks an empty corridor) and their costs in [0, 9]; 100 utility units (a factor e^100
# in odds) leaves a wide margin and still refuses an edited value that would swamp the model.
CALIBRATION_RANGES = {
    "corridor_constant": ((-100.0, 100.0), (2, 2)),
    "policy_cost": ((-100.0, 100.0), (2,)),
    "incompressible_cost": ((-100.0, 100.0), (2,)),
    "intra_rate": ((0.0, 1.0), None),
    "intra_return": ((0.0, 1.0), None),
    "target_flow": ((0.0, None), (2, 2)),  # high: the world population
    "corridor_trend": ((-1.0, 1.0), ()),  # utility units per year (optional)
}


def check_calibration(cal: Calibration, world: World, path: Path) -> None:
    """Refuse a stored calibration whose arrays have the wrong shape, a value that is not
    finite, or one outside its plausible range (one line naming the file and the field)."""
    R = world.n_regions
    hint = f"rerun `migsim calibrate {world_overrides(world)}` or delete the file"
    for name, ((lo, hi), tail) in CALIBRATION_RANGES.items():
        if (values := getattr(cal, name)) is None:  # an optional field the file lacks
            continue
        shape = (R, R, *tail) if tail is not None else (R, values.shape[-1] if values.ndim else 0)
        hi = float(world.population.sum()) if hi is None else hi
        if values.shape != shape or values.ndim != len(shape):
            problem = f"field '{name}' has shape {values.shape}, not {shape}"
        elif not np.isfinite(values).all():
            problem = f"field '{name}' has a value that is not finite"
        elif ((values < lo) | (values > hi)).any():
            bad = values[(values < lo) | (values > hi)][0]
            problem = f"field '{name}' has value {bad:g} (allowed {lo:g} to {hi:g})"
        elif name == "corridor_trend" and not all(
            isinstance(cal.provenance.get(k), int) for k in ("trend_base_year", "trend_end_year")
        ):
            problem = "field 'corridor_trend' needs integer trend_base_year and trend_end_year"
        else:
            continue
        raise InputError(str(path), problem, hint)


def write_calibration(cal: Calibration, world: World, path: Path | None = None) -> Path:
    path = Path(path) if path is not None else calibration_path(world)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = cal.to_json()
    if path.suffix == ".gz":  # mtime 0: the same calibration gives the same bytes
        tmp.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        tmp.write_text(text)
    tmp.replace(path)
    return path


_ANNOUNCED: set = set()  # provenance keys whose calibration on the fly was announced


def load_calibration(world: World, conf: Any, pop_conf: Any, wealth_age=None) -> Calibration:
    """The calibration for these world tables and parameters.

    The stored `calibration.json` is used when its provenance key matches; otherwise (other
    behaviour or wealth parameters, as in a sensitivity sweep, or a world without a stored
    calibration, or tables edited since) the calibration is computed afresh in memory. It is
    a deterministic function of the tables and parameters and takes about two seconds, so a
    Hydra sweep over `behaviour.nest_dissimilarity` needs no calibration step and parallel
    runs never write to the world directory. `provenance["source"]` says which it was. A
    stored file that exists but cannot be read is bad input: one line, exit code 2.
    """
    key = provenance_key(world, conf, pop_conf, wealth_age)
    for path in calibration_candidates(world):
        if not path.is_file():
            continue
        hint = f"rerun `migsim calibrate {world_overrides(world)}` or delete the file"
        try:
            raw = path.read_bytes()
            text = gzip.decompress(raw).decode() if path.suffix == ".gz" else raw.decode()
            cal = Calibration.from_json(text)
        except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
            raise InputError(str(path), f"is not a valid calibration ({exc})", hint) from None
        if cal.provenance.get("key") == key and cal.codes == world.codes:
            check_calibration(cal, world, path)
            cal.provenance["source"] = "stored"
            cal.provenance["path"] = str(path)
            return cal
    notice = f"migsim: calibrating world {world.name} (none stored for these parameters)..."
    logging.getLogger("migsim.calibration").info(notice)
    if key not in _ANNOUNCED:  # once per process: a validation or sweep calibrates per run
        _ANNOUNCED.add(key)
        print(notice, file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    cal = calibrate(world, conf, pop_conf, wealth_age=wealth_age)
    cal.provenance["source"] = "computed"
    cal.provenance["seconds"] = round(time.perf_counter() - t0, 3)
    return cal
