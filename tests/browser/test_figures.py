"""Figures as a reader sees them, in headless Chromium (issue 21, "Figures").

Every executed figure of every chapter is a numbered, captioned MyST-NB figure with alt text, is
rendered at 2x resolution (the PNG carries twice the pixels of its display width) and displays at
>= 0.8 of its intended width on a 1400 px desktop, so its text stays at the size it was set in; on
a 400 px phone it shrinks without changing shape.
Screenshots of every chapter at 400, 800 and 1400 px and in dark mode go to
``_build/screenshots/figures/`` for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_rendered_book import CHAPTERS, SHOTS

DESKTOP = 1400
MIN_SHOWN = 0.8  # displayed / intended width

_FIGURES = """() => Array.from(document.querySelectorAll('article .cell_output img')).map(i => {
    const fig = i.closest('figure');
    const cap = fig ? fig.querySelector('figcaption') : null;
    return {
        src: i.getAttribute('src'), alt: (i.getAttribute('alt') || '').trim(),
        intended: parseFloat(i.style.width || i.getAttribute('width') || '0'), natural: i.naturalWidth,
        ratio: i.getBoundingClientRect().height / Math.max(1, i.getBoundingClientRect().width),
        naturalRatio: i.naturalHeight / Math.max(1, i.naturalWidth),
        shown: i.getBoundingClientRect().width,
        id: fig ? fig.id : '', caption: cap ? cap.innerText.trim() : '',
        number: cap ? !!cap.querySelector('.caption-number') : false,
    };
})"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_figures_captioned_named_and_full_size(visit, path):
    v = visit(path, width=DESKTOP)
    figures = v.page.evaluate(_FIGURES)
    assert figures, f"{path}: no executed figure"
    problems = []
    for f in figures:
        name = f["id"] or f["src"]
        if not f["caption"] or not f["number"]:
            problems.append(
                f"{name}: no numbered caption (mystnb figure metadata in the cell header)"
            )
        if not f["id"].startswith("fig-"):
            problems.append(
                f"{name}: no figure name 'fig-...' to reference with {{numref}}"
            )
        if not f["alt"] or f["alt"].startswith("_"):
            problems.append(f"{name}: no alt text (mystnb image.alt)")
        if f["intended"] <= 0 or f["natural"] < 1.9 * f["intended"]:
            problems.append(
                f"{name}: not rendered at 2x ({f['natural']} px for {f['intended']} px)"
            )
        elif f["shown"] < MIN_SHOWN * f["intended"]:
            problems.append(
                f"{name}: displays at {f['shown'] / f['intended']:.2f} of its width "
                f"({f['shown']:.0f} of {f['intended']:.0f} px): size it for the content column"
            )
    assert not problems, f"{path}: " + "; ".join(problems)


@pytest.mark.parametrize("path", CHAPTERS)
def test_figures_keep_their_shape_on_a_phone(visit, path):
    figures = visit(path, width=400).page.evaluate(_FIGURES)
    squashed = [
        f"{f['id'] or f['src']} ({f['ratio']:.2f} vs {f['naturalRatio']:.2f})"
        for f in figures
        if abs(f["ratio"] / f["naturalRatio"] - 1) > 0.03
    ]
    assert not squashed, (
        f"{path}: figures squashed at 400 px (height/width shown vs drawn): {squashed}"
    )


@pytest.mark.parametrize("path", CHAPTERS)
def test_figures_use_the_whole_phone_screen(visit, path):
    """On a 400 px phone a figure wider than the screen spans the whole screen (the figure's
    padding and the article's margin given back), and the page does not scroll sideways."""
    v = visit(path, width=400)
    figures = v.page.evaluate(_FIGURES)
    narrow = [
        f"{f['id'] or f['src']} ({f['shown']:.0f} px)"
        for f in figures
        if f["shown"] < min(f["intended"], 400) - 1
    ]
    assert not narrow, f"{path}: figures narrower than the 400 px screen: {narrow}"
    over = v.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{path} is {over} px wider than a 400 px screen"


def test_figure_screenshots(visit):
    out = SHOTS / "figures"
    out.mkdir(parents=True, exist_ok=True)
    for path in CHAPTERS:
        stem = Path(path).stem
        for width in (400, 800, DESKTOP):
            visit(path, width=width).page.screenshot(
                path=str(out / f"{stem}-{width}px.png"), full_page=True
            )
        v = visit(path, color_scheme="dark", width=DESKTOP)
        v.page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
        v.page.screenshot(path=str(out / f"{stem}-dark.png"), full_page=True)
        assert (out / f"{stem}-dark.png").stat().st_size > 0


_NUMBERS = """() => ({
    captions: Array.from(document.querySelectorAll('article figure')).map(f => {
        const n = f.querySelector('figcaption .caption-number');
        return {id: f.id, number: n ? n.textContent.trim() : ''};
    }).filter(f => f.number),
    refs: Array.from(document.querySelectorAll('article a.reference.internal span.std-numref'))
        .map(s => ({href: s.parentElement.getAttribute('href'), text: s.textContent.trim()})),
})"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_figures_numbered_within_their_chapter(visit, path):
    """A chapter's figures read "Fig. 1", "Fig. 2", ... (not the book-wide count, "Fig. 22"), and
    every {numref} to a figure of the page says the number of that figure's caption."""
    found = visit(path, width=DESKTOP).page.evaluate(_NUMBERS)
    figures = [c for c in found["captions"] if c["number"].startswith("Fig.")]
    assert figures, f"{path}: no numbered figure"
    numbers = [re.sub(r"\s+", " ", c["number"]).rstrip(" :.") for c in figures]
    expected = [f"Fig. {i}" for i in range(1, len(figures) + 1)]
    assert numbers == expected, (
        f"{path}: figure numbers {numbers}, expected {expected} (numbered per chapter)"
    )
    by_id = {c["id"]: n for c, n in zip(figures, numbers)}
    wrong = [
        f"{r['href']} says {r['text']!r}, its caption {by_id[r['href'][1:]]!r}"
        for r in found["refs"]
        if r["href"].startswith("#")
        and r["href"][1:] in by_id
        and not r["text"].startswith(by_id[r["href"][1:]])
    ]
    assert not wrong, f"{path}: references that disagree with the captions: {wrong}"
