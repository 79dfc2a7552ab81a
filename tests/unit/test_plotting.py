"""physml.plotting: the figure helpers size, colour and label figures as documented."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from physml import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _style():
    plotting.use_style()
    yield
    plt.close("all")


def test_style_fits_the_content_column():
    # 784 px of content column at 1400 px: a full-width figure must fit at the style's dpi.
    assert plotting.COLUMN_WIDTH * plotting.DPI <= 784
    assert matplotlib.rcParams["figure.dpi"] == plotting.DPI


def test_figure_sizes_and_limits():
    fig, ax = plotting.figure()
    assert tuple(fig.get_size_inches()) == pytest.approx((plotting.SINGLE_WIDTH, 3.9))
    fig, axes = plotting.figure(2, 2)
    assert axes.shape == (2, 2)
    assert fig.get_size_inches()[0] == pytest.approx(plotting.COLUMN_WIDTH)
    with pytest.raises(ValueError, match="ncols"):
        plotting.figure(1, 3)
    with pytest.raises(ValueError, match="width"):
        plotting.figure(width=12)
    # the shared argument check (physml._checks.positive_int): a ValueError naming the argument
    with pytest.raises(ValueError, match="nrows must be a positive int"):
        plotting.figure(1.5)
    with pytest.raises(ValueError, match="ncols must be a positive int"):
        plotting.figure(1, 0)


def test_grid_drops_unused_panels():
    fig, axes = plotting.grid(3)
    assert len(axes) == 3 and len(fig.axes) == 3
    with pytest.raises(ValueError, match="n must be"):
        plotting.grid(0)


def test_categorical_uses_one_colour_per_category():
    fig, ax = plotting.figure()
    codes = np.array([[0, 1], [2, 3]])
    image, bar = plotting.categorical(ax, codes, ["a", "b", "c", "d"], label="phase")
    assert image.cmap.N == 4
    assert [t.get_text() for t in bar.ax.get_yticklabels()] == ["a", "b", "c", "d"]
    rgba = image.to_rgba(image.get_array())
    assert len({tuple(c) for c in rgba.reshape(-1, 4)}) == 4
    with pytest.raises(ValueError, match="codes"):
        plotting.categorical(ax, np.array([[0, 4]]), ["a", "b"])
    with pytest.raises(ValueError, match="colors"):
        plotting.categorical(ax, codes, ["a", "b", "c", "d"], colors=["k"])


def test_colorbar_needs_a_label():
    fig, ax = plotting.figure()
    image = ax.imshow(np.eye(3))
    assert plotting.colorbar(image, ax, "value").ax.get_ylabel() == "value"
    with pytest.raises(ValueError, match="label"):
        plotting.colorbar(image, ax, "")


def test_log_axis_labels_no_minor_ticks():
    fig, ax = plotting.figure()
    ax.plot([1.0, 2.0, 3.0], [1.2, 3.0, 7.0])
    plotting.log_axis(ax, "y")
    fig.canvas.draw()
    assert ax.get_yscale() == "log"
    assert all(t.get_text() == "" for t in ax.yaxis.get_minorticklabels())
    lo, hi = (
        ax.get_ylim()
    )  # under one decade: still at least two labelled ticks in view
    shown = [
        t.get_text()
        for t, v in zip(ax.get_yticklabels(), ax.get_yticks())
        if lo <= v <= hi
    ]
    assert len([s for s in shown if s]) >= 2, shown
    with pytest.raises(ValueError, match="axis"):
        plotting.log_axis(ax, "z")


def test_legend_outside_and_mark_points():
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0, 1], label="line")
    assert plotting.legend_outside(ax, where="below") is not None
    with pytest.raises(ValueError, match="where"):
        plotting.legend_outside(ax, where="top")
    plotting.mark_points(ax, [0.5], [0.5], ["A"])
    assert [t.get_text() for t in ax.texts] == ["A"]
    with pytest.raises(ValueError, match="one entry per point"):
        plotting.mark_points(ax, [0, 1], [0], ["A"])


def test_snapshots_share_one_scale():
    fig, axes = plotting.snapshots(
        [np.zeros((4, 4)), np.ones((4, 4))], ["a", "b"], label="spin"
    )
    assert len(axes) == 2
    assert axes[0].images[0].get_clim() == axes[1].images[0].get_clim() == (0.0, 1.0)
    with pytest.raises(ValueError, match="titles"):
        plotting.snapshots([np.zeros((2, 2))], [], label="spin")
    with pytest.raises(ValueError, match="2-D"):
        plotting.snapshots([np.zeros(3)], ["a"], label="spin")


def test_centred_norm_puts_the_centre_at_the_middle():
    norm = plotting.centred_norm([1.5, 2.0, 3.5], 2.269)
    assert norm(2.269) == pytest.approx(0.5)
    assert norm(1.5) == pytest.approx(0.0) and norm(3.5) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="centre"):
        plotting.centred_norm([1.0, 2.0], 3.0)
