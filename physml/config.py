"""Profiles, device and seeds: the settings every chapter starts from.

The book runs at two scales. ``full`` is the research-faithful scale meant for one GPU; ``quick``
is for a 2-core CPU and is what CI runs. A chapter declares every size knob once, for both
profiles, with :class:`Sizes`, and reads the active values from it::

    S = Sizes(quick=dict(n_train=2_000, steps=1_500), full=dict(n_train=100_000, steps=20_000))
    S.n_train  # the value for the active profile

Used by every chapter of the book, from its set-up cell (:doc:`/book/how-the-book-checks-itself`
shows one).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

PROFILES: tuple[str, ...] = ("quick", "full")

# --------------------------------------------------------------------------------------------
# The environment: every variable the book reads, declared once


@dataclass(frozen=True)
class EnvVar:
    """One environment variable the book reads, as declared in :data:`ENV_VARS`.

    Args:
        name: the variable's name, e.g. ``"PHYSML_PROFILE"``.
        type: the kind of value, in the words of the README's table.
        default: what happens when it is unset or blank (README's words).
        help: what it does (README's words).
        parse: turns the stripped, non-empty value into what :func:`env` returns; raises
            ``ValueError`` on a bad value, with a message that :func:`env` prefixes with
            ``NAME='value'``.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """

    name: str
    type: str
    default: str
    help: str
    parse: Callable[[str], Any] = field(repr=False, compare=False)


def _parse_profile(raw: str) -> str:
    value = raw.lower()
    if value not in PROFILES:
        raise ValueError(f"is not a profile; allowed: {', '.join(PROFILES)}")
    return value


def _parse_device(raw: str) -> torch.device:
    try:
        return torch.device(raw)
    except RuntimeError as err:
        raise ValueError("is not a torch device") from err


def _parse_threads(raw: str) -> int:
    try:
        n = int(raw)
    except ValueError as err:
        raise ValueError("is not an integer") from err
    if n < 1:
        raise ValueError("must be an integer >= 1")
    return n


def _parse_switch(raw: str) -> bool:
    return raw.lower() not in ("0", "false", "no", "off")


def _parse_set(raw: str) -> bool:
    return True


def _parse_dirty(raw: str) -> bool | None:
    return None if raw not in ("0", "1") else raw == "1"


#: Every environment variable physml, bookkit, the Makefile and the tests read, with the rule
#: of ``CI``. :func:`env` is the one place that reads them; the README's table is this one
#: (:func:`env_table`, checked by ``tests/unit/test_config.py``).
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(
        "PHYSML_PROFILE",
        "`quick` or `full`",
        "`quick` under `CI`; else `full` where CUDA is available, `quick` elsewhere",
        "the scale of every chapter (sizes and tolerances); `make test` runs the chapters in "
        "`quick`",
        _parse_profile,
    ),
    EnvVar(
        "CI",
        "set or not",
        "unset",
        "any non-empty value (even `false`) marks a CI run: the profile defaults to `quick` "
        "and progress bars are off",
        _parse_set,
    ),
    EnvVar(
        "PHYSML_DEVICE",
        "a torch device (`cpu`, `cuda:1`)",
        "the first CUDA GPU, else `cpu`",
        "the device chapters compute on; `cpu` also stops the full runner pinning GPUs",
        _parse_device,
    ),
    EnvVar(
        "PHYSML_THREADS",
        "integer >= 1",
        "torch's own choice (`make` exports 1)",
        "torch's CPU threads, set by `physml.start_chapter`; unless it is set, the full runner "
        "gives chapters run at once an equal share of the cores",
        _parse_threads,
    ),
    EnvVar(
        "PHYSML_PROGRESS",
        "`0`/`false`/`no`/`off`, or anything else for on",
        "off under `CI`; on in a terminal or a Jupyter kernel; off otherwise (`make` exports 0)",
        "progress bars of physml's loops (training, samplers)",
        _parse_switch,
    ),
    EnvVar(
        "PHYSML_RESULTS_DIR",
        "a folder",
        "`<book root>/_build/claims/by-hand/<profile>`; outside a book `./_build/claims`",
        "where chapters record their claims; the build tools set it to the folder of the "
        "current build",
        Path,
    ),
    EnvVar(
        "PHYSML_CACHE_DIR",
        "a folder",
        "`<book root>/_build/cache`; outside a book `./_build/cache`",
        "where generated data sets (the Pythia jets of `physml.jets.generation`) are cached, "
        "keyed by their settings and seeds; safe to share between chapters run at once",
        Path,
    ),
    EnvVar(
        "PHYSML_FULL_FACTS",
        "a file",
        "unset: no facts written",
        "set by the full runner for each chapter script: where the script writes device "
        "name, versions and peak GPU memory at exit",
        str,
    ),
    EnvVar(
        "PHYSML_COMMIT",
        "a commit hash",
        "`git rev-parse HEAD`, else the bundle's commit file",
        "the commit stamped on full-profile records (set by `bookkit/device_full.sh`)",
        str,
    ),
    EnvVar(
        "PHYSML_TREE_DIRTY",
        "`0` or `1`",
        "from `git status`; unknown for any other value",
        "whether the run tree differed from `PHYSML_COMMIT` (read only with it)",
        _parse_dirty,
    ),
    EnvVar(
        "PHYSML_CHROMIUM",
        "a program name or path",
        "`chromium`, `chromium-browser` or `google-chrome` on the PATH",
        "the Chromium the browser test drives",
        str,
    ),
    EnvVar(
        "PHYSML_SITE",
        "a folder",
        "`_build/html` of this checkout",
        "the rendered book the browser tests of the results tables read",
        str,
    ),
)

_ENV = {var.name: var for var in ENV_VARS}


def env(name: str) -> Any:
    """The value of a declared environment variable, parsed; ``None`` when unset or blank.

    The value is stripped of surrounding white space first. See :data:`ENV_VARS` for each
    variable's type and meaning. Called by :func:`profile`, :func:`device`, :func:`results_dir`,
    :func:`configure_threads`, :func:`physml.train.progress_enabled` and ``bookkit``.

    Args:
        name: a variable declared in :data:`ENV_VARS`, e.g. ``"PHYSML_THREADS"``.

    Returns:
        The parsed value (its type depends on the variable), or ``None`` when it is unset or
        blank.

    Raises:
        KeyError: if ``name`` is not declared in :data:`ENV_VARS`.
        ValueError: on a bad value, naming the variable (e.g. ``PHYSML_THREADS='zero' is not
            an integer``).

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter

    Examples:
        >>> env("NOT_DECLARED")
        Traceback (most recent call last):
        ...
        KeyError: "'NOT_DECLARED' is not a declared environment variable; ...
    """
    try:
        var = _ENV[name]
    except KeyError:
        raise KeyError(
            f"{name!r} is not a declared environment variable; declared: "
            f"{', '.join(_ENV)}"
        ) from None
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return var.parse(raw)
    except ValueError as err:
        raise ValueError(f"{name}={raw!r} {err}") from err


def env_table() -> str:
    """The Markdown table of :data:`ENV_VARS` (name, type, default, meaning), as in the README.

    Returns:
        The table as one string, a header row, a separator and one row per variable.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` (the README's table of the variables it reads)

    Examples:
        >>> env_table().splitlines()[0]
        '| variable | type | default (unset) | meaning |'
    """
    rows = ["| variable | type | default (unset) | meaning |", "|---|---|---|---|"]
    rows += [f"| `{v.name}` | {v.type} | {v.default} | {v.help} |" for v in ENV_VARS]
    return "\n".join(rows)


def profile() -> str:
    """The active profile, ``"quick"`` or ``"full"``.

    ``PHYSML_PROFILE`` decides when it is set. Otherwise ``CI`` being set forces ``quick``, and
    without either the default is ``full`` where CUDA is available and ``quick`` elsewhere.

    Returns:
        ``"quick"`` or ``"full"``.

    Raises:
        ValueError: if ``PHYSML_PROFILE`` is set to anything but a profile.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter

    Examples:
        >>> profile() in PROFILES
        True
    """
    value = env("PHYSML_PROFILE")
    if value is not None:
        return value
    if env("CI"):
        return "quick"
    return "full" if torch.cuda.is_available() else "quick"


def device() -> torch.device:
    """The device chapters compute on: the first CUDA GPU when there is one, else the CPU.

    ``PHYSML_DEVICE`` (e.g. ``cpu``) overrides the choice.

    Returns:
        A ``torch.device``.

    Raises:
        ValueError: if ``PHYSML_DEVICE`` is not a torch device.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    chosen = env("PHYSML_DEVICE")
    if chosen is not None:
        return chosen
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


#: The file at the root of the book; the folder holding it is the book root.
BOOK_ROOT_MARKER = "_toc.yml"


def book_root(start: str | Path | None = None) -> Path | None:
    """The book root: the nearest folder at or above ``start`` holding ``_toc.yml``.

    Called by :func:`results_dir`, :func:`physml.claims.load_full_record` and ``bookkit.full``.

    Args:
        start: the folder to start from; ``None`` for the working directory.

    Returns:
        The absolute book root, or ``None`` when no folder at or above ``start`` holds
        ``_toc.yml``.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / BOOK_ROOT_MARKER).is_file():
            return folder
    return None


def results_dir() -> Path:
    """Where chapters record their claims.

    ``PHYSML_RESULTS_DIR`` when set: the build tools set it to the folder of the current build
    (``_build/claims/<fingerprint>``), so the scoreboard reads the claims of exactly the executed
    notebooks it renders. A notebook run by hand (no variable) writes to
    ``<book root>/_build/claims/by-hand/<profile>`` (:func:`book_root` of the working
    directory); outside a book, ``./_build/claims``.

    Returns:
        The folder (not created here).

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    folder = env("PHYSML_RESULTS_DIR")
    if folder is not None:
        return folder
    root = book_root()
    if root is not None:
        return root / "_build" / "claims" / "by-hand" / profile()
    return Path.cwd().resolve() / "_build" / "claims"


def cache_dir() -> Path:
    """Where generated data sets are cached (the Pythia jets of :mod:`physml.jets.generation`).

    ``PHYSML_CACHE_DIR`` when set; else ``<book root>/_build/cache`` (:func:`book_root` of the
    working directory), so every chapter of a checkout shares one cache; outside a book,
    ``./_build/cache``.

    Returns:
        The folder (not created here).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    folder = env("PHYSML_CACHE_DIR")
    if folder is not None:
        return folder
    root = book_root()
    if root is not None:
        return root / "_build" / "cache"
    return Path.cwd().resolve() / "_build" / "cache"


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, numpy's and torch's generators (CPU and CUDA) and return a torch generator.

    Args:
        seed: an int in ``[0, 2**32)``.

    Returns:
        A CPU ``torch.Generator`` seeded with ``seed``; pass it to samplers for a stream
        independent of the global one.

    Raises:
        TypeError: if ``seed`` is not an int (a bool is not).
        ValueError: if ``seed`` is outside ``[0, 2**32)``.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter

    Examples:
        >>> gen = seed_everything(0)
        >>> [round(v, 4) for v in torch.rand(2, generator=gen).tolist()]
        [0.4963, 0.7682]
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def configure_threads() -> int:
    """Set torch's intra-op threads from ``PHYSML_THREADS`` (default: leave torch's choice).

    The test suite runs two notebooks at once on two cores with one thread each, which is
    faster than one notebook with two threads.

    Returns:
        The number of torch threads in use.

    Raises:
        ValueError: if ``PHYSML_THREADS`` is not an integer >= 1.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    n = env("PHYSML_THREADS")
    if n is not None:
        torch.set_num_threads(n)
    return torch.get_num_threads()


class Sizes(Mapping[str, Any]):
    """A chapter's size knobs, declared once for both profiles; attribute access gives the active one.

    Args:
        quick: the knobs (name to value) of the ``quick`` profile.
        full: the same knobs for the ``full`` profile.
        profile: pins a profile; ``None`` for the active one (:func:`profile`).

    Raises:
        TypeError: if ``quick`` or ``full`` is not a mapping.
        ValueError: if the two profiles declare different knobs, or ``profile`` is not a
            profile.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter

    Examples:
        >>> S = Sizes(quick=dict(steps=10, n=4), full=dict(steps=1000, n=64), profile="quick")
        >>> S.steps, S["n"]
        (10, 4)
        >>> S.for_profile("full")
        {'steps': 1000, 'n': 64}
        >>> S
        Sizes[quick](2 knobs: steps, n)
        >>> Sizes(quick=dict(steps=10), full=dict(n=64))
        Traceback (most recent call last):
        ...
        ValueError: quick and full must declare the same knobs; only in quick: ['steps'], only in full: ['n']
    """

    def __init__(
        self,
        quick: Mapping[str, Any],
        full: Mapping[str, Any],
        profile: str | None = None,
    ) -> None:
        for name, table in (("quick", quick), ("full", full)):
            if not isinstance(table, Mapping):
                raise TypeError(f"{name} must be a mapping of knob names to values")
        if set(quick) != set(full):
            only_q = sorted(set(quick) - set(full))
            only_f = sorted(set(full) - set(quick))
            raise ValueError(
                f"quick and full must declare the same knobs; only in quick: {only_q}, "
                f"only in full: {only_f}"
            )
        active = globals()["profile"]() if profile is None else profile
        if active not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {active!r}")
        self._tables = {"quick": dict(quick), "full": dict(full)}
        self.profile = active

    @property
    def active(self) -> dict[str, Any]:
        """The knobs of the active profile, as a plain dict."""
        return dict(self._tables[self.profile])

    def for_profile(self, name: str) -> dict[str, Any]:
        """The knobs of a named profile."""
        if name not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {name!r}")
        return dict(self._tables[name])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._tables[self.profile][name]
        except KeyError:
            raise AttributeError(
                f"no size knob {name!r}; declared: {sorted(self)}"
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self._tables[self.profile][name]

    def __iter__(self):
        return iter(self._tables[self.profile])

    def __len__(self) -> int:
        return len(self._tables[self.profile])

    def __repr__(self) -> str:
        names = list(self._tables[self.profile])
        shown = ", ".join(names[:_REPR_KNOBS]) + (
            ", ..." if len(names) > _REPR_KNOBS else ""
        )
        return f"Sizes[{self.profile}]({len(names)} knob{'s' * (len(names) != 1)}: {shown})"

    def _repr_html_(self) -> str:
        """The notebook display: a folded table "knob | quick | full", the active profile marked.

        Jupyter (and the rendered book) shows this instead of the text repr under a chapter's
        set-up cell, so a reader sees both profiles' sizes in words, not a Python repr. Values
        are written as :meth:`summary` writes them; every string is HTML-escaped.

        Returns:
            An HTML ``<details>`` element holding a ``<table class="physml-sizes">``.

        Used in:
            - the set-up cell of every chapter (its last line, ``S``)

        Examples:
            >>> html = Sizes(quick=dict(n=20_000), full=dict(n=10**6), profile="quick")._repr_html_()
            >>> ">20,000</td>" in html and "quick (this run)" in html
            True
        """
        from html import escape

        cols = [
            (name, f"{name} (this run)" if name == self.profile else name)
            for name in PROFILES
        ]
        head = "".join(
            f'<th class="physml-sizes-active">{escape(label)}</th>'
            if name == self.profile
            else f"<th>{escape(label)}</th>"
            for name, label in cols
        )
        rows = "".join(
            "<tr><th>"
            + escape(str(knob))
            + "</th>"
            + "".join(
                ('<td class="physml-sizes-active">' if name == self.profile else "<td>")
                # a break opportunity after each "/" of a list, so long lists wrap on a phone
                + escape(_format_knob(self._tables[name][knob])).replace("/", "/<wbr>")
                + "</td>"
                for name, _ in cols
            )
            + "</tr>"
            for knob in self._tables[self.profile]
        )
        n = len(self._tables[self.profile])
        return (
            f"<details><summary>Sizes of this run: the {escape(self.profile)} profile "
            f"({n} knob{'s' * (n != 1)}; both profiles in the table)</summary>"
            f'<table class="physml-sizes"><thead><tr><th>knob</th>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></details>"
        )

    def summary(self) -> str:
        """The active knobs as one readable line for a page (no Python repr).

        Integers get thousands separators; tuples, lists and dicts are written out item by item.

        Returns:
            ``"<profile> sizes: name value, name value, ..."``.

        Used in:
            - ``_repr_html_``, which writes each value as this line does; chapters show
              ``S`` itself (the table of both profiles), scripts and logs this line

        Examples:
            >>> Sizes(quick=dict(n=20_000, widths=(2, 4)), full=dict(n=1, widths=(8,)),
            ...       profile="quick").summary()
            'quick sizes: n 20,000, widths 2/4'
        """

        knobs = ", ".join(
            f"{k} {_format_knob(v)}" for k, v in self._tables[self.profile].items()
        )
        return f"{self.profile} sizes: {knobs}"


#: How many knob names :class:`Sizes`' text repr lists before it writes "...".
_REPR_KNOBS = 6


def _format_knob(value: Any) -> str:
    """One knob value in words: ``20,000``, ``0.003``, ``2/4``, ``6: 1/2``, ``false``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return "; ".join(
            f"{_format_knob(k)}: {_format_knob(v)}" for k, v in value.items()
        )
    if isinstance(value, (tuple, list)):
        return "/".join(_format_knob(v) for v in value)
    return str(value)


def describe() -> dict[str, str]:
    """Profile, device and library versions, as printed by each chapter's set-up cell.

    Returns:
        A dict of strings with the profile, the device, the versions of torch, numpy, scipy and matplotlib,
        and torch's thread count.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    import matplotlib
    import scipy

    return {
        "profile": profile(),
        "device": str(device()),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "threads": str(torch.get_num_threads()),
    }
