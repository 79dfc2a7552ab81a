"""The chapter cards of the part index pages (bookkit.cards), on a fake book."""

import json

import pytest

from bookkit import cards
from physml.claims import Abs, AtLeast, Chapter

FRONT = "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"


@pytest.fixture
def mini_book(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    (tmp_path / "book" / "part").mkdir(parents=True)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "part" / "index.md").write_text("# Part\n")
    (tmp_path / "book" / "part" / "demo.md").write_text(
        FRONT
        + "# A demo chapter\n\nFits have error bars {cite}`paper_2025`. The error bar of "
        "$x. Y$ is known {cite:p}`paper_2025,other_2020`. This chapter checks it.\n\nMore text.\n\n"
        "```{code-cell} ipython3\nprint(1)\n```\n"
    )
    (tmp_path / "book" / "part" / "second.md").write_text(
        FRONT + "# Second\n\nNo citation here.\n"
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: P\n    chapters:\n"
        "      - file: book/part/index\n      - file: book/part/demo\n      - file: book/part/second\n"
    )
    return tmp_path


def test_opening_summary_and_citations(mini_book):
    title, para = cards.opening(mini_book / "book" / "part" / "demo.md")
    assert title == "A demo chapter" and "More text" not in para
    # The sentence split ignores the full stop inside math.
    assert cards.summary_sentence(para) == (
        "Fits have error bars {cite}`paper_2025`. This chapter checks it."
    )
    assert cards.citation_keys(para) == ["paper_2025", "other_2020"]


def test_cards_from_quick_and_full_records(mini_book):
    quick = mini_book / "claims"
    ch = Chapter("demo", title="A demo chapter", directory=quick)
    ch.claim(
        "x",
        1.0,
        reference=1.0,
        tolerance=Abs(1),
        source="Paper 2025",
        kind="paper",
        quantity="q",
    )
    ch.claim(
        "m",
        5.0,
        reference=4.0,
        tolerance=Abs(0.3),
        source="Paper 2025",
        kind="paper",
        quantity="r",
        expect="miss",
        reason="different data",
    )
    ch.claim(
        "b",
        0.9,
        reference=0.8,
        tolerance=AtLeast(),
        source="this book",
        kind="bound",
        why="w",
    )
    ch.finish()
    full = mini_book / "records" / "full"
    full.mkdir(parents=True)
    (full / "demo.jsonl").write_text(
        json.dumps(
            {
                "record": "chapter",
                "chapter": "demo",
                "wall_s": 600.0,
                "device": "cuda",
                "device_name": "NVIDIA H200",
                "peak_gpu_mem_bytes": 2 * 2**30,
            }
        )
        + "\n"
    )
    text = cards.cards_markdown(mini_book, "part", quick)
    demo, second = text.split(":::{grid-item-card}")[1:]
    assert demo.startswith(" A demo chapter") and ":link: /book/part/demo" in demo
    assert "{cite:p}`paper_2025,other_2020`" in demo
    assert (
        "1 of 2 numbers of the papers and data (1 declared miss), and 1 checks of its own"
        in demo
    )
    assert "full 10.0 min (NVIDIA H200)" in demo and "peak 2.0 GiB" in demo
    assert "quick not run yet" not in demo
    # A chapter without records or citations says so instead of inventing numbers.
    assert "none cited" in second and "quick not run yet; full not run yet" in second
    assert (
        "not run yet in this build" in second and "full profile: not run yet" in second
    )


def test_unknown_part_is_an_error(mini_book):
    with pytest.raises(ValueError, match="nothing"):
        cards.cards_markdown(mini_book, "nothing", None)


def test_run_time_and_gpu_need():
    assert (
        cards.format_duration(42) == "42 s" and cards.format_duration(7200) == "2.0 h"
    )
    assert cards.run_time({}) == "not run yet"
    assert "a CPU will do" in cards.gpu_need(
        {"device": "cuda", "peak_gpu_mem_bytes": 0}
    )
    assert cards.gpu_need({"device": "cpu", "wall_s": 3}).endswith(
        "full profile: ran on a CPU"
    )
