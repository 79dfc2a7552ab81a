"""physml.generative.ddpm: the forward process reaches the normal; the posterior is the closed form."""

import pytest
import torch

from physml.generative import ddpm, toys


def test_ddpm_forward_process_reaches_the_normal_and_its_posterior_is_the_closed_form():
    model = ddpm.DDPM(ddpm.linear_betas(1000))
    g = torch.Generator().manual_seed(0)
    x0 = toys.Ramp().sample(200_000, g)
    xt = model.diffuse(
        x0, torch.full((len(x0),), 1000), torch.randn(x0.shape, generator=g)
    )
    assert xt.mean(0).abs().max() < 0.02 and (xt.var(0) - 1).abs().max() < 0.02
    # One-step posterior q(x_{t-1} | x_t, x0) from sampling: x_{t-1} given x0, then x_t given x_{t-1},
    # keep the pairs whose x_t lands near a chosen value and compare with eq. 5.82 (corrected).
    t = 300
    x0 = torch.full((400_000, 1), 0.7)
    prev = model.diffuse(
        x0, torch.full((len(x0),), t - 1), torch.randn(x0.shape, generator=g)
    )
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
