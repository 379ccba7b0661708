"""A resumed run takes its config from its checkpoint: `migsim run resume=PATH` works as
printed after Ctrl-C, with no override typed again.

The checkpoint's header holds the command-line overrides of the run that wrote it and its
resolved config (less the keys a resume may change). `migsim run resume=PATH` puts the saved
overrides in front of the user's own (`with_saved_overrides`, before Hydra composes), so the
composed config is the checkpoint's; an override the user types that contradicts it is
refused with one line naming the key and both values (`check_resume_config`).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from migsim.core.errors import InputError

KEEP_OUT = ("resume", "hydra")  # overrides never carried into the resumed run
# the overrides of a run made from Python (`migsim.run([...])`), which has no Hydra run
API_OVERRIDES: ContextVar[list[str] | None] = ContextVar("api_overrides", default=None)


def hydra_quoted(text: str) -> str:
    """`text` as a quoted value of Hydra's override grammar, read back as it is: a quote
    escaped, and each run of backslashes before a quote or the end doubled."""
    escaped = re.sub(r"(\\+)('|$)", lambda m: m.group(1) * 2 + m.group(2), text)
    return "'" + escaped.replace("'", "\\'") + "'"


def hydra_value(value: Any) -> str:
    """A Python value (lists and mappings of them) in Hydra's override grammar, as the run's
    recorded overrides hold it (a checkpoint's `resume=PATH` parses them again)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {hydra_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hydra_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return hydra_quoted(value)
    return str(value)


def saved_config(cfg: Any) -> dict:
    """The resolved config less the keys a resume may change."""
    from omegaconf import OmegaConf

    from migsim.runtime.checkpoint import RESUMABLE_KEYS

    plain = OmegaConf.to_container(cfg, resolve=True)
    for key in RESUMABLE_KEYS:
        plain.pop(key, None)
    return plain


def override_key(override: str) -> str:
    """`a.b` of `a.b=1`, `+a.b=1`, `++a.b=1` and `~a.b`."""
    return str(override).split("=", 1)[0].lstrip("+~")


def task_overrides() -> list[str] | None:
    """The command-line overrides of the Hydra run in progress, or those `migsim.run` was
    given from Python (None for a run made from a composed config)."""
    items = API_OVERRIDES.get()
    try:
        from hydra.core.hydra_config import HydraConfig

        if items is None and HydraConfig.initialized():
            items = [str(o) for o in HydraConfig.get().overrides.task]
    except Exception:  # noqa: BLE001  (no Hydra run: the Python API)
        pass
    if items is None:
        return None
    return [o for o in items if override_key(o).split(".")[0] not in KEEP_OUT]


def read_header(path: str | Path) -> dict:
    """The checkpoint's header document ({} when it cannot be read: the full load that
    follows names the problem)."""
    try:
        with zipfile.ZipFile(path) as z, z.open("header.npy") as f:
            import numpy as np

            raw = np.lib.format.read_array(f, allow_pickle=False)
        doc = json.loads(raw.tobytes().decode("utf-8"))
    except Exception:  # noqa: BLE001
        return {}
    return doc if isinstance(doc, dict) else {}


def resume_path(override: str) -> str:
    """The checkpoint path of a `resume=...` override, as Hydra reads it (quotes and escapes
    removed: `resume='D/seed=2/checkpoint-2015.npz'`); the text after `=` when Hydra's
    grammar cannot read it (Hydra then reports the override itself)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        value = OverridesParser.create().parse_override(override).value()
    except Exception:  # noqa: BLE001
        return override.split("=", 1)[1]
    return "" if value is None else str(value)


def with_saved_overrides(argv: list[str]) -> list[str]:
    """`argv` with the overrides saved in the checkpoint that `resume=PATH` names put in
    front, except those whose key the user gives (theirs are checked later)."""
    resume = [a for a in argv if a.startswith("resume=")]
    if not resume:
        return argv
    saved = read_header(resume_path(resume[-1])).get("overrides") or []
    given = {override_key(a) for a in argv if "=" in a or a.startswith("~")}
    extra = [str(o) for o in saved if override_key(o) not in given]
    flags = [a for a in argv if a.startswith("-")]
    rest = [a for a in argv if not a.startswith("-")]
    return [*flags, *extra, *rest]


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted key -> value (a mapping with no keys leaves none)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def check_resume_config(path: Any, cfg: Any, explicit: list | None = None) -> None:
    """Refuse a resume whose config differs from its checkpoint's, naming the first key that
    differs (one the user typed first) with both values. A checkpoint without a saved config
    (an older one) is left to the hash check of the load."""
    header = read_header(path)
    saved = header.get("config")
    if not isinstance(saved, dict):
        return
    differ = config_difference(saved, cfg)
    if not differ:
        return
    if "overrides" in header and header["overrides"] is None:  # from a composed config
        raise InputError(
            f"resume={path}",
            "was made from a composed config, which holds no overrides for the resume to take: "
            f"{told_difference(differ[0], differ, saved, cfg)}",
            f"the checkpoint's values given again: {as_overrides(differ, saved, cfg)}",
        )
    typed = [k for k in differ if any(k == e or k.startswith(f"{e}.") for e in explicit or [])]
    key = (typed or differ)[0]
    raise InputError(
        f"resume={path}",
        f"was made with a different config: {told_difference(key, differ, saved, cfg)}",
        f"the checkpoint's value, or no {key} override (`migsim run resume=PATH` takes the "
        "checkpoint's config)",
    )


UNSET = "<unset>"


def as_overrides(keys: list[str], saved: dict, cfg: Any) -> str:
    """The checkpoint's values of `keys` as Hydra overrides (`+key=` for a key this run's
    config lacks, `~key` for one the checkpoint's lacks); a value Hydra's grammar would
    need written out (a list, a mapping) is named as `KEY=<the checkpoint's>`."""
    values, now = flat(saved), flat(saved_config(cfg))
    words = []
    for key in keys:
        value = values.get(key, UNSET)
        add = "+" if key not in now else ""
        if value is UNSET:
            words.append(f"~{key}")
            continue
        if isinstance(value, str):  # bare where Hydra reads it back as the same text
            plain = re.fullmatch(r"[A-Za-z_/.][\w./@:-]*", value) and value.lower() not in (
                "true",
                "false",
                "null",
                "nan",
                "inf",
            )
            words.append(f"{add}{key}={value if plain else hydra_quoted(value)}")
        elif isinstance(value, (bool, int, float)) or value is None:
            words.append(f"{add}{key}={hydra_value(value)}")
        else:
            words.append(f"{add}{key}=<the checkpoint's>")
    return " ".join(words)


def config_difference(saved: dict, cfg: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """The dotted keys, sorted, whose value differs between a checkpoint's saved config and
    this run's (`saved_config(cfg)`), leaving out those that start with one of `skip`."""
    now, then = flat(saved_config(cfg)), flat(saved)
    return sorted(
        k
        for k in set(now) | set(then)
        if now.get(k, UNSET) != then.get(k, UNSET) and not k.startswith(skip)
    )


def told_difference(key: str, differ: list[str], saved: dict, cfg: Any) -> str:
    """`the checkpoint has KEY=A, this run KEY=B (and N more)`."""
    was, now = flat(saved).get(key, UNSET), flat(saved_config(cfg)).get(key, UNSET)
    more = f" (and {len(differ) - 1} more)" if len(differ) > 1 else ""
    return f"the checkpoint has {key}={was}, this run {key}={now}{more}"
