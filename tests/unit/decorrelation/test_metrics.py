"""Tests of physml.decorrelation.metrics: cuts, false-positive rate against mass, curve shapes."""

import numpy as np
import pytest

from physml.decorrelation import metrics


def test_thresholds_keep_the_signal_share():
    rng = np.random.default_rng(0)
    s = rng.normal(size=100_000)
    cuts = metrics.thresholds(s, [0.8, 0.5, 0.2])
    for c, eff in zip(cuts, (0.8, 0.5, 0.2)):
        assert (s >= c).mean() == pytest.approx(eff, abs=1e-3)


def test_fpr_vs_mass_counts_per_bin():
    m = np.array([-0.9, -0.8, -0.1, 0.1, 0.5, 1.0])
    s = np.array([0.9, 0.1, 0.9, 0.9, 0.1, 0.9])
    f = metrics.fpr_vs_mass(s, m, 0.5, [-1, 0, 1])
    assert f.tolist() == [2 / 3, 2 / 3]
    assert np.isnan(metrics.fpr_vs_mass(s, m, 0.5, [-2, -1, 0, 1])[0])


def test_shape_measures():
    x = np.linspace(-1, 1, 8)
    assert metrics.relative_spread(np.full(8, 0.1)) == 0
    assert metrics.linear_r2(x, 0.1 - 0.05 * x) == pytest.approx(1.0)
    peak = np.where(np.abs(x - 0.14) < 0.2, 0.2, 0.01)
    assert metrics.linear_r2(x, peak) < 0.2 and metrics.relative_spread(peak) > 1
    assert metrics.is_monotone(0.1 - 0.05 * x) and not metrics.is_monotone(peak)
    assert metrics.bin_centres([0, 1, 3]).tolist() == [0.5, 2.0]


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: metrics.thresholds([1.0, 2.0], [1.2]), "signal_efficiencies"),
        (lambda: metrics.thresholds([np.nan, 2.0], [0.5]), "signal_scores"),
        (lambda: metrics.fpr_vs_mass([0.1, 0.2], [0.0], 0.5, [-1, 1]), "same shape"),
        (lambda: metrics.fpr_vs_mass([0.1], [0.0], 0.5, [1, -1]), "edges"),
        (lambda: metrics.fpr_vs_mass([0.1], [0.0], np.inf, [-1, 1]), "threshold"),
        (lambda: metrics.relative_spread([1.0]), "rates"),
        (lambda: metrics.linear_r2([0, 1], [0, 1]), "at least 3"),
        (lambda: metrics.is_monotone([1.0, 2.0], slack=-1), "slack"),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()
