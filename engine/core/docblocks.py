"""Generated blocks of a document: the text between a begin and an end marker is written by
a command (`migsim validate --readme`, `migsim world report --readme`), and the same command
with a check flag compares instead of writing, so CI can tell a stale document."""

from __future__ import annotations

from pathlib import Path

from migsim.core.errors import InputError


def _whole_or_none(path: Path | str, text: str, begin: str, end: str, what: str) -> None:
    """Refuse a block with one marker and not the other, or its end before its begin."""
    halves = (begin in text, end in text)
    if any(halves) and (not all(halves) or text.index(end) < text.index(begin)):
        problem = f"has half a generated {what} block (a marker without the other)"
        raise InputError(str(path), problem, f"{begin} ... {end}")


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
    InputError naming the file; an optional one is skipped, unless it is half there (one
    marker without the other, or the end before the begin), which is refused too."""
    text = Path(path).read_text()
    new = text
    for begin, end, body, required in blocks:
        _whole_or_none(path, text, begin, end, what)
        if begin in new and end in new:
            new = replace_block(new, begin, end, body)
        elif required:
            raise InputError(str(path), f"has no generated {what} block", begin)
    if new == text:
        return True
    if not check:
        Path(path).write_text(new)
    return False


def sync_present(path: Path | str, makers: dict, check: bool, what: str) -> bool:
    """Rewrite (or, with `check`, compare) the blocks whose begin and end markers `path` has,
    of `makers` {(begin, end): function returning the body}; a body is made only when its
    block is there (one command serves a docs page and the README's summary of it). A file
    with none of them, or with a block's begin marker and not its end after it (or its end
    and not its begin), is one InputError naming the marker."""
    text = Path(path).read_text()
    for begin, end in makers:
        _whole_or_none(path, text, begin, end, what)
    present = [(b, e, make(), True) for (b, e), make in makers.items() if b in text and e in text]
    if not present:
        raise InputError(str(path), f"has no generated {what} block", next(iter(makers))[0])
    return sync_blocks(path, present, check, what)


def write_or_check(argv: list[str] | None, prog: str, label: str, sync) -> int:
    """The command line of a module that owns generated blocks: `--write FILE [FILE ...]`
    rewrites them, `--check FILE [FILE ...]` exits 1 when any is stale; a missing file, or one
    without the markers, is one line and exit 2 (the files before it stay written).
    `sync(path, check)` returns True if they were up to date; `label` ("NAME: {path}'s
    blocks are") starts each file's status line (stderr)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog=prog)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="FILE", nargs="+")
    group.add_argument("--check", metavar="FILE", nargs="+")
    ns = parser.parse_args(argv)
    stale = False
    for path in ns.write or ns.check:
        if not Path(path).is_file():
            print(
                f"{prog}: {path}: no such file (allowed: a document with its markers)",
                file=sys.stderr,
            )
            return InputError.exit_code
        try:
            current = sync(path, bool(ns.check))
        except InputError as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return exc.exit_code
        state = "up to date" if current else ("stale" if ns.check else "rewritten")
        print(label.format(path=path) + f" {state}", file=sys.stderr)
        stale |= not current
    return 1 if ns.check and stale else 0
