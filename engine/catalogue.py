"""Generated tables of what migsim declares: regime components and shipped regimes, steps,
output measures, validation experiments, run parameters and output columns.

The pages under docs/ hold these tables between marker comments
(`<!-- catalogue:NAME:begin -->` ... `<!-- catalogue:NAME:end -->`), each on the page of its
subject (regimes and components in docs/regimes.md, steps in docs/year.md, measures in
docs/comparing.md, experiments in docs/validation.md, outputs in docs/outputs.md, and
docs/parameters.md, docs/columns.md); they are written from the registries, never by hand:

    python -m migsim.catalogue --write docs/*.md
    python -m migsim.catalogue --check docs/*.md

A file without markers is left as it is, so the whole folder can be named.

Only what ships with migsim is listed (a plug-in installed beside it does not change the
project's own documents).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import yaml


def _first_line(text: str) -> str:
    """The first sentence of a docstring, on one line."""
    para = " ".join((text or "").strip().split("\n\n")[0].split())
    head, dot, _ = para.partition(". ")
    return head + ("." if dot else "")


def _shipped(module: str) -> bool:
    return module == "migsim" or module.startswith("migsim.")


def components() -> str:
    """Regime components: kind, keys and what the component does."""
    from migsim.regimes.registry import _COMPONENTS, available

    available()  # imports every module of the package, so each registers itself
    lines = ["| component | keys | what it does |", "|---|---|---|"]
    for kind, spec in sorted(_COMPONENTS.items()):
        if not _shipped(spec.apply.__module__):
            continue
        keys = ", ".join(f"`{k}`" for k in spec.keys) or "none"
        lines.append(f"| `{kind}` | {keys} | {_first_line(spec.doc)} |")
    return "\n".join(lines)


def regimes() -> str:
    """The named regimes shipped in configs/regime/ and their components."""
    from migsim.core.resources import config_dir

    lines = ["| regime | components |", "|---|---|"]
    for path in sorted((config_dir() / "regime").glob("*.yaml")):
        conf = yaml.safe_load(path.read_text()) or {}
        parts = []
        for c in conf.get("components") or []:
            args = ", ".join(f"{k}: {v}" for k, v in c.items() if k != "kind")
            parts.append(f"`{c['kind']}`" + (f" ({args})" if args else ""))
        lines.append(f"| `{path.stem}` | {'; '.join(parts) or 'none (the status quo)'} |")
    return "\n".join(lines)


def steps() -> str:
    """Steps of the yearly loop: what each reads and writes, and the columns it adds."""
    from migsim.steps.registry import available

    lines = ["| step | reads | writes | adds to `regions` |", "|---|---|---|---|"]
    for name, cls in available().items():
        if not isinstance(cls, type) or not _shipped(cls.__module__):
            continue
        cols = ", ".join(f"`{c}`" for c in cls.columns) or "none"
        lines.append(
            f"| `{name}` | {', '.join(cls.reads) or 'none'} | "
            f"{', '.join(cls.writes) or 'none'} | {cols} |"
        )
    return "\n".join(lines)


def measures() -> str:
    """Output measures of the comparison: name, unit, meaning, whether the report shows it."""
    from migsim.analysis.measures import registered

    lines = ["| measure | unit | meaning | in the report |", "|---|---|---|---|"]
    for name, m in registered().items():
        if not _shipped(m.compute.__module__):
            continue
        lines.append(f"| `{name}` | {m.unit} | {m.doc} | {'yes' if m.report else 'no'} |")
    return "\n".join(lines)


def experiments() -> str:
    """Validation experiments: name, cost, run configs, checks by evidence tier and title."""
    from migsim.validation.registry import TIERS, registered

    lines = [
        "| experiment | cost | run configs | checks by tier | title |",
        "|---|---|---|---|---|",
    ]
    for name, exp in registered().items():
        if not _shipped(exp.fn.__module__):
            continue
        configs = ", ".join(f"`{c}`" for c in exp.configs) or "none"
        tiers = [exp.tier_of(q)[0] for q in exp.quantities]
        counts = ", ".join(f"{tiers.count(t)} {t}" for t in TIERS if tiers.count(t))
        lines.append(f"| {name} | {exp.cost} | {configs} | {counts} | {exp.title} |")
    return "\n".join(lines)


def parameters() -> str:
    """Every run parameter: name, default, allowed values and meaning."""
    from migsim.config import parameters as declared
    from migsim.core.params import default_text

    lines = ["| parameter | default | allowed | meaning |", "|---|---|---|---|"]
    for p in declared():
        default = f"`{default_text(p['default'])}`" if p["default"] != "" else ""
        lines.append(f"| `{p['name']}` | {default} | {p['allowed']} | {p['doc']} |")
    return "\n".join(lines)


def _shipped_steps() -> list:
    """The shipped step classes, those of the default `steps` setting first, in its order
    (the order of a default run's `regions` columns)."""
    from migsim.core.resources import config_dir
    from migsim.steps.registry import available

    default = (yaml.safe_load((config_dir() / "config.yaml").read_text()) or {}).get("steps")
    order = {name: i for i, name in enumerate(default or [])}
    shipped = [
        (name, cls)
        for name, cls in available().items()
        if isinstance(cls, type) and _shipped(cls.__module__)
    ]
    shipped.sort(key=lambda item: (order.get(item[0], len(order)), item[0]))
    return [cls for _, cls in shipped]


def columns() -> str:
    """Every output table's columns: unit and meaning, as declared
    (`migsim.runtime.columns`)."""
    from migsim.runtime.columns import declared

    steps = _shipped_steps()
    parts = []
    for table, cols in declared(steps).items():
        lines = [f"## `{table}.parquet`", "", "| column | unit | meaning |", "|---|---|---|"]
        for name, col in cols.items():
            lines.append(f"| `{name}` | {col.unit or '(label)'} | {col.doc} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def outputs() -> str:
    """The output tables: what a row is and every column, in order."""
    from migsim.runtime.columns import ROWS, declared

    steps = _shipped_steps()
    rows = dict(ROWS)
    for cls in steps:
        rows.update(cls.tables)
    lines = ["| table | rows | columns |", "|---|---|---|"]
    for table, cols in declared(steps).items():
        names = ", ".join(f"`{c}`" for c in cols)
        lines.append(f"| `{table}.parquet` | {rows.get(table, '')} | {names} |")
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "components": components,
    "regimes": regimes,
    "steps": steps,
    "measures": measures,
    "experiments": experiments,
    "parameters": parameters,
    "columns": columns,
    "outputs": outputs,
}


def render(text: str) -> str:
    """`text` with every catalogue block regenerated."""
    out = text
    for name, make in TABLES.items():
        begin, end = f"<!-- catalogue:{name}:begin -->", f"<!-- catalogue:{name}:end -->"
        start = 0
        while (i := out.find(begin, start)) >= 0:
            j = out.find(end, i)
            if j < 0:
                raise ValueError(f"catalogue block '{name}' has no end marker")
            out = out[: i + len(begin)] + "\n" + make() + "\n" + out[j:]
            start = out.find(end, i) + len(end)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: python -m migsim.catalogue --write|--check FILE... (the generated catalogue "
        "blocks: parameters, columns, measures, experiments; --check exits 1 when stale)"
    )
    if args[:1] in (["--help"], ["-h"]):
        print(usage)
        return 0
    if not args or args[0] not in ("--write", "--check") or len(args) < 2:
        print(usage, file=sys.stderr)
        return 2
    stale = []
    for name in args[1:]:
        path = Path(name)
        if not path.is_file():
            print(f"migsim.catalogue: {name}: no such file (allowed: a document)", file=sys.stderr)
            return 2
        text = path.read_text()
        new = render(text)
        if new != text:
            stale.append(name)
            if args[0] == "--write":
                path.write_text(new)
    verb = "rewrote" if args[0] == "--write" else "out of date"
    for name in stale:
        print(f"migsim catalogue: {name}: {verb}")
    return 1 if stale and args[0] == "--check" else 0


if __name__ == "__main__":
    sys.exit(main())
