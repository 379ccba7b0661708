"""migsim's benchmarks. migsim is imported first, before anything imports NumPy, so that the
benchmarks run NumPy's loops as a migsim run does (`migsim._same_numpy_loops_on_every_machine`)."""

import migsim  # noqa: F401
