"""Tests of physml.decorrelation.simple_model: the generator of the thesis's Sec. 3.3.1."""

import numpy as np
import pytest
import torch
from scipy.stats import chi2, norm

from physml import stats
from physml.decorrelation import simple_model as sm


def _sample(n=200_000, modified=False, seed=0):
    return sm.sample(
        n, modified=modified, generator=torch.Generator().manual_seed(seed)
    )


def test_shapes_labels_and_ranges():
    x, y, m, kind = _sample(1000)
    assert x.shape == (2000, 2) and y.shape == m.shape == kind.shape == (2000,)
    assert torch.equal(y == 1, kind == 0)
    assert float(m.abs().max()) <= 1


def test_background_mixture_is_flat_in_mass():
    _, y, m, _ = _sample()
    counts, _ = np.histogram(m[y == 0].numpy(), bins=20, range=(-1, 1))
    chi2_ndf = ((counts - counts.mean()) ** 2 / counts.mean()).sum() / 19
    assert chi2_ndf < chi2.ppf(0.999, 19) / 19


def test_background_types_are_triangular():
    _, _, m, kind = _sample()
    for k, sign in ((1, -1), (2, 1)):
        # density (1 -/+ m)/2 has mean -/+ 1/3
        assert float(m[kind == k].mean()) == pytest.approx(sign / 3, abs=0.01)


def test_a_generator_without_the_square_root_is_not_flat():
    # the check above has power: a mixture with one type linear in U is far from flat
    g = torch.Generator().manual_seed(1)
    u = torch.rand(100_000, generator=g)
    m = torch.cat([1 - 2 * u[:50_000], -1 + 2 * torch.sqrt(u[50_000:])])
    counts, _ = np.histogram(m.numpy(), bins=20, range=(-1, 1))
    assert ((counts - counts.mean()) ** 2 / counts.mean()).sum() / 19 > 20


def test_x1_means_and_signal_mass():
    x, _, m, kind = _sample()
    for k, mean in enumerate(sm.X1_MEANS):
        assert float(x[kind == k, 0].mean()) == pytest.approx(mean, abs=0.01)
    sig = m[kind == 0]
    near = ((sig - 0.2).abs() < 0.1).float().mean()
    # half the signal in the N(0.2, 0.1) peak (68% within one width), half flat (10% there)
    assert float(near) == pytest.approx(0.5 * 0.6827 + 0.5 * 0.1, abs=0.01)


def test_mass_features():
    m = torch.tensor([0.2, 0.3, -1.0, 1.0])
    assert torch.allclose(sm.mass_feature(m), torch.exp(-((m - 0.2) ** 2) / 0.02))
    assert float(sm.mass_feature(m)[0]) == 1.0
    assert torch.allclose(sm.mass_feature(m, modified=True), torch.exp(m) + 2 * m)


def test_agnostic_optimum_r50_is_12_61():
    assert sm.agnostic_threshold(0.5) == pytest.approx(1.0)
    fpr = 0.5 * norm.sf(1) + 0.5 * norm.sf(5)
    assert sm.agnostic_fpr(0.5) == pytest.approx(fpr)
    assert 1 / sm.agnostic_fpr(0.5) == pytest.approx(12.61, abs=0.005)
    assert 1 / sm.agnostic_fpr(0.8) == pytest.approx(4.58, abs=0.01)
    assert 1 / sm.agnostic_fpr(0.2) == pytest.approx(61.0, abs=0.1)


def test_agnostic_fpr_is_linear_in_mass_and_averages_to_the_total():
    m = np.linspace(-1, 1, 11)
    f = sm.agnostic_fpr(0.5, m)
    assert np.allclose(np.diff(f, 2), 0, atol=1e-15)
    assert f[0] == pytest.approx(norm.sf(1) + 0 * f[0], rel=1e-5)
    assert f.mean() == pytest.approx(sm.agnostic_fpr(0.5))


def test_the_cut_on_x1_reaches_the_exact_rejection():
    x, y, _, _ = _sample()
    r50 = stats.rejection_at(y.numpy(), x[:, 0].numpy(), 0.5)
    assert r50 == pytest.approx(12.61, rel=0.04)


@pytest.mark.parametrize("modified, r50", [(False, 28.6), (True, None)])
def test_bayes_ratio_beats_the_agnostic_cut(modified, r50):
    x, y, m, _ = _sample(modified=modified)
    lr = sm.bayes_log_ratio(x[:, 0], m, modified=modified)
    assert torch.isfinite(lr).all()
    bayes = stats.rejection_at(y.numpy(), lr.numpy(), 0.5)
    if r50 is not None:
        assert bayes == pytest.approx(r50, rel=0.05)
    assert bayes > 1.5 * 12.61


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: sm.sample(1), "n"),
        (lambda: sm.sample(2.5), "n"),
        (lambda: sm.agnostic_threshold(0.0), "signal_efficiency"),
        (lambda: sm.agnostic_threshold(1.0), "signal_efficiency"),
        (lambda: sm.agnostic_fpr(0.5, [1.5]), "m"),
        (lambda: sm.bayes_log_ratio(torch.zeros(3), torch.zeros(2)), "shape"),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_mass_feature_needs_a_float_tensor():
    with pytest.raises(TypeError, match="m must"):
        sm.mass_feature(torch.tensor([1, 2]))
