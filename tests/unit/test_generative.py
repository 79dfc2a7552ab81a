"""physml.flows.coupling, physml.flows.box_muller, physml.bayesian and physml.generative: the exact
identities of the generative chapters (Jacobians, inverses, the closed-form diffusion) and small
trainings that must reach the analytic answer."""

import math

import numpy as np
import pytest
import torch

from physml import bayesian, generative, uncertainty
from physml.flows import box_muller, coupling
from physml.generative import cfm, ddpm, gan, toys, vae


def test_box_muller_jacobian_is_2pi_over_u1_and_its_samples_are_standard_normal():
    g = torch.Generator().manual_seed(0)
    u = torch.rand(5, 2, generator=g, dtype=torch.float64) * 0.98 + 0.01
    z, logdet = box_muller.forward(u)
    for i in range(5):
        jac = torch.autograd.functional.jacobian(lambda v: box_muller.forward(v[None])[0][0], u[i])
        assert abs(torch.linalg.det(jac).abs().item() - 2 * math.pi / u[i, 0].item()) < 1e-10
    assert torch.allclose(logdet, torch.log(2 * math.pi / u[:, 0]), atol=1e-12)
    back, logdet_back = box_muller.inverse(z)
    assert torch.allclose(back, u, atol=1e-12) and torch.allclose(logdet_back, logdet, atol=1e-10)
    s = box_muller.sample(100_000, torch.Generator().manual_seed(1))
    assert s.mean(0).abs().max() < 0.01 and (s.var(0) - 1).abs().max() < 0.01
    assert abs(torch.cov(s.T)[0, 1].item()) < 0.01
    with pytest.raises(ValueError, match="u"):
        box_muller.forward(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape"):
        box_muller.forward(torch.rand(3, 3))


@pytest.mark.parametrize("bayes", [False, True])
def test_coupling_flow_inverse_and_log_determinant_against_autograd(bayes):
    torch.manual_seed(0)
    flow = coupling.CouplingFlow(2, 4, 16, bounds=(-1.0, 3.0), bayesian=bayes).double()
    # Leave the identity start: random last layers (means of the Bayesian ones, evaluated at the means).
    if bayes:
        for layer in bayesian.layers(flow):
            torch.nn.init.normal_(layer.weight_mu, std=0.5)
        bayesian.set_mode(flow, "mean")
    else:
        for block in flow.blocks:
            torch.nn.init.normal_(block.net[-1].weight, std=0.5)
    x = torch.rand(6, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3.8 - 0.9
    z, logdet = flow(x)
    back, logdet_back = flow.inverse(z)
    assert (back - x).abs().max() < 1e-5 and (logdet - logdet_back).abs().max() < 1e-5
    for i in range(6):
        jac = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], x[i])
        assert abs(torch.linalg.slogdet(jac)[1].item() - logdet[i].item()) < 1e-5
    with pytest.raises(ValueError, match="shape"):
        flow(torch.zeros(3, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="high"):
        coupling.CouplingFlow(2, 2, bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="mask"):
        coupling.DenseCoupling(torch.ones(2))


def test_flow_trained_on_a_correlated_gaussian_recovers_its_covariance():
    torch.manual_seed(0)
    cov = torch.tensor([[1.0, 0.8], [0.8, 2.0]])
    data = torch.distributions.MultivariateNormal(torch.zeros(2), cov).sample((4000,))
    flow = coupling.CouplingFlow(2, 4, 16)
    coupling.train(flow, data, steps=600, batch_size=256, lr=3e-3, progress=False)
    s = flow.sample(20000, torch.Generator().manual_seed(2)).detach()
    assert ((torch.cov(s.T) - cov).abs() / cov.diagonal().sqrt().outer(cov.diagonal().sqrt())).max() < 0.05


def test_bayesian_layer_modes_kl_and_draws():
    torch.manual_seed(0)
    layer = bayesian.BayesLinear(3, 2, prior_std=1.0, init_std=0.1)
    x = torch.randn(4, 3)
    assert not torch.equal(layer(x), layer(x))  # fresh weights per call while training
    layer.draw(torch.Generator().manual_seed(1))
    assert torch.equal(layer(x), layer(x))
    # KL of N(mu, s^2) to N(0, 1), summed over 8 parameters.
    mu = torch.cat((layer.weight_mu.flatten(), layer.bias_mu)).detach()
    s = 0.1
    expected = (-math.log(s) + (s**2 + mu**2) / 2 - 0.5).sum()
    assert abs(layer.kl().item() - expected.item()) < 1e-4
    net = torch.nn.Sequential(layer, torch.nn.Tanh(), bayesian.BayesLinear(2, 1))
    out = bayesian.predictive(net, lambda: net(x), 7, torch.Generator().manual_seed(2))
    assert out.shape == (7, 4, 1) and out.std(0).min() > 0 and layer.mode == "sample"
    assert bayesian.kl_divergence(torch.nn.Linear(2, 2)).item() == 0
    with pytest.raises(ValueError, match="mode"):
        bayesian.set_mode(net, "frozen")
    with pytest.raises(ValueError, match="BayesLinear"):
        bayesian.predictive(torch.nn.Linear(2, 2), lambda: x, 3)
    with pytest.raises(ValueError, match="prior_std"):
        bayesian.BayesLinear(2, 2, prior_std=0.0)


def test_ddpm_forward_process_reaches_the_normal_and_its_posterior_is_the_closed_form():
    model = ddpm.DDPM(ddpm.linear_betas(1000))
    g = torch.Generator().manual_seed(0)
    x0 = toys.Ramp().sample(200_000, g)
    xt = model.diffuse(x0, torch.full((len(x0),), 1000), torch.randn(x0.shape, generator=g))
    assert xt.mean(0).abs().max() < 0.02 and (xt.var(0) - 1).abs().max() < 0.02
    # One-step posterior q(x_{t-1} | x_t, x0) from sampling: x_{t-1} given x0, then x_t given x_{t-1},
    # keep the pairs whose x_t lands near a chosen value and compare with eq. 5.82 (corrected).
    t = 300
    x0 = torch.full((400_000, 1), 0.7)
    prev = model.diffuse(x0, torch.full((len(x0),), t - 1), torch.randn(x0.shape, generator=g))
    beta = model.betas[t - 1]
    xt = (1 - beta).sqrt() * prev + beta.sqrt() * torch.randn(x0.shape, generator=g)
    near = (xt[:, 0] - 0.3).abs() < 0.01
    mean, var = model.posterior(x0[near], torch.full_like(x0[near], 0.3), t)
    assert abs(prev[near].mean().item() - mean.mean().item()) < 0.01
    assert abs(prev[near].var().item() / var - 1) < 0.1
    with pytest.raises(ValueError, match="t must"):
        model.diffuse(x0[:2], torch.tensor([0, 1]), torch.zeros(2, 1))
    with pytest.raises(ValueError, match="beta"):
        ddpm.linear_betas(100, 0.1, 0.01)


def test_cfm_is_reversible_and_its_likelihood_matches_a_gaussian_mixture():
    torch.manual_seed(0)
    means = torch.tensor([[-1.5, 0.0], [1.5, 0.5]])
    mix = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(torch.tensor([0.4, 0.6])),
        torch.distributions.Independent(torch.distributions.Normal(means, 0.5 * torch.ones(2, 2)), 1))
    data = mix.sample((20000,))
    model = cfm.CFM(hidden=64, depth=3)
    generative.train(model, data, steps=2500, batch_size=512, lr=3e-3, progress=False)
    r = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    back = model.integrate(model.integrate(r, 1.0, 0.0, 50), 0.0, 1.0, 50)
    assert (back - r).abs().max() < 1e-3
    test = mix.sample((1000,))
    assert abs(model.log_prob(test, 30).mean().item() - mix.log_prob(test).mean().item()) < 0.05
    with pytest.raises(ValueError, match="x0"):
        model.log_prob(torch.zeros(3, 3))


def test_toys_are_normalised_and_sample_their_densities():
    g = torch.Generator().manual_seed(0)
    ramp, ring = toys.Ramp(), toys.Ring()
    x = ramp.sample(200_000, g)
    assert abs(x[:, 0].mean().item() - 2 / 3) < 0.003 and abs((x[:, 0] ** 2).mean().item() - 0.5) < 0.003
    grid = torch.linspace(-8.99, 8.99, 900, dtype=torch.float64)  # cell centres, none at the origin
    pts = torch.stack(torch.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    assert abs(ring.log_prob(pts).exp().sum().item() * (grid[1] - grid[0]).item() ** 2 - 1) < 1e-3
    y = ring.sample(200_000, g)
    assert abs(y.norm(dim=1).mean().item() - 4) < 0.01
    h = toys.histogram_density(x[:, 0], torch.linspace(0, 1, 11))
    assert torch.allclose(h, 2 * torch.linspace(0.05, 0.95, 10).double(), atol=0.03)
    with pytest.raises(ValueError, match="shape"):
        ring.log_prob(torch.zeros(3))
    with pytest.raises(ValueError, match="edges"):
        toys.histogram_density(x[:, 0], torch.tensor([1.0, 0.0]))


def test_gan_loss_at_the_optimal_discriminator_is_eq_5_23_and_the_vae_trains():
    x = np.linspace(-25, 25, 50001)
    p = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    q = np.exp(-0.5 * (x - 1.5) ** 2 / 4) / math.sqrt(8 * math.pi)
    loss, js = gan.discriminator_loss_at_optimum(p, q, x)
    assert abs(loss - (-2 * js + 2 * math.log(2))) < 1e-6 and 0 < js < math.log(2)
    assert abs(gan.discriminator_loss_at_optimum(p, p, x)[0] - gan.EQUILIBRIUM_LOSS_D) < 1e-6
    torch.manual_seed(0)
    model = vae.VAE(2, 2, 32)
    data = toys.Ramp().sample(4000, torch.Generator().manual_seed(1))
    hist = generative.train(model, data, steps=400, batch_size=256, lr=3e-3, progress=False)
    assert np.mean(hist.loss[-50:]) < np.mean(hist.loss[:50])
    recon, kl = model.terms(data[:100])
    assert (kl > 0).all()
    with pytest.raises(ValueError, match="beta_kl"):
        vae.VAE(beta_kl=-1.0)
    with pytest.raises(TypeError, match="loss"):
        generative.train(torch.nn.Linear(2, 2), data, steps=1, batch_size=1)


def test_error_propagation_fit_recovers_the_parameter_uncertainties():
    ring = toys.Ring()
    r = torch.linspace(2, 6, 41, dtype=torch.float64)
    d = ring.parameter_derivatives(r)
    # Finite differences of the Cartesian density in mu and sigma.
    def p(mu, sd):
        return torch.exp(-0.5 * ((r - mu) / sd) ** 2) / (math.sqrt(2 * math.pi) * sd * 2 * math.pi * r)
    h = 1e-6
    assert torch.allclose(d[:, 0], (p(4 + h, 1) - p(4 - h, 1)) / (2 * h), atol=1e-8)
    assert torch.allclose(d[:, 1], (p(4, 1 + h) - p(4, 1 - h)) / (2 * h), atol=1e-8)
    sigma = ((d**2) @ torch.tensor([0.03, 0.01], dtype=torch.float64) ** 2).sqrt()
    delta, fitted = uncertainty.fit_parameter_uncertainties(d, sigma)
    assert torch.allclose(delta, torch.tensor([0.03, 0.01], dtype=torch.float64), rtol=1e-6)
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
        assert cov.binomial_std == pytest.approx(math.sqrt(cov.nominal * (1 - cov.nominal) / 4000))
        assert abs(cov.fraction - cov.nominal) < 3 * cov.binomial_std
    # Broken uncertainties: a zero width covers nothing, a tenfold width covers everything, which
    # a 2σ coverage cannot tell from calibrated but a 1σ coverage can.
    zero = uncertainty.binned_coverage(truth, mean, torch.zeros_like(sigma))
    assert zero.fraction == 0.0 and zero.nominal - zero.fraction > 3 * zero.binomial_std
    wide1 = uncertainty.binned_coverage(truth, mean, 10 * sigma, z=1.0)
    assert wide1.fraction == 1.0 and wide1.fraction - wide1.nominal > 3 * wide1.binomial_std
    with pytest.raises(ValueError, match="shape"):
        uncertainty.binned_coverage(truth, mean[:3], sigma)
    with pytest.raises(ValueError, match="z must"):
        uncertainty.binned_coverage(truth, mean, sigma, z=0.0)
    with pytest.raises(TypeError, match="sigma"):
        uncertainty.binned_coverage(truth, mean, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        uncertainty.binned_coverage(truth, mean * float("nan"), sigma)


def test_gan_gradient_penalty_is_optional_checked_and_not_in_the_recorded_loss():
    data = 1.0 + 0.5 * torch.randn(512, 1, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    plain = gan.GAN(dim=1, latent=1, hidden=8)
    torch.manual_seed(0)
    penalised = gan.GAN(dim=1, latent=1, hidden=8)
    h0 = gan.train(plain, data, steps=1, batch_size=64, generator=torch.Generator().manual_seed(1), progress=False)
    h1 = gan.train(penalised, data, steps=1, batch_size=64, r1=10.0, generator=torch.Generator().manual_seed(1),
                   progress=False)
    # Same initial networks and batch: the recorded first-step L_D is the cross-entropy alone ...
    assert h1["loss_d"][0] == pytest.approx(h0["loss_d"][0])
    # ... while the penalty changed the discriminator's update.
    changed = [not torch.equal(a, b) for a, b in zip(plain.discriminator.parameters(),
                                                       penalised.discriminator.parameters())]
    assert any(changed)
    for bad in (-1.0, float("nan"), True):
        with pytest.raises(ValueError, match="r1"):
            gan.train(plain, data, steps=1, batch_size=8, r1=bad, progress=False)
