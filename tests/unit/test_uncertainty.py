"""physml.uncertainty: variance decomposition, pulls and coverage, MC dropout, bootstrap indices,
the Student-t width and the parameter-uncertainty fit."""

import math

import pytest
import torch

from physml import uncertainty
from physml.generative import toys


def test_decompose_sums_variances():
    means = torch.tensor([[1.0, 2.0], [3.0, 2.0]])
    sigmas = torch.tensor([[1.0, 2.0], [1.0, 2.0]])
    split = uncertainty.decompose(means, sigmas)
    assert torch.allclose(split.mean, torch.tensor([2.0, 2.0]))
    assert torch.allclose(split.sigma_pred, torch.tensor([math.sqrt(2), 0.0]))
    assert torch.allclose(
        split.sigma_tot**2, split.sigma_stoch**2 + split.sigma_pred**2
    )
    with pytest.raises(ValueError, match="at least 2 samples"):
        uncertainty.decompose(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="same shape"):
        uncertainty.decompose(means, sigmas[:1])


def test_pulls_and_coverage_of_calibrated_gaussian():
    g = torch.Generator().manual_seed(1)
    sigma = 0.5 + torch.rand(200_000, generator=g)
    truth = sigma * torch.randn(200_000, generator=g)
    p = uncertainty.pulls(truth, torch.zeros_like(truth), sigma)
    assert abs(p.std().item() - 1) < 0.01
    assert (
        abs(uncertainty.coverage(truth, torch.zeros_like(truth), sigma) - 0.6827)
        < 0.005
    )
    with pytest.raises(ValueError, match="share a shape"):
        uncertainty.pulls(truth[:3], truth[:2], sigma[:3])
    with pytest.raises(ValueError, match="z must"):
        uncertainty.coverage(truth, truth, sigma, z=0)


def test_mc_dropout_samples_differ_and_restore_mode():
    from physml.nn import MLP

    net = MLP(1, 1, hidden=32, dropout=0.5).eval()
    out = uncertainty.mc_dropout(net, torch.randn(4, 1), n_samples=6)
    assert out.shape == (6, 4, 1) and out.std(0).sum() > 0 and not net.training
    with pytest.raises(ValueError, match="n_samples"):
        uncertainty.mc_dropout(net, torch.randn(4, 1), n_samples=1)


def test_bootstrap_indices():
    idx = uncertainty.bootstrap_indices(100, 3, torch.Generator().manual_seed(0))
    assert idx.shape == (100, 3) and idx.min() >= 0 and idx.max() < 100
    assert not torch.equal(idx[:, 0], idx[:, 1])
    with pytest.raises(ValueError, match="n_members"):
        uncertainty.bootstrap_indices(10, 0)


def test_student_t_width_and_pull_width():
    assert abs(uncertainty.student_t_width(7) - math.sqrt(7 / 5)) < 1e-12
    with pytest.raises(ValueError, match="dof"):
        uncertainty.student_t_width(2)
    g = torch.Generator().manual_seed(0)
    # t-distributed pulls: a unit Gaussian over a width from 8 samples has std √(7/5)
    z = torch.randn(200_000, generator=g)
    s = torch.randn(200_000, 8, generator=g).std(dim=1, correction=1)
    assert abs(float((z / s).std()) - uncertainty.student_t_width(7)) < 0.02
    # independent pulls: error 1/√(2n); correlated ones (a smoothed sequence) get a larger error
    w = uncertainty.pull_width(torch.randn(4, 500, generator=g))
    assert abs(w.value - 1) < 4 * w.error and abs(w.error - 1 / math.sqrt(4000)) < 0.005
    smooth = torch.nn.functional.avg_pool1d(
        torch.randn(4, 1, 520, generator=g), 21, stride=1
    ).squeeze(1)
    ws = uncertainty.pull_width(smooth / smooth.std())
    assert ws.error > 3 * w.error
    with pytest.raises(ValueError, match="finite"):
        uncertainty.pull_width(torch.tensor([1.0, float("nan"), 0.0, 2.0]))
    with pytest.raises(TypeError, match="pulls_"):
        uncertainty.pull_width([1.0, 2.0, 3.0, 4.0])


def test_error_propagation_fit_recovers_the_parameter_uncertainties():
    ring = toys.Ring()
    r = torch.linspace(2, 6, 41, dtype=torch.float64)
    d = ring.parameter_derivatives(r)

    # Finite differences of the Cartesian density in mu and sigma.
    def p(mu, sd):
        return torch.exp(-0.5 * ((r - mu) / sd) ** 2) / (
            math.sqrt(2 * math.pi) * sd * 2 * math.pi * r
        )

    h = 1e-6
    assert torch.allclose(d[:, 0], (p(4 + h, 1) - p(4 - h, 1)) / (2 * h), atol=1e-8)
    assert torch.allclose(d[:, 1], (p(4, 1 + h) - p(4, 1 - h)) / (2 * h), atol=1e-8)
    sigma = ((d**2) @ torch.tensor([0.03, 0.01], dtype=torch.float64) ** 2).sqrt()
    delta, fitted = uncertainty.fit_parameter_uncertainties(d, sigma)
    assert torch.allclose(
        delta, torch.tensor([0.03, 0.01], dtype=torch.float64), rtol=1e-6
    )
    assert torch.allclose(fitted, sigma)
    with pytest.raises(ValueError, match="derivatives"):
        uncertainty.fit_parameter_uncertainties(d, sigma[:3])


def test_binned_coverage_is_binomial_for_calibrated_errors_and_zero_for_a_zero_width():
    gen = torch.Generator().manual_seed(3)
    truth = torch.zeros(4000, dtype=torch.float64)
    mean = torch.randn(4000, generator=gen, dtype=torch.float64)
    sigma = torch.ones(4000, dtype=torch.float64)
    for z in (1.0, 2.0):
        cov = uncertainty.binned_coverage(truth, mean, sigma, z=z)
        assert cov.nominal == pytest.approx(math.erf(z / math.sqrt(2)))
        assert cov.binomial_std == pytest.approx(
            math.sqrt(cov.nominal * (1 - cov.nominal) / 4000)
        )
        assert abs(cov.fraction - cov.nominal) < 3 * cov.binomial_std
    # Broken uncertainties: a zero width covers nothing, a tenfold width covers everything, which
    # a 2σ coverage cannot tell from calibrated but a 1σ coverage can.
    zero = uncertainty.binned_coverage(truth, mean, torch.zeros_like(sigma))
    assert zero.fraction == 0.0 and zero.nominal - zero.fraction > 3 * zero.binomial_std
    wide1 = uncertainty.binned_coverage(truth, mean, 10 * sigma, z=1.0)
    assert (
        wide1.fraction == 1.0
        and wide1.fraction - wide1.nominal > 3 * wide1.binomial_std
    )
    with pytest.raises(ValueError, match="shape"):
        uncertainty.binned_coverage(truth, mean[:3], sigma)
    with pytest.raises(ValueError, match="z must"):
        uncertainty.binned_coverage(truth, mean, sigma, z=0.0)
    with pytest.raises(TypeError, match="sigma"):
        uncertainty.binned_coverage(truth, mean, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        uncertainty.binned_coverage(truth, mean * float("nan"), sigma)
