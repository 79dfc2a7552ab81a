"""physml.generative.toys: the toy densities are normalised, sample themselves and are -inf outside
their support."""

import math

import numpy as np
import pytest
import torch

from physml.generative import gan, toys


def test_toy_densities_outside_their_support():
    ramp = toys.Ramp()
    x = torch.tensor([[0.5, 0.5], [0.0, 0.5], [-0.1, 0.5], [0.5, 1.01]])
    logp = ramp.log_prob(x)
    assert logp[0].item() == pytest.approx(0.0, abs=1e-6)  # log(2 * 0.5)
    assert torch.all(
        logp[1:] == -math.inf
    )  # p = 2x is 0 on the edge x = 0 and outside the square
    assert ramp.marginal(torch.tensor([-0.5, 0.25, 1.5])).tolist() == [0.0, 0.5, 0.0]
    # the ring's support is the whole plane: finite far out, where the radial Gaussian is tiny
    ring = toys.Ring()
    assert torch.isfinite(ring.log_prob(torch.tensor([[7.0, 0.0], [0.0, -0.5]]))).all()
    # the discriminator's optimum on two densities with disjoint supports: JS = log 2, L_D = 0
    grid = np.linspace(0.0, 3.0, 301)
    p, q = (grid < 1).astype(float), ((grid > 2) & (grid <= 3)).astype(float)
    loss, js = gan.discriminator_loss_at_optimum(p, q, grid)
    assert loss == pytest.approx(0.0, abs=1e-12) and js == pytest.approx(
        math.log(2) * 0.99, rel=0.02
    )


def test_toys_are_normalised_and_sample_their_densities():
    g = torch.Generator().manual_seed(0)
    ramp, ring = toys.Ramp(), toys.Ring()
    x = ramp.sample(200_000, g)
    assert (
        abs(x[:, 0].mean().item() - 2 / 3) < 0.003
        and abs((x[:, 0] ** 2).mean().item() - 0.5) < 0.003
    )
    grid = torch.linspace(
        -8.99, 8.99, 900, dtype=torch.float64
    )  # cell centres, none at the origin
    pts = torch.stack(torch.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    assert (
        abs(ring.log_prob(pts).exp().sum().item() * (grid[1] - grid[0]).item() ** 2 - 1)
        < 1e-3
    )
    y = ring.sample(200_000, g)
    assert abs(y.norm(dim=1).mean().item() - 4) < 0.01
    h = toys.histogram_density(x[:, 0], torch.linspace(0, 1, 11))
    assert torch.allclose(h, 2 * torch.linspace(0.05, 0.95, 10).double(), atol=0.03)
    with pytest.raises(ValueError, match="shape"):
        ring.log_prob(torch.zeros(3))
    with pytest.raises(ValueError, match="edges"):
        toys.histogram_density(x[:, 0], torch.tensor([1.0, 0.0]))
