"""Package layout: engine/ installs as `migsim`, kernels/ as `migsim.kernels` and configs/ as
`migsim.configs` (package data). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

packages = ["migsim", "migsim.kernels", "migsim.configs"]
packages += ["migsim." + p for p in find_packages("engine")]
packages += ["migsim.kernels." + p for p in find_packages("kernels")]

setup(
    packages=packages,
    package_dir={"migsim": "engine", "migsim.kernels": "kernels", "migsim.configs": "configs"},
    package_data={
        "migsim": [
            "data/*.md",
            "data/*/*.csv",
            "data/*/*.json",
            "data/*/*.json.gz",
            "data/*/*.md",
            "data/*/*.txt",
            "data/*/*.csv.gz",
            "data/inputs/*/*.csv",
            "data/inputs/*/*.csv.gz",
            "data/inputs/*/*.json",
            "analysis/report/templates/*.j2",
        ],
        "migsim.configs": ["*.yaml", "*/*.yaml", "*/*/*.yaml"],
    },
)
