"""Densities are -inf outside their support; inputs outside a function's domain are refused."""

import math

import pytest
import torch

from physml.flows.coupling import BoxLogit, CouplingFlow
from physml.generative import toys
from physml.lattice import ising


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


def test_ising_spins_must_be_plus_or_minus_one():
    good = torch.ones(2, 4, 4)
    assert ising.magnetization(good).tolist() == [1.0, 1.0]
    bad = good.clone()
    bad[0, 1, 1] = 0.5
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        ising.magnetization(bad)
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        ising.energy(torch.zeros(1, 4, 4))
