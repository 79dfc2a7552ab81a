import math

import pytest
import torch

from physml import uncertainty
from physml.fits import likelihood, regression, toys


def test_losses_closed_forms():
    p, t = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 4.0])
    assert likelihood.mse(p, t).item() == pytest.approx(2.5)
    assert likelihood.chi2(p, t, torch.tensor([1.0, 2.0])).item() == pytest.approx((0.5 + 0.5) / 2)
    nll = likelihood.gaussian_nll(p, torch.log(torch.tensor([1.0, 2.0])), t)
    assert nll.item() == pytest.approx((0.5 + (0.5 + math.log(2))) / 2)


def test_gaussian_nll_minimised_at_true_width():
    g = torch.Generator().manual_seed(0)
    y = 0.3 * torch.randn(100_000, generator=g)
    widths = torch.linspace(0.1, 0.6, 51)
    losses = [likelihood.gaussian_nll(torch.zeros_like(y), torch.full_like(y, math.log(w)), y) for w in widths]
    assert widths[int(torch.stack(losses).argmin())].item() == pytest.approx(0.3, abs=0.011)


def test_loss_bad_input():
    with pytest.raises(ValueError, match="target has shape"):
        likelihood.mse(torch.zeros(3), torch.zeros(4))
    with pytest.raises(TypeError, match="floating-point"):
        likelihood.mse(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="sigma must be > 0"):
        likelihood.chi2(torch.zeros(2), torch.zeros(2), torch.tensor([1.0, 0.0]))


def test_decompose_sums_variances():
    means = torch.tensor([[1.0, 2.0], [3.0, 2.0]])
    sigmas = torch.tensor([[1.0, 2.0], [1.0, 2.0]])
    split = uncertainty.decompose(means, sigmas)
    assert torch.allclose(split.mean, torch.tensor([2.0, 2.0]))
    assert torch.allclose(split.sigma_pred, torch.tensor([math.sqrt(2), 0.0]))
    assert torch.allclose(split.sigma_tot**2, split.sigma_stoch**2 + split.sigma_pred**2)
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
    assert abs(uncertainty.coverage(truth, torch.zeros_like(truth), sigma) - 0.6827) < 0.005
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


def test_preprocessing_inverts():
    y = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)
    for log in (False, True):
        pre = regression.Preprocessing.fit(y, log=log)
        assert torch.allclose(pre.inverse(pre.forward(y)), y)
    with pytest.raises(ValueError, match="y > 0"):
        regression.Preprocessing.fit(torch.tensor([1.0, -1.0]), log=True)


def test_toys():
    g = torch.Generator().manual_seed(0)
    x, y, s = toys.sample_spectrum(50_000, 0.05, g)
    pulls = (y - toys.spectrum(x)) / s
    assert abs(pulls.std().item() - 1) < 0.02 and torch.all(s > 0)
    assert toys.spectrum(torch.tensor([0.0])).item() == pytest.approx(1000 + 50 * 0.03**2 / (0.36 + 0.03**2))
    x, y = toys.sample_heteroscedastic(50_000, g)
    assert abs(((y - toys.smooth_truth(x)) / toys.noise_width(x)).std().item() - 1) < 0.02
    with pytest.raises(ValueError, match="n must"):
        toys.sample_spectrum(0)
    with pytest.raises(ValueError, match="rel_error"):
        toys.sample_spectrum(5, rel_error=2)
    with pytest.raises(TypeError, match="x must"):
        toys.spectrum([0.1])


def test_fit_curve_recovers_smooth_function():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(512, generator=g)
    y = torch.sin(3 * x) + 2
    predict = regression.fit_curve(x, y, loss="mse_log", steps=600, batch_size=128, generator=g)
    xs = torch.linspace(0.05, 0.95, 20)
    assert (predict(xs) - (torch.sin(3 * xs) + 2)).abs().max() < 0.05
    with pytest.raises(ValueError, match="needs sigma"):
        regression.fit_curve(x, y, loss="chi2", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="loss must"):
        regression.fit_curve(x, y, loss="mae", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="one-dimensional"):
        regression.fit_curve(x[:, None], y, loss="mse", steps=1, batch_size=4)


def test_heteroscedastic_ensemble_learns_width():
    g = torch.Generator().manual_seed(0)
    x, y = toys.sample_heteroscedastic(4_000, g)
    ens = regression.fit_heteroscedastic_ensemble(x, y, n_members=4, steps=800, batch_size=256, generator=g)
    grid = torch.linspace(-0.9, 0.9, 19)
    split = regression.predict_ensemble(ens, grid)
    assert (split.sigma_stoch / toys.noise_width(grid) - 1).abs().median() < 0.25
    assert torch.all(split.sigma_pred > 0)


def test_fits_reject_mismatched_lengths():
    x, y = torch.rand(10), torch.rand(9)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_curve(x, y, loss="mse", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_heteroscedastic_ensemble(x, y, n_members=2, steps=1, batch_size=4)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_mc_dropout(x, y, dropout=0.1, steps=1, batch_size=4)


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
    smooth = torch.nn.functional.avg_pool1d(torch.randn(4, 1, 520, generator=g), 21, stride=1).squeeze(1)
    ws = uncertainty.pull_width(smooth / smooth.std())
    assert ws.error > 3 * w.error
    with pytest.raises(ValueError, match="finite"):
        uncertainty.pull_width(torch.tensor([1.0, float("nan"), 0.0, 2.0]))
    with pytest.raises(TypeError, match="pulls_"):
        uncertainty.pull_width([1.0, 2.0, 3.0, 4.0])


def test_predict_members_matches_the_ensemble_split():
    from physml.nn import EnsembleMLP

    torch.manual_seed(0)
    net = EnsembleMLP(5, 1, 2, hidden=8)
    x = torch.linspace(-1, 1, 7)
    means, sigmas = regression.predict_members(net, x)
    assert means.shape == sigmas.shape == (5, 7) and torch.all(sigmas > 0)
    split = regression.predict_ensemble(net, x)
    assert torch.allclose(split.mean, means.mean(0)) and torch.allclose(split.sigma_pred, means.std(0))
    with pytest.raises(TypeError, match="EnsembleMLP"):
        regression.predict_members(torch.nn.Linear(1, 2), x)
