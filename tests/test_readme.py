"""The README is a quick start that works as typed, and the documentation around it holds
together: the pages it links to exist, the site lists every page, the citation file is valid
CFF 1.2.0 in its required parts, and the licence page names every data input.

The quick start itself is run on a fresh clone by tests/readme_quickstart.py (in CI); these
checks are the quick, static part."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.readme_quickstart import quickstart_blocks, session_script

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


def test_readme_keeps_the_two_set_up_commands():
    assert "make run     # creates .venv on first use, then runs the default job" in README
    assert "make test    # creates .venv on first use, then runs the test suite" in README


def test_quickstart_starts_with_make_run_and_activates_before_bare_commands():
    blocks = quickstart_blocks(README)
    assert len(blocks) >= 3
    assert blocks[0].split("#")[0].strip() == "make run"
    for block in blocks[1:]:
        commands = [ln.strip() for ln in block.splitlines() if ln.strip()]
        bare = [c for c in commands if re.match(r"(migsim|python)\b", c)]
        if bare:
            # said in the block itself: a reader may start from any of them
            assert commands[0].startswith("source .venv/bin/activate"), block
    assert "make test" not in "".join(blocks)  # the whole suite is not part of the quick start


def test_session_script_names_the_failing_block():
    script = session_script(["true\n", "false\n"])
    assert script.index("block=1") < script.index("true") < script.index("block=2")
    assert "quickstart: block $block failed" in script


def test_readme_links_point_to_files_of_the_repository():
    targets = re.findall(r"\]\(([^)#\s]+)\)", README)
    assert "docs/validation.md" in targets
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert not missing, missing


def test_readme_mentions_no_development_history():
    words = re.compile(r"\b(issue|round|session|helper|sprint|milestone|ticket)s?\b", re.I)
    hits = [ln for ln in README.splitlines() if words.search(ln)]
    assert not hits, hits


def test_every_page_is_in_the_sites_table_of_contents():
    index = (DOCS / "index.md").read_text()
    listed = set(re.findall(r"^([\w-]+)$", index, re.M))
    pages = {p.stem for p in DOCS.glob("*.md")} - {"index"}
    pages |= {p.stem for p in DOCS.glob("*.ipynb")}
    assert pages <= listed, sorted(pages - listed)
    assert not listed - pages, sorted(listed - pages)


def test_citation_file_has_the_required_cff_1_2_0_fields():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"]
    assert isinstance(cff["title"], str) and cff["title"]
    assert cff["authors"] and all(
        isinstance(a, dict) and ("name" in a or "family-names" in a) for a in cff["authors"]
    )
    assert cff.get("type", "software") in ("software", "dataset")
    assert cff["license"] == "MIT"
    assert str(cff["version"]) in (ROOT / "pyproject.toml").read_text()


def test_licence_page_names_every_data_input():
    page = (DOCS / "licence.md").read_text()
    inputs = [p.parent.name for p in (ROOT / "engine/data/inputs").glob("*/provenance.json")]
    assert inputs
    assert all(f"| `{name}` |" in page for name in inputs)
    assert "MIT" in (ROOT / "LICENSE").read_text()


def _doc_commands(page: Path) -> list[str]:
    """The `migsim` command lines of a page's code blocks, continuation lines joined."""
    out = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", page.read_text(), re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"^\$ |^\.venv/bin/", "", line.strip())
            if line.startswith("migsim "):
                out.append(line)
    return out


def test_documented_commands_work_when_copied_line_by_line():
    """A line break inside a quoted override reaches Hydra as part of the value (it refuses
    it), and `migsim world install` refuses a shipped world's name: no page shows either."""
    import shlex

    from migsim.worldbuild.build import SHIPPED

    bad = []
    for page in sorted(DOCS.glob("*.md")):
        for line in _doc_commands(page):
            try:
                words = shlex.split(line, comments=True)
            except ValueError:  # a quote left open at the end of the line
                bad.append(f"{page.name}: {line}")
                continue
            if words[1:3] == ["world", "install"] and "--name" in words:
                if words[words.index("--name") + 1] in SHIPPED:
                    bad.append(f"{page.name}: {line}")
    assert not bad, bad
