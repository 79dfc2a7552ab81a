"""physml.lattice: exactness of the samplers against enumeration and the free field, and bad input."""

import math

import numpy as np
import pytest
import torch

from physml.lattice import hmc, ising, observables, phi4

CPU = torch.device("cpu")


def test_split_join_and_neighbour_sums_match_the_full_lattice():
    s = torch.randint(0, 2, (5, 6, 6)).float() * 2 - 1
    black, white = ising.split(s)
    assert torch.equal(ising.join(black, white), s)
    full = s.roll(1, 1) + s.roll(-1, 1) + s.roll(1, 2) + s.roll(-1, 2)
    hb, hw = ising.split(full)
    assert torch.equal(ising._neighbour_sum(white, torch.empty_like(black), True), hb)
    assert torch.equal(ising._neighbour_sum(black, torch.empty_like(black), False), hw)
    chains = ising.IsingChains(6, 2.0, 5, device=CPU)
    chains.spins = s
    assert torch.allclose(chains.energy(), ising.energy(s))
    assert torch.allclose(chains.magnetization(), ising.magnetization(s))


def test_ground_state_energy_and_onsager_temperature():
    s = torch.ones(1, 8, 8)
    assert ising.energy(s).item() == -2.0
    assert ising.T_C == pytest.approx(2.269185, abs=1e-6)


def _pulls(sample_e, sample_m, exact, L):
    est = observables.estimates(sample_m, L * L, e=sample_e)
    return [(est["e"].value - exact["e"]) / est["e"].error,
            (est["abs_m"].value - exact["abs_m"]) / est["abs_m"].error]


@pytest.mark.parametrize("update", ["metropolis", "wolff"])
def test_ising_4x4_agrees_with_exact_enumeration(update):
    """<e> and <|m|> at three temperatures within 4 sigma of the exact values (pull test)."""
    L, n_chains, n_meas = 4, 128, 150
    temps = [1.5, 2.3, 3.5]
    exact = ising.exact_moments(L, temps)
    chains = ising.IsingChains(L, torch.tensor(temps).repeat_interleave(n_chains), 3 * n_chains,
                               seed=11, device=CPU)
    step = chains.sweep if update == "metropolis" else chains.wolff
    step(50)
    m, e = [], []
    for _ in range(n_meas):
        step(1)
        m.append(chains.magnetization().view(3, n_chains))
        e.append(chains.energy().view(3, n_chains))
    m, e = torch.stack(m), torch.stack(e)
    pulls = []
    for k in range(3):
        pulls += _pulls(e[:, k], m[:, k], {q: float(v[k]) for q, v in exact.items()}, L)
    assert max(abs(p) for p in pulls) < 4.0, pulls
    assert np.mean(np.square(pulls)) < 4.0  # errors are not wildly overestimated either ...
    assert np.mean(np.square(pulls)) > 0.05  # ... nor do the values sit suspiciously on the truth


def test_exact_moments_limits():
    ex = ising.exact_moments(2, [0.05, 1e4])
    assert float(ex["abs_m"][0]) == pytest.approx(1.0, abs=1e-6)
    assert float(ex["e"][0]) == pytest.approx(-2.0, abs=1e-6)
    assert abs(float(ex["e"][1])) < 1e-3


def test_free_field_propagator_from_hmc():
    """At λ = 0 the HMC two-point function matches the exact Gaussian propagator (pull test)."""
    L, kappa, n_chains = 6, 0.2, 256
    chains = phi4.Phi4Chains(L, kappa, 0.0, n_chains, step_size=0.2, n_steps=5, seed=3, device=CPU)
    chains.trajectory(30)
    g = []
    for _ in range(80):
        chains.trajectory(1)
        p = chains.phi
        # translation average of φ_x φ_{x+r} for r = (0,0), (1,0), (2,0), (3,3)
        g.append(torch.stack([(p * p.roll((-a, -b), (1, 2))).mean(dim=(1, 2))
                              for a, b in ((0, 0), (1, 0), (2, 0), (3, 3))], dim=-1))
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


def test_leapfrog_is_reversible():
    phi = torch.randn(2, 4, 4, dtype=torch.float64)
    pi = torch.randn_like(phi)
    k, lam = torch.full((2, 1, 1), 0.27, dtype=torch.float64), torch.full((2, 1, 1), 0.02, dtype=torch.float64)
    f = lambda p: phi4.force(p, k, lam)  # noqa: E731
    p1, m1 = hmc.leapfrog(phi, pi, f, 0.1, 10)
    p0, m0 = hmc.leapfrog(p1, -m1, f, 0.1, 10)
    assert torch.allclose(p0, phi, atol=1e-10) and torch.allclose(-m0, pi, atol=1e-10)


def test_estimates_and_curve_helpers():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(200, 16))
    est = observables.estimates(m, volume=10, beta=0.5)
    assert est["chi"].value == pytest.approx(0.5 * 10 * (np.mean(m**2) - np.mean(np.abs(m)) ** 2), rel=0.02)
    assert est["binder"].value == pytest.approx(0.0, abs=0.05)  # Gaussian: U = 0
    x = np.linspace(0, 1, 11)
    assert observables.peak(x, -(x - 0.43) ** 2) == pytest.approx(0.43, abs=1e-9)
    assert observables.crossing(x, x, 0.37) == pytest.approx(0.37)
    assert math.isnan(observables.crossing(x, x + 5, 0.5))


@pytest.mark.parametrize("call, word", [
    (lambda: ising.IsingChains(1, 2.0, device=CPU), "L"),
    (lambda: ising.IsingChains(5, 2.0, device=CPU), "even"),
    (lambda: ising.IsingChains(4, 0.0, device=CPU), "temperature"),
    (lambda: ising.IsingChains(4, -1.0, 2, device=CPU), "temperature"),
    (lambda: ising.IsingChains(4, [1.0, 2.0], 3, device=CPU), "temperature"),
    (lambda: ising.IsingChains(4, 2.0, 0, device=CPU), "n_chains"),
    (lambda: ising.magnetization(torch.ones(2, 3, 3, dtype=torch.bool)), "dtype"),
    (lambda: ising.energy([[1, -1]]), "spins"),
    (lambda: ising.exact_moments(5, [1.0]), "L <= 4"),
    (lambda: phi4.Phi4Chains(1, 0.2, 0.0, device=CPU), "L"),
    (lambda: phi4.Phi4Chains(4, 0.2, -0.1, device=CPU), "lam"),
    (lambda: phi4.action(torch.ones(2, 4, 4, dtype=torch.long), 0.2, 0.0), "floating-point"),
    (lambda: phi4.free_propagator(4, 0.3), "kappa < 1/4"),
    (lambda: hmc.hmc_step(torch.zeros(2, 3), lambda p: p.sum(1), step_size=0.0, n_steps=3), "step_size"),
    (lambda: observables.estimates(np.zeros((5, 1)), 16), "blocks"),
    (lambda: observables.crossing([0, 2, 1], [0, 1, 2]), "increasing"),
])
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
