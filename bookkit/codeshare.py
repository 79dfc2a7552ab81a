"""How much of a chapter page a reader sees as code (issue 21: "pages that tell the story").

Per chapter (``_toc.yml`` order), from its MyST Markdown source read as Jupyter Book reads it:

- *prose*: the non-blank lines of its Markdown cells;
- *code*: the non-blank source lines of its code cells that show expanded on the page;
- *collapsed*: the non-blank source lines of code cells tagged ``hide-input``, ``hide-cell``,
  ``remove-input`` or ``remove-cell`` (folded away or absent: not counted as visible).

The code share is ``code / (code + prose)``: the part of the visible non-blank source lines that is
code. Cell outputs (figures, tables) are not counted on either side.

Command line: ``python -m bookkit code-share [--root .] [--target 0.4] [chapter.md ...]``; it
prints a Markdown table and exits 0 (it reports, it does not judge).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Cell tags that keep a code cell's source off the visible page.
COLLAPSED_TAGS = frozenset({"hide-input", "hide-cell", "remove-input", "remove-cell"})


@dataclass(frozen=True)
class PageShare:
    """Non-blank line counts of one page."""

    page: str
    prose: int
    code: int
    collapsed: int

    @property
    def share(self) -> float:
        """Visible code lines over visible lines (code + prose); 0.0 for an empty page."""
        total = self.code + self.prose
        return self.code / total if total else 0.0


def _non_blank(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def page_share(md: Path, name: str | None = None) -> PageShare:
    """The line counts of one chapter page (a jupytext MyST Markdown notebook).

    Raises:
        FileNotFoundError: if ``md`` does not exist.
    """
    from bookkit.build import read_notebook

    md = Path(md)
    if not md.is_file():
        raise FileNotFoundError(f"md: no such chapter {md}")
    nb = read_notebook(md)
    prose = code = collapsed = 0
    for cell in nb.cells:
        n = _non_blank(cell.source)
        if cell.cell_type == "markdown":
            prose += n
        elif cell.cell_type == "code":
            if COLLAPSED_TAGS & set(cell.metadata.get("tags", [])):
                collapsed += n
            else:
                code += n
    return PageShare(name or md.stem, prose, code, collapsed)


def table(shares: Iterable[PageShare], target: float = 0.4) -> str:
    """A Markdown table of the pages' code shares, with the total and the code lines to collapse
    or move per page to get under ``target``."""
    shares = list(shares)
    rows = [
        "| page | prose | code shown | code collapsed | code share | to go |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def to_go(s: PageShare) -> int:
        # the fewest visible code lines to collapse so that code / (code + prose) < target
        k = 0
        while s.code - k > 0 and (s.code - k) / (s.code - k + s.prose) >= target:
            k += 1
        return k

    for s in shares:
        rows.append(
            f"| {s.page} | {s.prose} | {s.code} | {s.collapsed} | {s.share:.0%} | {to_go(s)} |"
        )
    tot = PageShare(
        "all chapters",
        sum(s.prose for s in shares),
        sum(s.code for s in shares),
        sum(s.collapsed for s in shares),
    )
    rows.append(
        f"| **{tot.page}** | {tot.prose} | {tot.code} | {tot.collapsed} | {tot.share:.0%} | "
        f"{to_go(tot)} |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bookkit code-share",
        description="Share of the visible lines of each page that is code.",
    )
    parser.add_argument(
        "chapters", nargs="*", help="chapter .md files (default: every chapter)"
    )
    parser.add_argument("--root", default=".")
    parser.add_argument(
        "--target",
        type=float,
        default=0.4,
        help="the share to get under; 'to go' counts the code lines to collapse",
    )
    args = parser.parse_args(argv)
    from bookkit.build import chapters

    mds = [Path(p) for p in args.chapters] or chapters(Path(args.root).resolve())
    print(table([page_share(md) for md in mds], target=args.target))
    return 0
