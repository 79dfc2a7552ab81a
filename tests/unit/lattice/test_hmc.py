"""physml.lattice.hmc: leapfrog reversibility and Creutz's identity <exp(-ΔH)> = 1."""

import math

import pytest
import torch

from physml.lattice import hmc, phi4


def test_leapfrog_is_reversible():
    phi = torch.randn(2, 4, 4, dtype=torch.float64)
    pi = torch.randn_like(phi)
    k, lam = (
        torch.full((2, 1, 1), 0.27, dtype=torch.float64),
        torch.full((2, 1, 1), 0.02, dtype=torch.float64),
    )
    f = lambda p: phi4.force(p, k, lam)  # noqa: E731
    p1, m1 = hmc.leapfrog(phi, pi, f, 0.1, 10)
    p0, m0 = hmc.leapfrog(p1, -m1, f, 0.1, 10)
    assert torch.allclose(p0, phi, atol=1e-10) and torch.allclose(-m0, pi, atol=1e-10)


@pytest.mark.parametrize(
    "call, word",
    [
        (
            lambda: hmc.hmc_step(
                torch.zeros(2, 3), lambda p: p.sum(1), step_size=0.0, n_steps=3
            ),
            "step_size",
        ),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


CPU = torch.device("cpu")


def test_hmc_conserves_exp_minus_delta_h_and_is_reversible():
    """<exp(-ΔH)> = 1 for an exact, area-preserving, reversible integrator (Creutz's identity)."""
    chains = phi4.Phi4Chains(
        6,
        0.2685,
        0.5,
        512,
        step_size=1 / 5,
        n_steps=5,
        seed=3,
        device=CPU,
        dtype=torch.float64,
    )
    chains.trajectory(20)
    values = []
    for _ in range(10):
        step = hmc.hmc_step(
            chains.phi,
            chains.action,
            chains.force,
            step_size=0.2,
            n_steps=5,
            generator=chains.generator,
        )
        chains.phi = step.phi
        values.append(torch.exp(-step.delta_h))
    w = torch.stack(values).mean(dim=0)  # per chain, then spread over chains
    mean, err = w.mean().item(), w.std().item() / math.sqrt(w.numel())
    assert abs(mean - 1) < 4 * err and err < 0.02
    # Reversibility in float64: forward, flip momenta, forward again.
    pi = torch.randn(chains.phi.shape, generator=chains.generator, dtype=torch.float64)
    phi1, pi1 = hmc.leapfrog(chains.phi, pi, chains.force, 0.2, 5)
    phi0, pi0 = hmc.leapfrog(phi1, -pi1, chains.force, 0.2, 5)
    assert torch.allclose(phi0, chains.phi, atol=1e-10) and torch.allclose(
        -pi0, pi, atol=1e-10
    )
