"""The scoreboard page: what reproduces and what does not, from the chapters' claims records.

In book order (``_toc.yml``):

1. a summary row per chapter: paper/data numbers reproduced, declared misses, and the book's own
   checks by kind (exact, bounds, same-run), for the quick build and, where a full run was
   recorded (``records/full/<chapter>.jsonl``), for the full profile;
2. a "Not reproduced" table: quantity, the paper's value and source, this book's value, the
   reason, and a link to the claim's row on the chapter page (anchor ``claim-<key>``);
3. per chapter, a collapsed table of every claim with its reference kind and status.

Tables are raw HTML inside the MyST page, so the links to claim anchors are plain ``href``\\ s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from physml.claims import (
    FULL_RECORDS,
    KINDS,
    claims_table_html,
    count_claims,
    format_value,
    load_records,
    quantity_cell,
    value_cell,
)

from bookkit.build import chapters, read_notebook


def chapter_titles(root: str | Path) -> list[tuple[str, str, str]]:
    """(slug, title, page path relative to ``book/``, without suffix) of every chapter, in book order."""
    root = Path(root)
    out = []
    for md in chapters(root):
        nb = read_notebook(md)
        title = md.stem
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        title = line[2:].strip()
                        break
                break
        rel = md.relative_to(root / "book").with_suffix("").as_posix()
        out.append((md.stem, title, rel))
    return out


def load_full_records(
    root: str | Path,
) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """The committed full-profile records: claims and the run record, per chapter slug."""
    claims, runs = load_records(Path(root) / FULL_RECORDS)
    by_chapter: dict[str, list[dict]] = {}
    for c in claims:
        by_chapter.setdefault(c["chapter"], []).append(c)
    return by_chapter, {r["chapter"]: r for r in runs}


def _summary_cell(records: Sequence[Mapping] | None) -> list[str]:
    if not records:
        return ["—"] * 5
    n = count_claims(records)
    paper = f"{n['paper_pass']} / {n['paper']}"
    if n["fail"]:
        paper += f" ({n['fail']} FAIL)"
    if n["now"]:
        paper += f" ({n['now']} now reproduced)"
    return [paper, str(n["miss"])] + [
        f"{n[k + '_pass']} / {n[k]}" if n[k] else "0"
        for k in ("exact", "bound", "same-run")
    ]


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    cls: str,
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table in its scrolling wrapper; every cell carries its column name
    (``data-label``), which a phone shows before the cell when the rows become cards."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        (f'<tr class="{row_classes[i]}">' if row_classes and row_classes[i] else "<tr>")
        + "".join(
            f'<td data-label="{escape(h)}">{c}</td>'
            for h, c in zip(head, row, strict=True)
        )
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return (
        f'<div class="physml-table-wrap"><table class="table {cls}"><thead><tr>{th}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def scoreboard_markdown(root: str | Path, directory: str | Path) -> str:
    """The scoreboard (MyST Markdown with HTML tables) from the quick records in ``directory``
    and the committed full records under ``<root>/records/full``."""
    root = Path(root)
    claims, runs = load_records(directory)
    full, full_runs = load_full_records(root)
    if not claims and not full:
        return (
            "No claims have been recorded yet: execute the book (`make book`) first.\n"
        )
    order = chapter_titles(root)
    known = {slug for slug, _, _ in order}
    for c in claims:  # chapters recorded but not in the TOC (should not happen) go last
        if c["chapter"] not in known:
            order.append((c["chapter"], c["chapter"], ""))
            known.add(c["chapter"])
    by_chapter: dict[str, list[dict]] = {}
    for c in claims:
        by_chapter.setdefault(c["chapter"], []).append(c)
    run_of = {r["chapter"]: r for r in runs}

    def page(rel: str, anchor: str = "") -> str:
        return f"{rel}.html" + (f"#{anchor}" if anchor else "")

    total = count_claims(claims)
    out = [
        f"**Quick build: {total['paper_pass']} of {total['paper']} numbers from papers and data "
        f"reproduced, {total['miss']} declared not reproduced"
        + (f", {total['fail']} FAIL" if total["fail"] else "")
        + (f", {total['now']} now reproduced" if total["now"] else "")
        + f"; the book's own checks: {total['exact_pass']} / {total['exact']} exact values, "
        f"{total['bound_pass']} / {total['bound']} bounds, {total['same-run_pass']} / {total['same-run']} "
        f"same-run consistency checks.**",
        "",
        "## Summary",
        "",
        "Per chapter: numbers printed in papers or data tables that this book reproduces (of those it "
        "compares), declared misses, then the book's own checks (exact values, bounds the book sets, "
        "consistency within one run), for the quick build of this page and for the last recorded "
        "full-profile run (its device named in the row).",
        "",
    ]
    head = [
        "chapter",
        "profile",
        "paper/data reproduced",
        "not reproduced",
        "exact",
        "bounds",
        "same-run",
        "wall time",
    ]
    rows, row_classes = [], []
    for slug, title, rel in order:
        link = f'<a href="{page(rel)}">{escape(title)}</a>' if rel else escape(title)
        quick = by_chapter.get(slug)
        run = run_of.get(slug, {})
        wall = (
            f"{run['wall_s']:.0f} s"
            if "wall_s" in run
            else ("did not finish" if quick else "not run")
        )
        rows.append([link, "quick"] + _summary_cell(quick) + [wall])
        # the full row continues the chapter's quick row (one card per chapter on a phone)
        row_classes += ["", "physml-summary-full"]
        frun = full_runs.get(slug)
        if slug in full:
            fwall = f"{frun['wall_s']:.0f} s" if frun and "wall_s" in frun else "?"
            facts = ""
            if frun:
                facts = (
                    f" on {escape(str(frun.get('device_name', frun.get('device', ''))))}, "
                    f"commit {escape(str(frun.get('commit', '?'))[:8])}, "
                    f"{escape(str(frun.get('date', '')))}"
                )
            rows.append(["", f"full{facts}"] + _summary_cell(full[slug]) + [fwall])
        else:
            rows.append(["", "full"] + ["full: not run"] + ["—"] * 4 + ["—"])
    out += [_table(head, rows, "physml-summary", row_classes), ""]

    misses = [c for c in claims if c.get("status") in ("miss", "now reproduced")]
    out += ["## Not reproduced", ""]
    if misses:
        out += [
            "Results of the papers that this book's run does not reproduce, declared in the chapters "
            "with the reason (quick build). A row marked *now reproduced* passed after all: its "
            "chapter must be updated.",
            "",
        ]
        rel_of = {slug: rel for slug, _, rel in order}
        mrows = []
        for c in misses:
            rel = rel_of.get(c["chapter"], "")
            where = (
                f'<a href="{page(rel, "claim-" + c["key"])}">{escape(c["chapter"])}</a>'
                if rel
                else escape(c["chapter"])
            )
            mrows.append(
                [
                    escape(quantity_cell(c)),
                    f"{escape(format_value(c['reference'], c.get('reference_err')))}<br>"
                    f"<small>{escape(c['source'])}</small>",
                    escape(value_cell(c))
                    + (
                        " <b>(now reproduced)</b>"
                        if c["status"] == "now reproduced"
                        else ""
                    ),
                    escape(c.get("reason", "")),
                    where,
                ]
            )
        out += [
            _table(
                ["quantity", "paper (source)", "this book", "reason", "chapter"],
                mrows,
                "physml-misses",
            ),
            "",
        ]
    else:
        out += ["Every compared number of the papers is reproduced in this build.", ""]

    out += [
        "## Every claim, by chapter",
        "",
        "The reference column says what each number is compared with: a value printed in a "
        "paper, a published data table, an exact value, a bound this book sets (with the reason "
        "it separates working from broken), or another number of the same run.",
        "",
    ]
    for slug, title, rel in order:
        mine = by_chapter.get(slug, [])
        fmine = {c["key"]: c for c in full.get(slug, [])}
        if not mine and not fmine:
            continue
        n = count_claims(mine)
        summary = (
            f"{escape(title)}: {n['paper_pass']} / {n['paper']} paper/data numbers reproduced, "
            f"{n['miss']} not reproduced, {len(mine) - n['paper']} own checks"
            if n["paper"]
            else f"{escape(title)}: no paper or data numbers (the sources give none), "
            f"{len(mine)} own checks"
        )
        # the chapter page's table (same columns, marks and footnoted sources), explanations inline
        table = claims_table_html(
            mine,
            fmine,
            anchors=False,
            notes="inline",
            cls="physml-scoreboard",
            footnote_prefix=f"{slug}-",
        )
        link = f'<a href="{page(rel)}">{escape(title)}</a>' if rel else escape(title)
        out += [
            f"### {title}",
            "",
            f"<p>Chapter: {link}</p>",
            "",
            f'<details class="physml-chapter-claims"><summary>{summary}</summary>',
            "",
            table,
            "",
            "</details>",
            "",
        ]
    return "\n".join(out) + "\n"


def record_problems(records: Sequence[Mapping]) -> list[str]:
    """What is wrong with a set of claim records: failures, declared misses that now pass,
    records without a kind, sources citing internal labels."""
    problems = []
    for c in records:
        where = f"{c.get('chapter')}/{c.get('key')}"
        if c.get("kind") not in KINDS:
            problems.append(f"{where}: no reference kind")
        if c.get("status") == "fail":
            problems.append(f"{where}: FAILS")
        if c.get("status") == "now reproduced":
            problems.append(
                f"{where}: a declared miss is now reproduced: update the chapter"
            )
        src = c.get("source", "").lower()
        if "card " in src or "reproduction notes" in src or "reproduction card" in src:
            problems.append(
                f"{where}: the source cites an internal label ({c.get('source')!r})"
            )
    return problems


def dump(records: Sequence[Mapping]) -> str:
    """JSON lines of records (for committed full-profile records)."""
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
