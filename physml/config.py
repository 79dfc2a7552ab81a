"""Profiles, device and seeds: the settings every chapter starts from.

The book runs at two scales. ``full`` is the research-faithful scale meant for one GPU; ``quick``
is for a 2-core CPU and is what CI runs. A chapter declares every size knob once, for both
profiles, with :class:`Sizes`, and reads the active values from it::

    S = Sizes(quick=dict(n_train=2_000, steps=1_500), full=dict(n_train=100_000, steps=20_000))
    S.n_train  # the value for the active profile

Used by every chapter of the book.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

PROFILES: tuple[str, ...] = ("quick", "full")


def profile() -> str:
    """The active profile, ``"quick"`` or ``"full"``.

    ``PHYSML_PROFILE`` decides when it is set. Otherwise ``CI`` being set forces ``quick``, and
    without either the default is ``full`` where CUDA is available and ``quick`` elsewhere.
    Any other value of ``PHYSML_PROFILE`` raises ``ValueError``.
    """
    value = os.environ.get("PHYSML_PROFILE", "").strip().lower()
    if value:
        if value not in PROFILES:
            raise ValueError(
                f"PHYSML_PROFILE={os.environ['PHYSML_PROFILE']!r} is not a profile; "
                f"allowed: {', '.join(PROFILES)}"
            )
        return value
    if os.environ.get("CI", "").strip():
        return "quick"
    return "full" if torch.cuda.is_available() else "quick"


def device() -> torch.device:
    """The device chapters compute on: the first CUDA GPU when there is one, else the CPU.

    ``PHYSML_DEVICE`` (e.g. ``cpu``) overrides the choice.
    """
    name = os.environ.get("PHYSML_DEVICE", "").strip()
    if name:
        try:
            return torch.device(name)
        except RuntimeError as err:
            raise ValueError(f"PHYSML_DEVICE={name!r} is not a torch device") from err
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


#: The file at the root of the book; the folder holding it is the book root.
BOOK_ROOT_MARKER = "_toc.yml"


def results_dir() -> Path:
    """Where chapters record their claims.

    ``PHYSML_RESULTS_DIR`` when set: the build tools set it to the folder of the current build
    (``_build/claims/<fingerprint>``), so the scoreboard reads the claims of exactly the executed
    notebooks it renders. A notebook run by hand (no variable) writes to
    ``<book root>/_build/claims/by-hand/<profile>``, where the book root is the nearest folder at
    or above the working directory holding ``_toc.yml``; outside a book, ``./_build/claims``.
    """
    env = os.environ.get("PHYSML_RESULTS_DIR", "").strip()
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / BOOK_ROOT_MARKER).is_file():
            return folder / "_build" / "claims" / "by-hand" / profile()
    return here / "_build" / "claims"


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, numpy's and torch's generators (CPU and CUDA) and return a torch generator.

    The returned generator lives on the CPU and is seeded with ``seed``; pass it to samplers for
    a stream independent of the global one. Used in the set-up cell of every chapter.
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
    faster than one notebook with two threads. Returns the thread count in use.
    """
    value = os.environ.get("PHYSML_THREADS", "").strip()
    if value:
        try:
            n = int(value)
        except ValueError as err:
            raise ValueError(f"PHYSML_THREADS={value!r} is not an integer") from err
        if n < 1:
            raise ValueError(f"PHYSML_THREADS must be >= 1, got {n}")
        torch.set_num_threads(n)
    return torch.get_num_threads()


class Sizes(Mapping[str, Any]):
    """A chapter's size knobs, declared once for both profiles; attribute access gives the active one.

    Both profiles must declare the same knobs. ``Sizes(quick=..., full=..., profile="full")`` pins
    a profile (the default is :func:`profile`). Used by every chapter.
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
            raise AttributeError(f"no size knob {name!r}; declared: {sorted(self)}") from None

    def __getitem__(self, name: str) -> Any:
        return self._tables[self.profile][name]

    def __iter__(self):
        return iter(self._tables[self.profile])

    def __len__(self) -> int:
        return len(self._tables[self.profile])

    def __repr__(self) -> str:
        knobs = ", ".join(f"{k}={v!r}" for k, v in self._tables[self.profile].items())
        return f"Sizes[{self.profile}]({knobs})"


def describe() -> dict[str, str]:
    """Profile, device and library versions, as printed by each chapter's set-up cell."""
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
