"""Issue 20's leftovers: estimators and inputs that cannot silently lie.

tau_int on oscillating (non-AR(1)) chains, BoxLogit's resolution at the box edges, summarize
without an acceptance, and resampling helpers that refuse 0 or 1 resamples/blocks.
"""

import math

import numpy as np
import pytest
import torch
from scipy.signal import lfilter

from physml import stats
from physml.flows import trivializing
from physml.flows.coupling import BoxLogit
from physml.lattice import correlators, measure

# ---- 1. tau_int on oscillating chains ----------------------------------------------------------


def _ar2(a1: float, a2: float, n: int, seed: int) -> np.ndarray:
    """x_t = a1 x_{t-1} + a2 x_{t-2} + e_t, e_t ~ N(0, 1), after a burn-in of 2000 steps."""
    e = np.random.default_rng(seed).standard_normal(n + 2000)
    return lfilter([1.0], [1.0, -a1, -a2], e)[2000:]


def _ar2_tau(a1: float, a2: float) -> float:
    """Exact τ_int = S(0) / (2 γ(0)): Σ_t γ(t) = 1/(1 - a1 - a2)², γ(0) of the AR(2) process."""
    gamma0 = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1**2))
    return 1.0 / (1 - a1 - a2) ** 2 / (2 * gamma0)


def test_ar2_exact_tau_reduces_to_ar1_and_matches_the_acf():
    for phi in (-0.7, 0.0, 0.5):
        assert _ar2_tau(phi, 0.0) == pytest.approx((1 + phi) / (2 * (1 - phi)))
    # The issue's AR(2): rho(1) = 1/3, rho(2) = rho(3) = -1/3, rho(4) = 0, ... sums to tau = 1/3.
    assert _ar2_tau(0.5, -0.5) == pytest.approx(1 / 3)
    rho = [1.0, 0.5 / 1.5]
    for _ in range(400):
        rho.append(0.5 * rho[-1] - 0.5 * rho[-2])
    assert 0.5 + sum(rho[1:]) == pytest.approx(1 / 3)


# (a1, a2) across the stationary triangle: complex roots (oscillating ACF) and real roots of
# either sign. The issue's case (0.5, -0.5) gave 0.50 instead of 1/3 on seeds 2 of 0-3.
AR2 = [(0.5, -0.5), (1.6, -0.8), (1.0, -0.5), (1.2, -0.5), (-0.5, -0.5), (0.0, -0.5), (0.0, -0.9),
       (-1.0, -0.5), (-0.3, 0.4), (0.2, 0.5)]


@pytest.mark.parametrize("a1,a2", AR2)
def test_tau_int_is_right_on_ar2_chains(a1, a2):
    exact = _ar2_tau(a1, a2)
    for seed in range(4):
        t = stats.tau_int(_ar2(a1, a2, 100_000, seed))
        assert t.tau >= 0 and t.error > 0
        assert abs(t.tau - exact) <= 3 * t.error + 1e-3, (a1, a2, seed, t, exact)


def test_tau_int_issue_case_no_longer_stops_at_the_half():
    t = stats.tau_int(_ar2(0.5, -0.5, 100_000, 2))
    assert t.window > 2
    assert t.tau == pytest.approx(1 / 3, abs=0.03)


def test_tau_int_keeps_wolffs_window_for_positively_correlated_chains():
    # AR(1) with phi > 0 and AR(2) with real positive roots: the running sum stays above 1/2 and
    # no rho is significantly negative, so the window is Wolff's (eqs. 50-52), as before.
    for a1, a2 in ((0.9, 0.0), (0.5, 0.3)):
        x = _ar2(a1, a2, 100_000, 0)
        rho = stats.autocorrelation(x)
        partial = 0.5 + np.cumsum(rho[1:])
        w = stats._wolff_window(partial, x.size, 1.5)
        t = stats.tau_int(x)
        assert t.window == w and t.tau == pytest.approx(partial[w - 1])


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
    half_eps = torch.finfo(torch.float32).eps / 2  # 5.96e-8: the float32 spacing just below 1
    x = torch.tensor([[1e-6, 0.5], [1e-7, 0.5], [1e-9, 0.5], [0.0, 0.5], [1 - 1e-6, 0.5],
                      [1 - 1.2e-7, 0.5], [1.0, 0.5]], dtype=torch.float32)
    u, _ = box(x)
    back, _ = box.inverse(u)
    cap = math.log((1 - half_eps) / half_eps)  # 16.64
    assert u[:, 0].abs().max() == pytest.approx(cap, rel=1e-6)
    # Resolved: 1e-6 and 1e-7 from the lower edge, 1e-6 and 1.2e-7 from the upper (float32 steps).
    for i in (0, 1, 4, 5):
        assert abs(float(back[i, 0]) - float(x[i, 0])) <= 2 * torch.finfo(torch.float32).eps * max(float(x[i, 0]), 1e-3)
    # Closer than eps/2 to the lower edge (1e-9, and the edge itself): clamped to s = eps/2.
    assert float(u[2, 0]) == float(u[3, 0]) == pytest.approx(-cap, rel=1e-6)
    assert float(u[6, 0]) == pytest.approx(cap, rel=1e-6)


def test_box_logit_is_minus_inf_outside_the_box():
    box = BoxLogit(0.0, 1.0)
    for dtype in (torch.float64, torch.float32):
        x = torch.tensor([[1.0 + 1e-6, 0.5], [-1e-6, 0.5], [0.5, 1.5], [0.5, -0.2]], dtype=dtype)
        _, logdet = box(x)
        assert torch.isneginf(logdet).all()
    tiny = torch.tensor([[1.0 + 1e-12, 0.5], [-1e-12, 0.5]], dtype=torch.float64)
    assert torch.isneginf(box(tiny)[1]).all()


# ---- 4. summarize without an acceptance --------------------------------------------------------


def _series(acceptance: np.ndarray) -> measure.Series:
    rng = np.random.default_rng(0)
    L, n_traj, n_chains = 8, 200, 4
    y = np.arange(L)
    corr = np.cosh((y - L / 2) / 2.0)[None, :] * (1 + 0.01 * rng.standard_normal((n_chains, L)))
    m = rng.standard_normal((n_traj, n_chains))
    return measure.Series(L=L, m=m, phi2=1 + m**2, phi2_t=1 + 0.5 * m**2, correlator=corr,
                          acceptance=acceptance)


def test_summarize_omits_the_acceptance_when_the_sampler_reports_none():
    out = measure.summarize(_series(np.full(4, np.nan)))
    assert "acceptance" not in out
    assert all(np.isfinite(e.value) and np.isfinite(e.error) for e in out.values())
    with_acc = measure.summarize(_series(np.array([0.9, 0.8, 0.85, 0.95])))
    assert with_acc["acceptance"].value == pytest.approx(0.875)
    assert with_acc["acceptance"].error == pytest.approx(np.std([0.9, 0.8, 0.85, 0.95], ddof=1) / 2)
    with pytest.raises(ValueError, match="acceptance"):
        measure.summarize(_series(np.array([0.9, np.nan, 0.85, 0.95])))


# ---- 5. resampling helpers refuse 0 or 1 resamples / blocks ------------------------------------


@pytest.mark.parametrize("n_boot", [0, 1, -1, True, 2.5])
def test_equilibrium_acceptance_refuses_fewer_than_two_resamples(n_boot):
    with pytest.raises(ValueError, match="n_boot"):
        trivializing.equilibrium_acceptance(np.zeros(100), n_boot=n_boot)


def test_equilibrium_acceptance_error_is_the_bootstrap_spread():
    lw = np.random.default_rng(1).normal(0, 1, 2000)
    acc = trivializing.equilibrium_acceptance(lw, n_boot=50, seed=3)
    assert acc.value == pytest.approx(math.erfc(0.5), abs=0.03)
    assert 0 < acc.error < 0.03


@pytest.mark.parametrize("n_resamples", [0, 1, True, 10.0])
def test_bootstrap_refuses_fewer_than_two_resamples(n_resamples):
    with pytest.raises(ValueError, match="n_resamples"):
        stats.bootstrap(np.arange(10.0), n_resamples=n_resamples)


def test_bootstrap_refuses_a_single_sample():
    with pytest.raises(ValueError, match="x"):
        stats.bootstrap([1.0], n_resamples=10)


@pytest.mark.parametrize("n_blocks", [0, 1, True])
def test_jackknife_refuses_fewer_than_two_blocks(n_blocks):
    with pytest.raises(ValueError, match="n_blocks"):
        stats.jackknife(np.arange(10.0), n_blocks=n_blocks)


@pytest.mark.parametrize("n_blocks", [0, 1, -3, True, 2.0])
def test_correlation_length_refuses_fewer_than_two_blocks(n_blocks):
    y = np.arange(8)
    rows = np.cosh((y - 4) / 2.0)[None, :] * (1 + 0.01 * np.random.default_rng(0).standard_normal((16, 8)))
    with pytest.raises(ValueError, match="n_blocks"):
        correlators.correlation_length(rows, n_blocks=n_blocks)
    xi, err = correlators.correlation_length(rows, n_blocks=4)
    assert xi == pytest.approx(2.0, rel=0.05) and err > 0


def test_block_sums_jackknife_refuses_a_single_block():
    with pytest.raises(ValueError, match="counts"):
        stats.jackknife_block_sums(np.ones((1, 1)), np.array([5.0]), lambda m: m[:, 0])
