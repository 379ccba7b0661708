"""Example behaviour plug-ins for migsim (see README.md).

Kept light on purpose: the plug-ins live in `migsim_example.behaviour` (which imports numba)
and are loaded only when migsim asks for them through the `migsim.behaviours` entry points.
"""

__version__ = "0.1.0"
