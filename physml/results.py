"""The claims registry: every headline number of the book, checked against the paper and recorded.

A chapter opens a :class:`Chapter` once and calls :meth:`Chapter.claim` for each number it
reports, with the reference value from the paper, its source and a tolerance for each profile::

    book = Chapter("fits-likelihoods-uncertainties")
    book.claim("pull_width", value=0.98, reference=1.0, source="Pawlowski & Plehn 2025, Sec. 1.3",
               tolerance={"quick": Rel(0.1), "full": Rel(0.05)}, quantity="std of the pulls")

A claim that fails raises ``AssertionError`` (so the notebook fails under nbmake), after it was
recorded (so the scoreboard shows the failing row). Records are JSON lines, one file per chapter,
in :func:`results_dir`; :func:`scoreboard_markdown` turns them into the book's scoreboard page.

Used by every chapter of the book and by its scoreboard page.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physml import config

# --------------------------------------------------------------------------------------------
# Tolerances


@dataclass(frozen=True)
class Tolerance:
    """How far a value may sit from its reference. Build one with Abs, Rel, Sigma, AtLeast, AtMost."""

    kind: str
    amount: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("abs", "rel", "sigma", "ge", "le"):
            raise ValueError(f"tolerance kind must be abs, rel, sigma, ge or le, got {self.kind!r}")
        if not isinstance(self.amount, (int, float)) or isinstance(self.amount, bool):
            raise TypeError(f"tolerance amount must be a number, got {type(self.amount).__name__}")
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"tolerance amount must be finite and >= 0, got {self.amount}")
        if self.kind in ("abs", "rel", "sigma") and self.amount == 0:
            raise ValueError(f"a {self.kind} tolerance of 0 cannot pass on measured data")

    def check(self, value: float, reference: float, combined_err: float | None) -> bool:
        """Whether ``value`` passes against ``reference`` (``combined_err`` for sigma tolerances)."""
        if not math.isfinite(value):
            return False
        if self.kind == "abs":
            return abs(value - reference) <= self.amount
        if self.kind == "rel":
            return abs(value - reference) <= self.amount * abs(reference)
        if self.kind == "sigma":
            if combined_err is None or not combined_err > 0:
                raise ValueError("a Sigma tolerance needs value_err and/or reference_err > 0")
            return abs(value - reference) <= self.amount * combined_err
        if self.kind == "ge":
            return value >= reference - self.amount
        return value <= reference + self.amount

    def describe(self) -> str:
        """A short human-readable form, e.g. ``±10%`` or ``≥ ref``."""
        if self.kind == "abs":
            return f"±{self.amount:g}"
        if self.kind == "rel":
            return f"±{100 * self.amount:g}%"
        if self.kind == "sigma":
            return f"±{self.amount:g}σ"
        slack = f" - {self.amount:g}" if self.amount else ""
        if self.kind == "le":
            slack = f" + {self.amount:g}" if self.amount else ""
            return f"≤ ref{slack}"
        return f"≥ ref{slack}"


def Abs(amount: float) -> Tolerance:  # noqa: N802 - reads like a unit in claims
    """Pass when ``|value - reference| <= amount``."""
    return Tolerance("abs", amount)


def Rel(fraction: float) -> Tolerance:  # noqa: N802
    """Pass when ``|value - reference| <= fraction * |reference|``."""
    return Tolerance("rel", fraction)


def Sigma(n: float) -> Tolerance:  # noqa: N802
    """Pass when the pull ``|value - reference| / sqrt(value_err² + reference_err²)`` is <= n."""
    return Tolerance("sigma", n)


def AtLeast(slack: float = 0.0) -> Tolerance:  # noqa: N802
    """A floor: pass when ``value >= reference - slack``."""
    return Tolerance("ge", slack)


def AtMost(slack: float = 0.0) -> Tolerance:  # noqa: N802
    """A ceiling: pass when ``value <= reference + slack``."""
    return Tolerance("le", slack)


def _tolerance_for(tolerance: Tolerance | Mapping[str, Tolerance], profile: str) -> Tolerance:
    if isinstance(tolerance, Tolerance):
        return tolerance
    if not isinstance(tolerance, Mapping):
        raise TypeError("tolerance must be a Tolerance or a mapping {'quick': ..., 'full': ...}")
    missing = [p for p in config.PROFILES if p not in tolerance]
    if missing:
        raise ValueError(f"tolerance must give every profile; missing: {missing}")
    extra = sorted(set(tolerance) - set(config.PROFILES))
    if extra:
        raise ValueError(f"tolerance names unknown profiles: {extra}")
    for name, tol in tolerance.items():
        if not isinstance(tol, Tolerance):
            raise TypeError(f"tolerance[{name!r}] must be a Tolerance, got {type(tol).__name__}")
    return tolerance[profile]


# --------------------------------------------------------------------------------------------
# Records


@dataclass
class Claim:
    """One checked number, as recorded in a chapter's JSON-lines file."""

    chapter: str
    key: str
    quantity: str
    value: float
    reference: float
    source: str
    tolerance: str
    passed: bool
    profile: str
    device: str
    torch: str
    value_err: float | None = None
    reference_err: float | None = None
    unit: str = ""
    note: str = ""
    elapsed_s: float = 0.0
    record: str = "claim"
    timestamp: float = field(default_factory=time.time)

    def message(self) -> str:
        """The failure message: key, value, reference, tolerance and source."""
        err = f" ± {self.value_err:.4g}" if self.value_err is not None else ""
        rerr = f" ± {self.reference_err:.4g}" if self.reference_err is not None else ""
        return (
            f"claim {self.chapter}/{self.key} failed ({self.profile} profile): "
            f"value {self.value:.6g}{err} vs reference {self.reference:.6g}{rerr} "
            f"with tolerance {self.tolerance}; source: {self.source}"
        )


def results_dir() -> Path:
    """Where claim records go: ``PHYSML_RESULTS_DIR``, else ``_build/claims/<fingerprint>`` of the book.

    The book root is the nearest folder at or above the working directory holding ``_toc.yml``;
    the fingerprint (:func:`physml.book.fingerprint`) hashes ``physml``'s source and the active
    profile, so each execution cache has the claims of its own runs. Without a book root,
    ``./_build/claims``.
    """
    env = os.environ.get("PHYSML_RESULTS_DIR", "").strip()
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            from physml.book import fingerprint

            return folder / "_build" / "claims" / fingerprint(folder, config.profile())
    return here / "_build" / "claims"


def _as_float(name: str, x: Any) -> float:
    if hasattr(x, "item") and getattr(x, "ndim", 0) == 0:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    return float(x)


class Chapter:
    """The claims of one chapter: check, record and tabulate them.

    Opening a chapter starts its wall clock and empties its record file, so each execution
    leaves exactly its own claims. :meth:`finish` records the chapter's wall time and returns
    the paper-versus-this-run table for display.
    """

    def __init__(self, name: str, title: str | None = None, directory: str | Path | None = None):
        if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
            raise ValueError(f"name must be a non-empty slug without '/', '\\' or spaces, got {name!r}")
        self.name = name
        self.title = title or name
        self.profile = config.profile()
        self.device = str(config.device())
        import torch

        self.torch_version = torch.__version__
        self.claims: list[Claim] = []
        self._t0 = time.perf_counter()
        self.directory = Path(directory) if directory is not None else results_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{name}.jsonl"
        self.path.write_text("")

    def _write(self, record: Mapping[str, Any]) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record, allow_nan=True) + "\n")

    def claim(
        self,
        key: str,
        value: float,
        reference: float,
        tolerance: Tolerance | Mapping[str, Tolerance],
        source: str,
        *,
        quantity: str = "",
        value_err: float | None = None,
        reference_err: float | None = None,
        unit: str = "",
        note: str = "",
    ) -> Claim:
        """Check ``value`` against ``reference`` within the active profile's tolerance; record it.

        Raises ``AssertionError`` naming key, value, reference, tolerance and source when the
        claim fails (after recording it). ``source`` names the paper and its section, table or
        figure; it must not be empty.
        """
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty string")
        if any(c.key == key for c in self.claims):
            raise ValueError(f"claim key {key!r} was already used in chapter {self.name!r}")
        if not isinstance(source, str) or not source.strip():
            raise ValueError("source must name the paper and section/table/figure of the reference")
        v = _as_float("value", value)
        r = _as_float("reference", reference)
        ve = None if value_err is None else abs(_as_float("value_err", value_err))
        re_ = None if reference_err is None else abs(_as_float("reference_err", reference_err))
        tol = _tolerance_for(tolerance, self.profile)
        combined = None
        if ve is not None or re_ is not None:
            combined = math.hypot(ve or 0.0, re_ or 0.0)
        passed = tol.check(v, r, combined)
        record = Claim(
            chapter=self.name,
            key=key,
            quantity=quantity or key,
            value=v,
            reference=r,
            source=source.strip(),
            tolerance=tol.describe(),
            passed=bool(passed),
            profile=self.profile,
            device=self.device,
            torch=self.torch_version,
            value_err=ve,
            reference_err=re_,
            unit=unit,
            note=note,
            elapsed_s=round(time.perf_counter() - self._t0, 3),
        )
        self.claims.append(record)
        self._write(asdict(record))
        if not passed:
            raise AssertionError(record.message())
        return record

    def finish(self) -> ClaimTable:
        """Record the chapter's wall time and return its claims table (paper vs this run)."""
        wall = time.perf_counter() - self._t0
        self._write(
            {
                "record": "chapter",
                "chapter": self.name,
                "title": self.title,
                "profile": self.profile,
                "device": self.device,
                "torch": self.torch_version,
                "wall_s": round(wall, 2),
                "n_claims": len(self.claims),
                "n_passed": sum(c.passed for c in self.claims),
                "timestamp": time.time(),
            }
        )
        return ClaimTable(self.claims, wall_s=wall, profile=self.profile, device=self.device,
                          torch_version=self.torch_version)


def _fmt(x: float | None, err: float | None = None) -> str:
    if x is None:
        return ""
    s = f"{x:.4g}"
    if err is not None:
        s += f" ± {err:.2g}"
    return s


class ClaimTable:
    """Claims shown as a table (paper vs this run) with the run's facts.

    In a notebook it renders as HTML: the table, then a collapsed "run facts" block with profile,
    device, torch version, wall time and each claim's pass/fail; in a terminal as Markdown.
    """

    columns = ("quantity", "paper", "this run", "tolerance", "pass", "source")

    def __init__(self, claims: Iterable[Claim], wall_s: float | None = None, profile: str = "",
                 device: str = "", torch_version: str = ""):
        self.claims = list(claims)
        self.wall_s = wall_s
        self.profile, self.device, self.torch_version = profile, device, torch_version

    def rows(self) -> list[tuple[str, ...]]:
        rows = []
        for c in self.claims:
            cells = _claim_cells(asdict(c))
            rows.append((cells["quantity"], cells["paper"], cells["value"], cells["tolerance"],
                         "✓" if c.passed else "✗", cells["source"]))
        return rows

    def to_markdown(self) -> str:
        lines = [_md_row(self.columns), "|" + "---|" * len(self.columns)]
        lines += [_md_row(row) for row in self.rows()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        tail = f"\n\nWall time of this execution: {self.wall_s:.1f} s." if self.wall_s else ""
        return self.to_markdown() + tail

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(x)}</td>" for x in row) + "</tr>" for row in self.rows()
        )
        n_pass = sum(c.passed for c in self.claims)
        wall = f"{self.wall_s:.1f} s" if self.wall_s is not None else "n/a"
        facts = [
            ("profile", self.profile), ("device", self.device), ("torch", self.torch_version),
            ("wall time of this execution", wall),
            ("claims passed", f"{n_pass} of {len(self.claims)}"),
        ]
        items = "".join(f"<li><b>{escape(k)}:</b> {escape(str(v))}</li>" for k, v in facts)
        items += "".join(
            f"<li>{'✓ pass' if c.passed else '✗ FAIL'}: {escape(c.key)}</li>" for c in self.claims
        )
        summary = f"Run facts: {n_pass} of {len(self.claims)} claims pass, {escape(self.profile)} profile, " \
                  f"{escape(self.device)}, {wall}"
        return (
            f'<table class="physml-claims"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f'<details class="physml-run-facts"><summary>{summary}</summary><ul>{items}</ul></details>'
        )

    def __repr__(self) -> str:
        return self.to_markdown()


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(_md_escape(x) for x in cells) + " |"


def _claim_cells(c: Mapping[str, Any]) -> dict[str, str]:
    """A claim record's table cells: quantity (with unit), paper and this run's values, tolerance, source."""
    unit = f" [{c['unit']}]" if c.get("unit") else ""
    return {
        "quantity": c["quantity"] + unit,
        "paper": _fmt(c["reference"], c.get("reference_err")),
        "value": _fmt(c["value"], c.get("value_err")),
        "tolerance": c["tolerance"],
        "source": c["source"],
    }


# --------------------------------------------------------------------------------------------
# Scoreboard


def load_records(directory: str | Path) -> tuple[list[dict], list[dict]]:
    """Read every chapter's JSON-lines file in ``directory``: (claims, chapter summaries)."""
    directory = Path(directory)
    if not directory.is_dir():
        return [], []
    claims, chapters = [], []
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: not a JSON record ({err})") from err
            (chapters if rec.get("record") == "chapter" else claims).append(rec)
    return claims, chapters


def scoreboard_markdown(directory: str | Path, titles: Mapping[str, str] | None = None) -> str:
    """The scoreboard (MyST Markdown): per chapter, its run facts and a table of its claims
    (quantity, paper value and source, this book's value, tolerance, pass), then every chapter's
    execution time."""
    claims, chapters = load_records(directory)
    titles = dict(titles or {})
    runs = {ch["chapter"]: ch for ch in chapters}
    for ch in chapters:
        titles.setdefault(ch["chapter"], ch.get("title", ch["chapter"]))
    if not claims:
        return "No claims have been recorded yet: execute the book (`make book`) first.\n"
    n_pass = sum(bool(c["passed"]) for c in claims)
    order = list(dict.fromkeys(c["chapter"] for c in claims))
    out = [f"**{n_pass} of {len(claims)} claims pass** in {len(order)} chapter(s).", ""]
    for name in order:
        mine = [c for c in claims if c["chapter"] == name]
        run = runs.get(name, {})
        wall = f", executed in {run['wall_s']:.1f} s" if "wall_s" in run else ", did not finish"
        out += [
            f"## {titles.get(name, name)}",
            "",
            f"{mine[0]['profile']} profile, {mine[0]['device']}, torch {mine[0]['torch']}{wall}: "
            f"{sum(bool(c['passed']) for c in mine)} of {len(mine)} claims pass.",
            "",
            "| quantity | paper | source | this book | tolerance | pass |",
            "|---|---|---|---|---|---|",
        ]
        for c in mine:
            cells = _claim_cells(c)
            out.append(_md_row((cells["quantity"], cells["paper"], cells["source"], cells["value"],
                                cells["tolerance"], "✓ pass" if c["passed"] else "✗ FAIL")))
        out.append("")
    out += [
        "## Execution times",
        "",
        "| chapter | profile | device | torch | wall time [s] | claims passed |",
        "|---|---|---|---|---|---|",
    ]
    for ch in chapters:
        out.append(
            f"| {_md_escape(titles.get(ch['chapter'], ch['chapter']))} | {ch['profile']} | "
            f"{ch['device']} | {ch['torch']} | {ch['wall_s']:.1f} | "
            f"{ch['n_passed']} / {ch['n_claims']} |"
        )
    return "\n".join(out) + "\n"
