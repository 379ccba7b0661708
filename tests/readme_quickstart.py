"""Run the README's quick start as a reader types it, on a fresh clone.

The README's shell blocks marked `<!-- quickstart -->` are run in order, in one bash session
(so `source .venv/bin/activate` in one block holds for the next, as in a terminal), in a
fresh clone of the committed state in a temporary directory: `make run` there builds its own
`.venv` and compiles the kernels, as on a new machine. Exits 0 when every command did, else
names the block that failed. CI runs it after the tests; it is not a pytest module, since it
builds a second environment (about 2-3 min).

    .venv/bin/python tests/readme_quickstart.py [--rev HEAD] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!-- quickstart -->\s*```bash\n(.*?)```", re.S)


def quickstart_blocks(readme: str) -> list[str]:
    """The bash blocks of the README right after a `<!-- quickstart -->` comment, in order."""
    return MARKER.findall(readme)


def session_script(blocks: list[str]) -> str:
    """One bash script running the blocks in order and stopping at the first failing
    command, with the number of its block on stderr."""
    lines = ["set -eo pipefail", "trap 'echo \"quickstart: block $block failed\" >&2' ERR"]
    for i, block in enumerate(blocks, 1):
        lines += [f"block={i}", f"echo '--- quickstart block {i}'", block.rstrip("\n")]
    return "\n".join(lines) + "\n"


def clean_environment() -> dict[str, str]:
    """This process's environment without the repository's own virtual environment, so that
    the clone's commands find only what its quick start installs."""
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    own = {str(ROOT / ".venv" / "bin")} | ({str(Path(venv) / "bin")} if venv else set())
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p not in own)
    env.pop("PYTHONPATH", None)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--keep", action="store_true", help="keep the clone and print its path")
    ns = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="migsim-quickstart-"))
    clone = tmp / "migsim"
    t0 = time.perf_counter()
    try:
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(clone)], check=True)
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", ns.rev],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
        blocks = quickstart_blocks((clone / "README.md").read_text())
        if not blocks:
            print("quickstart: the README has no <!-- quickstart --> bash block", file=sys.stderr)
            return 1
        script = session_script(blocks)
        done = subprocess.run(["bash", "-c", script], cwd=clone, env=clean_environment())
        took = time.perf_counter() - t0
        if done.returncode != 0:
            print(f"quickstart: exit {done.returncode} after {took:.0f} s", file=sys.stderr)
            return 1
        print(f"quickstart: {len(blocks)} README blocks ran on a fresh clone in {took:.0f} s")
        return 0
    finally:
        if ns.keep:
            print(f"quickstart: clone kept at {clone}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
