"""The chapter cards of the part index pages (bookkit.cards), on a fake book."""

import json

import pytest

from bookkit import cards


def test_opening_summary_and_citations(mini_book):
    title, para = cards.opening(mini_book / "book" / "part" / "demo.md")
    assert title == "A demo chapter" and "More text" not in para
    # The sentence split ignores the full stop inside math.
    assert cards.summary_sentence(para) == (
        "Fits have error bars {cite}`paper_2025`. This chapter checks it."
    )
    assert cards.citation_keys(para) == ["paper_2025", "other_2020"]


def test_cards_from_quick_and_full_records(mini_book, demo_claims):
    quick = mini_book / "claims"
    demo_claims(quick)
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
