import pytest

from bookkit import codeshare

HEAD = "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"


def test_collapsed_cells_do_not_count_as_visible(tmp_path):
    md = tmp_path / "demo.md"
    md.write_text(
        HEAD + "# A demo\n\nOne sentence.\n\nAnother.\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input]\n\nimport math\nx = 1\n```\n\n"
        "The result.\n\n"
        "```{code-cell} ipython3\ny = x + 1\n\nprint(y)\n```\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\n\nz = 3\n```\n"
    )
    s = codeshare.page_share(md)
    assert (s.page, s.prose, s.code, s.collapsed) == ("demo", 4, 2, 3)
    assert s.share == pytest.approx(2 / 6)
    text = codeshare.table([s], target=0.3)
    assert "| demo | 4 | 2 | 3 | 33% | 1 |" in text and "all chapters" in text


def test_missing_chapter_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="md"):
        codeshare.page_share(tmp_path / "nope.md")


def test_command_line_prints_the_table(tmp_path, capsys):
    md = tmp_path / "demo.md"
    md.write_text(HEAD + "# Demo\n\n```{code-cell} ipython3\nprint(1)\n```\n")
    from bookkit.build import main

    assert main(["code-share", str(md)]) == 0
    assert "| demo | 1 | 1 | 0 | 50% | 1 |" in capsys.readouterr().out
