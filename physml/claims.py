"""The claims registry: every headline number of the book, with the kind of its reference.

A chapter opens a :class:`Chapter` once (through :func:`physml.start_chapter`) and calls
:meth:`Chapter.claim` for each number it reports::

    claims.claim("pull_width", stats.Measurement(0.98, 0.02), reference=1.0, kind="exact",
                 source="unit-normal pulls of an unbiased fit (Pawlowski & Plehn 2025, Sec. 1.3)",
                 tolerance={"quick": Sigma(3), "full": Sigma(3)}, quantity="std of the pulls")

Every claim says what its reference is (``kind``):

- ``paper``: a number printed in a source; ``source`` gives its section, table, figure or equation;
- ``data``: a published data table (for example AME2020 / NUBASE2020);
- ``exact``: an analytic or exactly computable value;
- ``bound``: a threshold this book sets; ``why`` says why it separates a working model from a
  broken one;
- ``same-run``: a consistency check against another number of the same run.

A result of the paper that this book does not reproduce is declared, not hidden:
``expect="miss"`` with a ``reason`` (kinds ``paper`` and ``data`` only). A declared miss is
evaluated and recorded like any claim but does not stop the notebook; it is shown as "not
reproduced". If it passes after all, it is recorded as "now reproduced" and the book's record
test fails until the chapter is updated. A claim whose value is undefined (NaN, infinite) fails,
whatever was expected. Any other failing claim raises ``AssertionError`` after it was recorded.

Records are JSON lines, one file per chapter, in :func:`physml.config.results_dir`. The book's
scoreboard is built from them by the build tools (``bookkit``), which import physml, never the
reverse.

Used by every chapter of the book; :doc:`/book/how-the-book-checks-itself` explains the registry and
:doc:`/book/scoreboard` tabulates its records.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physml import config

__all__ = [
    "KINDS",
    "STATUSES",
    "Tolerance",
    "Abs",
    "Rel",
    "Sigma",
    "AtLeast",
    "AtMost",
    "Claim",
    "Chapter",
    "ClaimTable",
    "read_jsonl",
    "load_records",
    "load_full_record",
    "count_claims",
    "format_value",
    "status_label",
    "CLAIM_COLUMNS",
    "claim_row",
    "claims_table_html",
]

#: The kinds of reference a claim can be checked against.
KINDS: tuple[str, ...] = ("paper", "data", "exact", "bound", "same-run")
#: Kinds for which a declared miss (``expect="miss"``) is allowed.
MISS_KINDS: tuple[str, ...] = ("paper", "data")
#: The status of a recorded claim.
STATUSES: tuple[str, ...] = ("pass", "fail", "miss", "now reproduced")

# --------------------------------------------------------------------------------------------
# Tolerances


@dataclass(frozen=True)
class Tolerance:
    """How far a value may sit from its reference.

    Build one with :func:`Abs`, :func:`Rel`, :func:`Sigma`, :func:`AtLeast` or :func:`AtMost`.

    Args:
        kind: ``"abs"``, ``"rel"``, ``"sigma"``, ``"ge"`` (a floor) or ``"le"`` (a ceiling).
        amount: the allowed distance (abs: in the value's units; rel: a fraction of the
            reference; sigma: in combined standard deviations; ge/le: the slack), finite, >= 0,
            and > 0 for abs, rel and sigma.

    Raises:
        ValueError: on an unknown kind, a negative or infinite amount, or an amount of 0 where
            measured data could never pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> Rel(0.1).check(2.1, reference=2.0, combined_err=None)
        True
        >>> Tolerance("abs", 0)
        Traceback (most recent call last):
        ...
        ValueError: a abs tolerance of 0 cannot pass on measured data
    """

    kind: str
    amount: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("abs", "rel", "sigma", "ge", "le"):
            raise ValueError(
                f"tolerance kind must be abs, rel, sigma, ge or le, got {self.kind!r}"
            )
        if not isinstance(self.amount, (int, float)) or isinstance(self.amount, bool):
            raise TypeError(
                f"tolerance amount must be a number, got {type(self.amount).__name__}"
            )
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(
                f"tolerance amount must be finite and >= 0, got {self.amount}"
            )
        if self.kind in ("abs", "rel", "sigma") and self.amount == 0:
            raise ValueError(
                f"a {self.kind} tolerance of 0 cannot pass on measured data"
            )

    def check(self, value: float, reference: float, combined_err: float | None) -> bool:
        """Whether ``value`` passes against ``reference`` (``combined_err`` for sigma tolerances).

        A non-finite value never passes.
        """
        if not math.isfinite(value):
            return False
        if self.kind == "abs":
            return abs(value - reference) <= self.amount
        if self.kind == "rel":
            return abs(value - reference) <= self.amount * abs(reference)
        if self.kind == "sigma":
            if combined_err is None or not combined_err > 0:
                raise ValueError(
                    "a Sigma tolerance needs an error on the value and/or the reference > 0"
                )
            return abs(value - reference) <= self.amount * combined_err
        if self.kind == "ge":
            return value >= reference - self.amount
        return value <= reference + self.amount

    def describe(self) -> str:
        """A short human-readable form, e.g. ``±10%`` or ``≥ ref``.

        The amount is written with three significant digits, so a computed
        tolerance reads ``≤ ref + 0.148``, never ``0.30000000000000004``; the check itself uses
        the exact amount.

        Examples:
            >>> Abs(0.1 + 0.2).describe(), Rel(0.1 + 0.2).describe(), AtMost(0.147542).describe()
            ('±0.3', '±30%', '≤ ref + 0.148')
        """
        if self.kind == "abs":
            return f"±{_amount(self.amount)}"
        if self.kind == "rel":
            return f"±{_amount(100 * self.amount)}%"
        if self.kind == "sigma":
            return f"±{_amount(self.amount)}σ"
        if self.kind == "le":
            return "≤ ref" + (f" + {_amount(self.amount)}" if self.amount else "")
        return "≥ ref" + (f" − {_amount(self.amount)}" if self.amount else "")


def _amount(x: float) -> str:
    """A tolerance amount for a table: three significant digits, thousands separated from
    1,000 up (``0.148``, ``30``, ``1e-05``, ``12,346``)."""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{float(f'{x:.3g}'):g}"


def Abs(amount: float) -> Tolerance:  # noqa: N802 - reads like a unit in claims
    """Pass when ``|value - reference| <= amount``.

    Args:
        amount: the allowed absolute distance, in the units of the value (> 0).

    Returns:
        A :class:`Tolerance`.

    Raises:
        ValueError: if the amount is negative, not finite, or 0 where 0 cannot pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> Abs(0.05).check(1.02, reference=1.0, combined_err=None), Abs(0.05).describe()
        (True, '±0.05')
    """
    return Tolerance("abs", amount)


def Rel(fraction: float) -> Tolerance:  # noqa: N802
    """Pass when ``|value - reference| <= fraction * |reference|``.

    Args:
        fraction: the allowed distance as a fraction of ``|reference|`` (> 0).

    Returns:
        A :class:`Tolerance`.

    Raises:
        ValueError: if the amount is negative, not finite, or 0 where 0 cannot pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> Rel(0.1).check(2.3, reference=2.0, combined_err=None), Rel(0.1).describe()
        (False, '±10%')
    """
    return Tolerance("rel", fraction)


def Sigma(n: float) -> Tolerance:  # noqa: N802
    """Pass when the pull ``|value - reference| / sqrt(value_err² + reference_err²)`` is <= n.

    Args:
        n: the allowed pull, in combined standard deviations (> 0).

    Returns:
        A :class:`Tolerance`.

    Raises:
        ValueError: if the amount is negative, not finite, or 0 where 0 cannot pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> Sigma(3).check(0.98, reference=1.0, combined_err=0.02), Sigma(3).describe()
        (True, '±3σ')
    """
    return Tolerance("sigma", n)


def AtLeast(slack: float = 0.0) -> Tolerance:  # noqa: N802
    """A floor: pass when ``value >= reference - slack``.

    Args:
        slack: how far below the reference the value may sit (>= 0).

    Returns:
        A :class:`Tolerance`.

    Raises:
        ValueError: if the amount is negative, not finite, or 0 where 0 cannot pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> AtLeast().check(0.93, reference=0.9, combined_err=None), AtLeast().describe()
        (True, '≥ ref')
    """
    return Tolerance("ge", slack)


def AtMost(slack: float = 0.0) -> Tolerance:  # noqa: N802
    """A ceiling: pass when ``value <= reference + slack``.

    Args:
        slack: how far above the reference the value may sit (>= 0).

    Returns:
        A :class:`Tolerance`.

    Raises:
        ValueError: if the amount is negative, not finite, or 0 where 0 cannot pass.
        TypeError: if the amount is not a number.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        >>> AtMost(0.01).check(0.055, reference=0.05, combined_err=None), AtMost(0.01).describe()
        (True, '≤ ref + 0.01')
    """
    return Tolerance("le", slack)


def _tolerance_for(
    tolerance: Tolerance | Mapping[str, Tolerance], profile: str
) -> Tolerance:
    if isinstance(tolerance, Tolerance):
        return tolerance
    if not isinstance(tolerance, Mapping):
        raise TypeError(
            "tolerance must be a Tolerance or a mapping {'quick': ..., 'full': ...}"
        )
    missing = [p for p in config.PROFILES if p not in tolerance]
    if missing:
        raise ValueError(f"tolerance must give every profile; missing: {missing}")
    extra = sorted(set(tolerance) - set(config.PROFILES))
    if extra:
        raise ValueError(f"tolerance names unknown profiles: {extra}")
    for name, tol in tolerance.items():
        if not isinstance(tol, Tolerance):
            raise TypeError(
                f"tolerance[{name!r}] must be a Tolerance, got {type(tol).__name__}"
            )
    return tolerance[profile]


# --------------------------------------------------------------------------------------------
# Records


@dataclass
class Claim:
    """One checked number, as recorded in a chapter's JSON-lines file.

    Made by :meth:`Chapter.claim`, which documents the fields it takes from its arguments.

    Args:
        chapter: the chapter's slug.
        key: the claim's identifier, unique in the chapter.
        quantity: what is measured, in words.
        kind: one of :data:`KINDS`.
        value: this run's number.
        reference: the number it is compared with.
        source: where the reference comes from.
        tolerance: the tolerance applied, as text (:meth:`Tolerance.describe`).
        passed: whether the value met the tolerance.
        status: what the book shows: ``pass``, ``fail``, ``miss`` (a declared miss that missed:
            "not reproduced") or ``now reproduced`` (a declared miss that passed).
        expect: ``"pass"`` or ``"miss"``.
        profile: the profile of the run.
        device: the device of the run.
        torch: torch's version.
        value_err: the value's one-standard-deviation error, when known.
        reference_err: the reference's error, when known.
        unit: the unit of value and reference.
        why: for a bound, why it separates a working model from a broken one.
        reason: for a declared miss, why this book's value differs.
        note: anything else a reader should know.
        elapsed_s: seconds since the chapter was opened, in s.
        record: ``"claim"`` (chapter run records say ``"chapter"``).
        timestamp: the Unix time of the record, in s.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter
    """

    chapter: str
    key: str
    quantity: str
    kind: str
    value: float
    reference: float
    source: str
    tolerance: str
    passed: bool
    status: str
    expect: str
    profile: str
    device: str
    torch: str
    value_err: float | None = None
    reference_err: float | None = None
    unit: str = ""
    why: str = ""
    reason: str = ""
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
            f"value {self.value:.6g}{err} vs {self.kind} reference {self.reference:.6g}{rerr} "
            f"with tolerance {self.tolerance}; source: {self.source}"
        )


def _as_float(name: str, x: Any) -> float:
    if hasattr(x, "item") and getattr(x, "ndim", 0) == 0:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    return float(x)


def _split_measurement(value: Any, value_err: float | None) -> tuple[Any, float | None]:
    """A value given with its error as one object: ``(value, error)`` or anything with
    ``.value`` and ``.error`` (:class:`physml.stats.Measurement`)."""
    if hasattr(value, "value") and hasattr(value, "error"):
        if value_err is not None:
            raise TypeError(
                "value carries its own error: do not pass value_err as well"
            )
        return value.value, value.error
    if isinstance(value, tuple):
        if len(value) != 2:
            raise TypeError(
                f"value as a tuple must be (value, error), got {len(value)} items"
            )
        if value_err is not None:
            raise TypeError(
                "value carries its own error: do not pass value_err as well"
            )
        return value
    return value, value_err


def _text(name: str, x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a string, got {type(x).__name__}")
    return x.strip()


class Chapter:
    """The claims of one chapter: check, record and tabulate them.

    Opening a chapter starts its wall clock and empties its record file, so each execution
    leaves exactly its own claims. :meth:`finish` records the chapter's wall time and returns
    the reference-versus-this-run table for display.

    Args:
        name: the chapter's slug, the stem of its ``.md`` file (no ``/``, ``\\`` or spaces).
        title: the chapter's title, for tables.
        directory: where records go (default :func:`physml.config.results_dir`).

    Raises:
        ValueError: on a bad slug.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter

    Examples:
        One claim of each tolerance kind, recorded in a temporary folder:

        >>> import tempfile
        >>> from physml.stats import Measurement
        >>> tmp = tempfile.TemporaryDirectory()
        >>> claims = Chapter("example", directory=tmp.name)
        >>> claims.claim("mean", 1.02, reference=1.0, tolerance=Abs(0.05), kind="exact",
        ...              source="the mean of the generating distribution")
        >>> claims.claim("slope", 2.1, reference=2.0, tolerance=Rel(0.1), kind="paper",
        ...              source="a paper, Table 1")
        >>> claims.claim("pull", Measurement(0.98, 0.02), reference=1.0, kind="exact",
        ...              tolerance={"quick": Sigma(3), "full": Sigma(2)},
        ...              source="unit-normal pulls")
        >>> claims.claim("auc", 0.93, reference=0.9, tolerance=AtLeast(), kind="bound",
        ...              source="this book", why="a classifier that learned nothing scores 0.5")
        >>> claims.claim("loss", 0.04, reference=0.05, tolerance=AtMost(), kind="bound",
        ...              source="this book", why="an untrained network's loss is above 0.5")
        >>> [(c.key, c.tolerance, c.status) for c in claims.claims]
        [('mean', '±0.05', 'pass'), ('slope', '±10%', 'pass'), ('pull', '±3σ', 'pass'), ('auc', '≥ ref', 'pass'), ('loss', '≤ ref', 'pass')]

        A failing claim is recorded, then raises; a declared miss is recorded and does not:

        >>> claims.claim("width", 1.3, reference=1.0, tolerance=Rel(0.1), kind="exact",
        ...              source="the generator's width")
        Traceback (most recent call last):
        ...
        AssertionError: claim example/width failed (quick profile): value 1.3 vs exact reference 1 with tolerance ±10%; source: the generator's width
        >>> claims.claim("mass", 12.0, reference=10.0, tolerance=Rel(0.05), kind="paper",
        ...              source="a paper, Fig. 2", expect="miss", reason="a smaller network")
        >>> [c.status for c in claims.claims[-2:]]
        ['fail', 'miss']
        >>> len(read_jsonl(claims.path))
        7
        >>> tmp.cleanup()
    """

    def __init__(
        self, name: str, title: str | None = None, directory: str | Path | None = None
    ):
        if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
            raise ValueError(
                f"name must be a non-empty slug without '/', '\\' or spaces, got {name!r}"
            )
        self.name = name
        self.title = title or name
        self.profile = config.profile()
        self.device = str(config.device())
        import torch

        self.torch_version = torch.__version__
        self.claims: list[Claim] = []
        self._t0 = time.perf_counter()
        self.directory = (
            Path(directory) if directory is not None else config.results_dir()
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{name}.jsonl"
        self.path.write_text("")

    def _write(self, record: Mapping[str, Any]) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record, allow_nan=True) + "\n")

    def claim(
        self,
        key: str,
        value: Any,
        reference: float,
        tolerance: Tolerance | Mapping[str, Tolerance],
        source: str,
        *,
        kind: str,
        quantity: str = "",
        value_err: float | None = None,
        reference_err: float | None = None,
        unit: str = "",
        why: str = "",
        expect: str = "pass",
        reason: str = "",
        note: str = "",
    ) -> None:
        """Check ``value`` against ``reference`` within the active profile's tolerance; record it.

        Args:
            key: a short identifier, unique in the chapter (also the claim's anchor on the page,
                ``claim-<key>``).
            value: this run's number; a float, or the number with its error as one object
                (``(value, error)`` or a :class:`physml.stats.Measurement`).
            reference: the number it is compared with.
            tolerance: one :class:`Tolerance`, or one per profile ``{"quick": ..., "full": ...}``.
            source: where the reference comes from: for ``paper`` the publication and its section,
                table, figure or equation; for ``exact`` the equation or derivation; for
                ``same-run`` the quantity of this run it is compared with.
            kind: one of :data:`KINDS`; required.
            quantity: what is measured, in words (default: the key).
            value_err, reference_err: one-standard-deviation errors, when known.
            unit: the unit of value and reference.
            why: for ``bound``: why the bound separates a working model from a broken one.
            expect: ``"pass"`` or ``"miss"`` (a declared miss, kinds ``paper`` and ``data``).
            reason: for a declared miss: why this book's value differs from the reference.
            note: anything else a reader should know.

        Returns:
            None. The record is appended to the chapter's file and shown by :meth:`finish`.

        Raises:
            ValueError, TypeError: on a bad argument (missing or unknown kind, empty source, a
                bound without ``why``, a miss without ``reason`` or of a kind other than paper/data,
                a repeated key).
            AssertionError: when the claim fails (after it was recorded): a value outside the
                tolerance of an expected pass, or an undefined (non-finite) value.
        """
        if not isinstance(key, str) or not key or any(c.isspace() for c in key):
            raise ValueError(
                f"key must be a non-empty string without spaces, got {key!r}"
            )
        if any(c.key == key for c in self.claims):
            raise ValueError(
                f"claim key {key!r} was already used in chapter {self.name!r}"
            )
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        source = _text("source", source)
        if not source:
            raise ValueError(
                "source must name where the reference comes from (paper and section, "
                "table, figure or equation; the derivation; or the same-run quantity)"
            )
        why, reason, note = (
            _text("why", why),
            _text("reason", reason),
            _text("note", note),
        )
        if kind == "bound" and not why:
            raise ValueError(
                f"claim {key!r}: a bound needs `why`: why it separates working from broken"
            )
        if expect not in ("pass", "miss"):
            raise ValueError(f"expect must be 'pass' or 'miss', got {expect!r}")
        if expect == "miss":
            if kind not in MISS_KINDS:
                raise ValueError(
                    f"claim {key!r}: only a paper or data reference can be a declared "
                    f"miss, not {kind!r}"
                )
            if not reason:
                raise ValueError(f"claim {key!r}: a declared miss needs a `reason`")
        value, value_err = _split_measurement(value, value_err)
        v = _as_float("value", value)
        r = _as_float("reference", reference)
        if not math.isfinite(r):
            raise ValueError(f"claim {key!r}: reference must be finite, got {r}")
        ve = None if value_err is None else abs(_as_float("value_err", value_err))
        re_ = (
            None
            if reference_err is None
            else abs(_as_float("reference_err", reference_err))
        )
        tol = _tolerance_for(tolerance, self.profile)
        combined = None
        if ve is not None or re_ is not None:
            combined = math.hypot(ve or 0.0, re_ or 0.0)
        defined = math.isfinite(v) and (ve is None or math.isfinite(ve))
        passed = defined and tol.check(v, r, combined)
        if not defined:
            status = "fail"
        elif expect == "miss":
            status = "now reproduced" if passed else "miss"
        else:
            status = "pass" if passed else "fail"
        record = Claim(
            chapter=self.name,
            key=key,
            quantity=_text("quantity", quantity) or key,
            kind=kind,
            value=v,
            reference=r,
            source=source,
            tolerance=tol.describe(),
            passed=bool(passed),
            status=status,
            expect=expect,
            profile=self.profile,
            device=self.device,
            torch=self.torch_version,
            value_err=ve,
            reference_err=re_,
            unit=_text("unit", unit),
            why=why,
            reason=reason,
            note=note,
            elapsed_s=round(time.perf_counter() - self._t0, 3),
        )
        self.claims.append(record)
        self._write(asdict(record))
        if not defined:
            raise AssertionError(
                f"claim {self.name}/{key}: the value is undefined ({v}); "
                "an undefined quantity never passes"
            )
        if status == "fail":
            raise AssertionError(record.message())

    def finish(self) -> ClaimTable:
        """Record the chapter's wall time and return its claims table (reference vs this run)."""
        wall = time.perf_counter() - self._t0
        counts = count_claims(self.claims)
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
                "n_passed": counts["pass"],
                "n_missed": counts["miss"],
                "n_now_reproduced": counts["now"],
                "n_failed": counts["fail"],
                "kinds": {k: sum(c.kind == k for c in self.claims) for k in KINDS},
                "timestamp": time.time(),
            }
        )
        full_claims, full_run = load_full_record(self.name)
        return ClaimTable(
            self.claims,
            wall_s=wall,
            profile=self.profile,
            device=self.device,
            torch_version=self.torch_version,
            full=full_claims,
            full_run=full_run,
        )


# --------------------------------------------------------------------------------------------
# Display


def format_value(x: float | None, err: float | None = None) -> str:
    """A number rounded to the precision of its error (two significant digits of the error).

    Without an error, four significant digits; ``""`` for ``None``.

    Args:
        x: the number, or ``None``.
        err: its error; ``None``, 0 or a non-finite error mean "no error".

    Returns:
        The text, e.g. ``"1.234 ± 0.056"``.

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`

    Examples:
        >>> format_value(1.23456, 0.0567), format_value(1234.5, 67), format_value(0.000123456)
        ('1.235 ± 0.057', '1234 ± 67', '0.0001235')
    """
    if x is None:
        return ""
    if not math.isfinite(x):
        return str(x)
    if err is None or not math.isfinite(err) or err <= 0:
        return f"{x:.4g}"
    decimals = 1 - math.floor(math.log10(err))  # two significant digits of the error
    if 0 <= decimals <= 8:
        return f"{x:.{decimals}f} ± {err:.{decimals}f}"
    if decimals < 0:
        q = 10.0 ** (-decimals)
        return f"{round(x / q) * q:.0f} ± {round(err / q) * q:.0f}"
    return f"{x:.3g} ± {err:.2g}"


#: The mark of each status; a passing paper or data claim is "reproduced" instead.
_STATUS_LABELS = {
    "pass": "✓ pass",
    "fail": "✗ FAIL",
    "miss": "○ not reproduced",
    "now reproduced": "! now reproduced",
}


def status_label(record: Mapping[str, Any]) -> str:
    """The mark shown for a claim: reproduced, pass, FAIL, not reproduced or now reproduced.

    A passing paper or data claim is "reproduced"; a passing check of the book's own kinds
    (exact, bound, same-run) is "pass".

    Args:
        record: a claim record (dict) with ``status`` (else ``passed``) and ``kind``.

    Returns:
        The mark, e.g. ``"✓ reproduced"``.

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`

    Examples:
        >>> status_label({"status": "pass", "kind": "paper"}), status_label({"status": "miss"})
        ('✓ reproduced', '○ not reproduced')
    """
    status = record.get("status") or ("pass" if record.get("passed") else "fail")
    if status == "pass" and record.get("kind") in MISS_KINDS:
        return "✓ reproduced"
    return _STATUS_LABELS[status]


_KIND_LABELS = {
    "paper": "paper",
    "data": "data",
    "exact": "exact",
    "bound": "bound (this book)",
    "same-run": "same run",
}


def reference_cell(record: Mapping[str, Any]) -> str:
    """The reference as shown: its value (with error) and its kind."""
    ref = format_value(record["reference"], record.get("reference_err"))
    return (
        f"{ref} ({_KIND_LABELS.get(record.get('kind', ''), record.get('kind', '?'))})"
    )


def value_cell(record: Mapping[str, Any]) -> str:
    """This run's value as shown, rounded to the precision of its error."""
    return format_value(record["value"], record.get("value_err"))


def quantity_cell(record: Mapping[str, Any]) -> str:
    """The quantity with its unit."""
    unit = f" [{record['unit']}]" if record.get("unit") else ""
    return record["quantity"] + unit


def explanation(record: Mapping[str, Any]) -> str:
    """The text that explains a row: the reason of a miss, the why of a bound, the note."""
    parts = []
    if record.get("reason"):
        parts.append(f"Not reproduced: {record['reason']}")
    if record.get("why"):
        parts.append(f"Why this bound: {record['why']}")
    if record.get("note"):
        parts.append(record["note"])
    # each part a sentence: one that does not end in punctuation gets a full stop
    sentences = [p[:1].upper() + p[1:].rstrip() for p in parts]
    return " ".join(p if p[-1:] in ".!?" else f"{p}." for p in sentences)


#: The columns of a chapter's results table, the same on the scoreboard's per-chapter tables.
CLAIM_COLUMNS = (
    "quantity",
    "reference (kind)",
    "source",
    "this run",
    "tolerance",
    "status",
    "full profile",
)

#: A source longer than this many characters is a numbered footnote below the table (on a phone a
#: column of 200-character sources made every row a screen tall).
SOURCE_INLINE_CHARS = 40


def claim_row(
    record: Mapping[str, Any], full: Mapping[str, Any] | None = None
) -> tuple[str, ...]:
    """The cell texts of one claim record, in the order of :data:`CLAIM_COLUMNS`.

    Args:
        record: a claim record (a line of the claims JSON lines, or ``asdict`` of a :class:`Claim`).
        full: the committed full-profile record of the same key, or ``None`` (the cell then reads
            ``full: not run``).

    Returns:
        A tuple of seven strings, one per column of :data:`CLAIM_COLUMNS`.

    Raises:
        KeyError: if ``record`` lacks ``source`` or ``tolerance``.

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`
    """
    return (
        quantity_cell(record),
        reference_cell(record),
        record["source"],
        value_cell(record),
        record["tolerance"],
        status_label(record),
        _full_cell(full),
    )


def _full_cell(full: Mapping[str, Any] | None) -> str:
    return f"{value_cell(full)} {status_label(full)}" if full else "full: not run"


def claims_table_html(
    records: Iterable[Mapping[str, Any]],
    full: Mapping[str, Mapping] | None = None,
    anchors: bool = True,
    notes: str = "row",
    cls: str = "physml-claims",
    footnote_prefix: str = "",
) -> str:
    """Claim records as the styled HTML results table of the book (chapter pages and scoreboard).

    Every cell carries its column name (``data-label``), so that on a narrow screen the book's
    stylesheet shows each claim as a stacked card; the status cell has the class
    ``physml-status-<status>`` (the stylesheet colours it with the theme's colours, readable in
    dark mode). Sources longer than :data:`SOURCE_INLINE_CHARS` become numbered footnotes below
    the table, one per distinct source.

    Args:
        records: claim records (dicts as written by :meth:`Chapter.claim`, or ``asdict`` of a
            :class:`Claim`).
        full: committed full-profile records by key (the "full profile" column).
        anchors: give each row the id ``claim-<key>`` (the scoreboard links to them).
        notes: ``"row"`` puts a row's explanation (reason, why, note) in a row of its own below it,
            ``"inline"`` in small print under the quantity.
        cls: the table's class besides ``table`` (the theme's table class).
        footnote_prefix: prefix of the footnotes' ids (unique on a page with several tables).

    Returns:
        The HTML of the table (in a scrolling wrapper) and its footnotes, as a string.

    Raises:
        ValueError: if ``notes`` is neither ``"row"`` nor ``"inline"``.

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself` and the results cell of every chapter
    """
    from html import escape

    if notes not in ("row", "inline"):
        raise ValueError(f"notes must be 'row' or 'inline', not {notes!r}")
    full = dict(full or {})
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in CLAIM_COLUMNS)
    sources: dict[str, int] = {}
    body = []
    for rec in records:
        row = list(claim_row(rec, full.get(rec["key"])))
        source = row[2]
        if len(source) > SOURCE_INLINE_CHARS:
            n = sources.setdefault(source, len(sources) + 1)
            src_cell = (
                f'<a class="physml-source-ref" href="#{footnote_prefix}source-{n}" '
                f'title="{escape(source)}">[{n}]</a>'
            )
        else:
            src_cell = escape(source)
        note = explanation(rec)
        cells = []
        for col, text in zip(CLAIM_COLUMNS, row):
            html = src_cell if col == "source" else escape(text)
            if col == "quantity" and note and notes == "inline":
                html += f"<br><small>{escape(note)}</small>"
            attr = (
                f' class="physml-status-{escape(rec.get("status", "fail")).replace(" ", "-")}"'
                if col == "status"
                else ""
            )
            cells.append(f'<td data-label="{escape(col)}"{attr}>{html}</td>')
        row_id = f' id="claim-{escape(rec["key"])}"' if anchors else ""
        status = str(rec.get("status", "fail")).replace(" ", "-")
        body.append(
            f'<tr{row_id} class="physml-{escape(status)}">{"".join(cells)}</tr>'
        )
        if note and notes == "row":
            body.append(
                f'<tr class="physml-claim-note"><td colspan="{len(CLAIM_COLUMNS)}">'
                f"{escape(note)}</td></tr>"
            )
    footnotes = ""
    if sources:
        items = "".join(
            f'<li id="{footnote_prefix}source-{n}">{escape(src)}</li>'
            for src, n in sources.items()
        )
        footnotes = f'<ol class="physml-claim-sources">{items}</ol>'
    return (
        f'<div class="physml-table-wrap" style="overflow-x: auto; max-width: 100%">'
        f'<table class="table {cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{footnotes}"
    )


class ClaimTable:
    """A chapter's claims shown as a table (reference vs this run) with the run's facts.

    In a notebook it renders as HTML: the table (each row anchored as ``claim-<key>``), then a
    collapsed "run facts" block with profile, device, torch version, wall time and the counts;
    in a terminal as Markdown. Returned by :meth:`Chapter.finish`.

    Args:
        claims: the chapter's :class:`Claim` objects, in order.
        wall_s: the chapter's wall time, in s.
        profile: the run's profile.
        device: the run's device.
        torch_version: torch's version.
        full: the committed full-profile claim records, by key (:func:`load_full_record`).
        full_run: the committed full-profile run record.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the claims cells of every chapter
    """

    columns = CLAIM_COLUMNS

    def __init__(
        self,
        claims: Iterable[Claim],
        wall_s: float | None = None,
        profile: str = "",
        device: str = "",
        torch_version: str = "",
        full: Mapping[str, Mapping] | None = None,
        full_run: Mapping[str, Any] | None = None,
    ):
        self.claims = list(claims)
        self.wall_s = wall_s
        self.profile, self.device, self.torch_version = profile, device, torch_version
        self.full = dict(full or {})
        self.full_run = dict(full_run or {})

    def full_cell(self, key: str) -> str:
        """The committed full-profile run's value and status for ``key``, or ``full: not run``."""
        return _full_cell(self.full.get(key))

    def full_facts(self) -> str:
        """Where and when the full-profile record was made, or ``full: not run``."""
        r = self.full_run
        if not r and not self.full:
            return "full: not run"
        wall = (
            f", {r['wall_s']:.0f} s"
            if isinstance(r.get("wall_s"), (int, float))
            else ""
        )
        return (
            f"{r.get('device_name', r.get('device', '?'))}, commit {str(r.get('commit', '?'))[:8]}, "
            f"{r.get('date', '?')}{wall}"
        )

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple of cell texts per claim, in the order of ``columns``."""
        return [claim_row(asdict(c), self.full.get(c.key)) for c in self.claims]

    def to_markdown(self) -> str:
        """The table as Markdown."""
        lines = [_md_row(self.columns), "|" + "---|" * len(self.columns)]
        lines += [_md_row(row) for row in self.rows()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        tail = (
            f"\n\nWall time of this execution: {self.wall_s:.1f} s."
            if self.wall_s
            else ""
        )
        return self.to_markdown() + tail + f"\n\nFull profile run: {self.full_facts()}."

    def _counts(self) -> str:
        n = count_claims(self.claims)
        text = (
            f"{n['paper_pass']} of {n['paper']} paper/data numbers reproduced, "
            f"{n['miss']} declared not reproduced"
            if n["paper"]
            else "no paper or data numbers (the sources give none)"
        ) + f"; {n['own_pass']} of {n['own']} checks pass"
        if n["fail"]:
            text += f"; {n['fail']} FAIL"
        if n["now"]:
            text += f"; {n['now']} now reproduced (update the chapter)"
        return text

    def _repr_html_(self) -> str:
        from html import escape

        wall = f"{self.wall_s:.1f} s" if self.wall_s is not None else "n/a"
        facts = [
            ("profile", self.profile),
            ("device", self.device),
            ("torch", self.torch_version),
            ("wall time of this execution", wall),
            ("claims", self._counts()),
            ("full profile run", self.full_facts()),
        ]
        items = "".join(
            f"<li><b>{escape(k)}:</b> {escape(str(v))}</li>" for k, v in facts
        )
        summary = (
            f"Run facts: {escape(self._counts())}; {escape(self.profile)} profile, "
            f"{escape(self.device)}, {wall}"
        )
        return (
            claims_table_html([asdict(c) for c in self.claims], self.full)
            + f'<details class="physml-run-facts"><summary>{summary}</summary><ul>{items}</ul></details>'
        )

    def __repr__(self) -> str:
        return self.to_markdown()


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(_md_escape(x) for x in cells) + " |"


#: The committed full-profile records, relative to the book root (one ``<slug>.jsonl`` per chapter).
FULL_RECORDS = Path("records") / "full"


def read_jsonl(path: str | Path) -> list[dict]:
    """The records of one JSON-lines file (blank lines skipped), in file order.

    The one reader of claims records: called by :func:`load_records`, :func:`load_full_record`
    and ``bookkit`` (scoreboard, full-profile runner).

    Args:
        path: the ``.jsonl`` file.

    Returns:
        The records, one dict per line.

    Raises:
        OSError: if the file cannot be read.
        ValueError: on a line that is not JSON (naming file and line).

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`
    """
    path = Path(path)
    records = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{lineno}: not a JSON record ({err})") from err
    return records


def is_run_record(record: Mapping[str, Any]) -> bool:
    """Whether a record is a chapter's run record (``"record": "chapter"``), not a claim."""
    return record.get("record") == "chapter"


def load_full_record(
    name: str, start: str | Path | None = None
) -> tuple[dict[str, dict], dict]:
    """A chapter's committed full-profile run: ``({key: claim record}, run record)``.

    Read from ``records/full/<name>.jsonl`` under :func:`physml.config.book_root` of ``start``
    (default: the working directory).

    Args:
        name: the chapter's slug.
        start: where to look for the book root; ``None`` for the working directory.

    Returns:
        ``({key: claim record}, the last run record)``; ``({}, {})`` when there is no book root
        or the file cannot be read (the table then says "full: not run").

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`
    """
    root = config.book_root(start)
    if root is None:
        return {}, {}
    path = root / FULL_RECORDS / f"{name}.jsonl"
    try:
        recs = read_jsonl(path) if path.is_file() else []
    except (OSError, ValueError):
        return {}, {}
    runs = [r for r in recs if is_run_record(r)]
    claims = {
        r["key"]: r for r in recs if r.get("record", "claim") == "claim" and "key" in r
    }
    return claims, (runs[-1] if runs else {})


def load_records(directory: str | Path) -> tuple[list[dict], list[dict]]:
    """Read every chapter's JSON-lines file in ``directory``: (claims, chapter summaries).

    Args:
        directory: a folder of ``<slug>.jsonl`` files.

    Returns:
        ``(claim records, chapter run records)``, both lists of dicts in file order; two empty
        lists when the folder does not exist.

    Raises:
        ValueError: on a line that is not JSON (naming file and line).

    Used in:
        - :doc:`/book/scoreboard`
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [], []
    claims, chapters = [], []
    for path in sorted(directory.glob("*.jsonl")):
        for rec in read_jsonl(path):
            (chapters if is_run_record(rec) else claims).append(rec)
    return claims, chapters


def count_claims(records: Iterable[Claim | Mapping[str, Any]]) -> dict[str, int]:
    """How many claims there are of each kind and status.

    The one count behind the chapter's run record, its table's run facts and the scoreboard.

    Args:
        records: :class:`Claim` objects or claim records (dicts) as read from the JSON lines.

    Returns:
        ``claims`` (all), ``pass``, ``miss``, ``now`` (now reproduced) and ``fail`` (a record
        without a status counts as failed); ``paper`` and ``paper_pass`` (kinds paper and data,
        passing); ``own`` and ``own_pass`` (the book's own checks: every other kind); and for
        each of ``exact``, ``bound``, ``same-run`` its number and ``<kind>_pass``.

    Used in:
        - :doc:`/book/scoreboard`
        - :doc:`/book/how-the-book-checks-itself`

    Examples:
        >>> n = count_claims([{"kind": "paper", "status": "pass"}, {"kind": "bound", "status": "fail"}])
        >>> n["claims"], n["paper_pass"], n["own"], n["fail"]
        (2, 1, 1, 1)
    """
    recs = [asdict(r) if isinstance(r, Claim) else r for r in records]
    paper = [r for r in recs if r.get("kind") in MISS_KINDS]
    own = [r for r in recs if r.get("kind") not in MISS_KINDS]
    by_kind = {
        k: [r for r in recs if r.get("kind") == k] for k in KINDS if k not in MISS_KINDS
    }

    def passing(rs: list[Mapping[str, Any]]) -> int:
        return sum(r.get("status") == "pass" for r in rs)

    return {
        "claims": len(recs),
        "pass": passing(recs),
        "miss": sum(r.get("status") == "miss" for r in recs),
        "now": sum(r.get("status") == "now reproduced" for r in recs),
        "fail": sum(r.get("status", "fail") == "fail" for r in recs),
        "paper": len(paper),
        "paper_pass": passing(paper),
        "own": len(own),
        "own_pass": passing(own),
        **{k: len(v) for k, v in by_kind.items()},
        **{f"{k}_pass": passing(v) for k, v in by_kind.items()},
    }
