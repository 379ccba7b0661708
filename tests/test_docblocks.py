"""Generated blocks: a block with one marker and not the other is refused, whether the
command treats it as required or optional, never skipped as absent."""

from __future__ import annotations

import pytest

from migsim.core.docblocks import sync_blocks
from migsim.core.errors import InputError

BEGIN, END = "<!-- b:begin -->", "<!-- b:end -->"


@pytest.mark.parametrize(
    "text",
    [f"x\n{BEGIN}\nold\ny\n", f"x\nold\n{END}\ny\n", f"x\n{END}\nold\n{BEGIN}\ny\n"],
    ids=["no end", "no begin", "swapped"],
)
@pytest.mark.parametrize("required", [True, False])
def test_half_a_block_is_refused(tmp_path, text, required):
    page = tmp_path / "page.md"
    page.write_text(text)
    with pytest.raises(InputError, match="has half a generated test block"):
        sync_blocks(page, [(BEGIN, END, "new", required)], check=True, what="test")
    assert page.read_text() == text


def test_an_optional_block_absent_is_skipped_and_a_whole_one_written(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("nothing here\n")
    assert sync_blocks(page, [(BEGIN, END, "new", False)], check=True, what="test")
    page.write_text(f"x\n{BEGIN}\nold\n{END}\n")
    assert not sync_blocks(page, [(BEGIN, END, "new", False)], check=True, what="test")
    assert not sync_blocks(page, [(BEGIN, END, "new", False)], check=False, what="test")
    assert page.read_text() == f"x\n{BEGIN}\nnew\n{END}\n"
