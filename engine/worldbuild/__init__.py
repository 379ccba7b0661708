"""Worlds built from country-level data: `migsim world build`.

A mapping file (country ISO3 -> model area) and the committed inputs under
`engine/data/inputs/` give a world directory of the loader's tables, with a provenance row
for every value (`provenance.csv`) and a summary of what was assumed or imputed
(`provenance_summary.md`). The modules: `inputs` (reading the inputs), `mapping` (mapping
files and the three shipped ones), `regions` (regions.csv), `pairs` (the bilateral tables),
`assumed` (values taken from the hand-typed default world), `provenance`, `build` (the
pipeline and its files) and `cli` (the `migsim world` command).
"""

from migsim.worldbuild.build import build_world

__all__ = ["build_world"]
