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


def _numba_cache_outside_the_install() -> None:
    """An installed migsim keeps numba's compiled kernels in the user cache, not beside its
    modules: nothing is ever written into the install tree. A source checkout keeps them in
    place (`make clean-cache` removes them). The user's own NUMBA_CACHE_DIR wins."""
    here = _Path(__file__).resolve()
    if "NUMBA_CACHE_DIR" in _os.environ or not any(
        part in ("site-packages", "dist-packages") for part in here.parts
    ):
        return
    from migsim.core.resources import cache_dir

    _os.environ["NUMBA_CACHE_DIR"] = str(cache_dir() / "numba")
    if "numba" in _sys.modules:  # numba read its settings already
        _sys.modules["numba"].config.CACHE_DIR = _os.environ["NUMBA_CACHE_DIR"]


_numba_cache_outside_the_install()

from migsim.analysis.runs import Result, load_run  # noqa: E402
from migsim.api import build_simulation, compare, compose, parameters, run  # noqa: E402
from migsim.core.errors import InputError  # noqa: E402

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
