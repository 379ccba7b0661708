"""Reading and comparing runs: `runs` (the one reader of a run directory), `measures` (the
output measures, registered by declaration), `compare` (each run against its baseline),
`report` (comparison.parquet, report.md and report.html) and `collect` (a sweep's runs as one
partitioned dataset)."""
