import json
import math

import pytest

from physml import book, results
from physml.results import Abs, AtLeast, AtMost, Chapter, Rel, Sigma


@pytest.fixture
def chapter(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    return Chapter("demo", title="A demo", directory=tmp_path)


SRC = "Paper 2025, Table 1"


def test_tolerance_kinds():
    assert Abs(0.1).check(1.05, 1.0, None) and not Abs(0.1).check(1.2, 1.0, None)
    assert Rel(0.1).check(-1.05, -1.0, None) and not Rel(0.1).check(1.2, 1.0, None)
    assert Sigma(2).check(1.3, 1.0, 0.2) and not Sigma(2).check(1.5, 1.0, 0.2)
    assert AtLeast().check(3, 2, None) and not AtLeast().check(1.9, 2, None)
    assert AtMost().check(0.3, 0.4, None) and not AtMost().check(0.5, 0.4, None)
    assert AtLeast(0.2).check(1.85, 2, None)
    assert not Abs(1.0).check(math.nan, 0.0, None)


def test_tolerance_bad_input():
    with pytest.raises(ValueError, match="kind"):
        results.Tolerance("close", 1)
    with pytest.raises(ValueError, match="amount"):
        Abs(-1)
    with pytest.raises(ValueError, match="cannot pass"):
        Rel(0)
    with pytest.raises(TypeError, match="amount"):
        Abs("0.1")


def test_claim_passes_and_records(chapter):
    c = chapter.claim("x", 1.02, reference=1.0, tolerance={"quick": Rel(0.05), "full": Rel(0.01)},
                      source=SRC, quantity="a ratio")
    assert c.passed and c.tolerance == "±5%"
    table = chapter.finish()
    recs = [json.loads(line) for line in chapter.path.read_text().splitlines()]
    assert recs[0]["key"] == "x" and recs[0]["profile"] == "quick" and recs[0]["source"] == SRC
    assert recs[-1]["record"] == "chapter" and recs[-1]["n_claims"] == 1 and recs[-1]["wall_s"] >= 0
    assert "a ratio" in table.to_markdown() and "✓" in table._repr_markdown_()


def test_claim_failure_is_recorded_then_raises(chapter):
    with pytest.raises(AssertionError) as err:
        chapter.claim("kappa", 0.31, reference=0.27, tolerance=Abs(0.01), source=SRC)
    msg = str(err.value)
    for part in ("demo/kappa", "0.31", "0.27", "±0.01", SRC, "quick"):
        assert part in msg
    rec = json.loads(chapter.path.read_text().splitlines()[0])
    assert rec["passed"] is False


def test_profile_specific_tolerance(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "full")
    ch = Chapter("full-demo", directory=tmp_path)
    with pytest.raises(AssertionError):
        ch.claim("x", 1.02, reference=1.0, tolerance={"quick": Rel(0.05), "full": Rel(0.01)}, source=SRC)


def test_sigma_claim_uses_combined_error(chapter):
    chapter.claim("a", 1.09, reference=1.0, value_err=0.03, reference_err=0.04, tolerance=Sigma(2), source=SRC)
    with pytest.raises(AssertionError):
        chapter.claim("b", 1.11, reference=1.0, value_err=0.03, reference_err=0.04, tolerance=Sigma(2), source=SRC)
    with pytest.raises(ValueError, match="Sigma"):
        chapter.claim("c", 1.0, reference=1.0, tolerance=Sigma(2), source=SRC)


def test_claim_bad_input(chapter):
    with pytest.raises(ValueError, match="source"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=" ")
    with pytest.raises(TypeError, match="value"):
        chapter.claim("x", "1.0", reference=1.0, tolerance=Abs(1), source=SRC)
    with pytest.raises(ValueError, match="missing: \\['full'\\]"):
        chapter.claim("x", 1.0, reference=1.0, tolerance={"quick": Abs(1)}, source=SRC)
    with pytest.raises(TypeError, match="tolerance"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=0.1, source=SRC)
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC)
    with pytest.raises(ValueError, match="already used"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC)
    with pytest.raises(ValueError, match="name"):
        Chapter("bad name", directory=chapter.directory)


def test_reopening_a_chapter_starts_a_fresh_record(chapter):
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC)
    again = Chapter("demo", directory=chapter.directory)
    assert again.path.read_text() == ""


def test_results_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYSML_RESULTS_DIR", str(tmp_path / "x"))
    assert results.results_dir() == tmp_path / "x"
    monkeypatch.delenv("PHYSML_RESULTS_DIR")
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    fp = book.fingerprint(tmp_path.resolve(), "quick")
    assert results.results_dir() == tmp_path.resolve() / "_build" / "claims" / fp
    monkeypatch.setenv("PHYSML_PROFILE", "full")  # another profile, another folder
    assert results.results_dir() == tmp_path.resolve() / "_build" / "claims" / book.fingerprint(tmp_path.resolve(), "full")


def test_scoreboard_lists_every_claim(chapter):
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, quantity="first | piped")
    with pytest.raises(AssertionError):
        chapter.claim("y", 5.0, reference=1.0, tolerance=Abs(1), source=SRC)
    chapter.finish()
    text = results.scoreboard_markdown(chapter.directory)
    assert "1 of 2 claims pass" in text and "## A demo" in text
    assert "first \\| piped" in text and "✗ FAIL" in text and "quick profile" in text
    assert "| A demo | quick |" in text


def test_scoreboard_empty_and_corrupt(tmp_path):
    assert "No claims" in results.scoreboard_markdown(tmp_path / "missing")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        results.load_records(tmp_path)


def test_claim_table_html_has_run_facts(chapter):
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source="A & B <2025>", quantity="q")
    html = chapter.finish()._repr_html_()
    assert '<details class="physml-run-facts">' in html and "1 of 1 claims pass" in html
    assert "quick profile" in html and "&lt;2025&gt;" in html and "<b>torch:</b>" in html
