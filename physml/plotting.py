"""The book's figure style: opaque white backgrounds (figures stay readable in dark mode),
readable font sizes, a colour-blind-safe cycle, and axis labels with units.

Used by every chapter (applied once in the set-up cell through :func:`physml.start_chapter`;
:doc:`/book/how-the-book-checks-itself` shows one).
"""

from __future__ import annotations

import matplotlib as mpl

# Okabe-Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "font.size": 11,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 1.8,
}


def use_style() -> None:
    """Apply the book's matplotlib style globally (``matplotlib.rcParams``).

    Called once by :func:`physml.start_chapter`.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    mpl.rcParams.update(STYLE)


def label(ax, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Label both axes (with units in the text, e.g. ``"x [GeV]"``) and optionally the title.

    Args:
        ax: a matplotlib ``Axes``.
        xlabel: the x axis label with its unit, non-empty.
        ylabel: the y axis label with its unit, non-empty.
        title: the axes' title; ``None`` for none.

    Raises:
        ValueError: if ``xlabel`` or ``ylabel`` is empty.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the figure cells of every chapter
    """
    if not xlabel or not ylabel:
        raise ValueError("xlabel and ylabel must be non-empty: every axis of the book is labelled")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
