"""`migsim validate --readme / --check-readme FILE...`: the validation table goes to the
page that has its markers (docs/validation.md) and the one-paragraph headline to the file that
has its own (the README); a file with neither is refused, naming the file."""

from __future__ import annotations

import polars as pl
import pytest

from migsim.core.errors import InputError
from migsim.validation import report

TABLE = f"intro\n{report.README_BEGIN}\nold table\n{report.README_END}\nafter\n"
HEADLINE = f"# title\n{report.HEADLINE_BEGIN}\nold line\n{report.HEADLINE_END}\nrest\n"


@pytest.fixture
def frame(monkeypatch) -> pl.DataFrame:
    monkeypatch.setattr(report, "readme_table", lambda frame: "TABLE OF THIS RUN")
    monkeypatch.setattr(report, "headline", lambda frame: "HEADLINE OF THIS RUN.")
    monkeypatch.setattr(report, "summaries", lambda frame: ["E8 BOTH WAYS OF THIS RUN."])
    return pl.DataFrame({"experiment": ["E1", "E2"]})


def test_each_file_gets_the_blocks_it_has_markers_for(tmp_path, frame):
    page, readme = tmp_path / "validation.md", tmp_path / "README.md"
    page.write_text(TABLE)
    readme.write_text(HEADLINE)
    assert not report.sync_readme(page, frame, check=True)  # stale, and left as it was
    assert page.read_text() == TABLE
    assert not report.sync_readme(page, frame, check=False)
    assert not report.sync_readme(readme, frame, check=False)
    assert (
        page.read_text()
        == f"intro\n{report.README_BEGIN}\nTABLE OF THIS RUN\n{report.README_END}\nafter\n"
    )
    line = readme.read_text().split("\n")[2]
    assert line.startswith("**Validation** (2 checks against published figures): HEADLINE OF")
    assert "docs/validation.md" in line
    # the experiments' sentences (E8's static and dynamic readings) follow the headline
    assert readme.read_text().split("\n")[4] == "E8 BOTH WAYS OF THIS RUN."
    assert report.sync_readme(page, frame, check=True)
    assert report.sync_readme(readme, frame, check=True)


def test_a_file_without_either_block_is_refused(tmp_path, frame):
    other = tmp_path / "other.md"
    other.write_text("no markers\n")
    with pytest.raises(InputError, match="other.md"):
        report.sync_readme(other, frame, check=True)


def test_the_command_takes_several_files_and_refuses_a_missing_one(tmp_path):
    from migsim.validation.cli import validate_command

    page = tmp_path / "validation.md"
    page.write_text(TABLE)
    with pytest.raises(InputError, match="no file"):
        validate_command(["--check-readme", str(page), str(tmp_path / "gone.md")])
    with pytest.raises(InputError, match="full run"):
        validate_command(["--readme", str(page), str(page), "--quick"])
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(InputError, match="bare.md"):  # before any experiment runs
        validate_command(["--check-readme", str(page), str(bare)])
