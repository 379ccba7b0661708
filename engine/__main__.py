"""`python -m migsim`: the `migsim` command."""

from migsim.cli import main

main()
