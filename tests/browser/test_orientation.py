"""Orientation, launch and download, as a reader meets them in the rendered book (issue 21).

Runs with tests/browser/test_rendered_book.py (its fixtures: the site served on 127.0.0.1 and
headless Chromium): part index pages with one generated card per chapter; every chapter's
"you will learn / you need" box, summary and folded exercises; the API reference split into pages;
one search box and search snippets without raw TeX; the bibliography's labels and links; the
collapsed Colab install cell; the executed notebook and the claims records among the downloads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from test_rendered_book import CHAPTERS, REPOSITORY, ROOT, SITE

PARTS = sorted({Path(c).parent.as_posix() for c in CHAPTERS})


def test_part_index_pages_have_a_card_per_chapter(visit):
    for part in PARTS:
        in_part = [c for c in CHAPTERS if Path(c).parent.as_posix() == part]
        page = visit(f"{part}/index.html").page
        cards = page.locator(".physml-chapter-cards .sd-card")
        assert cards.count() == len(in_part), (
            f"{part}: {cards.count()} cards for {len(in_part)} chapters"
        )
        for i, chapter in enumerate(in_part):
            card = cards.nth(i)
            text = card.text_content()
            for word in ("Sources", "Reproduces", "Run time", "quick", "full", "GPU"):
                assert word in text, f"{part}: the card of {chapter} lacks {word!r}"
            href = card.locator("a.sd-stretched-link").first.get_attribute("href")
            assert Path(chapter).stem in href, (
                f"{part}: card {i} links to {href}, not {chapter}"
            )


def test_chapters_open_with_a_box_and_end_with_exercises(visit):
    for chapter in CHAPTERS:
        page = visit(chapter).page
        box = page.locator(".admonition.physml-learn")
        assert box.count() == 1, f"{chapter}: no 'you will learn / you need' box"
        assert (
            "You will learn" in box.text_content() and "You need" in box.text_content()
        )
        before_code = page.evaluate("""() => {
            const box = document.querySelector('.physml-learn');
            const code = document.querySelector('.cell:not(.tag_physml-colab-install)');
            return !!(box.compareDocumentPosition(code) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        assert before_code, (
            f"{chapter}: the box does not come before the chapter's code"
        )
        assert page.locator("section#summary").count() == 1, (
            f"{chapter}: no Summary section"
        )
        solutions = page.locator("section#exercises details.sd-dropdown")
        assert 3 <= solutions.count() <= 5, (
            f"{chapter}: {solutions.count()} exercises with solutions"
        )
        for i in range(solutions.count()):
            assert solutions.nth(i).get_attribute("open") is None, (
                f"{chapter}: a solution is unfolded"
            )


def test_api_reference_is_split_into_pages(visit):
    pages = sorted(
        p.relative_to(ROOT).with_suffix(".html").as_posix()
        for p in (ROOT / "book" / "api").glob("*.md")
        if p.stem != "index"
    )
    assert len(pages) >= 8
    index = visit("book/api/index.html").page
    for p in pages:
        assert index.locator(f"article a[href$='{Path(p).name}']").count() >= 1, (
            f"the API index misses {p}"
        )
    for p in pages:
        height = visit(p).page.evaluate("() => document.documentElement.scrollHeight")
        assert height < 60_000, (
            f"{p} is {height} px long (the single API page was 132,000 px)"
        )


#: An API page taller than this opens with a table linking each of its modules.
LONG_API_PAGE = 40_000


def test_long_api_pages_open_with_a_module_table(visit):
    """A reader of a long API page (physml.jets: sixteen modules, tens of thousands of pixels tall) can jump to
    each module: the page's first table links every module the page documents."""
    for md in sorted((ROOT / "book" / "api").glob("*.md")):
        page = visit(md.relative_to(ROOT).with_suffix(".html").as_posix()).page
        found = page.evaluate(
            """() => ({
              height: document.documentElement.scrollHeight,
              modules: Array.from(document.querySelectorAll('article [id^="module-"]')).map(e => e.id),
              linked: Array.from(document.querySelectorAll('article table')).slice(0, 1)
                .flatMap(t => Array.from(t.querySelectorAll('a[href^="#module-"]')))
                .map(a => a.getAttribute('href').slice(1)),
            })"""
        )
        if found["height"] < LONG_API_PAGE:
            continue
        missing = sorted(set(found["modules"]) - set(found["linked"]))
        assert not missing, (
            f"{md.name} is {found['height']} px long and its first table does not link "
            f"{missing}"
        )


def test_one_search_box(visit):
    for width in (1400, 400):
        page = visit("book/intro.html", width=width).page
        boxes = page.locator(
            ".search-button__button, .search-button-field, form.bd-search"
        )
        visible = [i for i in range(boxes.count()) if boxes.nth(i).is_visible()]
        assert len(visible) == 1, f"{len(visible)} visible search boxes at {width} px"


def test_search_snippets_have_no_raw_tex(visit):
    shown = 0
    for word in ("hopping", "susceptibility", "trivializing"):
        page = visit(f"search.html?q={word}").page
        page.locator("#search-results p.context").first.wait_for(timeout=20_000)
        page.wait_for_timeout(1_000)  # the remaining snippets are fetched one by one
        snippets = page.locator("#search-results p.context").all_text_contents()
        shown += len(snippets)
        raw = [s for s in snippets if re.search(r"\\[a-zA-Z(\[]|\$", s)]
        assert not raw, f"search {word!r}: snippets with raw TeX: {raw[:2]}"
    assert shown >= 3


def test_bibliography_labels_capitals_and_links(visit):
    page = visit("book/bibliography.html").page
    labels = [
        t.strip() for t in page.locator("div.citation span.label").all_text_contents()
    ]
    assert labels, "no bibliography entries"
    author_year = re.compile(
        r"^\[?[A-Z][^\[\]+]* (?:& [^\[\]+]+ |et al\. )?\d{4}[a-z]?\]?$"
    )
    bad = [label for label in labels if not author_year.match(label)]
    assert not bad, f"labels not of the form 'Author Year': {bad}"
    text = page.locator("div.citation-list").text_content()
    for phrase in (
        "Hybrid Monte Carlo",
        "Monte Carlo errors",
        "the LHC",
        "Ising model",
    ):
        assert phrase in text, f"the bibliography lowercases {phrase!r}"
    entries = page.locator("div.citation")
    linked = sum(
        entries.nth(i).locator("a[href*='doi.org'], a[href*='arxiv.org']").count() > 0
        for i in range(entries.count())
    )
    assert linked >= entries.count() - 3, (
        f"only {linked} of {entries.count()} entries have a link"
    )


def test_colab_cell_and_downloads(visit):
    repo = REPOSITORY
    for chapter in CHAPTERS:
        page = visit(chapter).page
        cell = page.locator(".cell.tag_physml-colab-install")
        assert cell.count() == 1, f"{chapter}: no Colab install cell"
        assert not cell.locator("pre").first.is_visible(), (
            f"{chapter}: the install cell is not collapsed"
        )
        assert repo in cell.text_content(), (
            f"{chapter}: the install cell does not use {repo}"
        )
        assert (
            page.locator("a[href*='colab.research.google.com']")
            .first.get_attribute("href")
            .startswith(
                "https://colab.research.google.com/github/"
                + repo.split("github.com/")[-1]
            )
        )
        ipynb = page.locator("a.btn-download-notebook-button").first.get_attribute(
            "href"
        )
        nb = json.loads((SITE / Path(chapter).parent / ipynb).resolve().read_text())
        outputs = sum(
            len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code"
        )
        assert outputs > 0, f"{chapter}: the downloadable notebook has no outputs"
        claims = page.locator("a.btn-download-claims-button")
        assert claims.count() >= 1, f"{chapter}: no claims download"
        records = (
            SITE / Path(chapter).parent / claims.first.get_attribute("href")
        ).resolve()
        lines = [
            json.loads(line)
            for line in records.read_text().splitlines()
            if line.strip()
        ]
        assert any(r.get("record") == "chapter" for r in lines), (
            f"{chapter}: {records.name} has no run record"
        )
