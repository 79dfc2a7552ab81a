import pytest

#: The front matter of a jupytext MyST notebook, as every chapter of the book starts.
NOTEBOOK_FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


@pytest.fixture
def notebook_front() -> str:
    """The front matter of a chapter notebook (for fake books in tests)."""
    return NOTEBOOK_FRONT


#: The front matter of the fake chapters below (kernelspec only).
FAKE_FRONT = "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"


@pytest.fixture
def mini_book(tmp_path, monkeypatch):
    """A fake book of one part: an index page, a chapter with citations and one without."""
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    (tmp_path / "book" / "part").mkdir(parents=True)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "part" / "index.md").write_text("# Part\n")
    (tmp_path / "book" / "part" / "demo.md").write_text(
        FAKE_FRONT
        + "# A demo chapter\n\nFits have error bars {cite}`paper_2025`. The error bar of "
        "$x. Y$ is known {cite:p}`paper_2025,other_2020`. This chapter checks it.\n\nMore text.\n\n"
        "```{code-cell} ipython3\nprint(1)\n```\n"
    )
    (tmp_path / "book" / "part" / "second.md").write_text(
        FAKE_FRONT + "# Second\n\nNo citation here.\n"
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: P\n    chapters:\n"
        "      - file: book/part/index\n      - file: book/part/demo\n      - file: book/part/second\n"
    )
    return tmp_path


def _write_demo_claims(directory, keys=("x", "m", "b")):
    """The fake chapter "demo"'s quick claims in ``directory``: a paper claim that passes (x), a
    declared miss (m) and a bound of the book's own (b), those of ``keys``."""
    from physml.claims import Abs, AtLeast, Chapter

    ch = Chapter("demo", title="A demo chapter", directory=directory)
    claims = {
        "x": {
            "value": 1.0,
            "reference": 1.0,
            "tolerance": Abs(1),
            "source": "Paper 2025, Table 1",
            "kind": "paper",
            "quantity": "first",
        },
        "m": {
            "value": 5.47,
            "reference": 4.6,
            "tolerance": Abs(0.3),
            "source": "Paper 2025, eq. 5",
            "kind": "paper",
            "quantity": "eq. 5 RMS",
            "expect": "miss",
            "reason": "another nucleus set",
        },
        "b": {
            "value": 0.9,
            "reference": 0.8,
            "tolerance": AtLeast(),
            "source": "this book",
            "kind": "bound",
            "why": "a broken model gives 0.5",
        },
    }
    for key in keys:
        ch.claim(key, **claims[key])
    ch.finish()
    return ch


@pytest.fixture
def demo_claims():
    """``demo_claims(directory, keys=("x", "m", "b"))`` writes the fake chapter's quick claims."""
    return _write_demo_claims
