"""The rendered book as a reader sees it, in headless Chromium driven by Playwright.

Runs after the book build (`make test`), against `_build/html` served on 127.0.0.1. For every
page of `_toc.yml`: no console errors or failed requests, the page's title, every figure loaded,
MathJax rendered (no raw TeX left), every internal link and anchor resolves. Then the reader's
affordances: search, Colab launch and .ipynb download buttons, the repository button, the
bibliography, opaque figures for dark mode, the per-chapter run facts, and the scoreboard (one row
per recorded claim, none failing). Screenshots go to `_build/screenshots/`.
"""

from __future__ import annotations

import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

from bookkit import build as book
from bookkit.scoreboard import record_problems
from physml import claims as claims_registry, config

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(config.env("PHYSML_SITE") or ROOT / "_build" / "html")
SHOTS = ROOT / "_build" / "screenshots"
PAGES = [
    p.relative_to(ROOT).with_suffix(".html").as_posix() for p in book.toc_files(ROOT)
]
CHAPTERS = [
    p.relative_to(ROOT).with_suffix(".html").as_posix() for p in book.chapters(ROOT)
]
#: The book's repository address (``_config.yml``, no trailing slash): the install cell,
#: the Colab and the repository buttons point there.
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"][
    "url"
].rstrip("/")


def _md_title(html_path: str) -> str:
    md = ROOT / Path(html_path).with_suffix(".md")
    for line in md.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].replace("`", "").strip()
    raise AssertionError(f"{md} has no '# ' title")


@pytest.mark.parametrize("path", PAGES)
def test_page_renders(visit, path):
    v = visit(path)
    page = v.page
    assert not v.errors, f"{path}: " + "; ".join(v.errors)
    h1 = page.locator("article h1").first.text_content().strip().rstrip("#¶").strip()
    assert h1 == _md_title(path), (
        f"{path}: title {h1!r}, source says {_md_title(path)!r}"
    )
    images = page.evaluate(
        "() => Array.from(document.querySelectorAll('article img'))"
        ".map(i => ({src: i.getAttribute('src'), complete: i.complete, w: i.naturalWidth}))"
    )
    broken = [i["src"] for i in images if not (i["complete"] and i["w"] > 0)]
    assert not broken, f"{path}: figures that did not load: {broken}"
    if path in CHAPTERS:
        assert images, f"{path}: a chapter page shows no executed figure"
    text = page.locator("article").inner_text()
    outputs = "\n".join(page.locator("article .cell_output").all_inner_texts())
    for raw in (
        "np.float64(",
        "np.int64(",
        "Claim(",
        "History(",
        "Sizes[",
        "object at 0x",
    ):
        assert raw not in outputs, (
            f"{path}: a raw Python repr {raw!r} in a cell output: print a formatted value"
        )
    for raw in ("$$", "\\(", "\\[", "\\begin{"):
        assert raw not in text, (
            f"{path}: raw TeX {raw!r} left on the page: MathJax did not render it"
        )
    n_math = page.locator("article .math").count()
    n_mjx = page.locator("article mjx-container").count()
    assert n_mjx >= n_math, (
        f"{path}: {n_math} math elements but {n_mjx} typeset by MathJax"
    )
    # MathJax 3 marks a TeX error either with an mjx-merror element or, for errors such as
    # "\\tag not allowed in split environment", with a data-mjx-error attribute
    errors = page.locator("mjx-merror, [data-mjx-error]").count()
    assert errors == 0, f"{path}: MathJax reported {errors} TeX error(s)"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        ref = (
            a.get("href")
            if tag in ("a", "link")
            else a.get("src")
            if tag in ("img", "script")
            else None
        )
        if ref:
            self.refs.append(ref)


@functools.lru_cache(maxsize=None)
def _parse(file: Path) -> _Links:
    parser = _Links()
    parser.feed(file.read_text(errors="replace"))
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_internal_links_and_anchors_resolve(path):
    base = "http://book.invalid/" + path
    bad = []
    for ref in _parse(SITE / path).refs:
        url = urlparse(urljoin(base, ref))
        if url.scheme not in ("http", "https") or url.netloc != "book.invalid":
            continue  # external link, mailto:, javascript:
        target = SITE / unquote(url.path.lstrip("/"))
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            bad.append(f"{ref} (no file {target.relative_to(SITE)})")
        elif (
            url.fragment
            and target.suffix == ".html"
            and unquote(url.fragment) not in _parse(target).ids
        ):
            bad.append(f"{ref} (no anchor #{url.fragment})")
    assert not bad, f"{path}: broken internal links: {bad}"


def test_search_finds_each_chapter(visit):
    for chapter in CHAPTERS:
        word = max(re.findall(r"[A-Za-z]{5,}", _md_title(chapter)), key=len).lower()
        v = visit(f"search.html?q={word}")
        link = v.page.locator(f"#search-results a[href*='{Path(chapter).stem}']")
        link.first.wait_for(timeout=20_000)
        assert link.count() >= 1, f"searching {word!r} does not find {chapter}"


def test_chapter_buttons(visit):
    repo = REPOSITORY
    for chapter in CHAPTERS:
        page = visit(chapter).page
        ipynb = Path(chapter).with_suffix(".ipynb").as_posix()
        colab = page.locator(
            "a[href*='colab.research.google.com']"
        ).first.get_attribute("href")
        assert colab.endswith(f"/blob/main/{ipynb}"), (
            f"{chapter}: Colab button points at {colab}"
        )
        assert (ROOT / ipynb).is_file(), (
            f"the Colab button's notebook {ipynb} is not in the repository"
        )
        download = page.locator("a.btn-download-notebook-button").first.get_attribute(
            "href"
        )
        assert download.endswith(".ipynb"), (
            f"{chapter}: download button offers {download}"
        )
        target = (SITE / Path(chapter).parent / download).resolve()
        assert target.is_file(), (
            f"{chapter}: the downloadable notebook {download} is missing"
        )
        assert page.locator(f"a[href^='{repo}']").count() >= 1, (
            f"{chapter}: no repository button"
        )


def test_run_facts_on_every_chapter(visit):
    for chapter in CHAPTERS:
        page = visit(chapter).page
        facts = page.locator("details.physml-run-facts")
        assert facts.count() == 1, f"{chapter}: no run-facts block"
        assert facts.get_attribute("open") is None, (
            f"{chapter}: the run-facts block is not collapsed"
        )
        text = facts.text_content()
        for word in ("profile", "device", "torch", "wall time", "claims"):
            assert word in text, f"{chapter}: run facts lack {word!r}"
        assert "FAIL" not in text


def test_bibliography_and_citations(visit):
    bib = (ROOT / "book" / "references.bib").read_text()
    n_entries = len(re.findall(r"^@\w+\{", bib, flags=re.M))
    page = visit("book/bibliography.html").page
    assert page.locator("div.citation").count() == n_entries
    cited = set()
    for md in (ROOT / "book").rglob("*.md"):
        cited |= set(re.findall(r"\{cite[pt]?\}`([^`]+)`", md.read_text()))
    assert cited, "no chapter cites a source"
    for key in cited:
        assert re.search(rf"^@\w+\{{{re.escape(key)},", bib, flags=re.M), (
            f"{key} not in references.bib"
        )
    intro = visit("book/intro.html").page
    assert (
        intro.locator("span.bibtex-citation a[href*='bibliography.html#']").count() >= 3
    )


def test_figures_are_opaque_and_readable_in_dark_mode(visit):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for chapter in CHAPTERS:
        v = visit(chapter, color_scheme="dark")
        v.page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
        transparent = v.page.evaluate(
            """() => Array.from(document.querySelectorAll('article img')).filter(img => {
                 const c = document.createElement('canvas');
                 c.width = img.naturalWidth; c.height = img.naturalHeight;
                 const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
                 const d = ctx.getImageData(0, 0, c.width, c.height).data;
                 for (let i = 3; i < d.length; i += 4) if (d[i] < 255) return true;
                 return false; }).map(img => img.getAttribute('src'))"""
        )
        assert not transparent, (
            f"{chapter}: figures with transparent pixels (unreadable in dark mode): {transparent}"
        )
        # the results table follows the dark theme's colours, so it must not sit on the light
        # panel the theme gives HTML outputs (its muted source notes were light grey on light grey)
        panels = v.page.evaluate(
            """() => Array.from(document.querySelectorAll('article .cell_output .text_html'))
                 .filter(o => o.querySelector('table.physml-claims'))
                 .map(o => getComputedStyle(o).backgroundColor)"""
        )
        assert panels and all(
            p in ("transparent", "rgba(0, 0, 0, 0)") for p in panels
        ), f"{chapter}: the results table sits on a panel {panels} in dark mode"
        if chapter == CHAPTERS[0]:
            v.page.screenshot(path=str(SHOTS / "chapter-dark.png"), full_page=False)


def _recorded_claims() -> list[dict]:
    # The claims of this physml source and profile, as the chapters recorded them.
    return claims_registry.load_records(book.results_dir(ROOT, "quick"))[0]


def _typeset(text: str) -> str:
    """Text with MyST's typographic quotes turned back into plain ones, for comparison."""
    return text.translate(
        str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    )


def test_claim_records_are_sound():
    problems = record_problems(_recorded_claims())
    assert not problems, "claims records: " + "; ".join(problems)


def test_scoreboard_summary_misses_and_every_claim(visit):
    claims = _recorded_claims()
    assert claims, "no claims were recorded"
    page = visit("book/scoreboard.html").page
    rows = lambda cls: page.evaluate(  # noqa: E731
        f"() => Array.from(document.querySelectorAll('article table.{cls} tbody tr')).map(r => r.textContent)"
    )
    summary = rows("physml-summary")
    assert len(summary) == 2 * len(CHAPTERS), (
        f"summary has {len(summary)} rows for {len(CHAPTERS)} chapters x 2 profiles"
    )
    texts = rows("physml-scoreboard")
    assert len(texts) == len(claims), (
        f"scoreboard shows {len(texts)} claim rows for {len(claims)} claims"
    )
    failing = [t for t in texts if "FAIL" in t]
    assert not failing, f"failing claims on the scoreboard: {failing}"
    for claim in claims:
        assert any(_typeset(claim["quantity"]) in _typeset(t) for t in texts), (
            f"claim {claim['key']} is not on the scoreboard"
        )
    misses = [c for c in claims if c["status"] in ("miss", "now reproduced")]
    links = page.evaluate(
        "() => Array.from(document.querySelectorAll('article table.physml-misses tbody tr'))"
        ".map(r => r.querySelector('a') && r.querySelector('a').href)"
    )
    assert len(links) == len(misses), (
        f"misses table has {len(links)} rows for {len(misses)} declared misses"
    )
    for href in links:
        assert href, "a row of the misses table has no link to its chapter"
        target = urlparse(href)
        anchor = unquote(target.fragment)
        assert anchor.startswith("claim-"), (
            f"miss link {href} does not point at a claim row"
        )
        other = visit(target.path.lstrip("/")).page
        assert other.locator(f"[id='{anchor}']").count() == 1, (
            f"anchor #{anchor} missing on {target.path}"
        )


_WIDE_EQUATIONS = """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
  .filter(m => m.scrollWidth > m.clientWidth + 1)
  .map(m => `${m.scrollWidth} px in ${m.clientWidth} px: ${(m.textContent || '').slice(0, 70)}`)"""


# A table (Markdown, DataFrame, the scoreboard's) and every box around it inside the article
# fit their width: on a phone the results tables become cards, the others a smaller font.
_WIDE_TABLES = """() => Array.from(document.querySelectorAll('article table')).map(t => {
  // only a box that scrolls or clips its content makes a table scroll sideways; a visible
  // overflow (e.g. a phone figure bleeding into the margins) would widen the page instead
  for (let el = t; el && el.tagName !== 'ARTICLE'; el = el.parentElement)
    if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX)
        && el.scrollWidth > el.clientWidth + 1)
      return `${t.className || 'table'} (${(t.textContent || '').trim().slice(0, 40)}): `
        + `${el.scrollWidth} px in ${el.clientWidth} px`;
  return null;
}).filter(x => x)"""


@pytest.mark.parametrize("path", PAGES)
def test_equations_fit_and_pages_fit_a_phone(visit, path):
    """No display equation is wider than its column at 1400 px or on a 400 px phone (long ones
    are broken into aligned lines), no page is wider than the phone's screen and no table
    scrolls sideways on it."""
    wide = visit(path, width=1400).page.evaluate(_WIDE_EQUATIONS)
    assert not wide, (
        f"{path}: display equations wider than the column at 1400 px: {wide}"
    )
    phone = visit(path, width=400).page
    over = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{path} is {over} px wider than a 400 px screen"
    wide = phone.evaluate(_WIDE_EQUATIONS)
    assert not wide, (
        f"{path}: display equations wider than the column at 400 px: {wide}"
    )
    wide = phone.evaluate(_WIDE_TABLES)
    assert not wide, f"{path}: tables that scroll sideways at 400 px: {wide}"


# Every code cell opened (collapsed ones too): none scrolls sideways, and a line of 88 characters
# (the formatter's width) fits the cell without wrapping.
_CODE_CELLS = """() => {
  document.querySelectorAll('article details').forEach(d => { d.open = true; });
  const pres = Array.from(document.querySelectorAll('article .cell_input pre'));
  if (!pres.length) return null;
  const probe = document.createElement('span');
  probe.style.whiteSpace = 'pre';
  probe.textContent = 'x'.repeat(88);
  pres[0].appendChild(probe);
  const cs = getComputedStyle(pres[0]);
  const room = pres[0].clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const line88 = probe.getBoundingClientRect().width;
  probe.remove();
  return {line88, room, wide: pres.filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => `${p.scrollWidth} px in ${p.clientWidth} px: ${p.textContent.trim().slice(0, 60)}`)};
}"""


@pytest.mark.parametrize("width", [1400, 800])
@pytest.mark.parametrize("path", CHAPTERS)
def test_code_cells_fit_the_column(visit, path, width):
    """At desktop and tablet widths no code cell scrolls sideways and a formatted line (88
    columns) fits the content column; on a phone code scrolls inside its box."""
    found = visit(path, width=width).page.evaluate(_CODE_CELLS)
    assert found, f"{path}: no code cell"
    assert found["line88"] <= found["room"], (
        f"{path}: an 88-column line is {found['line88']:.0f} px, the code cell has "
        f"{found['room']:.0f} px at {width} px"
    )
    assert not found["wide"], (
        f"{path}: code cells that scroll sideways at {width} px: {found['wide']}"
    )


#: The MIME type MyST-NB's glue stores a value's text under (scrapbook's record prefix).
GLUE_TEXT = "application/papermill.record/text/plain"


@pytest.mark.parametrize("path", CHAPTERS)
def test_glued_numbers_are_plain_values(path):
    """Every glue record of the executed notebook (the one the page offers for download) holds a
    plain number or text: a numpy scalar's text is ``np.float64(...)``, which the prose's
    {glue:text} role cannot format, so the sentence shows an empty gap (glue ``float(v)``)."""
    nb = json.loads((SITE / "_sources" / Path(path).with_suffix(".ipynb")).read_text())
    bad = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            text = "".join(out.get("data", {}).get(GLUE_TEXT, ""))
            if not text.strip() or text.startswith(("np.", "numpy.", "tensor(")):
                bad.append(f"{name} = {text!r}")
    assert not bad, f"{path}: glued values that are not plain numbers or text: {bad}"


def test_landing_page_code_fits_the_column(visit):
    """The landing page's code blocks (the make commands) fit its content column at 1400 px."""
    wide = visit("book/intro.html", width=1400).page.evaluate(
        """() => Array.from(document.querySelectorAll('article div.highlight pre'))
          .filter(p => p.scrollWidth > p.clientWidth + 1)
          .map(p => `${p.scrollWidth} px in ${p.clientWidth} px: ${p.textContent.slice(0, 40)}`)"""
    )
    assert not wide, f"landing page code blocks that scroll sideways at 1400 px: {wide}"


@pytest.mark.parametrize("width", [400, 800])
@pytest.mark.parametrize(
    "button, dialog",
    [
        ("primary", "pst-primary-sidebar-modal"),
        ("secondary", "pst-secondary-sidebar-modal"),
    ],
)
def test_phone_and_tablet_navigation_opens(visit, width, button, dialog):
    """The menu (primary) and contents (secondary) buttons open their sidebars on narrow screens.

    With sphinx-book-theme 1.3.0 over pydata-sphinx-theme 0.17 the page holds two buttons of the
    class, the visible one gets no listener, and a tap does nothing (pydata-sphinx-theme issue 2451).
    """
    page = visit(CHAPTERS[0], width=width).page
    buttons = page.locator(f"button.{button}-toggle")
    visible = [i for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert len(visible) == 1, f"{len(visible)} visible {button} buttons at {width} px"
    assert not page.evaluate(f"document.getElementById('{dialog}').open")
    buttons.nth(visible[0]).click()
    page.wait_for_function(f"document.getElementById('{dialog}').open", timeout=5_000)
    box = page.locator(f"#{dialog}").bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] > 200, (
        f"{dialog} not on screen: {box}"
    )
    if button == "primary":
        assert page.locator(f"#{dialog} a.reference.internal").count() >= len(CHAPTERS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"nav-{button}-{width}px.png"))


def test_screenshots(visit):
    SHOTS.mkdir(parents=True, exist_ok=True)
    targets = {
        "intro": "book/intro.html",
        "chapter": CHAPTERS[0],
        "scoreboard": "book/scoreboard.html",
    }
    for name, path in targets.items():
        visit(path).page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
