"""physml.lattice.phi4: the φ⁴ action and force (eq. 8.1 and eq. 3.11), the free propagator, and bad
input."""

import math

import numpy as np
import pytest
import torch

from physml.lattice import hmc, phi4


def _eq_8_1(phi, beta, lam):
    """Eq. 8.1 written out literally, with rolls."""
    hop = phi * (phi.roll(-1, -1) + phi.roll(-1, -2))
    return (-beta * hop + phi**2 + lam * (phi**2 - 1) ** 2).sum(dim=(-2, -1))


def test_chapter_8_action_is_eq_3_11_at_kappa_beta_over_2_plus_a_constant():
    g = torch.Generator().manual_seed(1)
    phi = torch.randn(4, 6, 6, generator=g, dtype=torch.float64)
    beta, lam = 0.537, 0.5
    diff = _eq_8_1(phi, beta, lam) - phi4.action(phi, phi4.kappa_from_beta(beta), lam)
    assert torch.allclose(diff, torch.full_like(diff, lam * 36), atol=1e-12)


def test_neighbour_sum_and_force_against_rolls_and_autograd():
    g = torch.Generator().manual_seed(2)
    phi = torch.randn(3, 5, 7, generator=g, dtype=torch.float64)
    rolls = phi.roll(1, -1) + phi.roll(-1, -1) + phi.roll(1, -2) + phi.roll(-1, -2)
    assert torch.allclose(phi4.neighbour_sum(phi), rolls, atol=1e-14)
    kappa = torch.full((3, 1, 1), 0.3, dtype=torch.float64)
    lam = torch.full((3, 1, 1), 0.5, dtype=torch.float64)
    by_autograd = hmc.autograd_force(lambda x: phi4.action(x, kappa, lam))(phi)
    assert torch.allclose(phi4.force(phi, kappa, lam), by_autograd, atol=1e-12)


CPU = torch.device("cpu")


def test_free_field_propagator_from_hmc():
    """At λ = 0 the HMC two-point function matches the exact Gaussian propagator (pull test)."""
    L, kappa, n_chains = 6, 0.2, 256
    chains = phi4.Phi4Chains(
        L, kappa, 0.0, n_chains, step_size=0.2, n_steps=5, seed=3, device=CPU
    )
    chains.trajectory(30)
    g = []
    for _ in range(80):
        chains.trajectory(1)
        p = chains.phi
        # translation average of φ_x φ_{x+r} for r = (0,0), (1,0), (2,0), (3,3)
        g.append(
            torch.stack(
                [
                    (p * p.roll((-a, -b), (1, 2))).mean(dim=(1, 2))
                    for a, b in ((0, 0), (1, 0), (2, 0), (3, 3))
                ],
                dim=-1,
            )
        )
    g = torch.stack(g)  # (meas, chains, 4)
    exact = phi4.free_propagator(L, kappa)
    want = [exact[0, 0], exact[1, 0], exact[2, 0], exact[3, 3]]
    chain_means = g.mean(0).double().numpy()
    mean = chain_means.mean(0)
    err = chain_means.std(0, ddof=1) / math.sqrt(n_chains)
    pulls = (mean - np.array([float(w) for w in want])) / err
    assert np.all(np.abs(pulls) < 4.0), pulls
    assert chains.acceptance.mean() > 0.8


def test_free_propagator_is_the_inverse_of_the_quadratic_form():
    L, kappa = 4, 0.15
    n = L * L
    K = torch.zeros(n, n, dtype=torch.float64)
    for x in range(L):
        for y in range(L):
            i = x * L + y
            K[i, i] = 2.0
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                K[i, ((x + dx) % L) * L + (y + dy) % L] -= 2 * kappa
    G = torch.linalg.inv(K)[0].view(L, L)
    assert torch.allclose(phi4.free_propagator(L, kappa), G, atol=1e-12)


def test_force_is_the_gradient_of_the_action():
    phi = torch.randn(3, 5, 5, dtype=torch.float64)
    k = torch.tensor([0.2, 0.25, 0.3], dtype=torch.float64).view(-1, 1, 1)
    lam = torch.full((3, 1, 1), 0.02, dtype=torch.float64)
    auto = hmc.autograd_force(lambda p: phi4.action(p, k, lam))(phi)
    assert torch.allclose(phi4.force(phi, k, lam), auto, atol=1e-10)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: phi4.Phi4Chains(1, 0.2, 0.0, device=CPU), "L"),
        (lambda: phi4.Phi4Chains(4, 0.2, -0.1, device=CPU), "lam"),
        (
            lambda: phi4.action(torch.ones(2, 4, 4, dtype=torch.long), 0.2, 0.0),
            "floating-point",
        ),
        (lambda: phi4.free_propagator(4, 0.3), "kappa < 1/4"),
        (lambda: phi4.kappa_from_beta(0), "beta"),
        (lambda: phi4.Phi4Chains(4, 0.2, 0.5, dtype=torch.int32), "dtype"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
