"""What a first run tells its user: numba compiles the kernels (a cold cache), a world is
calibrated on the fly. Both take long enough (about a minute, a few seconds) that a silent
terminal looks like a hang, so each gets one line on stderr before it starts.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from pathlib import Path

log = logging.getLogger("migsim.run")

COMPILING = "migsim: compiling numba kernels (first run only, 1-2 min)..."


def _dispatchers():
    """migsim's cached numba functions (every kernel is jitted with cache=True)."""
    import migsim.kernels as kernels

    for info in pkgutil.iter_modules(kernels.__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"migsim.kernels.{info.name}")
        for obj in vars(module).values():
            cache = getattr(obj, "_cache", None)
            if getattr(obj, "__module__", None) == module.__name__ and hasattr(
                cache, "_cache_file"
            ):
                yield obj


def cold_cache() -> bool:
    """True when numba's cache holds none of migsim's kernels (a fresh install, a changed
    kernel source, a new NUMBA_CACHE_DIR, or `make clean-cache`): the first year compiles
    them. A kernel compiled in this process already does not count."""
    found = False
    for dispatcher in _dispatchers():
        found = True
        if dispatcher.signatures:
            return False
        index = Path(dispatcher._cache._cache_file._index_path)
        if index.is_file():
            return False
    return found


def compile_notice() -> bool:
    """Print the compile notice when the cache is cold; True if it was printed."""
    try:
        cold = cold_cache()
    except Exception:  # noqa: BLE001  (numba internals moved: say nothing rather than fail)
        return False
    if cold:
        log.info(COMPILING)
        print(COMPILING, file=sys.stderr, flush=True)
    return cold
