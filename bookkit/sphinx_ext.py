"""Sphinx extension of the book: a rendered site that works offline and has a clean console.

- MathJax: Sphinx loads it from a CDN by default, so the book would show raw TeX offline. This
  points ``mathjax_path`` at a local copy and, after the build, copies MathJax 3's es5 bundle (with
  its fonts) from the installed ``django-static-mathjax`` package (Apache-2.0) into the site's
  ``_static/mathjax``. Nothing is fetched at build or read time.
- Duplicate scripts: Jupyter Book sets some extensions up twice (sphinx-thebe, togglebutton), so
  their inline scripts appear twice in every page and redeclaring thebe's ``const`` is a
  JavaScript error. Exact duplicates are dropped from each page.
- Style repairs (``bookkit/static/physml.css``): inline code and API signatures wrap on a
  phone instead of widening the page; the scoreboard's tables scroll inside their container.
- Chapter cards: the directive ``{chapter-cards} <part>`` of a part's index page becomes one card
  per chapter of ``book/<part>/`` (:mod:`bookkit.cards`): what it reproduces, its sources, its
  quick and full run times from the claims records, whether it needs a GPU.
- Search results without raw TeX (``bookkit/static/physml-search.js``): the snippets of the search
  page are taken from the pages' text, where math is still TeX; they are turned into plain text.
- Bibliography labels: the reference list is labelled like the citations in the text, "Author
  Year", "A & B Year", "A et al. Year" (a pybtex label style, ``physml``), instead of the default
  alpha labels mangled by accents ("NPerezDiazTW24").
- Downloads: a chapter's ``.ipynb`` download is the executed notebook, with the outputs of the
  Jupyter cache the page was rendered from (MyST-NB writes the source notebook there, without
  outputs), and the download menu offers the chapter's claims records: those of this build
  (copied to ``claims/<chapter>.jsonl``) and the committed full-profile run, where there is one.
- Figure numbers per chapter: the toctree is not numbered (section numbers would clutter the
  sidebar and the part index pages), and Sphinx then counts figures across the whole book ("Fig.
  22" for a chapter's first figure). After Sphinx assigns the numbers, each document's figures
  (tables, code blocks) are renumbered from 1 in page order, so captions and ``{numref}``
  references (which read the same numbers) say "Fig. 1", "Fig. 2", ... within a chapter.
- Theme mode: sphinx-book-theme's head script sets an empty colour mode on a first visit, which
  pydata-sphinx-theme reports as a console error; an empty mode is set to ``auto`` before that.

Enabled in ``_config.yml`` (``sphinx.extra_extensions``).
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

LOCAL_PATH = "mathjax/tex-chtml.js"


def mathjax_es5_dir() -> Path:
    """The es5 folder of the installed MathJax package; a clear error when it is missing."""
    spec = find_spec("mathjax")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        es5 = Path(loc) / "static" / "mathjax" / "es5"
        if (es5 / "tex-chtml.js").is_file():
            return es5
    raise RuntimeError(
        "MathJax not found: the book serves MathJax from the package django-static-mathjax "
        "(pip install django-static-mathjax), whose layout may have changed"
    )


def _use_local_mathjax(app, config) -> None:
    mathjax_es5_dir()  # fail early, before a long build
    config.mathjax_path = LOCAL_PATH


STATIC = Path(__file__).with_name("static")


def _add_static(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "tex-chtml.js").is_file():
        shutil.copytree(mathjax_es5_dir(), target, dirs_exist_ok=True)


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        # Inline scripts are registered with filename None or "" depending on the path taken.
        name = str(getattr(js, "filename", js) or "")
        key = (name, tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    # In place: the list is the builder's own, and handlers after this one (sphinx.ext.mathjax)
    # still append to it.
    scripts[:] = unique


def _author_year_label(entry) -> str:
    """``Kitouni 2024``, ``Pawlowski & Plehn 2025``, ``Albandea et al. 2023`` (LaTeX accents
    rendered, "and others" read as et al.)."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    lasts = [
        " ".join(part.render_as("text") for part in p.rich_last_names) for p in persons
    ]
    others = "others" in lasts
    lasts = [name for name in lasts if name != "others"]
    if not lasts:
        who = entry.fields.get("key", entry.key)
    elif len(lasts) == 1 and not others:
        who = lasts[0]
    elif len(lasts) == 2 and not others:
        who = f"{lasts[0]} & {lasts[1]}"
    else:
        who = f"{lasts[0]} et al."
    return f"{who} {entry.fields.get('year', '')}".strip()


def _register_bibliography_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            seen: dict[str, int] = {}
            for entry in sorted_entries:
                label = _author_year_label(entry)
                seen[label] = seen.get(label, 0) + 1
                yield (
                    label
                    if seen[label] == 1
                    else f"{label}{chr(ord('a') + seen[label] - 1)}"
                )

    class PhysmlStyle(UnsrtStyle):
        default_label_style = "physml_author_year"
        default_sorting_style = "author_year_title"

    register_plugin(
        "pybtex.style.labels", "physml_author_year", AuthorYearLabels, force=True
    )
    register_plugin("pybtex.style.formatting", "physml", PhysmlStyle, force=True)


class ChapterCards(SphinxDirective):
    """``{chapter-cards} <part>``: the cards of the chapters under ``book/<part>/``."""

    required_arguments = 1
    has_content = False

    def run(self):
        from bookkit.build import results_dir
        from bookkit.cards import cards_markdown, part_chapters

        root = Path(self.env.srcdir)
        part = self.arguments[0]
        quick_dir = results_dir(root, "quick")
        try:
            chapter_mds = part_chapters(root, part)
            text = cards_markdown(root, part, quick_dir)
        except ValueError as err:
            raise self.error(str(err)) from err
        # Rebuild the index page when a chapter or its records change.
        for md in chapter_mds:
            self.env.note_dependency(str(md))
            for records in (
                quick_dir / f"{md.stem}.jsonl",
                root / "records" / "full" / f"{md.stem}.jsonl",
            ):
                if records.is_file():
                    self.env.note_dependency(str(records))
        node = nodes.container(classes=["physml-chapter-cards"])
        self.state.nested_parse(
            StringList(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            node,
        )
        return [node]


def _chapter_md(app, pagename: str) -> Path | None:
    md = Path(app.srcdir) / f"{pagename}.md"
    if not md.is_file():
        return None
    from bookkit.build import is_notebook

    return md if is_notebook(md) else None


def _executed_notebook(app, pagename, templatename, context, doctree) -> None:
    """Before sphinx-book-theme copies ``jupyter_execute/<page>.ipynb`` to ``_sources`` for the
    download button (priority 501), put the executed notebook there."""
    md = _chapter_md(app, pagename)
    if md is None or getattr(app.config, "nb_execution_mode", "") != "cache":
        return
    import nbformat

    from bookkit.build import cached_outputs

    nb = cached_outputs(md, Path(app.srcdir) / app.config.nb_execution_cache_path)
    if nb is None:
        return
    target = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def _claims_downloads(app, pagename, templatename, context, doctree) -> None:
    """Add the chapter's claims records to the page's download menu (after the theme's buttons)."""
    md = _chapter_md(app, pagename)
    if md is None:
        return
    from physml import config

    from bookkit.build import results_dir

    root, slug, out = Path(app.srcdir), md.stem, Path(app.outdir)
    offers = []
    for source, target, text, tip in (
        (
            results_dir(root, config.profile()) / f"{slug}.jsonl",
            f"claims/{slug}.jsonl",
            "claims (.jsonl)",
            f"Download the claims this build recorded ({config.profile()} profile)",
        ),
        (
            root / "records" / "full" / f"{slug}.jsonl",
            f"claims/full/{slug}.jsonl",
            "full-run claims (.jsonl)",
            "Download the committed full-profile claims records",
        ),
    ):
        if source.is_file():
            dest = out / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            offers.append(
                {
                    "type": "link",
                    "url": context["pathto"](target, 1),
                    "text": text,
                    "tooltip": tip,
                    "icon": "fas fa-list-check",
                    "label": "download-claims-button",
                }
            )
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"][1:1] = offers


NORMALISE_MODE = "if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = 'auto'; }"


def _number_figures_per_document(app, env) -> list[str]:
    """Renumber each document's figures (and tables, code blocks) from 1, keeping their order.

    Runs after Sphinx's own assignment (``env.toc_fignumbers``, book-wide counters when the toctree
    is not numbered). A numbered toctree's section prefix is kept, the count restarting under each prefix.
    """
    for fignumbers in env.toc_fignumbers.values():
        for figtype, numbers in fignumbers.items():
            counters: dict[tuple[int, ...], int] = {}
            renumbered = {}
            for fid in sorted(numbers, key=lambda fid: numbers[fid]):
                prefix = tuple(numbers[fid][:-1])
                counters[prefix] = counters.get(prefix, 0) + 1
                renumbered[fid] = (*prefix, counters[prefix])
            fignumbers[figtype] = renumbered
    return []


def setup(app):
    _register_bibliography_style()
    app.connect("config-inited", _use_local_mathjax, priority=900)
    app.connect("config-inited", _add_static, priority=900)
    app.add_css_file("physml.css")
    app.add_js_file("physml-search.js")
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    app.add_js_file(None, body=NORMALISE_MODE, priority=1)
    app.add_directive("chapter-cards", ChapterCards)
    # after the toctree collector's assign_figure_numbers (default priority 500)
    app.connect("env-get-updated", _number_figures_per_document, priority=900)
    app.connect("html-page-context", _executed_notebook, priority=500)
    app.connect("html-page-context", _claims_downloads, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
