"""The book's figure style and figure plumbing.

Opaque white backgrounds (figures stay readable in dark mode), readable font sizes, a
colour-blind-safe cycle, figures sized for the book's content column and rendered at twice their
display resolution. The helpers hold the plumbing every chapter repeats (a figure of one or two
panels a row, colour bars, categorical maps, legends beside the data, log axes, marked points,
rows of lattice snapshots) so that a chapter's figure cell is a few lines. No physics here.

Used by every chapter (applied once in the set-up cell through :func:`physml.start_chapter`;
:doc:`/book/how-the-book-checks-itself` shows one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib import colors as mcolors, pyplot as plt, ticker, transforms

from physml._checks import positive_int

# Okabe-Ito colour-blind-safe palette.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
]

#: Display resolution in dots per inch. The book's content column is 784 px wide on a 1400 px
#: desktop, i.e. 7.84 in at this resolution; PNGs carry twice the pixels (``retina``).
DPI = 100
#: Width in inches of a figure that fills the content column (two panels a row).
COLUMN_WIDTH = 7.6
#: Width in inches of a single-panel figure.
SINGLE_WIDTH = 6.0

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.figsize": (SINGLE_WIDTH, 3.9),
    "figure.dpi": DPI,
    "font.size": 10,
    "axes.labelsize": 10.5,
    "axes.titlesize": 10.5,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 1.6,
}


def use_style() -> None:
    """Apply the book's matplotlib style globally; inside IPython, render figures at 2x (retina).

    Called once by :func:`physml.start_chapter`.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing to display inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def label(ax, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Label both axes (with units in the text, e.g. ``"x [GeV]"``) and optionally the title.

    Use mathtext for symbols: ``r"$\\sigma_\\mathrm{pred}$"``, not ``"sigma_pred"``.

    Args:
        ax: a matplotlib ``Axes``.
        xlabel: the x axis label with its unit, non-empty.
        ylabel: the y axis label with its unit, non-empty.
        title: the axes' title; ``None`` for none.

    Raises:
        ValueError: if ``xlabel`` or ``ylabel`` is empty.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> label(ax, "x [GeV]", "events", "a spectrum")
        >>> ax.get_xlabel(), ax.get_ylabel(), ax.get_title()
        ('x [GeV]', 'events', 'a spectrum')
        >>> plt.close(fig)
    """
    if not xlabel or not ylabel:
        raise ValueError(
            "xlabel and ylabel must be non-empty: every axis of the book is labelled"
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


def figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    height: float | None = None,
    width: float | None = None,
    **subplot_kw,
):
    """A figure sized for the content column, with constrained layout (labels never overlap).

    Args:
        nrows: rows of panels (>= 1).
        ncols: panels a row, 1 or 2 (wider rows shrink the text below readability).
        height: total height in inches (default 3.9 for one panel, 3.1 per row of two).
        width: width in inches (default :data:`SINGLE_WIDTH` for one panel, :data:`COLUMN_WIDTH`
            for two); at most :data:`COLUMN_WIDTH`.
        **subplot_kw: passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``sharey``, ...).

    Returns:
        ``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` returns them.

    Raises:
        ValueError: ``nrows`` or ``ncols`` not an int >= 1 (naming it), ``ncols`` > 2,
            or a ``width`` or ``height`` outside the column or not positive.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, axes = figure(1, 2)
        >>> len(axes), fig.get_size_inches().tolist()
        (2, [7.6, 3.1])
        >>> plt.close(fig)
        >>> figure(1, 3)
        Traceback (most recent call last):
        ...
        ValueError: ncols must be 1 or 2 (at most two panels a row), got 3: use grid()
        >>> figure(0)
        Traceback (most recent call last):
        ...
        ValueError: nrows must be a positive int, got 0
    """
    nrows, ncols = positive_int("nrows", nrows), positive_int("ncols", ncols)
    if ncols > 2:
        raise ValueError(
            f"ncols must be 1 or 2 (at most two panels a row), got {ncols}: use grid()"
        )
    width = (
        (SINGLE_WIDTH if ncols == 1 else COLUMN_WIDTH)
        if width is None
        else float(width)
    )
    if not 0 < width <= COLUMN_WIDTH:
        raise ValueError(
            f"width must be in (0, {COLUMN_WIDTH}] inches (the content column), got {width}"
        )
    if height is None:
        height = 3.9 if (nrows, ncols) == (1, 1) else 3.1 * nrows
    if height <= 0:
        raise ValueError(f"height must be positive, got {height}")
    return plt.subplots(
        nrows, ncols, figsize=(width, height), layout="constrained", **subplot_kw
    )


def grid(n: int, *, row_height: float = 3.1, **subplot_kw):
    """``n`` panels, two a row (the last row may hold one), sized for the content column.

    Args:
        n: the number of panels (>= 1).
        row_height: height of each row in inches.
        **subplot_kw: passed to :func:`figure`.

    Returns:
        ``(fig, axes)``, a list of ``n`` axes (the unused last slot removed).

    Raises:
        ValueError: ``n`` is not an int >= 1.

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, axes = grid(3)
        >>> len(axes), len(fig.axes), fig.get_size_inches().tolist()
        (3, 3, [7.6, 6.2])
        >>> plt.close(fig)
    """
    n = positive_int("n", n)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    fig, axes = figure(
        nrows, ncols, height=row_height * nrows, squeeze=False, **subplot_kw
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def colorbar(mappable, ax, label: str, **kw):
    """A colour bar beside ``ax`` (an axes or a list of axes) with its label outside the ticks.

    Args:
        mappable: what the bar describes (an image, a scatter with ``c=``, ...).
        ax: the axes (or list of axes) the bar takes its room from.
        label: what the colour shows, with its unit; non-empty.
        **kw: passed to ``Figure.colorbar`` (``ticks``, ``shrink``, ...).

    Returns:
        The matplotlib ``Colorbar``.

    Raises:
        ValueError: ``label`` is empty (every colour scale of the book says what it shows).

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> bar = colorbar(ax.imshow(np.eye(3)), ax, "spin")
        >>> bar.ax.get_ylabel(), len(fig.axes)
        ('spin', 2)
        >>> plt.close(fig)
    """
    if not label:
        raise ValueError("label must be non-empty: say what the colour shows")
    fig = (
        mappable.axes.figure
        if getattr(mappable, "axes", None) is not None
        else plt.gcf()
    )
    kw.setdefault("shrink", 0.9)
    kw.setdefault("pad", 0.02)
    return fig.colorbar(mappable, ax=ax, label=label, **kw)


def categorical(
    ax,
    codes,
    labels: Sequence[str],
    *,
    colors: Sequence[str] | None = None,
    label: str = "",
    **imshow_kw,
):
    """Show an integer map ``codes`` (values 0..len(labels)-1) with one colour per category.

    A discrete colormap (one colour per label, not a continuous map) and a colour bar whose ticks
    sit at the category centres.

    Args:
        ax: the axes to draw on.
        codes: 2-D array of ints in ``[0, len(labels))``.
        labels: the category names, in code order.
        colors: one colour per category (default: the palette).
        label: the colour bar's label.
        **imshow_kw: passed to ``ax.imshow`` (``extent``, ``origin``, ``aspect``, ...).

    Returns:
        ``(image, colorbar)``.

    Raises:
        ValueError: ``codes`` is not 2-D, holds a value outside the categories, or ``colors``
            does not give one colour per label.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> names = ["ordered", "mixed", "disordered"]
        >>> image, bar = categorical(ax, [[0, 1], [1, 2]], names)
        >>> [t.get_text() for t in bar.ax.get_yticklabels()]
        ['ordered', 'mixed', 'disordered']
        >>> plt.close(fig)
    """
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"codes must be 2-D, got shape {codes.shape}")
    n = len(labels)
    if n < 1:
        raise ValueError("labels must name at least one category")
    if codes.size and (codes.min() < 0 or codes.max() >= n):
        raise ValueError(
            f"codes must lie in [0, {n}), got {codes.min()}..{codes.max()}"
        )
    colors = list(PALETTE[:n] if colors is None else colors)
    if len(colors) != n:
        raise ValueError(
            f"colors must give one colour per label ({n}), got {len(colors)}"
        )
    cmap = mcolors.ListedColormap(colors)
    norm = mcolors.BoundaryNorm(np.arange(n + 1) - 0.5, n)
    imshow_kw.setdefault("interpolation", "nearest")
    image = ax.imshow(codes, cmap=cmap, norm=norm, **imshow_kw)
    bar = colorbar(image, ax, label or "category", ticks=np.arange(n))
    bar.ax.set_yticklabels(list(labels))
    bar.ax.minorticks_off()
    return image, bar


def legend_outside(ax, *, where: str = "right", x: float = 0.5, **kw):
    """A legend beside the axes (``"right"``) or below their x label (``"below"``), never on the data.

    Args:
        ax: the axes whose handles the legend lists.
        where: ``"right"`` or ``"below"``.
        x: for ``"below"``, the legend's centre in axes coordinates (0.5: under the axes; 1.1:
            under the gap to a second panel on the right).
        **kw: passed to ``ax.legend`` (``ncols``, ``markerscale``, ...).

    Returns:
        The matplotlib ``Legend``.

    Raises:
        ValueError: ``where`` is neither.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> _ = ax.plot([0, 1], [0, 1], label="data")
        >>> legend = legend_outside(ax, where="below")
        >>> [t.get_text() for t in legend.get_texts()]
        ['data']
        >>> plt.close(fig)
    """
    if where == "right":
        kw.setdefault("loc", "upper left")
        kw.setdefault("bbox_to_anchor", (1.02, 1.0))
    elif where == "below":
        kw.setdefault("loc", "upper center")
        kw.setdefault("bbox_to_anchor", (x, 0.0))
        # below the tick labels and the x label, whatever the height of the axes
        kw.setdefault(
            "bbox_transform",
            transforms.offset_copy(ax.transAxes, fig=ax.figure, y=-38, units="points"),
        )
        kw.setdefault("ncols", 2)
    else:
        raise ValueError(f"where must be 'right' or 'below', got {where!r}")
    kw.setdefault("borderaxespad", 0.0)
    return ax.legend(**kw)


class _LogTicks(ticker.LogLocator):
    """Major log ticks at 1, 2 and 5 times the powers of ten on an axis spanning under 1.5
    decades (so that it has labelled ticks at all), at the powers of ten otherwise."""

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((float(vmin), float(vmax)))
        narrow = lo > 0 and np.log10(hi / lo) < 1.5
        self.set_params(subs=(1.0, 2.0, 5.0) if narrow else (1.0,))
        return super().tick_values(vmin, vmax)


def _log_label(value: float, plain: bool = True) -> str:
    """``value`` as a plain number (``0.2``, ``5``, ``100``) if ``plain``, else as a power of ten."""
    if value <= 0:
        return ""
    if plain:
        return f"{value:g}"
    exponent = np.floor(np.log10(value))
    mantissa = value / 10**exponent
    if np.isclose(mantissa, 1.0):
        return rf"$10^{{{int(exponent)}}}$"
    return rf"${mantissa:g}\times10^{{{int(exponent)}}}$"


class _LogLabels(ticker.Formatter):
    """Plain numbers on an axis that stays within 0.001 to 10^4, powers of ten on any other."""

    def __call__(self, value, pos=None):
        lo, hi = sorted(self.axis.get_view_interval())
        return _log_label(value, plain=lo >= 1e-3 * 0.999 and hi < 1e4)


def log_axis(ax, axis: str = "y", *, numticks: int = 6) -> None:
    """A log scale with at most ``numticks`` labelled major ticks and unlabelled minor ticks.

    Avoids matplotlib's labelled minor ticks colliding on axes that span under two decades; an
    axis spanning under 1.5 decades is labelled at 1, 2 and 5 times the powers of ten. Labels are
    plain numbers on an axis within 0.001 to 10^4, powers of ten on any other.

    Args:
        ax: the axes.
        axis: ``"x"``, ``"y"`` or ``"both"``.
        numticks: the most labelled major ticks.

    Raises:
        ValueError: ``axis`` is not ``"x"``, ``"y"`` or ``"both"``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> _ = ax.plot([1, 10, 100], [1, 2, 3])
        >>> log_axis(ax, "x")
        >>> ax.get_xscale(), ax.get_yscale()
        ('log', 'linear')
        >>> plt.close(fig)
    """
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both', got {axis!r}")
    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"set_{name}scale")("log")
        target = getattr(ax, f"{name}axis")
        target.set_major_locator(_LogTicks(base=10, numticks=numticks))
        target.set_major_formatter(_LogLabels())
        target.set_minor_locator(
            ticker.LogLocator(base=10, subs=np.arange(2, 10) * 1.0, numticks=12)
        )
        target.set_minor_formatter(ticker.NullFormatter())


def mark_points(
    ax, x, y, names: Sequence[str] | None = None, *, color: str = "black", **kw
):
    """Ring points ``(x, y)`` (e.g. held-out cases the text names) and label them.

    Args:
        ax: the axes.
        x: the points' x coordinates, in the axes' data units.
        y: their y coordinates, the same length.
        names: one label per point, or ``None`` for none.
        color: the rings' and labels' colour.
        **kw: passed to ``ax.scatter`` (``s``, ``linewidths``, ...).

    Returns:
        The rings' ``PathCollection``.

    Raises:
        ValueError: ``x``, ``y`` and ``names`` differ in length.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> fig, ax = figure()
        >>> rings = mark_points(ax, [1.0, 2.0], [3.0, 4.0], ["A", "B"])
        >>> len(rings.get_offsets()), [t.get_text() for t in ax.texts]
        (2, ['A', 'B'])
        >>> plt.close(fig)
    """
    x, y = (
        np.atleast_1d(np.asarray(x, dtype=float)),
        np.atleast_1d(np.asarray(y, dtype=float)),
    )
    if x.shape != y.shape or (names is not None and len(names) != x.size):
        raise ValueError(
            f"x, y and names must have one entry per point, got {x.size}, {y.size}, "
            f"{None if names is None else len(names)}"
        )
    kw.setdefault("s", 90)
    kw.setdefault("linewidths", 1.5)
    points = ax.scatter(x, y, facecolors="none", edgecolors=color, zorder=5, **kw)
    for xi, yi, name in zip(x, y, names or []):
        ax.annotate(
            name,
            (xi, yi),
            xytext=(5, 5),
            textcoords="offset points",
            fontsize=9,
            color=color,
            zorder=6,
        )
    return points


def snapshots(
    images: Sequence,
    titles: Sequence[str],
    *,
    label: str,
    cmap: str = "coolwarm",
    vmin: float | None = None,
    vmax: float | None = None,
    width: float = COLUMN_WIDTH,
):
    """A row of up to four lattice snapshots (2-D arrays) sharing one colour scale and colour bar.

    Args:
        images: 2-D arrays (numpy or anything ``np.asarray`` takes), one per panel.
        titles: one title per panel.
        label: the colour bar's label (what a pixel shows, e.g. ``"spin"``).
        cmap: the shared colormap.
        vmin: the bottom of the shared colour scale (default: the smallest pixel of all images).
        vmax: its top (default: the largest pixel).
        width: figure width in inches.

    Returns:
        ``(fig, axes)``.

    Raises:
        ValueError: no image or more than four, titles not one per image, an image not 2-D.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> rng = np.random.default_rng(0)
        >>> spins = [rng.choice([-1.0, 1.0], size=(8, 8)) for _ in range(3)]
        >>> fig, axes = snapshots(spins, ["T = 1", "T = 2.3", "T = 4"], label="spin")
        >>> len(axes), len(fig.axes)  # three panels and the shared colour bar
        (3, 4)
        >>> plt.close(fig)
    """
    if not 1 <= len(images) <= 4:
        raise ValueError(f"images must hold 1 to 4 snapshots, got {len(images)}")
    if len(titles) != len(images):
        raise ValueError(
            f"titles must give one title per image ({len(images)}), got {len(titles)}"
        )
    arrays = [np.asarray(im, dtype=float) for im in images]
    if any(a.ndim != 2 for a in arrays):
        raise ValueError(f"images must be 2-D, got shapes {[a.shape for a in arrays]}")
    vmin = min(a.min() for a in arrays) if vmin is None else vmin
    vmax = max(a.max() for a in arrays) if vmax is None else vmax
    n = len(arrays)
    fig, axes = plt.subplots(
        1,
        n,
        figsize=(width, width / n * 0.95 + 0.4),
        layout="constrained",
        squeeze=False,
    )
    axes = list(axes[0])
    for ax, a, title in zip(axes, arrays, titles):
        image = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    colorbar(image, axes, label, shrink=0.8)
    return fig, axes


def centred_norm(values, centre: float) -> mcolors.TwoSlopeNorm:
    """A colour scale over the range of ``values`` whose midpoint sits at ``centre``.

    For a diverging colormap that should change hue at a physical point (e.g. ``T_c``) rather
    than at the middle of the sampled range.

    Args:
        values: the values the colour scale spans (any shape; NaN ignored).
        centre: the value at the colour scale's midpoint, strictly inside their range.

    Returns:
        A ``matplotlib.colors.TwoSlopeNorm``.

    Raises:
        ValueError: ``centre`` is not strictly inside the range of ``values``.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> norm = centred_norm([0.0, 1.0, 4.0], centre=1.0)
        >>> float(norm(0.0)), float(norm(1.0)), float(norm(4.0))
        (0.0, 0.5, 1.0)
    """
    values = np.asarray(values, dtype=float)
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if not lo < centre < hi:
        raise ValueError(
            f"centre must lie strictly inside the range of values [{lo}, {hi}], got {centre}"
        )
    return mcolors.TwoSlopeNorm(vcenter=centre, vmin=lo, vmax=hi)
