"""Densities are -inf outside their support; inputs outside a function's domain are refused."""

import math

import numpy as np
import pytest
import torch

from physml import stats
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


# --- review of the sweep: defects found and mended ----------------------------------------------


def test_curve_readers_refuse_nan_and_warn_without_crossing():
    import warnings

    from physml.lattice import observables

    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="y"):
        observables.peak(x, [1, 2, float("nan"), 2, 1])  # returned 3.0, the NaN's position
    with pytest.raises(ValueError, match="x"):
        observables.peak([1, 2, 3, 4, float("inf")], [1, 2, 3, 2, 1])
    with pytest.raises(ValueError, match="level"):
        observables.crossing(x, [0.1, 0.3, 0.5, 0.7, 0.9], float("nan"))
    assert observables.crossing(x, [0.1, 0.3, 0.5, 0.7, 0.9], 0.4) == pytest.approx(2.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert math.isnan(observables.crossing(x, [0.1, 0.2, 0.3, 0.35, 0.4], 0.5))
    assert any("never reaches level 0.5" in str(w.message) for w in caught)


def test_mean_with_error_is_never_exactly_zero_on_anticorrelated_chains():
    """An alternating chain with a little noise has tau_int at its floor 0; its error of the mean
    must stay positive (it was exactly 0.0, which reads as exact)."""
    rng = np.random.default_rng(0)
    x = np.tile([1.0, -1.0], 5_000) + 0.01 * rng.normal(size=10_000)
    m = stats.mean_with_error(x)
    assert m.tau == 0.0 and m.error > 0


def test_bootstrap_refuses_an_undefined_statistic():
    with pytest.raises(ValueError, match="statistic"):
        stats.bootstrap(np.arange(10.0), lambda a: float("nan"))
    with pytest.raises(ValueError, match="statistic"):
        stats.bootstrap(np.arange(10.0), lambda a: np.log(a.min()))  # -inf on resamples holding 0


def test_independence_metropolis_uses_every_proposal():
    from physml.flows import trivializing

    with pytest.raises(ValueError, match="log_weights"):
        trivializing.independence_metropolis(np.zeros(103), n_chains=10)  # the last 3 were dropped
    assert trivializing.independence_metropolis(np.zeros(100), n_chains=10).shape == (10,)


def test_tau_int_warns_on_chains_of_20_to_45_tau():
    """The warning compares N with tau plus two errors: a short chain's own tau is biased low, and
    with tau alone chains of 20-45 tau often went unwarned."""
    import warnings

    def ar1_chain(phi, n, seed):
        rng = np.random.default_rng(seed)
        eps = rng.normal(size=n) * math.sqrt(1 - phi**2)
        out = np.empty(n)
        out[0] = rng.normal()
        for t in range(1, n):
            out[t] = phi * out[t - 1] + eps[t]
        return out

    silent = 0
    for seed in range(10):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stats.tau_int(ar1_chain(0.9, 400, seed))  # exact tau 9.5: N = 42 tau
        silent += not any("fewer than 50" in str(w.message) for w in caught)
    assert silent <= 1
