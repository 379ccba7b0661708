"""Input errors that end a run with one clear line and exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class InputError(Exception):
    """Bad user input: a config value, a data file, or a plug-in's output.

    The message is one line that names what is wrong and what is allowed.
    """

    exit_code = 2

    def __init__(self, where: str, problem: str, allowed: str | None = None):
        self.where = where
        self.problem = problem
        self.allowed = allowed
        text = f"{where}: {problem}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)


class PluginOutputError(Exception):
    """A plug-in's output migsim cannot use, found where it is used (inside a shard); the
    migration step reports it as an InputError naming the plug-in and the year."""


def own_code(obj: object) -> bool:
    """Whether `obj` (a function, method or class) is migsim's own code, not a plug-in's."""
    module = getattr(obj, "__module__", None) or type(obj).__module__ or ""
    return module.split(".")[0] == "migsim"


def plugin_failure(where: str, exc: BaseException) -> InputError:
    """The one-line InputError for a plug-in's code that raised `exc` (its code, not
    migsim's: exit code 2, naming the plug-in)."""
    text = " ".join(str(exc).split())
    return InputError(where, f"raised {type(exc).__name__}" + (f": {text}" if text else ""))


@contextmanager
def plugin_code(fn: object, where: str) -> Iterator[None]:
    """Around a call of `fn`: when it is a plug-in's code (not migsim's own), what it raises
    becomes `plugin_failure(where, ...)`; an InputError or running out of memory passes as
    it is, and migsim's own exceptions stay bugs."""
    if own_code(fn):
        yield
        return
    try:
        yield
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001  (anything the plug-in's own code raises)
        raise plugin_failure(where, exc) from None
