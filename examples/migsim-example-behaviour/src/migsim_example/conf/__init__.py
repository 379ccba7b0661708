"""Hydra configs of the example plug-ins (`pkg://migsim_example.conf`, group `behaviour`)."""
