"""physml.lattice.correlators: heat-kernel smoothing, the zero-momentum correlator and the correlation
length."""

import math

import numpy as np
import pytest
import torch

from physml.lattice import correlators, phi4


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
    assert torch.allclose(
        correlators.heat_kernel_smooth(phi, t), phi + t * laplacian, atol=1e-10
    )
    # Parseval form of the per-configuration χ₀,t agrees with smoothing in position space.
    for L in (6, 7):
        x = torch.randn(2, L, L, generator=g, dtype=torch.float64)
        s = correlators.heat_kernel_smooth(x, 0.6)
        assert torch.allclose(
            correlators.smoothed_phi2(x, 0.6), (s * s).mean(dim=(-2, -1)), atol=1e-12
        )
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


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: correlators.heat_kernel_smooth(torch.zeros(2, 4, 4), 0), "t"),
        (lambda: correlators.zero_momentum_correlator(torch.zeros(4, 4)), "phi"),
        (lambda: correlators.correlation_length(np.ones((4, 8)), y_min=4), "y_min"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


@pytest.mark.parametrize("n_blocks", [0, 1, -3, True, 2.0])
def test_correlation_length_refuses_fewer_than_two_blocks(n_blocks):
    y = np.arange(8)
    rows = np.cosh((y - 4) / 2.0)[None, :] * (
        1 + 0.01 * np.random.default_rng(0).standard_normal((16, 8))
    )
    with pytest.raises(ValueError, match="n_blocks"):
        correlators.correlation_length(rows, n_blocks=n_blocks)
    xi, err = correlators.correlation_length(rows, n_blocks=4)
    assert xi == pytest.approx(2.0, rel=0.05) and err > 0
