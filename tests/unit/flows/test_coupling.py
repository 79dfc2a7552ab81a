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
    x = (
        torch.rand(
            6, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64
        )
        * 3.8
        - 0.9
    )
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
    assert (
        (torch.cov(s.T) - cov).abs()
        / cov.diagonal().sqrt().outer(cov.diagonal().sqrt())
    ).max() < 0.05


def test_bounded_flow_is_zero_outside_its_box():
    torch.manual_seed(0)
    flow = CouplingFlow(dim=2, n_blocks=2, hidden=8, bounds=(0.0, 1.0))
    x = torch.tensor([[0.5, 0.5], [1.2, 0.5], [0.5, -0.2], [2.0, 3.0], [0.0, 1.0]])
    logp = flow.log_prob(x)
    assert torch.isfinite(logp[0]) and torch.isfinite(
        logp[4]
    )  # inside, and on the closed edge
    assert torch.all(logp[1:4] == -math.inf)
    ramp = toys.Ramp()
    assert torch.all(ramp.log_prob(x[1:4]) == -math.inf)  # the toy agrees
    _, ld = BoxLogit(-1.0, 1.0)(torch.tensor([[0.0, 1.5]]))
    assert ld.item() == -math.inf


# ---- 2. BoxLogit at the edges ------------------------------------------------------------------


@pytest.mark.parametrize("edge", ["low", "high"])
def test_box_logit_round_trips_near_the_edges_in_float64(edge):
    box = BoxLogit(-1.0, 2.0)
    d = torch.tensor([1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12], dtype=torch.float64)
    x0 = -1.0 + 3.0 * d if edge == "low" else 2.0 - 3.0 * d
    x = torch.stack([x0, torch.full_like(x0, 0.5)], dim=1)
    u, logdet = box(x)
    back, logdet_back = box.inverse(u)
    assert torch.isfinite(u).all() and torch.isfinite(logdet).all()
    # Invertible to float resolution: within 2 ulp of x (|x| <= 2: ulp 2 eps).
    assert ((back - x).abs() <= 4 * torch.finfo(torch.float64).eps).all()
    assert torch.allclose(logdet, logdet_back, rtol=1e-9)
    # One-to-one: distinct points have distinct, ordered images (the 1e-7 clamp merged them all).
    assert (u[:, 0].diff() < 0).all() if edge == "low" else (u[:, 0].diff() > 0).all()
    # The exact logit of the represented x, log(x - low) - log(high - x) (both differences exact):
    # s = (x - low)/3 carries an absolute rounding of ~eps/2, i.e. a relative eps/(2 d) in 1 - s.
    expect = torch.log(x0 + 1.0) - torch.log(2.0 - x0)
    assert ((u[:, 0] - expect).abs() <= 2 * torch.finfo(torch.float64).eps / d).all()


def test_box_logit_float32_resolution_is_half_eps():
    box = BoxLogit(0.0, 1.0)
    half_eps = (
        torch.finfo(torch.float32).eps / 2
    )  # 5.96e-8: the float32 spacing just below 1
    x = torch.tensor(
        [
            [1e-6, 0.5],
            [1e-7, 0.5],
            [1e-9, 0.5],
            [0.0, 0.5],
            [1 - 1e-6, 0.5],
            [1 - 1.2e-7, 0.5],
            [1.0, 0.5],
        ],
        dtype=torch.float32,
    )
    u, _ = box(x)
    back, _ = box.inverse(u)
    cap = math.log((1 - half_eps) / half_eps)  # 16.64
    assert u[:, 0].abs().max() == pytest.approx(cap, rel=1e-6)
    # Resolved: 1e-6 and 1e-7 from the lower edge, 1e-6 and 1.2e-7 from the upper (float32 steps).
    for i in (0, 1, 4, 5):
        assert abs(float(back[i, 0]) - float(x[i, 0])) <= 2 * torch.finfo(
            torch.float32
        ).eps * max(float(x[i, 0]), 1e-3)
    # Closer than eps/2 to the lower edge (1e-9, and the edge itself): clamped to s = eps/2.
    assert float(u[2, 0]) == float(u[3, 0]) == pytest.approx(-cap, rel=1e-6)
    assert float(u[6, 0]) == pytest.approx(cap, rel=1e-6)


def test_box_logit_is_minus_inf_outside_the_box():
    box = BoxLogit(0.0, 1.0)
    for dtype in (torch.float64, torch.float32):
        x = torch.tensor(
            [[1.0 + 1e-6, 0.5], [-1e-6, 0.5], [0.5, 1.5], [0.5, -0.2]], dtype=dtype
        )
        _, logdet = box(x)
        assert torch.isneginf(logdet).all()
    tiny = torch.tensor([[1.0 + 1e-12, 0.5], [-1e-12, 0.5]], dtype=torch.float64)
    assert torch.isneginf(box(tiny)[1]).all()
