"""Chapter 8's φ⁴ machinery: action and force, HMC exactness, correlators, fits and the published tables."""

import math

import numpy as np
import pytest
import torch

from physml.lattice import correlators, hmc, measure, phi4, reference

CPU = torch.device("cpu")


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


def test_hmc_conserves_exp_minus_delta_h_and_is_reversible():
    """<exp(-ΔH)> = 1 for an exact, area-preserving, reversible integrator (Creutz's identity)."""
    chains = phi4.Phi4Chains(6, 0.2685, 0.5, 512, step_size=1 / 5, n_steps=5, seed=3, device=CPU,
                             dtype=torch.float64)
    chains.trajectory(20)
    values = []
    for _ in range(10):
        step = hmc.hmc_step(chains.phi, chains.action, chains.force, step_size=0.2, n_steps=5,
                            generator=chains.generator)
        chains.phi = step.phi
        values.append(torch.exp(-step.delta_h))
    w = torch.stack(values).mean(dim=0)  # per chain, then spread over chains
    mean, err = w.mean().item(), w.std().item() / math.sqrt(w.numel())
    assert abs(mean - 1) < 4 * err and err < 0.02
    # Reversibility in float64: forward, flip momenta, forward again.
    pi = torch.randn(chains.phi.shape, generator=chains.generator, dtype=torch.float64)
    phi1, pi1 = hmc.leapfrog(chains.phi, pi, chains.force, 0.2, 5)
    phi0, pi0 = hmc.leapfrog(phi1, -pi1, chains.force, 0.2, 5)
    assert torch.allclose(phi0, chains.phi, atol=1e-10) and torch.allclose(-pi0, pi, atol=1e-10)


def test_heat_kernel_smoothing():
    g = torch.Generator().manual_seed(4)
    phi = torch.randn(3, 8, 8, generator=g, dtype=torch.float64)
    smooth = correlators.heat_kernel_smooth(phi, 1.0)
    # The zero mode (the magnetisation) is kept; the fluctuations shrink.
    assert torch.allclose(smooth.mean(dim=(-2, -1)), phi.mean(dim=(-2, -1)), atol=1e-12)
    assert torch.all(smooth.var(dim=(-2, -1)) < phi.var(dim=(-2, -1)))
    # A tiny flow time is one explicit step of the lattice heat equation, φ + t Δφ.
    t = 1e-6
    laplacian = phi4.neighbour_sum(phi) - 4 * phi
    assert torch.allclose(correlators.heat_kernel_smooth(phi, t), phi + t * laplacian, atol=1e-10)
    # Parseval form of the per-configuration χ₀,t agrees with smoothing in position space.
    for L in (6, 7):
        x = torch.randn(2, L, L, generator=g, dtype=torch.float64)
        s = correlators.heat_kernel_smooth(x, 0.6)
        assert torch.allclose(correlators.smoothed_phi2(x, 0.6), (s * s).mean(dim=(-2, -1)), atol=1e-12)
    assert correlators.smoothing_time(2.0) == 1.0


def test_zero_momentum_correlator_against_a_direct_sum():
    g = torch.Generator().manual_seed(5)
    L = 6
    phi = torch.randn(2, L, L, generator=g, dtype=torch.float64)
    expect = torch.zeros(2, L, dtype=torch.float64)
    for axis in (-1, -2):
        s = phi.sum(dim=axis)
        for y in range(L):
            expect[:, y] += (s * s.roll(-y, dims=-1)).sum(dim=-1)
    expect /= 2 * L * L
    assert torch.allclose(correlators.zero_momentum_correlator(phi), expect, atol=1e-12)


def test_correlation_length_recovers_a_cosh():
    L, xi = 16, 3.0
    y = np.arange(L)
    rng = np.random.default_rng(0)
    exact = np.cosh((y - L / 2) / xi)
    samples = exact * (1 + 0.02 * rng.standard_normal((64, L)))
    value, err = correlators.correlation_length(samples)
    assert abs(value - xi) < 4 * err and err < 0.1


def test_free_theory_correlation_length():
    """At λ = 0 the zero-momentum correlator of the exact propagator is a pure cosh with
    cosh(1/ξ) = (1 - 2κ)/(2κ), the pole of 1/K(p) at zero transverse momentum."""
    L, kappa = 16, 0.2
    G = phi4.free_propagator(L, kappa)
    corr = (G.sum(dim=0) * L).numpy()[None, :].repeat(2, axis=0)
    xi, _ = correlators.correlation_length(corr, n_blocks=None)
    m = math.acosh((1 - 2 * kappa) / (2 * kappa))
    assert xi == pytest.approx(1 / m, rel=1e-6)


def test_dynamic_exponent_fit_on_table_5_reproduces_eq_8_33():
    sizes = [10, 12, 14, 16, 18, 20, 40, 80]
    tau = np.array([reference.hmc(L)["tau_m"] for L in sizes])
    fit = measure.dynamic_exponent(np.array(sizes) / 4, tau[:, 0], tau[:, 1])
    assert fit.z == pytest.approx(reference.Z_HMC[0], abs=0.05)
    assert fit.z_err == pytest.approx(reference.Z_HMC[1], abs=0.01)
    power = measure.dynamic_exponent([1.5, 2, 2.5, 3], [1.5**2, 4, 6.25, 9], [0.1] * 4, offset=False)
    assert power.z == pytest.approx(2.0, abs=1e-6)


def test_reference_tables():
    assert reference.parse("11.439(94)") == (11.439, pytest.approx(0.094))
    assert reference.parse("570(21)") == (570.0, 21.0)
    assert reference.parse("0.91") == (0.91, 0.0)
    row = reference.hmc(8)
    assert row["abs_m"] == (0.26282, pytest.approx(0.00015))
    assert row["steps"][0] == 6 and reference.flow_hmc(80)["tau_m"] == (1965.0, 165.0)
    assert reference.sizes() == [6, 8, 10, 12, 14, 16, 18, 20, 40, 80]
    with pytest.raises(ValueError, match="L=7"):
        reference.hmc(7)
    with pytest.raises(ValueError, match="text"):
        reference.parse("1.2(3")


def test_hmc_run_and_summary_small():
    s = measure.hmc_run(4, 0.5, 0.5, n_steps=4, n_chains=16, n_trajectories=200, thermalization=20,
                        smoothing_t=0.25, seed=0, device=CPU, progress=False)
    assert s.m.shape == (200, 16) and s.correlator.shape == (16, 4)
    out = measure.summarize(s)
    assert 0.7 < out["acceptance"].value <= 1
    assert out["chi0"].value > out["chi0_t"].value > 0
    assert out["tau_m"].value > 0.5 and out["xi"].value > 0


@pytest.mark.parametrize("call, word", [
    (lambda: phi4.kappa_from_beta(0), "beta"),
    (lambda: phi4.Phi4Chains(4, 0.2, 0.5, dtype=torch.int32), "dtype"),
    (lambda: correlators.heat_kernel_smooth(torch.zeros(2, 4, 4), 0), "t"),
    (lambda: correlators.zero_momentum_correlator(torch.zeros(4, 4)), "phi"),
    (lambda: correlators.correlation_length(np.ones((4, 8)), y_min=4), "y_min"),
    (lambda: measure.dynamic_exponent([1, 2, 3], [1, 2, 3], [0.1, 0.1, 0.1]), "4 points"),
    (lambda: measure.dynamic_exponent([1, 2], [1, -2], [0.1, 0.1], offset=False), "positive"),
    (lambda: measure.summarize("run"), "Series"),
])
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
