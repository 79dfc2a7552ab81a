"""physml.generative.cfm: the CFM flow is reversible and its likelihood matches a Gaussian mixture."""

import pytest
import torch

from physml import generative
from physml.generative import cfm


def test_cfm_is_reversible_and_its_likelihood_matches_a_gaussian_mixture():
    torch.manual_seed(0)
    means = torch.tensor([[-1.5, 0.0], [1.5, 0.5]])
    mix = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(torch.tensor([0.4, 0.6])),
        torch.distributions.Independent(
            torch.distributions.Normal(means, 0.5 * torch.ones(2, 2)), 1
        ),
    )
    data = mix.sample((20000,))
    model = cfm.CFM(hidden=64, depth=3)
    generative.train(model, data, steps=2500, batch_size=512, lr=3e-3, progress=False)
    r = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    back = model.integrate(model.integrate(r, 1.0, 0.0, 50), 0.0, 1.0, 50)
    assert (back - r).abs().max() < 1e-3
    test = mix.sample((1000,))
    assert (
        abs(model.log_prob(test, 30).mean().item() - mix.log_prob(test).mean().item())
        < 0.05
    )
    with pytest.raises(ValueError, match="x0"):
        model.log_prob(torch.zeros(3, 3))
