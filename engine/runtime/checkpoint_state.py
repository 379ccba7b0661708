"""A Simulation as named NumPy arrays and one plain JSON document, and back.

`to_arrays` takes a simulation apart; `from_arrays` builds it again from what the file gave,
checking every array against what the config expects. No step of either direction runs
code named by the file: people, the year's state and the records are read by explicit code
here; the steps' attributes go through a small tagged encoding (below) whose only classes
are the steps the config lists and the dataclasses `_state_types` names.

Arrays (all read with `allow_pickle=False`):
- `shard{i}.{column}`: every column of a shard's people (`migsim.kernels.bundles.People`),
  rows [0, capacity); `shard{i}.weight` (R,) float64; `shard{i}.origins` int64;
- `key`: the run key, a 0-d uint64;
- `value.{k}`: the other arrays the document names; a polars frame (a record of one year)
  is an Arrow IPC stream stored as a uint8 array.

Document values: JSON null, booleans, numbers, strings and lists stand for themselves; a
dict is {"$dict": [[key, value], ...]}; {"$tuple": [...]}; {"$array": name} and
{"$scalar": name} (a 0-d array, read back as a NumPy scalar of its dtype); {"$frame": name};
{"$ref": "world" | "calibration" | "behaviour"} and {"$ref": "config", "path": "economy"} for
what the config rebuilds; {"$object": type name, "fields": {...}} for a dataclass of
`_state_types`; {"$same": n}: the n-th array or object encoded before (shared, not copied).
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.labels import AGE_BANDS, STATUSES
from migsim.kernels.bundles import PEOPLE_DTYPES, People
from migsim.people.population import Population
from migsim.people.shards import LocalPeople, Shard
from migsim.runtime.simulation import Simulation
from migsim.runtime.state import YearState


class Malformed(ValueError):
    """The file's arrays or document are not those of a checkpoint of this config."""


def _state_types() -> dict[str, type]:
    """The dataclasses a step's state may hold, by name (the only classes the document can
    name besides the steps)."""
    from migsim.model.cells import BaseCells
    from migsim.model.markets import MarketParams, MarketState
    from migsim.model.nested_market import NestedParams, NestedState
    from migsim.people.moves import MoveCounts
    from migsim.regimes.policy import Policy

    classes = (BaseCells, MarketParams, MarketState, NestedParams, NestedState, MoveCounts, Policy)
    return {cls.__name__: cls for cls in classes}


STORABLE = (
    "NumPy arrays and scalars, numbers, strings, lists, tuples, dicts, polars frames, "
    "the world, calibration, behaviour plug-in or config sections, or a checkpoint_state() "
    "that returns them"
)


# ------------------------------------------------------------------ simulation -> arrays
def to_arrays(sim: Simulation, cfg: Any) -> tuple[dict, dict]:
    """(document, arrays) holding everything a resume needs; a step holding anything else
    is named in one line."""
    if sim.people.backend != "local":
        raise TypeError("people on Ray workers cannot be saved (checkpoints need local shards)")
    arrays: dict[str, np.ndarray] = {"key": np.asarray(sim.key, dtype=np.uint64)}
    shards = []
    for i, shard in enumerate(sim.people.shards):
        pop = shard.population
        for name, column in pop.columns().items():
            arrays[f"shard{i}.{name}"] = column
        arrays[f"shard{i}.weight"] = np.asarray(pop.weight, dtype=np.float64)
        arrays[f"shard{i}.origins"] = np.asarray(shard.origins, dtype=np.int64)
        shards.append(
            {
                "n": int(pop.n),
                "next_id": int(pop.next_id),
                "productivity_sigma": float(pop.productivity_sigma),
            }
        )
    enc = _Encoder(arrays, sim, cfg)
    doc = {
        "base_year": int(sim.base_year),
        "year": int(sim.year),
        "next_id": int(sim.next_id),
        "one_population": sim.population is not None,
        "shards": shards,
        "timings": {k: float(v) for k, v in sim.timings.items()},
        "state": {
            f.name: _encode(enc, getattr(sim.state, f.name), f"the year state's {f.name}")
            for f in _fields(YearState)
        },
        "records": _encode(enc, sim.records, "the records"),
        "steps": [],
    }
    for step in sim.steps:
        hook = getattr(step, "checkpoint_state", None)
        attrs = hook() if hook is not None else dict(vars(step))
        state = _encode(enc, attrs, f"step '{step.name}'")
        doc["steps"].append({"name": step.name, "state": state})
    return doc, arrays


def _encode(enc: _Encoder, value: Any, where: str) -> Any:
    try:
        return enc.encode(value)
    except _Unstorable as exc:
        raise InputError(
            where, f"holds {exc.args[0]}, which a checkpoint cannot store", STORABLE
        ) from None


class _Unstorable(TypeError):
    pass


class _Encoder:
    def __init__(self, arrays: dict, sim: Simulation, cfg: Any) -> None:
        self.arrays = arrays
        self.sim, self.cfg = sim, cfg
        self.count = 0  # arrays named value.0, value.1, ...
        self.seen: dict[int, int] = {}  # id(object) -> its number, for {"$same": n}
        self.keep: list = []  # the objects numbered (so their ids stay theirs)

    def _array(self, value: np.ndarray) -> str:
        name = f"value.{self.count}"
        self.count += 1
        self.arrays[name] = value
        return name

    def _number(self, value: Any) -> int:
        self.seen[id(value)] = len(self.keep)
        self.keep.append(value)
        return len(self.keep) - 1

    def encode(self, value: Any) -> Any:
        from omegaconf import OmegaConf

        if value is None or type(value) in (bool, int, float, str):
            return value
        if id(value) in self.seen:
            return {"$same": self.seen[id(value)]}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise _Unstorable("an array of Python objects")
            self._number(value)
            return {"$array": self._array(value)}
        if isinstance(value, np.generic):
            return {"$scalar": self._array(np.asarray(value))}
        if isinstance(value, pl.DataFrame):
            buffer = io.BytesIO()
            value.write_ipc(buffer, compression="uncompressed")
            return {"$frame": self._array(np.frombuffer(buffer.getvalue(), dtype=np.uint8))}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if type(value) is tuple:
            return {"$tuple": [self.encode(v) for v in value]}
        if type(value) is dict:
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        ref = self._ref(value, OmegaConf)
        if ref is not None:
            return ref
        types = _state_types()
        if dataclasses.is_dataclass(value) and types.get(type(value).__name__) is type(value):
            number = self._number(value)
            fields = {f.name: self.encode(getattr(value, f.name)) for f in _fields(value)}
            return {"$object": type(value).__name__, "n": number, "fields": fields}
        raise _Unstorable(f"a {type(value).__module__}.{type(value).__qualname__}")

    def _ref(self, value: Any, omegaconf: Any) -> dict | None:
        from migsim.core.world import World
        from migsim.model.calibration import Calibration
        from migsim.model.plugins import Behaviour

        if isinstance(value, World) and value is self.sim.world:
            return {"$ref": "world"}
        if isinstance(value, Calibration):
            return {"$ref": "calibration"}
        if isinstance(value, Behaviour):
            return {"$ref": "behaviour"}
        if omegaconf.is_config(value):
            for key in self.cfg:
                if self.cfg[key] is value:
                    return {"$ref": "config", "path": str(key)}
        return None


def _fields(obj: Any) -> tuple:
    return dataclasses.fields(obj)


# ------------------------------------------------------------------ arrays -> simulation
def population_from_arrays(doc: dict, arrays: Any, n_regions: int) -> list[Shard]:
    """The shards of a checkpoint, each column checked: the declared dtype, one dimension,
    the same length in a shard, rows in use within it, origins of this world."""
    shards = doc.get("shards")
    if not isinstance(shards, list) or not shards:
        raise Malformed("no shards of people")
    out = []
    for i, meta in enumerate(shards):
        n, next_id = _int(meta, "n"), _int(meta, "next_id")
        sigma = meta.get("productivity_sigma") if isinstance(meta, dict) else None
        if not isinstance(sigma, float):
            raise Malformed(f"shard {i}: productivity_sigma is not a number")
        columns = {}
        for name, dtype in PEOPLE_DTYPES.items():
            columns[name] = _read(arrays, f"shard{i}.{name}", dtype, ndim=1)
        capacity = columns["person_id"].shape[0]
        for name, column in columns.items():
            if column.shape[0] != capacity:
                raise Malformed(
                    f"shard{i}.{name} has {column.shape[0]} rows, shard{i}.person_id {capacity}"
                )
        if not 0 <= n <= capacity:
            raise Malformed(f"shard {i}: n={n} outside 0..{capacity} rows")
        weight = _read(arrays, f"shard{i}.weight", np.float64, shape=(n_regions,))
        origins = _read(arrays, f"shard{i}.origins", np.int64, ndim=1)
        if origins.size and (origins.min() < 0 or origins.max() >= n_regions):
            raise Malformed(f"shard{i}.origins outside the world's {n_regions} regions")
        if n and int(columns["origin"][:n].max()) >= n_regions:
            raise Malformed(f"shard{i}.origin names a region beyond the world's {n_regions}")
        pop = Population(People(**columns), weight=weight, n=n, next_id=next_id)
        pop.productivity_sigma = sigma
        out.append(Shard(pop, origins))
    return out


def from_arrays(doc: dict, arrays: Any, cfg: Any, world: Any, calibration: Any) -> Simulation:
    """The saved Simulation, with its steps (those the config lists, restored without being
    built again) and the references to the world, calibration and config filled in."""
    from migsim.model.plugins import load_behaviour
    from migsim.steps import registry

    R = world.n_regions
    shards = population_from_arrays(doc, arrays, R)
    key = _read(arrays, "key", np.uint64, shape=())[()]
    one = doc.get("one_population")
    if one is True and len(shards) != 1:
        raise Malformed("one population saved in several shards")
    people = shards[0].population if one is True else LocalPeople(shards)
    sim = Simulation(world, people, key, _int(doc, "base_year"))
    sim.year = _int(doc, "year")
    sim.next_id = _int(doc, "next_id")
    timings = doc.get("timings")
    if not isinstance(timings, dict):
        raise Malformed("no timings")
    sim.timings = {str(k): float(v) for k, v in timings.items()}
    refs = {"world": world, "calibration": calibration}
    dec = _Decoder(arrays, cfg, refs, lambda: load_behaviour(cfg.behaviour))
    state = doc.get("state")
    if not isinstance(state, dict) or set(state) != {f.name for f in _fields(YearState)}:
        raise Malformed("the year's state has other fields than migsim's")
    sim.state = YearState(**{name: dec.decode(v) for name, v in state.items()})
    _check_state(sim.state, R)
    sim.records = dec.decode(doc.get("records"))
    if not (isinstance(sim.records, dict) and set(sim.records) == {"regions", "stocks", "flows"}):
        raise Malformed("the records are not the tables regions, stocks and flows")
    for frames in sim.records.values():
        if not (isinstance(frames, list) and all(isinstance(f, pl.DataFrame) for f in frames)):
            raise Malformed("a record is not a list of tables")
    wanted = [cls for cls in registry.check_steps(cfg.steps) if cls.enabled(cfg)]
    saved = doc.get("steps")
    names = [s.get("name") if isinstance(s, dict) else None for s in saved or []]
    if names != [cls.name for cls in wanted]:
        raise Malformed(f"holds the steps {names}, the config runs {[c.name for c in wanted]}")
    for cls, entry in zip(wanted, saved):
        attrs = dec.decode(entry.get("state"))
        if not isinstance(attrs, dict) or not all(isinstance(k, str) for k in attrs):
            raise Malformed(f"step '{cls.name}': its state is not a dict of attributes")
        step = cls.__new__(cls)
        restore = getattr(step, "restore_state", None)
        if restore is not None:
            restore(attrs)
        else:
            vars(step).update(attrs)
        sim.steps.append(step)
    return sim


def _check_state(state: YearState, R: int) -> None:
    """The year-state arrays have the shapes their fields declare (migsim.runtime.state)."""
    from migsim.kernels.bundles import n_move_keys
    from migsim.people.moves import MoveCounts

    moves = state.moves
    if moves is not None:
        if not isinstance(moves, MoveCounts) or moves.n_regions != R:
            raise Malformed(f"the year state's moves are not the moves of {R} regions")
        keys, counts = np.asarray(moves.keys), np.asarray(moves.counts)
        if (
            keys.ndim != 1
            or keys.shape != counts.shape
            or keys.dtype != np.int64
            or counts.dtype != np.int64
            or (keys.size and (keys.min() < 0 or keys.max() >= n_move_keys(R)))
            or (keys.size > 1 and (np.diff(keys) <= 0).any())
            or (counts.size and counts.min() <= 0)
        ):
            raise Malformed("the year state's moves are not sorted keys with positive counts")
    shapes = {
        "cells": (R, R, 2, 2, len(AGE_BANDS), len(STATUSES)),
        "stock_matrix": (R, R),
    }
    for name, shape in shapes.items():
        value = getattr(state, name)
        if value is not None and (not isinstance(value, np.ndarray) or value.shape != shape):
            raise Malformed(f"the year state's {name} is not an array of shape {shape}")
    if not isinstance(state.region_columns, dict):
        raise Malformed("the year state's region_columns is not a dict")


class _Decoder:
    def __init__(self, arrays: Any, cfg: Any, refs: dict, behaviour: Any) -> None:
        self.arrays, self.cfg, self.refs, self.behaviour = arrays, cfg, refs, behaviour
        self.numbered: list = []
        self.types = _state_types()

    def decode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict) or len(value) == 0:
            raise Malformed(f"unreadable value {str(value)[:60]!r}")
        tag = next(iter(value))
        body = value[tag]
        if tag == "$array":
            arr = _read(self.arrays, body)
            self.numbered.append(arr)
            return arr
        if tag == "$scalar":
            return _read(self.arrays, body, shape=())[()]
        if tag == "$frame":
            raw = _read(self.arrays, body, np.uint8, ndim=1)
            return pl.read_ipc(io.BytesIO(raw.tobytes()))
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.decode(v) for v in body)
        if tag == "$dict" and isinstance(body, list):
            if not all(isinstance(p, list) and len(p) == 2 for p in body):
                raise Malformed("a dict entry is not a [key, value] pair")
            return {_hashable(self.decode(k)): self.decode(v) for k, v in body}
        if tag == "$same" and isinstance(body, int) and 0 <= body < len(self.numbered):
            return self.numbered[body]
        if tag == "$ref":
            return self._ref(body, value.get("path"))
        if tag == "$object" and body in self.types:
            return self._object(self.types[body], value.get("fields"))
        raise Malformed(f"unknown value tag {tag!r}")

    def _ref(self, name: Any, path: Any) -> Any:
        if name in self.refs:
            return self.refs[name]
        if name == "behaviour":
            self.refs[name] = self.behaviour()
            return self.refs[name]
        if name == "config" and isinstance(path, str) and path in self.cfg:
            return self.cfg[path]
        raise Malformed(f"unknown reference {name!r}")

    def _object(self, cls: type, fields: Any) -> Any:
        if not isinstance(fields, dict):
            raise Malformed(f"{cls.__name__} without fields")
        index = len(self.numbered)
        self.numbered.append(None)  # numbered before its fields, as when it was encoded
        known = {f.name: f for f in _fields(cls)}
        if set(fields) != set(known):
            raise Malformed(f"{cls.__name__} has the fields {sorted(fields)}")
        values = {k: self.decode(v) for k, v in fields.items()}
        obj = cls(**{k: v for k, v in values.items() if known[k].init})
        for k, v in values.items():
            if not known[k].init:
                object.__setattr__(obj, k, v)
        self.numbered[index] = obj
        return obj


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, dict, np.ndarray)):
        raise Malformed("a dict key is not a number, string or tuple")
    return key


def _int(doc: Any, name: str) -> int:
    value = doc.get(name) if isinstance(doc, dict) else None
    if type(value) is not int:
        raise Malformed(f"{name} is not an integer")
    return value


def _read(arrays: Any, name: Any, dtype: Any = None, ndim: int | None = None, shape=None):
    """One array of the file, checked: present, and of the dtype and shape expected."""
    if not isinstance(name, str) or name not in arrays:
        raise Malformed(f"the array {name!r} is missing")
    arr = arrays[name]
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise Malformed(f"the array {name} has dtype {arr.dtype}, not {np.dtype(dtype)}")
    if ndim is not None and arr.ndim != ndim:
        raise Malformed(f"the array {name} has {arr.ndim} dimensions, not {ndim}")
    if shape is not None and arr.shape != tuple(shape):
        raise Malformed(f"the array {name} has shape {arr.shape}, not {tuple(shape)}")
    return arr
