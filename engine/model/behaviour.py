"""Behaviour modules: the migration decision model and how researchers replace parts of it.

The default module (`behaviour=nested_logit`) is a two-level nested logit (stay vs move,
then destination; economics.md 1.1-1.3). Systematic utility is the same for everyone in a
home cell (origin o, skill s, sex g, age band b), so it is computed on small cell arrays:

    V_stay(o, s)        = lambda ln y[o, o, s]
    V_d(o, s, g, b)     = lambda ln y[o, d, s] + xi_inc[o, d, s, g] - c_pol[o, d, s]
                          + eta_s ln(D[o, d] / D0[o, d]) + ln phi_b              (d != o)
    P(d | move)         = exp(V_d / rho) / sum_k exp(V_k / rho)
    P(move)             = exp(rho I) / (exp(V_stay) + exp(rho I)),  I = ln sum_k exp(V_k / rho)

y is expected net income (wage x employment x (1 - tax), times credential transfer abroad),
xi_inc the calibrated corridor constants net of policy (engine/model/calibration.py), c_pol the
regime's policy cost, D the diaspora of o-born people in d (network elasticity eta_s) and
phi_b the age profile. Only the draws, liquidity and an optional individual term are per
person (kernels/migration.py).

A researcher can, without editing migsim:
1. replace the cell-level utility: `utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)`
   (plain Python/NumPy; entry [o, s, g, b, o] is the stay utility);
2. add an individual term: a numba-jitted function
   `term(age, sex, skill, wealth, productivity, years_abroad, origin, params) -> float`
   returning a shift of the log-odds of moving (params: float64 array from the config);
3. replace the decision kernel: a numba-jitted function with the signature of
   `migsim.kernels.migration.decide`.
A plug-in is a `Behaviour` object found through the entry-point group `migsim.behaviours`
(`behaviour.plugin=NAME`) or a dotted path `package.module:attribute`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.labels import AGE_BANDS
from migsim.core.params import param

ENTRY_POINT_GROUP = "migsim.behaviours"
# Relative propensity to move by age band, 25-29 = 1 (economics.md 1.5) [A].
DEFAULT_AGE_PROFILE = [0.25, 0.5, 0.95, 1.0, 0.75, 0.5, 0.3, 0.15, 0.05]


@dataclass
class BehaviourConf:
    """Parameters of the decision model (docs/model.md); [K] known, [V] validated against a
    published figure, [A] assumed."""

    name: str = param("nested_logit", doc="name of the behaviour config")
    plugin: str = param(
        "", doc="plug-in: entry point of group migsim.behaviours, or package.module:attribute"
    )
    params: dict = param(
        factory=dict, doc="values handed to a plug-in (its individual term receives them in order)"
    )
    migration: bool = param(True, doc="migration on; off (`none`) keeps everyone where they are")
    income_elasticity: float = param(
        0.7, range=(0.0, 10.0), doc="lambda [K] (DMS 2015 / Bertoli-Moraga range 0.5-1.0)"
    )
    nest_dissimilarity: float = param(
        0.6, range=(0.05, 1.0), doc="rho [A]; 1 gives the multinomial logit"
    )
    network_elasticity_low: float = param(
        0.6, range=(0.0, 3.0), doc="eta, non-tertiary [A] (0.4-0.7 [K])"
    )
    network_elasticity_high: float = param(0.4, range=(0.0, 3.0), doc="eta, tertiary [A]")
    network_max_ratio: float = param(
        3.0,
        range=(1.0, 1e6),
        doc="diaspora effect saturates at this multiple of the base-year diaspora [A]",
    )
    age_profile: list = param(
        factory=lambda: list(DEFAULT_AGE_PROFILE),
        allowed="9 positive numbers, one per age band",
        doc="relative propensity to move by age band, 25-29 = 1 [A]",
    )
    credential_transfer_low: float = param(
        0.85, range=(0.0, 1.5), doc="kappa for recent migrants [A] (DFP 2013 direction)"
    )
    credential_transfer_high: float = param(0.7, range=(0.0, 1.5), doc="kappa, tertiary [A]")
    return_hazard_scale: float = param(
        0.093,
        range=(0.0, 1.0),
        doc="Weibull return hazard scale: ~22% of a cohort leaves within 5 years [A]",
    )
    return_hazard_shape: float = param(
        0.7, range=(0.1, 3.0), doc="Weibull shape, h = scale shape tau^(shape-1) [A]"
    )
    temporary_return_multiplier: float = param(
        2.0, range=(0.0, 20.0), doc="temporary visa holders leave faster [A]"
    )
    irregular_return_multiplier: float = param(
        0.8, range=(0.0, 20.0), doc="return hazard of irregular migrants, relative [A]"
    )
    onward_share: float = param(
        0.1, range=(0.0, 1.0), doc="share of leavers who move on to a third region [A]"
    )
    borrowing: float = param(
        0.5, range=(0.0, 20.0), doc="b: borrowing capacity as a share of home income [A]"
    )
    upfront_cost_months: float = param(
        3.0,
        range=(0.0, 120.0),
        doc="up-front cost F in months of destination low-skill earnings (KNOMAD 1-15 [V])",
    )
    stock_growth: float = param(
        0.016, range=(-0.2, 0.2), doc="calibration target: migrant stock growth 2010-13 [V]"
    )
    intra_return_hazard: float = param(
        0.05, range=(0.0, 1.0), doc="within-region migrants' yearly return [A]"
    )
    free_mobility_extra_share: float = param(
        0.056,
        range=(0.0, 1.0),
        doc="extra migrants free mobility brings, share of world population (DMS ~400M) [V]",
    )
    gravity_distance: float = param(
        1.0, range=(-100.0, 100.0), doc="c_inc per log distance (elasticity 0.5-1.2 [K])"
    )
    gravity_language: float = param(
        0.45, range=(-100.0, 100.0), doc="common language lowers c_inc (0.3-0.6 [K])"
    )
    gravity_colony: float = param(
        0.75, range=(-100.0, 100.0), doc="colonial link lowers c_inc (0.5-1.0 [K])"
    )
    gravity_contiguity: float = param(
        0.5, range=(-100.0, 100.0), doc="common border lowers c_inc [A]"
    )


CALIBRATION_FIELDS = (
    "income_elasticity",
    "nest_dissimilarity",
    "age_profile",
    "credential_transfer_low",
    "credential_transfer_high",
    "return_hazard_scale",
    "return_hazard_shape",
    "temporary_return_multiplier",
    "irregular_return_multiplier",
    "onward_share",
    "borrowing",
    "upfront_cost_months",
    "stock_growth",
    "intra_return_hazard",
    "free_mobility_extra_share",
    "gravity_distance",
    "gravity_language",
    "gravity_colony",
    "gravity_contiguity",
)


@dataclass
class CellContext:
    """Everything the cell-level utility may use. Index names: o origin, d destination,
    s skill (0 non-tertiary, 1 tertiary), g sex (0 female, 1 male), b age band."""

    income: np.ndarray  # (R, R, 2) [o, d, s] expected net income, PPP $/year
    corridor_constant: np.ndarray  # (R, R, 2, 2) [o, d, s, g] xi_inc, calibrated
    policy_cost: np.ndarray  # (R, R, 2) [o, d, s] c_pol of the regime
    network: np.ndarray  # (R, R, 2) [o, d, s] eta_s ln(D / D0)
    age_shift: np.ndarray  # (B,) ln phi_b
    income_elasticity: float
    nest_dissimilarity: float
    year: int
    world: Any = None
    params: dict = field(default_factory=dict)


def default_utility(ctx: CellContext) -> np.ndarray:
    """Systematic utility V[o, s, g, b, d] of the default module (module docstring)."""
    R = ctx.income.shape[0]
    B = ctx.age_shift.shape[0]
    lam = ctx.income_elasticity
    log_income = lam * np.log(ctx.income)  # (o, d, s)
    move = (log_income - ctx.policy_cost + ctx.network)[:, :, :, None] + ctx.corridor_constant
    # (o, d, s, g) -> (o, s, g, b, d)
    V = (
        np.transpose(move, (0, 2, 3, 1))[:, :, :, None, :]
        + ctx.age_shift[None, None, None, :, None]
    )
    V = np.broadcast_to(V, (R, 2, 2, B, R)).copy()
    for o in range(R):
        V[o, :, :, :, o] = log_income[o, o, :][:, None, None]
    return V


def nested_logit(V: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """P(move) (R, 2, 2, B) and P(d | move) (R, 2, 2, B, R) from V[o, s, g, b, d].

    Computed in a numerically stable way (log-sum-exp); entries d == o of P(d | move) are 0.
    """
    R = V.shape[0]
    stay = np.stack([V[o, ..., o] for o in range(R)])  # (R, 2, 2, B)
    moves = V / rho
    moves = moves.copy()
    for o in range(R):
        moves[o, ..., o] = -np.inf
    top = moves.max(axis=-1, keepdims=True)
    expo = np.exp(moves - top)
    total = expo.sum(axis=-1, keepdims=True)
    dest = expo / total
    inclusive = (np.log(total) + top)[..., 0]  # I
    a, b = rho * inclusive, stay
    m = np.maximum(a, b)
    p_move = np.exp(a - m) / (np.exp(a - m) + np.exp(b - m))
    return p_move, dest


def log_sum(V: np.ndarray, rho: float) -> np.ndarray:
    """Expected maximum utility (the log-sum, or inclusive value, of the nested logit) of
    each home cell (R, 2, 2, B), from V[o, s, g, b, d]:

        E max = ln(exp(V_stay) + exp(rho I)),   I = ln sum_{k != o} exp(V_k / rho)

    (up to Euler's constant, which cancels in differences). Its change between two policies
    at the same incomes, divided by the income elasticity lambda, is the change in the
    choice set's value in log points of income (Small & Rosen 1981; McFadden 1978): it is 0
    when no alternative's utility changes and rises when an alternative becomes cheaper,
    with d(E max)/dV_d = P(d) (Williams-Daly-Zachary)."""
    R = V.shape[0]
    stay = np.stack([V[o, ..., o] for o in range(R)])  # (R, 2, 2, B)
    moves = V / rho
    moves = moves.copy()
    for o in range(R):
        moves[o, ..., o] = -np.inf
    top = moves.max(axis=-1)
    inclusive = np.log(np.exp(moves - top[..., None]).sum(axis=-1)) + top
    return np.logaddexp(stay, rho * inclusive)


@dataclass
class Behaviour:
    """A behaviour plug-in. Every part is optional: what is None keeps the default."""

    name: str
    utility: Callable[[CellContext], np.ndarray] | None = None
    individual_term: Callable | None = None  # numba-jitted, see module docstring
    kernel: Callable | None = None  # numba-jitted, signature of migsim.kernels.migration.decide
    description: str = ""


DEFAULT = Behaviour("nested_logit", description="built-in nested logit (economics.md 1)")


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Names of installed behaviour plug-ins plus the built-in one."""
    return ["nested_logit", *sorted(_entry_points())]


def load_behaviour(conf: Any) -> Behaviour:
    """Resolve `behaviour.plugin` to a checked Behaviour (entry point name or module:attribute).

    Every problem (unknown name, import failure, wrong object, an individual term that does
    not compile for migsim's argument types, a kernel with the wrong number of arguments,
    non-numeric params) is an InputError naming the plug-in, raised before any work is done.
    """
    plugin = str(conf.plugin or "").strip()
    params = _term_params(conf)
    if not plugin or plugin == DEFAULT.name:
        return DEFAULT
    where = f"behaviour.plugin={plugin}"
    if ":" in plugin:
        module_name, _, attr = plugin.partition(":")
        if not module_name or not attr:
            raise InputError(
                where,
                "is not of the form package.module:attribute",
                "an entry point of group migsim.behaviours or package.module:attribute",
            )
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                where,
                f"cannot be imported ({_first_line(exc)})",
                "an entry point of group migsim.behaviours or package.module:attribute",
            ) from None
        except Exception as exc:  # noqa: BLE001  (the plug-in module fails on import)
            raise InputError(
                where, f"failed to import ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    else:
        eps = _entry_points()
        if plugin not in eps:
            raise InputError(where, "is not an installed behaviour plug-in", ", ".join(available()))
        try:
            obj = eps[plugin].load()
        except Exception as exc:  # noqa: BLE001  (a broken third-party package)
            raise InputError(
                where, f"failed to load ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    if not isinstance(obj, Behaviour):
        if _is_jitted(obj):
            raise InputError(
                where,
                "is a numba function, not a migsim Behaviour",
                "wrap it: Behaviour(name, individual_term=f) or Behaviour(name, kernel=f)",
            )
        if callable(obj):
            try:
                obj = obj()
            except Exception as exc:  # noqa: BLE001  (any failure of the plug-in's factory)
                raise InputError(
                    where,
                    f"is not a Behaviour and calling it as a factory failed "
                    f"({type(exc).__name__}: {_first_line(exc)})",
                    "an migsim.model.behaviour.Behaviour object or a factory returning one",
                ) from None
    if not isinstance(obj, Behaviour):
        raise InputError(
            where,
            f"is a {type(obj).__name__}, not a migsim Behaviour",
            "an migsim.model.behaviour.Behaviour object or a factory returning one",
        )
    if not obj.name:
        obj = replace(obj, name=plugin)
    elif obj.name != plugin:  # messages name both the Behaviour and what the user typed
        obj = replace(obj, name=f"{obj.name} ({plugin})")
    check_behaviour(obj, params)
    return obj


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _is_jitted(obj: Any) -> bool:
    from numba.core.dispatcher import Dispatcher  # numba only when a plug-in is used

    return isinstance(obj, Dispatcher)


def _term_params(conf: Any) -> np.ndarray:
    """`behaviour.params` as the float64 array an individual term receives ([0.0] if empty).

    The same construction as engine/steps/migration.py (MigrationStep.term_params); values must be
    finite numbers because that array is built for every run.
    """
    raw = conf.get("params") if hasattr(conf, "get") else getattr(conf, "params", None)
    values = []
    for key, value in dict(raw or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, str) or not np.isfinite(number):
            raise InputError(
                f"behaviour.params.{key}",
                f"{value!r} is not a finite number",
                "numbers; an individual term receives them in order as params[0], params[1], ...",
            )
        values.append(number)
    return np.asarray(values or [0.0], dtype=np.float64)


# Argument types of an individual term as the decision kernel calls it (engine/people/population.py).
_TERM_SAMPLE = {
    "age": np.uint8(30),
    "sex": np.uint8(0),
    "skill": np.uint8(1),
    "wealth": np.float32(1e4),
    "productivity": 1.0,
    "years_abroad": np.uint8(0),
    "origin": np.uint16(0),
}
TERM_SIGNATURE = (
    "term(age, sex, skill, wealth, productivity, years_abroad, origin, params) "
    "-> float, numba-jitted"
)


def check_behaviour(behaviour: Behaviour, params: np.ndarray | None = None) -> None:
    """Check a plug-in's parts before a run: what can go wrong is reported in one line.

    The individual term is compiled here for the argument types the kernel passes (the
    compiled version is reused by the kernel) and called once on a sample person.
    """
    import inspect

    where = f"behaviour plug-in '{behaviour.name}'"
    if behaviour.utility is not None and not callable(behaviour.utility):
        raise InputError(
            where,
            f"utility is a {type(behaviour.utility).__name__}",
            "a function utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)",
        )
    term = behaviour.individual_term
    if term is not None:
        if not _is_jitted(term):
            raise InputError(
                where, "individual_term is not numba-jitted", "@numba.njit " + TERM_SIGNATURE
            )
        if params is None:
            params = np.zeros(1)
        try:
            value = term(*_TERM_SAMPLE.values(), np.ascontiguousarray(params, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001  (numba typing errors and the term's own)
            raise InputError(
                where,
                f"individual_term fails for a sample person "
                f"({type(exc).__name__}: {_numba_reason(exc)})",
                TERM_SIGNATURE,
            ) from None
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            raise InputError(
                where, f"individual_term returned {type(value).__name__}", TERM_SIGNATURE
            )
        if np.isnan(value):
            raise InputError(
                where,
                "individual_term returned NaN for a sample person "
                f"({', '.join(f'{k}={v}' for k, v in _TERM_SAMPLE.items())})",
                "a finite shift of the log-odds of moving (or +/-inf)",
            )
    kernel = behaviour.kernel
    if kernel is not None:
        from migsim.kernels.migration import decide

        expected = list(inspect.signature(decide.py_func).parameters)
        if not _is_jitted(kernel):
            raise InputError(
                where,
                "kernel is not numba-jitted",
                f"a @numba.njit function with the {len(expected)} arguments of "
                "migsim.kernels.migration.decide",
            )
        got = inspect.signature(kernel.py_func).parameters.values()
        variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in got)
        if len(got) != len(expected) and not variadic:
            raise InputError(
                where,
                f"kernel takes {len(got)} arguments",
                f"the {len(expected)} arguments of migsim.kernels.migration.decide "
                f"({', '.join(expected)})",
            )


def _numba_reason(exc: BaseException) -> str:
    """The informative line of a (multi-line) numba error."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("Failed in nopython", "During:", "File "))]
    text = lines[0] if lines else type(exc).__name__
    return text[:300]


def check_utility(name: str, V: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A plug-in's utility must be a finite float array of the expected shape."""
    if not isinstance(V, np.ndarray):
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility returned {type(V).__name__}",
            f"a NumPy array of shape {shape}",
        )
    if V.dtype.kind not in "fiu":
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility has dtype {V.dtype}",
            "a real-valued (float) array",
        )
    if V.shape != shape:
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility has shape {V.shape}",
            f"shape {shape} [origin, skill, sex, age band, destination]",
        )
    if not np.isfinite(V).all():
        bad = "NaN" if np.isnan(V).any() else "infinite values"
        raise InputError(
            f"behaviour plug-in '{name}'", f"utility contains {bad}", "finite utilities"
        )
    return V.astype(np.float64, copy=False)


N_BANDS = len(AGE_BANDS)
