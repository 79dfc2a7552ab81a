"""physml.bayesian: the Bayesian layer's modes, KL and draws."""

import math

import pytest
import torch

from physml import bayesian


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
