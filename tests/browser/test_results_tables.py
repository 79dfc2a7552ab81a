"""The per-chapter results tables as a reader meets them, in headless Chromium (issue 21).

Runs against `_build/html` after the book build, like test_rendered_book.py. For every chapter:
the results table carries the theme's table class and the scoreboard's columns, its status marks
are the scoreboard's, long sources are footnotes; on a 400 px phone the table fits the screen
(each claim a card) and in the light and dark themes its text stays readable (contrast >= 4.5).
Screenshots go to `_build/screenshots/results-*.png`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest

from bookkit import build as book
from physml import claims as registry

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = [
    p.relative_to(ROOT).with_suffix(".html").as_posix() for p in book.chapters(ROOT)
]
MARKS = ("✓ reproduced", "✓ pass", "✗ FAIL", "○ not reproduced", "! now reproduced")


def _open(browser, site, path, width, scheme="light"):
    page = browser.new_page(
        viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page.goto(urljoin(site, path), wait_until="networkidle")
    if scheme == "dark":
        page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    return page


_TABLE = """() => {
  const t = document.querySelector('article table.physml-claims');
  if (!t) return null;
  const cells = Array.from(t.querySelectorAll('tbody tr:not(.physml-claim-note) td'));
  return {
    classes: Array.from(t.classList),
    head: Array.from(t.querySelectorAll('thead th')).map(th => th.textContent.trim()),
    status: Array.from(t.querySelectorAll('td[data-label="status"]')).map(td => td.textContent.trim()),
    refs: Array.from(t.querySelectorAll('a.physml-source-ref')).map(a => a.getAttribute('href')),
    longest: Math.max(0, ...Array.from(t.querySelectorAll('td[data-label="source"]')).map(td => td.textContent.length)),
    border: getComputedStyle(cells[0]).borderTopStyle,
    right: Math.max(...cells.map(td => td.getBoundingClientRect().right)),
    width: window.innerWidth,
  };
}"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_results_table_styled_like_the_scoreboard(browser, site, chapter):
    page = _open(browser, site, chapter, 1400)
    t = page.evaluate(_TABLE)
    assert t is not None, f"{chapter}: no results table"
    assert "table" in t["classes"], (
        f"{chapter}: the results table lacks the theme's table class"
    )
    assert tuple(t["head"]) == registry.CLAIM_COLUMNS, f"{chapter}: columns {t['head']}"
    assert t["status"] and all(s in MARKS for s in t["status"]), (
        f"{chapter}: status marks {t['status']}"
    )
    assert t["border"] != "none", f"{chapter}: the results table has no cell borders"
    assert t["longest"] <= registry.SOURCE_INLINE_CHARS, (
        f"{chapter}: a long source is not a footnote"
    )
    for href in t["refs"]:
        assert page.locator(f"[id='{href[1:]}']").count() == 1, (
            f"{chapter}: footnote {href} missing"
        )
    page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_results_table_fits_a_phone(browser, site, chapter):
    page = _open(browser, site, chapter, 400)
    t = page.evaluate(_TABLE)
    assert t is not None, f"{chapter}: no results table"
    assert t["right"] <= t["width"], (
        f"{chapter}: the results table reaches {t['right']:.0f} px on a 400 px screen"
    )
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{chapter} is {over} px wider than a 400 px screen"
    if chapter == CHAPTERS[0]:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("article table.physml-claims").screenshot(
            path=str(SHOTS / "results-400px.png")
        )
    page.close()


_CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = el => {  // the first opaque background up the tree
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const td of document.querySelectorAll(SELECTOR)) {
    if (!td.textContent.trim()) continue;
    const a = lum(rgb(getComputedStyle(td).color)), b = lum(bg(td));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(`${ratio.toFixed(2)}: ${td.textContent.trim().slice(0, 40)}`);
  }
  return worst;
}"""
_CLAIM_CELLS = "article table.physml-claims td, article table.physml-claims th"
#: Tables printed by code cells: DataFrames, their Stylers (ids T_...), the set-up cell's Sizes.
_PRINTED = ", ".join(
    f"article .cell_output {t} {c}"
    for t in ("table.dataframe", "table[id^='T_']", "table.physml-sizes")
    for c in ("td", "th")
)


def _contrast(selector: str) -> str:
    """The contrast check of ``_CONTRAST`` over the cells ``selector`` finds."""
    return _CONTRAST.replace("SELECTOR", repr(selector))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_results_table_readable_in_dark_mode(browser, site, chapter, scheme):
    page = _open(browser, site, chapter, 1400, scheme=scheme)
    low = page.evaluate(_contrast(_CLAIM_CELLS))
    assert not low, (
        f"{chapter}: results-table text below contrast 4.5 in the {scheme} theme: {low[:5]}"
    )
    if chapter == CHAPTERS[0] and scheme == "dark":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("article table.physml-claims").screenshot(
            path=str(SHOTS / "results-dark.png")
        )
    page.close()


_PADDING = """(sel) => Array.from(document.querySelectorAll(sel))
  .filter(c => c.textContent.trim())
  .map(c => ({text: c.textContent.trim().slice(0, 30), left: parseFloat(getComputedStyle(c).paddingLeft),
              border: getComputedStyle(c).borderTopStyle}))
  .filter(c => c.left < 4 || c.border === 'none')"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_printed_tables_padded_and_readable(browser, site, chapter, scheme):
    """Tables printed by code cells (DataFrames, Stylers, the Sizes table) have cell padding and
    borders like the results tables, and their text keeps contrast >= 4.5 on the theme's own
    background in light and dark mode (no light panel behind them in dark mode)."""
    page = _open(browser, site, chapter, 1400, scheme=scheme)
    page.evaluate(
        "() => document.querySelectorAll('.cell_output details').forEach(d => d.open = true)"
    )
    tight = page.evaluate(_PADDING, _PRINTED)
    assert not tight, (
        f"{chapter}: printed table cells without padding or borders: {tight[:5]}"
    )
    low = page.evaluate(_contrast(_PRINTED))
    assert not low, (
        f"{chapter}: printed-table text below contrast 4.5 in the {scheme} theme: {low[:5]}"
    )
    if scheme == "dark":
        light_panels = page.evaluate(
            """(sel) => Array.from(document.querySelectorAll(sel)).map(c => c.closest('table'))
              .filter((t, i, a) => a.indexOf(t) === i)
              .map(t => { for (let e = t; e; e = e.parentElement) {
                  const c = (getComputedStyle(e).backgroundColor.match(/[\\d.]+/g) || []).map(Number);
                  if (c.length === 3 || c[3] > 0.5) return c[0] + c[1] + c[2] > 3 * 128 ? t.id || t.className : null; }
                return null; })
              .filter(x => x)""",
            _PRINTED,
        )
        assert not light_panels, (
            f"{chapter}: printed tables on a light panel in dark mode: {light_panels}"
        )
    page.close()
