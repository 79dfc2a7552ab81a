import json

import pytest

from bookkit import scoreboard
from physml.claims import Abs, AtLeast, Chapter

SRC = "Paper 2025, Table 1"


@pytest.fixture
def mini_book(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    (tmp_path / "book" / "part").mkdir(parents=True)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "part" / "demo.md").write_text(
        "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        "# A demo chapter\n\n```{code-cell} ipython3\nprint(1)\n```\n"
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: P\n    chapters:\n      - file: book/part/demo\n"
    )
    return tmp_path


def test_scoreboard_summary_misses_and_tables(mini_book):
    claims_dir = mini_book / "claims"
    ch = Chapter("demo", title="A demo chapter", directory=claims_dir)
    ch.claim(
        "x",
        1.0,
        reference=1.0,
        tolerance=Abs(1),
        source=SRC,
        kind="paper",
        quantity="first",
    )
    ch.claim(
        "m",
        5.47,
        reference=4.6,
        tolerance=Abs(0.3),
        source="Paper 2025, eq. 5",
        kind="paper",
        quantity="eq. 5 RMS",
        expect="miss",
        reason="another nucleus set",
    )
    ch.claim(
        "b",
        0.9,
        reference=0.8,
        tolerance=AtLeast(),
        source="this book",
        kind="bound",
        why="a broken model gives 0.5",
    )
    ch.finish()
    text = scoreboard.scoreboard_markdown(mini_book, claims_dir)
    assert "## Summary" in text and "## Not reproduced" in text
    assert '<a href="part/demo.html#claim-m">demo</a>' in text
    assert "another nucleus set" in text and "eq. 5 RMS" in text
    assert "1 / 1" in text and "full: not run" in text
    assert "(bound (this book))" in text and "a broken model gives 0.5" in text
    assert '<details class="physml-chapter-claims">' in text


def test_scoreboard_shows_full_records(mini_book):
    claims_dir = mini_book / "claims"
    ch = Chapter("demo", title="A demo chapter", directory=claims_dir)
    ch.claim(
        "x",
        1.0,
        reference=1.0,
        tolerance=Abs(1),
        source=SRC,
        kind="paper",
        quantity="first",
    )
    ch.finish()
    full = mini_book / "records" / "full"
    full.mkdir(parents=True)
    rec = json.loads((claims_dir / "demo.jsonl").read_text().splitlines()[0])
    rec.update(profile="full", value=0.99)
    run = {
        "record": "chapter",
        "chapter": "demo",
        "wall_s": 12.0,
        "device_name": "NVIDIA H200",
        "commit": "abcdef123456",
        "date": "2026-11-29",
    }
    (full / "demo.jsonl").write_text(json.dumps(rec) + "\n" + json.dumps(run) + "\n")
    text = scoreboard.scoreboard_markdown(mini_book, claims_dir)
    assert "full on NVIDIA H200, commit abcdef12, 2026-11-29" in text and "0.99" in text


def test_scoreboard_empty(mini_book):
    assert "No claims" in scoreboard.scoreboard_markdown(
        mini_book, mini_book / "missing"
    )


def test_record_problems():
    ok = {
        "chapter": "c",
        "key": "k",
        "kind": "paper",
        "status": "pass",
        "source": "Paper, Table 1",
    }
    assert scoreboard.record_problems([ok]) == []
    bad = [
        dict(ok, kind=None),
        dict(ok, status="fail"),
        dict(ok, source="card H, item 2"),
    ]
    problems = scoreboard.record_problems(bad)
    assert len(problems) == 3 and "internal label" in problems[2]
