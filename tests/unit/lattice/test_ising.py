"""physml.lattice.ising: exactness of the samplers against enumeration, spins ±1, and bad input."""

import numpy as np
import pytest
import torch

from physml.lattice import ising, observables


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
    return [
        (est["e"].value - exact["e"]) / est["e"].error,
        (est["abs_m"].value - exact["abs_m"]) / est["abs_m"].error,
    ]


@pytest.mark.parametrize("update", ["metropolis", "wolff"])
def test_ising_4x4_agrees_with_exact_enumeration(update):
    """<e> and <|m|> at three temperatures within 4 sigma of the exact values (pull test)."""
    L, n_chains, n_meas = 4, 128, 150
    temps = [1.5, 2.3, 3.5]
    exact = ising.exact_moments(L, temps)
    chains = ising.IsingChains(
        L,
        torch.tensor(temps).repeat_interleave(n_chains),
        3 * n_chains,
        seed=11,
        device=CPU,
    )
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
    assert (
        np.mean(np.square(pulls)) < 4.0
    )  # errors are not wildly overestimated either ...
    assert (
        np.mean(np.square(pulls)) > 0.05
    )  # ... nor do the values sit suspiciously on the truth


def test_exact_moments_limits():
    ex = ising.exact_moments(2, [0.05, 1e4])
    assert float(ex["abs_m"][0]) == pytest.approx(1.0, abs=1e-6)
    assert float(ex["e"][0]) == pytest.approx(-2.0, abs=1e-6)
    assert abs(float(ex["e"][1])) < 1e-3


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: ising.IsingChains(1, 2.0, device=CPU), "L"),
        (lambda: ising.IsingChains(5, 2.0, device=CPU), "even"),
        (lambda: ising.IsingChains(4, 0.0, device=CPU), "temperature"),
        (lambda: ising.IsingChains(4, -1.0, 2, device=CPU), "temperature"),
        (lambda: ising.IsingChains(4, [1.0, 2.0], 3, device=CPU), "temperature"),
        (lambda: ising.IsingChains(4, 2.0, 0, device=CPU), "n_chains"),
        (lambda: ising.magnetization(torch.ones(2, 3, 3, dtype=torch.bool)), "dtype"),
        (lambda: ising.energy([[1, -1]]), "spins"),
        (lambda: ising.exact_moments(5, [1.0]), "L <= 4"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_ising_spins_must_be_plus_or_minus_one():
    good = torch.ones(2, 4, 4)
    assert ising.magnetization(good).tolist() == [1.0, 1.0]
    bad = good.clone()
    bad[0, 1, 1] = 0.5
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        ising.magnetization(bad)
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        ising.energy(torch.zeros(1, 4, 4))
