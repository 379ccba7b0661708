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

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from migsim.analysis.runs import Result, load_run
from migsim.api import build_simulation, compare, compose, parameters, run
from migsim.core.errors import InputError

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
