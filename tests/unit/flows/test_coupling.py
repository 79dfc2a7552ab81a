"""physml.flows.coupling: inverse and log-determinant against autograd, a trained flow recovers a
covariance, a bounded flow has zero density outside its box."""

import math

import pytest
import torch

from physml import bayesian
from physml.flows import coupling
from physml.flows.coupling import BoxLogit, CouplingFlow
from physml.generative import toys


@pytest.mark.parametrize("bayes", [False, True])
def test_coupling_flow_inverse_and_log_determinant_against_autograd(bayes):
    torch.manual_seed(0)
    linear = bayesian.bayes_linear() if bayes else torch.nn.Linear
    flow = coupling.CouplingFlow(2, 4, 16, bounds=(-1.0, 3.0), linear=linear).double()
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


def test_bounded_flow_is_zero_outside_its_box():
    torch.manual_seed(0)
    flow = CouplingFlow(dim=2, n_blocks=2, hidden=8, bounds=(0.0, 1.0))
    x = torch.tensor([[0.5, 0.5], [1.2, 0.5], [0.5, -0.2], [2.0, 3.0], [0.0, 1.0]])
    logp = flow.log_prob(x)
    assert torch.isfinite(logp[0]) and torch.isfinite(logp[4])  # inside, and on the closed edge
    assert torch.all(logp[1:4] == -math.inf)
    ramp = toys.Ramp()
    assert torch.all(ramp.log_prob(x[1:4]) == -math.inf)  # the toy agrees
    _, ld = BoxLogit(-1.0, 1.0)(torch.tensor([[0.0, 1.5]]))
    assert ld.item() == -math.inf
