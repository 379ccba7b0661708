"""Generated blocks of a document: the text between a begin and an end marker is written by
a command (`migsim validate --readme`, `migsim world report --readme`), and the same command
with a check flag compares instead of writing, so CI can tell a stale document."""

from __future__ import annotations

from pathlib import Path

from migsim.core.errors import InputError


def replace_block(text: str, begin: str, end: str, body: str) -> str:
    """`text` with what lies between the first `begin` and the next `end` set to `body`."""
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def sync_blocks(
    path: Path | str, blocks: list[tuple[str, str, str, bool]], check: bool, what: str
) -> bool:
    """Rewrite (or, with `check`, compare) the blocks (begin, end, body, required) of `path`;
    True if they were already up to date. A required block whose markers are missing is one
    InputError naming the file; an optional one is skipped."""
    text = Path(path).read_text()
    new = text
    for begin, end, body, required in blocks:
        if begin in new and end in new:
            new = replace_block(new, begin, end, body)
        elif required:
            raise InputError(str(path), f"has no generated {what} block", begin)
    if new == text:
        return True
    if not check:
        Path(path).write_text(new)
    return False


def write_or_check(argv: list[str] | None, prog: str, label: str, sync) -> int:
    """The command line of a module that owns generated blocks: `--write FILE [FILE ...]`
    rewrites them, `--check FILE [FILE ...]` exits 1 when any is stale. `sync(path, check)`
    returns True if they were up to date; `label` ("NAME: {path}'s blocks are") starts each
    file's status line (stderr)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog=prog)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="FILE", nargs="+")
    group.add_argument("--check", metavar="FILE", nargs="+")
    ns = parser.parse_args(argv)
    stale = False
    for path in ns.write or ns.check:
        current = sync(path, bool(ns.check))
        state = "up to date" if current else ("stale" if ns.check else "rewritten")
        print(label.format(path=path) + f" {state}", file=sys.stderr)
        stale |= not current
    return 1 if ns.check and stale else 0
