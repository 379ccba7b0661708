"""Hydra callbacks. `SweepLayout` names a multirun's run directories by the swept keys
(`regime=free_mobility/seed=2/`, engine/runtime/sweeps.py); `CompareCallback` writes the
regime comparison (engine/analysis/compare.py and report.py) of a multirun into its sweep
directory when the multirun ends; `RunDirParents` notes which ancestors of a single run's
directory Hydra makes, so that a refused run removes them.

Enabled in configs/config.yaml (`hydra.callbacks.compare`); single runs are unaffected (only
`on_multirun_end` is implemented). Change the baseline with
`hydra.callbacks.compare.baseline=NAME`, switch it off with `hydra.callbacks.compare.enabled=false`.
`on_multirun_end` receives only the config (ecosystem.md A5), so it scans
`config.hydra.sweep.dir` (relative to the launch directory).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from migsim.runtime import sweeps  # registers the sweep_subdir resolver in every job's process


class SweepLayout(Callback):
    """Hive-partitioned multirun directories: one `key=value` segment per swept key.

    Switch it off (Hydra's job numbers) with `hydra.callbacks.sweep_layout.hive=false`; a
    `hydra.sweep.subdir` of one's own also wins."""

    def __init__(self, hive: bool = True) -> None:
        self.hive = hive

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        from omegaconf import OmegaConf, read_write

        if not self.hive:
            return
        subdir = OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir")
        if subdir != sweeps.DEFAULT_SUBDIR:
            return
        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        params = OmegaConf.select(config, "hydra.sweeper.params", default=None)
        params = OmegaConf.to_container(params, resolve=False) if params is not None else None
        keys = sweeps.swept_keys(task, params)
        if not keys:
            return
        # every job's config is composed again from these overrides (in the launcher's
        # process or a worker's), so the subdir travels as one of them
        with read_write(config.hydra):
            config.hydra.overrides.hydra.append(f"hydra.sweep.subdir={sweeps.hive_subdir(keys)}")


class RunDirParents(Callback):
    """Notes which ancestors of a single run's directory Hydra is about to make, so that a
    run refused for bad input leaves none of them behind (`rundirs.remove_made_parents`)."""

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        from migsim.runtime import rundirs

        rundirs.note_missing_parents(config.hydra.run.dir)


class CompareCallback(Callback):
    def __init__(self, baseline: str = "status_quo", enabled: bool = True) -> None:
        self.baseline = baseline
        self.enabled = enabled

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        from migsim.analysis.compare import headline
        from migsim.analysis.report import write_comparison
        from migsim.core.errors import InputError

        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            result = write_comparison(sweep_dir, self.baseline)
        except InputError as exc:
            print(f"migsim compare: skipped: {exc}", file=sys.stderr)
            return
        except Exception as exc:  # never turn a finished sweep into a failure
            print(f"migsim compare: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        text = headline(result.table, self.baseline, result.reference)
        if text:
            print(text)
        print(f"migsim compare: wrote {result.out_dir / 'report.md'}", file=sys.stderr)
