import json

from bookkit import scoreboard


def test_scoreboard_summary_misses_and_tables(mini_book, demo_claims):
    claims_dir = mini_book / "claims"
    demo_claims(claims_dir)
    text = scoreboard.scoreboard_markdown(mini_book, claims_dir)
    assert "## Summary" in text and "## Not reproduced" in text
    assert '<a href="part/demo.html#claim-m">demo</a>' in text
    assert "another nucleus set" in text and "eq. 5 RMS" in text
    assert "1 / 1" in text and "full: not run" in text
    assert "(bound (this book))" in text and "a broken model gives 0.5" in text
    assert '<details class="physml-chapter-claims">' in text


def test_scoreboard_shows_full_records(mini_book, demo_claims):
    claims_dir = mini_book / "claims"
    demo_claims(claims_dir, keys=("x",))
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
