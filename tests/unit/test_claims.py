import json
import math

import pytest

from physml import claims, stats
from physml.claims import Abs, AtLeast, AtMost, Chapter, Rel, Sigma


@pytest.fixture
def chapter(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    return Chapter("demo", title="A demo", directory=tmp_path)


SRC = "Paper 2025, Table 1"


def records(ch):
    return [json.loads(line) for line in ch.path.read_text().splitlines()]


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
        claims.Tolerance("close", 1)
    with pytest.raises(ValueError, match="amount"):
        Abs(-1)
    with pytest.raises(ValueError, match="cannot pass"):
        Rel(0)
    with pytest.raises(TypeError, match="amount"):
        Abs("0.1")


def test_claim_passes_records_its_kind_and_returns_nothing(chapter):
    out = chapter.claim(
        "x",
        1.02,
        reference=1.0,
        tolerance={"quick": Rel(0.05), "full": Rel(0.01)},
        source=SRC,
        kind="paper",
        quantity="a ratio",
    )
    assert out is None
    table = chapter.finish()
    recs = records(chapter)
    assert (
        recs[0]["key"] == "x"
        and recs[0]["kind"] == "paper"
        and recs[0]["status"] == "pass"
    )
    assert (
        recs[0]["profile"] == "quick"
        and recs[0]["source"] == SRC
        and recs[0]["tolerance"] == "±5%"
    )
    assert (
        recs[-1]["record"] == "chapter"
        and recs[-1]["n_claims"] == 1
        and recs[-1]["wall_s"] >= 0
    )
    assert recs[-1]["kinds"]["paper"] == 1
    assert (
        "a ratio" in table.to_markdown() and "✓ reproduced" in table._repr_markdown_()
    )


def test_kind_is_required_and_checked(chapter):
    with pytest.raises(TypeError, match="kind"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC)
    with pytest.raises(ValueError, match="kind must be one of"):
        chapter.claim(
            "x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, kind="card"
        )
    with pytest.raises(ValueError, match="why"):
        chapter.claim(
            "x", 1.0, reference=1.0, tolerance=AtLeast(), source=SRC, kind="bound"
        )
    chapter.claim(
        "x",
        1.0,
        reference=1.0,
        tolerance=AtLeast(),
        source="this book",
        kind="bound",
        why="an untrained model gives 0.5",
    )
    assert records(chapter)[0]["why"] == "an untrained model gives 0.5"


def test_declared_miss_is_recorded_and_does_not_abort(chapter):
    chapter.claim(
        "m",
        5.47,
        reference=4.6,
        tolerance=Abs(0.3),
        source=SRC,
        kind="paper",
        expect="miss",
        reason="the fit here uses another subset",
    )
    rec = records(chapter)[0]
    assert (
        rec["status"] == "miss" and rec["passed"] is False and rec["expect"] == "miss"
    )
    html = chapter.finish()._repr_html_()
    assert (
        "not reproduced" in html and "another subset" in html and 'id="claim-m"' in html
    )


def test_declared_miss_that_passes_is_now_reproduced(chapter):
    chapter.claim(
        "m",
        4.62,
        reference=4.6,
        tolerance=Abs(0.3),
        source=SRC,
        kind="paper",
        expect="miss",
        reason="was off before",
    )
    assert records(chapter)[0]["status"] == "now reproduced"
    from bookkit.scoreboard import record_problems

    assert any("now reproduced" in p for p in record_problems(records(chapter)))


def test_miss_only_for_paper_or_data_and_needs_reason(chapter):
    with pytest.raises(ValueError, match="only a paper or data"):
        chapter.claim(
            "m",
            1.0,
            reference=2.0,
            tolerance=Abs(0.1),
            source=SRC,
            kind="exact",
            expect="miss",
            reason="r",
        )
    with pytest.raises(ValueError, match="reason"):
        chapter.claim(
            "m",
            1.0,
            reference=2.0,
            tolerance=Abs(0.1),
            source=SRC,
            kind="paper",
            expect="miss",
        )
    with pytest.raises(ValueError, match="expect"):
        chapter.claim(
            "m",
            1.0,
            reference=2.0,
            tolerance=Abs(0.1),
            source=SRC,
            kind="paper",
            expect="maybe",
        )


@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize("expect", ["pass", "miss"])
def test_undefined_value_fails_whatever_was_expected(chapter, value, expect):
    with pytest.raises(AssertionError, match="undefined"):
        chapter.claim(
            "u",
            value,
            reference=1.0,
            tolerance=AtMost(),
            source=SRC,
            kind="paper",
            expect=expect,
            reason="r" if expect == "miss" else "",
        )
    assert records(chapter)[0]["status"] == "fail"


def test_claim_failure_is_recorded_then_raises(chapter):
    with pytest.raises(AssertionError) as err:
        chapter.claim(
            "kappa", 0.31, reference=0.27, tolerance=Abs(0.01), source=SRC, kind="paper"
        )
    msg = str(err.value)
    for part in ("demo/kappa", "0.31", "0.27", "±0.01", SRC, "quick", "paper"):
        assert part in msg
    rec = records(chapter)[0]
    assert rec["passed"] is False and rec["status"] == "fail"


def test_profile_specific_tolerance(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "full")
    ch = Chapter("full-demo", directory=tmp_path)
    with pytest.raises(AssertionError):
        ch.claim(
            "x",
            1.02,
            reference=1.0,
            tolerance={"quick": Rel(0.05), "full": Rel(0.01)},
            source=SRC,
            kind="paper",
        )


def test_sigma_claim_uses_combined_error(chapter):
    chapter.claim(
        "a",
        1.09,
        reference=1.0,
        value_err=0.03,
        reference_err=0.04,
        tolerance=Sigma(2),
        source=SRC,
        kind="paper",
    )
    with pytest.raises(AssertionError):
        chapter.claim(
            "b",
            1.11,
            reference=1.0,
            value_err=0.03,
            reference_err=0.04,
            tolerance=Sigma(2),
            source=SRC,
            kind="paper",
        )
    with pytest.raises(ValueError, match="Sigma"):
        chapter.claim(
            "c", 1.0, reference=1.0, tolerance=Sigma(2), source=SRC, kind="paper"
        )


def test_value_with_error_as_one_object(chapter):
    chapter.claim(
        "m",
        stats.Measurement(1.05, 0.03),
        reference=1.0,
        tolerance=Sigma(2),
        source=SRC,
        kind="exact",
    )
    chapter.claim(
        "t", (1.05, 0.03), reference=1.0, tolerance=Sigma(2), source=SRC, kind="exact"
    )
    chapter.claim(
        "tau",
        stats.Measurement(0.52, 0.02, tau=0.52, window=3),  # as tau_int returns it
        reference=0.5,
        tolerance=Sigma(2),
        source=SRC,
        kind="exact",
    )
    recs = records(chapter)
    assert [r["value_err"] for r in recs] == [0.03, 0.03, 0.02]
    with pytest.raises(TypeError, match="own error"):
        chapter.claim(
            "d",
            stats.Measurement(1.0, 0.1),
            reference=1.0,
            value_err=0.1,
            tolerance=Sigma(2),
            source=SRC,
            kind="exact",
        )
    with pytest.raises(TypeError, match="tuple"):
        chapter.claim(
            "e",
            (1.0, 0.1, 3),
            reference=1.0,
            tolerance=Sigma(2),
            source=SRC,
            kind="exact",
        )


def test_claim_bad_input(chapter):
    with pytest.raises(ValueError, match="source"):
        chapter.claim(
            "x", 1.0, reference=1.0, tolerance=Abs(1), source=" ", kind="paper"
        )
    with pytest.raises(TypeError, match="value"):
        chapter.claim(
            "x", "1.0", reference=1.0, tolerance=Abs(1), source=SRC, kind="paper"
        )
    with pytest.raises(ValueError, match="reference must be finite"):
        chapter.claim(
            "x", 1.0, reference=math.nan, tolerance=Abs(1), source=SRC, kind="paper"
        )
    with pytest.raises(ValueError, match="missing: \\['full'\\]"):
        chapter.claim(
            "x",
            1.0,
            reference=1.0,
            tolerance={"quick": Abs(1)},
            source=SRC,
            kind="paper",
        )
    with pytest.raises(TypeError, match="tolerance"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=0.1, source=SRC, kind="paper")
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, kind="paper")
    with pytest.raises(ValueError, match="already used"):
        chapter.claim(
            "x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, kind="paper"
        )
    with pytest.raises(ValueError, match="name"):
        Chapter("bad name", directory=chapter.directory)


def test_reopening_a_chapter_starts_a_fresh_record(chapter):
    chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, kind="paper")
    again = Chapter("demo", directory=chapter.directory)
    assert again.path.read_text() == ""


def test_format_value_rounds_to_the_error():
    assert claims.format_value(1.23456, 0.0123) == "1.235 ± 0.012"
    assert claims.format_value(1234.5, 56.0) == "1234 ± 56"
    assert claims.format_value(123456.0, 5600.0) == "123500 ± 5600"
    assert claims.format_value(0.123456) == "0.1235"
    assert claims.format_value(None) == ""


def test_load_records_corrupt(tmp_path):
    assert claims.load_records(tmp_path / "missing") == ([], [])
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        claims.load_records(tmp_path)


def test_claim_table_html_has_run_facts_and_anchors(chapter):
    chapter.claim(
        "x",
        1.0,
        reference=1.0,
        tolerance=Abs(1),
        source="A & B <2025>",
        quantity="q",
        kind="exact",
    )
    html = chapter.finish()._repr_html_()
    assert '<details class="physml-run-facts">' in html and "1 of 1 checks pass" in html
    assert (
        "quick profile" in html and "&lt;2025&gt;" in html and "<b>torch:</b>" in html
    )
    assert 'id="claim-x"' in html and "(exact)" in html


def test_claim_table_shows_the_committed_full_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    book = tmp_path / "book"
    (book / "records" / "full").mkdir(parents=True)
    (book / "_toc.yml").write_text("root: intro\n")
    full = [
        {
            "record": "claim",
            "chapter": "demo",
            "key": "x",
            "kind": "exact",
            "value": 1.001,
            "reference": 1.0,
            "status": "pass",
            "commit": "abcdef123456",
            "date": "2026-01-02T03:04:05Z",
        },
        {
            "record": "chapter",
            "chapter": "demo",
            "status": "ok",
            "wall_s": 42.0,
            "device_name": "NVIDIA H200",
            "commit": "abcdef123456",
            "date": "2026-01-02T03:04:05Z",
        },
    ]
    (book / "records" / "full" / "demo.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in full)
    )
    monkeypatch.chdir(book)
    chapter = Chapter("demo", directory=tmp_path / "claims")
    chapter.claim(
        "x", 1.0, reference=1.0, tolerance=Abs(1), source="exact", kind="exact"
    )
    chapter.claim(
        "y", 2.0, reference=2.0, tolerance=Abs(1), source="exact", kind="exact"
    )
    table = chapter.finish()
    assert "full profile" in table.columns
    md = table._repr_markdown_()
    assert "1.001 ✓ pass" in md and "full: not run" in md  # y has no full record
    assert (
        "NVIDIA H200, commit abcdef12, 2026-01-02T03:04:05Z, 42 s"
        in table._repr_html_()
    )
    monkeypatch.chdir(tmp_path)  # outside the book: no full run at all
    assert claims.load_full_record("demo") == ({}, {})
    assert (
        "Full profile run: NVIDIA H200" in md
    )  # the Markdown names the run as the HTML does


def test_read_jsonl_skips_blank_lines_and_names_a_bad_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n')
    assert claims.read_jsonl(path) == [{"a": 1}, {"b": 2}]
    path.write_text('{"a": 1}\n{oops\n')
    with pytest.raises(ValueError, match="a.jsonl:2: not a JSON record"):
        claims.read_jsonl(path)


def test_count_claims_of_objects_and_records(chapter):
    chapter.claim("p", 1.0, reference=1.0, tolerance=Abs(1), source=SRC, kind="paper")
    chapter.claim(
        "m",
        9.0,
        reference=1.0,
        tolerance=Abs(1),
        source=SRC,
        kind="data",
        expect="miss",
        reason="a reason",
    )
    chapter.claim(
        "b", 1.0, reference=2.0, tolerance=AtMost(), source="x", kind="bound", why="why"
    )
    with pytest.raises(AssertionError):
        chapter.claim(
            "e", 5.0, reference=1.0, tolerance=Abs(1), source="x", kind="exact"
        )
    n = claims.count_claims(chapter.claims)
    assert n == claims.count_claims(
        r for r in records(chapter) if r["record"] == "claim"
    )
    assert (n["claims"], n["pass"], n["miss"], n["now"], n["fail"]) == (4, 2, 1, 0, 1)
    assert (n["paper"], n["paper_pass"], n["own"], n["own_pass"]) == (2, 1, 2, 1)
    assert (
        n["exact"],
        n["exact_pass"],
        n["bound"],
        n["bound_pass"],
        n["same-run"],
    ) == (1, 0, 1, 1, 0)
    assert claims.count_claims([{"kind": "exact"}])["fail"] == 1  # no status: failed
    run = chapter.finish()
    assert (
        "1 of 2 paper/data numbers reproduced, 1 declared not reproduced; 1 of 2 checks pass; 1 FAIL"
        in run._repr_html_()
    )
    last = records(chapter)[-1]
    assert (
        last["n_passed"],
        last["n_missed"],
        last["n_now_reproduced"],
        last["n_failed"],
    ) == (2, 1, 0, 1)


@pytest.mark.parametrize(
    "kind, status, label",
    [
        ("paper", "pass", "✓ reproduced"),
        ("data", "pass", "✓ reproduced"),
        ("exact", "pass", "✓ pass"),
        ("bound", "fail", "✗ FAIL"),
        ("paper", "fail", "✗ FAIL"),
        ("paper", "miss", "○ not reproduced"),
        ("data", "now reproduced", "! now reproduced"),
    ],
)
def test_status_label(kind, status, label):
    assert claims.status_label({"kind": kind, "status": status}) == label
    assert claims.status_label({"kind": kind, "passed": status == "pass"}) in (
        label,
        "✗ FAIL",
    )


def test_results_table_footnotes_long_sources_and_labels_cells(chapter):
    long_src = "Pawlowski & Plehn 2025, §8.5.1, Fig. 56 (left): the loss saturates after O(100) iterations"
    chapter.claim(
        "a",
        1.0,
        reference=1.0,
        tolerance=Abs(1),
        source=long_src,
        kind="paper",
        quantity="first",
    )
    chapter.claim(
        "b",
        2.0,
        reference=2.0,
        tolerance=Abs(1),
        source=long_src,
        kind="paper",
        quantity="second",
    )
    chapter.claim(
        "c",
        3.0,
        reference=3.0,
        tolerance=Abs(1),
        source="short",
        kind="exact",
        quantity="third",
    )
    html = chapter.finish()._repr_html_()
    # one footnote for the shared long source, linked from both rows; the short one stays inline
    assert html.count('<li id="source-1">') == 1 and html.count('href="#source-1"') == 2
    assert 'id="source-2"' not in html and '<td data-label="source">short</td>' in html
    assert '<table class="table physml-claims">' in html
    for col in claims.CLAIM_COLUMNS:
        assert f'data-label="{col}"' in html
    assert 'class="physml-status-pass"' in html and "✓ reproduced" in html
    with pytest.raises(ValueError, match="notes"):
        claims.claims_table_html([], notes="below")
