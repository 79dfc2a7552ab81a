"""physml.flows.box_muller: the Jacobian is 2π/u1 and the samples are standard normal."""

import math

import pytest
import torch

from physml.flows import box_muller


def test_box_muller_jacobian_is_2pi_over_u1_and_its_samples_are_standard_normal():
    g = torch.Generator().manual_seed(0)
    u = torch.rand(5, 2, generator=g, dtype=torch.float64) * 0.98 + 0.01
    z, logdet = box_muller.forward(u)
    for i in range(5):
        jac = torch.autograd.functional.jacobian(
            lambda v: box_muller.forward(v[None])[0][0], u[i]
        )
        assert (
            abs(torch.linalg.det(jac).abs().item() - 2 * math.pi / u[i, 0].item())
            < 1e-10
        )
    assert torch.allclose(logdet, torch.log(2 * math.pi / u[:, 0]), atol=1e-12)
    back, logdet_back = box_muller.inverse(z)
    assert torch.allclose(back, u, atol=1e-12) and torch.allclose(
        logdet_back, logdet, atol=1e-10
    )
    s = box_muller.sample(100_000, torch.Generator().manual_seed(1))
    assert s.mean(0).abs().max() < 0.01 and (s.var(0) - 1).abs().max() < 0.01
    assert abs(torch.cov(s.T)[0, 1].item()) < 0.01
    with pytest.raises(ValueError, match="u"):
        box_muller.forward(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape"):
        box_muller.forward(torch.rand(3, 3))
