"""Adds this package's configs to Hydra's search path, so `behaviour=example_*` works.

Hydra imports every module under the `hydra_plugins` namespace when any Hydra application
starts, so this module imports nothing but Hydra (in particular not numba or migsim).
"""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class MigsimExampleSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        # Appended: the application's own configs/ keep precedence over ours.
        search_path.append(provider="migsim-example-behaviour", path="pkg://migsim_example.conf")
