"""migsim: a microsimulation engine for comparing international labour-mobility regimes.

    import migsim

    result = migsim.run(["world=toy", "population.size=20000", "years=5"])
    result.regions                      # polars DataFrame: year x region
    result.lazy("stocks")               # polars LazyFrame
    migsim.compare([result, migsim.run([..., "regime=free_mobility"])])

Public names: `run`, `compose`, `build_simulation`, `load_run`, `compare`, `parameters`,
`Result`, `InputError` and `__version__`. The command `migsim` (`migsim --help`) runs the
same code.
"""

from __future__ import annotations

import os as _os
import sys as _sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from pathlib import Path as _Path

# NumPy's dispatched loops for AVX-512 (its x86-64-v4 and later targets, by the names of
# NumPy 2.4 and 2.5): exp, log, power and others give results there that differ in the
# last bit from the AVX2 loops, and a last bit moves every figure downstream
_NUMPY_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"
_NUMPY_CHOICE = ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")


def _same_numpy_loops_on_every_machine() -> None:
    """Same seed, same bytes on any x86-64 machine: NumPy's AVX-512 loops are turned off
    for this process and the processes it starts (shards, sweeps, subprocesses), so a
    machine with AVX-512 computes what a machine with AVX2 computes. NumPy reads the setting
    once, when it is first imported, so this runs before migsim imports NumPy; the user's
    own choice of NumPy's CPU features wins. `numpy_loops_are_portable` says whether it
    took effect (not when NumPy was imported before migsim on an AVX-512 machine)."""
    import platform

    if any(name in _os.environ for name in _NUMPY_CHOICE) or "numpy" in _sys.modules:
        return
    if platform.machine().lower() in ("x86_64", "amd64"):
        _os.environ["NPY_DISABLE_CPU_FEATURES"] = _NUMPY_AVX512


def numpy_loops_are_portable() -> bool:
    """False when NumPy runs its AVX-512 loops in this process (NumPy imported before
    migsim on a machine that has AVX-512, with no choice of CPU features by the user):
    results may then differ from other machines' in the last bits."""
    if any(_os.environ.get(name) not in (None, _NUMPY_AVX512) for name in _NUMPY_CHOICE):
        return True  # the user's own choice
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # another NumPy layout: nothing to say
        return True
    return not any(__cpu_features__.get(name, False) for name in _NUMPY_AVX512.split())


_same_numpy_loops_on_every_machine()


def kernel_source_key(kernels_dir) -> str:
    """A short hash of the kernels' sources (every .py file under `kernels_dir`, by relative
    path and content) and of MIGSIM_VECTOR_DRAWS, which chooses between two compiled paths:
    the name of the numba cache directory that holds code compiled from exactly them."""
    import hashlib

    root = _Path(kernels_dir)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(("MIGSIM_VECTOR_DRAWS=" + _os.environ.get("MIGSIM_VECTOR_DRAWS", "")).encode())
    return digest.hexdigest()[:16]


def numba_cache_root(kernels_dir) -> _Path:
    """Where the numba caches of every version of the kernels live: `.numba-cache/` beside
    the kernels in a source checkout, the user cache's `numba/` for an installed migsim
    (nothing is ever written into the install tree)."""
    here = _Path(kernels_dir).resolve()
    if any(part in ("site-packages", "dist-packages") for part in here.parts):
        from migsim.core.resources import cache_dir

        return cache_dir() / "numba"
    return here.parent / ".numba-cache"


def kernel_cache_dir(kernels_dir) -> _Path:
    """The numba cache directory of the kernels under `kernels_dir` as they are now:
    `numba_cache_root` / `kernel_source_key`."""
    return numba_cache_root(kernels_dir) / kernel_source_key(kernels_dir)


def _numba_cache_keyed_by_the_kernels() -> None:
    """numba's compiled kernels go to a directory named by `kernel_source_key`. numba keys
    a cached function by its own file's time stamp only, so a kernel that inlines a
    function of another module (the fused passes call the decisions' and the labour
    supply's loops) kept its old code after that module changed: results that were not the
    source's, silently. Any change to any kernel file now compiles every kernel afresh
    (about a minute). `make clean-cache` removes the checkout's caches. The user's own
    NUMBA_CACHE_DIR wins (its caches are then the user's to clear)."""
    import importlib.util

    if "NUMBA_CACHE_DIR" in _os.environ:
        return
    spec = importlib.util.find_spec("migsim.kernels")
    if spec is None or not spec.submodule_search_locations:
        return
    cache = kernel_cache_dir(list(spec.submodule_search_locations)[0])
    _os.environ["NUMBA_CACHE_DIR"] = str(cache)
    if "numba" in _sys.modules:  # numba read its settings already
        _sys.modules["numba"].config.CACHE_DIR = _os.environ["NUMBA_CACHE_DIR"]


_numba_cache_keyed_by_the_kernels()

from migsim.analysis.runs import Result, load_run  # noqa: E402
from migsim.api import build_simulation, compare, compose, parameters, run  # noqa: E402
from migsim.core.errors import InputError  # noqa: E402

if not numpy_loops_are_portable():
    import warnings as _warnings

    _warnings.warn(
        "NumPy was imported before migsim on a CPU with AVX-512, so it runs its AVX-512 "
        "loops, whose results differ in the last bits from other machines'; import migsim "
        f"first, or set NPY_DISABLE_CPU_FEATURES='{_NUMPY_AVX512}' before starting Python",
        RuntimeWarning,
        stacklevel=2,
    )

try:
    __version__ = _version("migsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "InputError",
    "Result",
    "__version__",
    "build_simulation",
    "compare",
    "compose",
    "load_run",
    "parameters",
    "run",
]
