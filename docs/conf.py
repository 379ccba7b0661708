"""Sphinx configuration of migsim's documentation site (`make docs`).

The pages are the Markdown files beside this one, read by MyST; the notebook is shown with
its stored outputs and not executed here (tests/test_notebook.py runs it). The build is
strict (`-W --keep-going` in the Makefile), so a broken link or a page left out of the
table of contents fails it."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

project = "migsim"
author = "The migsim developers"
copyright = "2026, The migsim developers"
try:
    release = _version("migsim")
except PackageNotFoundError:  # building from a checkout without migsim installed
    release = ""

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"migsim {release}".strip()
