"""The shape of the package: no module over 500 lines, no import cycle at module level,
and no reference to a document the repository does not hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"migsim": ROOT / "engine", "migsim.kernels": ROOT / "kernels"}
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for prefix, root in SOURCES.items():
        for path in root.rglob("*.py"):
            rel = path.relative_to(root).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([prefix, *parts])
            if prefix == "migsim" and parts[:1] == ["kernels"]:
                continue
            out[name] = path
    return out


def _top_level_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """migsim modules imported when `path` is imported (imports inside functions are not)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name in modules:
                found.add(name)
    return found


def test_no_module_is_over_500_lines():
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_import_cycle_at_module_level():
    modules = _modules()
    graph = {name: _top_level_imports(path, modules) - {name} for name, path in modules.items()}
    # a module also imports its parent packages
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_reference_to_documents_outside_the_repository():
    pattern = re.compile(r"economics\.md|shared/reference|DESIGN\.md|STYLE\.md")
    hits = []
    for folder in ("engine", "kernels", "configs", "tests", "benches", "docs", "examples"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".md", ".yaml", ".toml", ".ipynb"} and path.is_file():
                if path == Path(__file__):
                    continue
                for i, line in enumerate(path.read_text().splitlines(), 1):
                    if pattern.search(line):
                        hits.append(f"{path.relative_to(ROOT)}:{i}")
    readme = (ROOT / "README.md").read_text().splitlines()
    hits += [f"README.md:{i}" for i, line in enumerate(readme, 1) if pattern.search(line)]
    assert not hits, hits


def test_test_modules_have_unique_basenames():
    """pytest imports test modules by basename (rootdir, no packages): two files of one name
    in tests/ and a subfolder stop the whole collection."""
    tests = Path(__file__).resolve().parent
    seen: dict[str, Path] = {}
    for path in sorted(tests.rglob("test_*.py")):
        assert path.name not in seen, f"{path} and {seen[path.name]} share a basename"
        seen[path.name] = path
