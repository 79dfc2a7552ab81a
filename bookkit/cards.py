"""Chapter cards of the part index pages, generated at build time from the chapters and their records.

A part index page (``book/<part>/index.md``) holds the directive ``{chapter-cards}`` (registered
by :mod:`bookkit.sphinx_ext`); at build time it becomes one card per chapter of that part, in
``_toc.yml`` order, with

- the title (a link to the chapter) and what the chapter does: the first sentence of its opening
  paragraph and the one that starts with "This chapter", if any;
- its sources: the citation keys of the opening paragraph (rendered by sphinxcontrib-bibtex);
- what it reproduces: the paper and data claims of the quick build (how many pass, how many are
  declared misses), from the chapter's claims file in the build's claims folder;
- its run times: the chapter record's ``wall_s`` in the quick build's claims folder and in
  ``records/full/<chapter>.jsonl``, "not run yet" where there is none;
- whether it needs a GPU: the quick profile runs on a CPU (``make test`` runs every chapter
  there); for the full profile, the committed run record says on which device it ran and how much
  GPU memory it used.

Nothing on the cards is typed by hand: :func:`cards_markdown` writes MyST Markdown (sphinx-design
``grid`` and ``card``) that the directive parses in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from physml.claims import FULL_RECORDS, is_run_record, read_jsonl

from bookkit.build import chapters, read_notebook

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def opening(md: Path) -> tuple[str, str]:
    """A chapter's title and its opening paragraph (the first markdown paragraph after the title)."""
    nb = read_notebook(md)
    title, para = md.stem, ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                title = line[2:].strip()
                rest = "\n".join(lines[i + 1 :]).strip()
                para = rest.split("\n\n")[0].strip()
                break
        break
    return title, " ".join(para.split())


def _split_sentences(text: str) -> list[str]:
    # A sentence ends at ". " before a capital letter, outside math ($...$) and roles (`...`).
    out, start, in_math, in_code = [], 0, False, False
    for i, ch in enumerate(text):
        if ch == "$":
            in_math = not in_math
        elif ch == "`":
            in_code = not in_code
        elif (
            ch == "."
            and not in_math
            and not in_code
            and i + 2 < len(text)
            and text[i + 1] == " "
            and text[i + 2].isupper()
        ):
            out.append(text[start : i + 1].strip())
            start = i + 2
    out.append(text[start:].strip())
    return [s for s in out if s]


def summary_sentence(paragraph: str) -> str:
    """What the chapter does: the opening paragraph's first sentence and, when another one
    starts with "This chapter", that one too."""
    sentences = _split_sentences(paragraph)
    if not sentences:
        return ""
    this = [s for s in sentences[1:] if s.startswith("This chapter")]
    return " ".join(sentences[:1] + this[:1])


def citation_keys(text: str) -> list[str]:
    """The citation keys of ``{cite}`a,b``` roles in ``text``, in order, without repeats."""
    keys: list[str] = []
    for group in CITE.findall(text):
        for key in group.split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def _records(path: Path) -> tuple[list[dict], dict]:
    """(claims, last run record) of one chapter's JSON-lines file; empty when absent or unreadable."""
    try:
        recs = read_jsonl(path) if path.is_file() else []
    except (OSError, ValueError):
        recs = []
    runs = [r for r in recs if is_run_record(r)]
    return [r for r in recs if not is_run_record(r)], (runs[-1] if runs else {})


def format_duration(seconds: float) -> str:
    """``42 s``, ``3.5 min``, ``1.2 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def run_time(run: Mapping) -> str:
    """A run record's wall time with its device, or "not run yet"."""
    wall = run.get("wall_s")
    if not isinstance(wall, (int, float)):
        return "not run yet"
    where = run.get("device_name") or run.get("device") or "?"
    return f"{format_duration(float(wall))} ({where})"


def gpu_need(full_run: Mapping) -> str:
    """Whether the chapter needs a GPU: the quick profile never does; the full one, from its record."""
    quick = "quick profile: no (runs on a CPU)"
    if not full_run:
        return f"{quick}; full profile: not run yet"
    if str(full_run.get("device", "")).startswith("cuda"):
        peak = full_run.get("peak_gpu_mem_bytes") or 0
        if peak > 0:
            return f"{quick}; full profile: ran on a GPU, peak {peak / 2**30:.1f} GiB of GPU memory"
        return f"{quick}; full profile: ran on a GPU without using its memory (a CPU will do)"
    return f"{quick}; full profile: ran on a CPU"


def reproduces(claims: list[dict]) -> str:
    """How many of the paper and data numbers the quick build reproduces."""
    if not claims:
        return "not run yet in this build"
    ext = [c for c in claims if c.get("kind") in ("paper", "data")]
    own = len(claims) - len(ext)
    if not ext:
        return f"no printed numbers; {own} checks of its own (exact values, bounds)"
    passed = sum(c.get("status") in ("pass", "now reproduced") for c in ext)
    missed = sum(c.get("status") == "miss" for c in ext)
    text = f"{passed} of {len(ext)} numbers of the papers and data"
    if missed:
        text += f" ({missed} declared {'miss' if missed == 1 else 'misses'})"
    return text + f", and {own} checks of its own"


def card_markdown(root: Path, md: Path, quick_dir: Path | None) -> str:
    """One chapter's card (a sphinx-design ``card`` in MyST Markdown)."""
    title, para = opening(md)
    slug = md.stem
    quick_claims, quick_run = (
        _records(quick_dir / f"{slug}.jsonl") if quick_dir else ([], {})
    )
    _, full_run = _records(root / FULL_RECORDS / f"{slug}.jsonl")
    keys = citation_keys(para)
    doc = md.relative_to(root).with_suffix("").as_posix()
    lines = [
        f":::{{grid-item-card}} {title}",
        f":link: /{doc}",
        ":link-type: doc",
        ":class-card: physml-chapter-card",
        "",
        summary_sentence(para),
        "",
        f"- **Sources:** {{cite:p}}`{','.join(keys)}`"
        if keys
        else "- **Sources:** none cited",
        f"- **Reproduces (quick build):** {reproduces(quick_claims)}",
        f"- **Run time:** quick {run_time(quick_run)}; full {run_time(full_run)}",
        f"- **GPU:** {gpu_need(full_run)}",
        ":::",
    ]
    return "\n".join(lines)


def part_chapters(root: str | Path, part: str) -> list[Path]:
    """The chapters under ``book/<part>/``, in table-of-contents order.

    Raises:
        ValueError: if ``part`` has no chapter in ``_toc.yml``.
    """
    root = Path(root)
    found = [md for md in chapters(root) if md.parent == root / "book" / part]
    if not found:
        raise ValueError(f"part {part!r}: no chapter under book/{part}/ in _toc.yml")
    return found


def cards_markdown(root: str | Path, part: str, quick_dir: str | Path | None) -> str:
    """The cards of every chapter of ``book/<part>/`` as a sphinx-design grid (MyST Markdown)."""
    root = Path(root)
    quick = Path(quick_dir) if quick_dir is not None else None
    cards = [card_markdown(root, md, quick) for md in part_chapters(root, part)]
    return "::::{grid} 1\n:gutter: 3\n\n" + "\n\n".join(cards) + "\n::::\n"
