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

#: The arguments most claims below share; a test passes only what it is about.
DEFAULTS = {"reference": 1.0, "tolerance": Abs(1), "source": SRC, "kind": "paper"}


def claim(ch, key="x", value=1.0, **kw):
    """``ch.claim(key, value, ...)`` with :data:`DEFAULTS` for the arguments not given."""
    return ch.claim(key, value, **{**DEFAULTS, **kw})


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


def test_tolerance_descriptions_are_short():
    # float noise and computed amounts read with three significant digits in the tables
    assert Abs(0.1 + 0.2).describe() == "±0.3"
    assert Rel(0.1 + 0.2).describe() == "±30%"
    assert Sigma(3).describe() == "±3σ"
    assert AtMost(0.1475421234567).describe() == "≤ ref + 0.148"
    assert AtLeast(0.0665).describe() == "≥ ref − 0.0665"
    assert AtMost(1e-4).describe() == "≤ ref + 0.0001"
    assert Abs(1.23456e-5).describe() == "±1.23e-05"
    assert Abs(12345.678).describe() == "±12,346"
    assert AtLeast().describe() == "≥ ref" and AtMost().describe() == "≤ ref"
    # the check still uses the exact amount, not the rounded text
    assert not AtMost(0.1475421).check(0.1476, 0.0, None)


def test_tolerance_bad_input():
    with pytest.raises(ValueError, match="kind"):
        claims.Tolerance("close", 1)
    with pytest.raises(ValueError, match="amount"):
        Abs(-1)
    with pytest.raises(ValueError, match="cannot pass"):
        Rel(0)
    with pytest.raises(TypeError, match="amount"):
        Abs("0.1")


#: A profile-specific tolerance: 5% in the quick profile, 1% in the full one.
BY_PROFILE = {"quick": Rel(0.05), "full": Rel(0.01)}


def test_claim_passes_records_its_kind_and_returns_nothing(chapter):
    out = claim(chapter, "x", 1.02, tolerance=BY_PROFILE, quantity="a ratio")
    assert out is None
    table = chapter.finish()
    recs = records(chapter)
    first, last = recs[0], recs[-1]
    assert (first["key"], first["kind"], first["status"]) == ("x", "paper", "pass")
    assert (first["profile"], first["source"], first["tolerance"]) == (
        "quick",
        SRC,
        "±5%",
    )
    assert last["record"] == "chapter" and last["n_claims"] == 1 and last["wall_s"] >= 0
    assert recs[-1]["kinds"]["paper"] == 1
    assert "a ratio" in table.to_markdown()
    assert "✓ reproduced" in table._repr_markdown_()


def test_kind_is_required_and_checked(chapter):
    with pytest.raises(TypeError, match="kind"):
        chapter.claim("x", 1.0, reference=1.0, tolerance=Abs(1), source=SRC)
    with pytest.raises(ValueError, match="kind must be one of"):
        claim(chapter, kind="card")
    with pytest.raises(ValueError, match="why"):
        claim(chapter, tolerance=AtLeast(), kind="bound")
    why = "an untrained model gives 0.5"
    claim(chapter, tolerance=AtLeast(), source="this book", kind="bound", why=why)
    assert records(chapter)[0]["why"] == "an untrained model gives 0.5"


def test_declared_miss_is_recorded_and_does_not_abort(chapter):
    reason = "the fit here uses another subset"
    claim(
        chapter,
        "m",
        5.47,
        reference=4.6,
        tolerance=Abs(0.3),
        expect="miss",
        reason=reason,
    )
    rec = records(chapter)[0]
    assert rec["status"] == "miss" and rec["passed"] is False
    assert rec["expect"] == "miss"
    html = chapter.finish()._repr_html_()
    assert "not reproduced" in html and "another subset" in html
    assert 'id="claim-m"' in html


def test_declared_miss_that_passes_is_now_reproduced(chapter):
    claim(
        chapter,
        "m",
        4.62,
        reference=4.6,
        tolerance=Abs(0.3),
        expect="miss",
        reason="was off before",
    )
    assert records(chapter)[0]["status"] == "now reproduced"
    from bookkit.scoreboard import record_problems

    assert any("now reproduced" in p for p in record_problems(records(chapter)))


@pytest.mark.parametrize(
    "kind, expect, reason, match",
    [
        ("exact", "miss", "r", "only a paper or data"),
        ("paper", "miss", None, "reason"),
        ("paper", "maybe", None, "expect"),
    ],
)
def test_miss_only_for_paper_or_data_and_needs_reason(
    chapter, kind, expect, reason, match
):
    extra = {} if reason is None else {"reason": reason}
    with pytest.raises(ValueError, match=match):
        claim(
            chapter,
            "m",
            1.0,
            reference=2.0,
            tolerance=Abs(0.1),
            kind=kind,
            expect=expect,
            **extra,
        )


@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize("expect", ["pass", "miss"])
def test_undefined_value_fails_whatever_was_expected(chapter, value, expect):
    reason = "r" if expect == "miss" else ""
    with pytest.raises(AssertionError, match="undefined"):
        claim(chapter, "u", value, tolerance=AtMost(), expect=expect, reason=reason)
    assert records(chapter)[0]["status"] == "fail"


def test_claim_failure_is_recorded_then_raises(chapter):
    with pytest.raises(AssertionError) as err:
        claim(chapter, "kappa", 0.31, reference=0.27, tolerance=Abs(0.01))
    msg = str(err.value)
    for part in ("demo/kappa", "0.31", "0.27", "±0.01", SRC, "quick", "paper"):
        assert part in msg
    rec = records(chapter)[0]
    assert rec["passed"] is False and rec["status"] == "fail"


def test_profile_specific_tolerance(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_PROFILE", "full")
    ch = Chapter("full-demo", directory=tmp_path)
    with pytest.raises(AssertionError):
        claim(ch, "x", 1.02, tolerance=BY_PROFILE)


def test_sigma_claim_uses_combined_error(chapter):
    errors = {"value_err": 0.03, "reference_err": 0.04, "tolerance": Sigma(2)}
    claim(chapter, "a", 1.09, **errors)
    with pytest.raises(AssertionError):
        claim(chapter, "b", 1.11, **errors)
    with pytest.raises(ValueError, match="Sigma"):
        claim(chapter, "c", 1.0, tolerance=Sigma(2))


def test_value_with_error_as_one_object(chapter):
    exact = {"tolerance": Sigma(2), "kind": "exact"}
    claim(chapter, "m", stats.Measurement(1.05, 0.03), **exact)
    claim(chapter, "t", (1.05, 0.03), **exact)
    as_tau_int_returns_it = stats.Measurement(0.52, 0.02, tau=0.52, window=3)
    claim(chapter, "tau", as_tau_int_returns_it, reference=0.5, **exact)
    recs = records(chapter)
    assert [r["value_err"] for r in recs] == [0.03, 0.03, 0.02]
    with pytest.raises(TypeError, match="own error"):
        claim(chapter, "d", stats.Measurement(1.0, 0.1), value_err=0.1, **exact)
    with pytest.raises(TypeError, match="tuple"):
        claim(chapter, "e", (1.0, 0.1, 3), **exact)


@pytest.mark.parametrize(
    "error, match, bad",
    [
        (ValueError, "source", {"source": " "}),
        (TypeError, "value", {"value": "1.0"}),
        (ValueError, "reference must be finite", {"reference": math.nan}),
        (ValueError, "missing: \\['full'\\]", {"tolerance": {"quick": Abs(1)}}),
        (TypeError, "tolerance", {"tolerance": 0.1}),
    ],
)
def test_claim_bad_input(chapter, error, match, bad):
    with pytest.raises(error, match=match):
        claim(chapter, **bad)
    claim(chapter)  # a claim that raised on its input does not take its key


def test_claim_key_is_used_once_and_chapter_name_checked(chapter):
    claim(chapter)
    with pytest.raises(ValueError, match="already used"):
        claim(chapter)
    with pytest.raises(ValueError, match="name"):
        Chapter("bad name", directory=chapter.directory)


def test_reopening_a_chapter_starts_a_fresh_record(chapter):
    claim(chapter)
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
    claim(chapter, source="A & B <2025>", quantity="q", kind="exact")
    html = chapter.finish()._repr_html_()
    assert '<details class="physml-run-facts">' in html and "1 of 1 checks pass" in html
    assert "quick profile" in html and "&lt;2025&gt;" in html
    assert "<b>torch:</b>" in html
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
    claim(chapter, "x", source="exact", kind="exact")
    claim(chapter, "y", 2.0, reference=2.0, source="exact", kind="exact")
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
    claim(chapter, "p")
    claim(chapter, "m", 9.0, kind="data", expect="miss", reason="a reason")
    why = {"source": "x", "kind": "bound", "why": "why"}
    claim(chapter, "b", reference=2.0, tolerance=AtMost(), **why)
    with pytest.raises(AssertionError):
        claim(chapter, "e", 5.0, source="x", kind="exact")
    n = claims.count_claims(chapter.claims)
    assert n == claims.count_claims(
        r for r in records(chapter) if r["record"] == "claim"
    )
    assert (n["claims"], n["pass"], n["miss"], n["now"], n["fail"]) == (4, 2, 1, 0, 1)
    assert (n["paper"], n["paper_pass"], n["own"], n["own_pass"]) == (2, 1, 2, 1)
    own = ("exact", "exact_pass", "bound", "bound_pass", "same-run")
    assert tuple(n[k] for k in own) == (1, 0, 1, 1, 0)
    assert claims.count_claims([{"kind": "exact"}])["fail"] == 1  # no status: failed
    run = chapter.finish()
    assert (
        "1 of 2 paper/data numbers reproduced, 1 declared not reproduced; 1 of 2 checks pass; 1 FAIL"
        in run._repr_html_()
    )
    last = records(chapter)[-1]
    totals = ("n_passed", "n_missed", "n_now_reproduced", "n_failed")
    assert tuple(last[k] for k in totals) == (2, 1, 0, 1)


def test_a_chapter_without_paper_numbers_says_so(chapter):
    claim(chapter, "e", 0.0, reference=0.0, kind="exact")
    html = chapter.finish()._repr_html_()
    assert (
        "no paper or data numbers (the sources give none); 1 of 1 checks pass" in html
    )
    assert "0 of 0" not in html


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
    claim(chapter, "a", source=long_src, quantity="first")
    claim(chapter, "b", 2.0, reference=2.0, source=long_src, quantity="second")
    claim(
        chapter, "c", 3.0, reference=3.0, source="short", kind="exact", quantity="third"
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


def test_explanation_makes_each_part_a_sentence():
    from physml.claims import explanation

    text = explanation(
        {"reason": "a smaller network", "note": "one training, not five."}
    )
    assert text == "Not reproduced: a smaller network. One training, not five."
    assert (
        explanation({"why": "it separates them!"})
        == "Why this bound: it separates them!"
    )
    assert explanation({}) == ""
