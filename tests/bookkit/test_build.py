import nbformat
import pytest

from bookkit import build as book
from tests.bookkit.conftest import NOTEBOOK_FRONT

CHAPTER = """
# A chapter

```{code-cell} ipython3
print(1 + 1)
```
"""


@pytest.fixture
def mini_book(tmp_path, notebook_front):
    (tmp_path / "physml").mkdir()
    (tmp_path / "physml" / "a.py").write_text("x = 1\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "ch.md").write_text(notebook_front + CHAPTER)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: P\n    chapters:\n      - file: book/ch\n"
    )
    return tmp_path


def test_fingerprint_tracks_source_and_profile(mini_book):
    a = book.fingerprint(mini_book, "quick")
    assert a == book.fingerprint(mini_book, "quick")
    assert a != book.fingerprint(mini_book, "full")
    (mini_book / "physml" / "a.py").write_text("x = 2\n")
    assert a != book.fingerprint(mini_book, "quick")


def test_chapters_are_the_notebook_pages_of_the_toc(mini_book):
    assert [p.name for p in book.toc_files(mini_book)] == ["intro.md", "ch.md"]
    assert [p.name for p in book.chapters(mini_book)] == ["ch.md"]


def test_primed_cache_matches_the_source(mini_book, tmp_path):
    out = book.stage(mini_book, mini_book / "_nbmake")
    nb = nbformat.read(str(out[0]), as_version=4)
    cache = tmp_path / "cache"
    assert book.stale_chapters(mini_book, cache) == [mini_book / "book" / "ch.md"]
    assert (
        book.prime_cache(cache, book.executed_pairs(mini_book, mini_book / "_nbmake"))
        == 0
    )  # no outputs
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    nb.cells[1].execution_count = 1
    nb.cells[1].metadata["execution"] = {
        "iopub.execute_input": "2026-01-01T00:00:00"
    }  # as nbclient adds
    nbformat.write(nb, str(out[0]))
    assert (
        book.prime_cache(cache, book.executed_pairs(mini_book, mini_book / "_nbmake"))
        == 1
    )
    assert book.stale_chapters(mini_book, cache) == []
    # editing the chapter's code makes it stale again
    (mini_book / "book" / "ch.md").write_text(
        NOTEBOOK_FRONT + CHAPTER.replace("1 + 1", "2 + 2")
    )
    assert book.stale_chapters(mini_book, cache) == [mini_book / "book" / "ch.md"]
