"""physml.lattice.kaufman: Kaufman's finite-lattice Z against enumeration and Onsager's limit."""

import itertools
import math

import numpy as np
import pytest
import torch

from physml.lattice import ising, kaufman

BETAS = [0.05, 0.2, 0.3, 1 / ising.T_C, 0.5, 0.8, 1.5]


def _enumerated_log_z(L, betas):
    s = torch.tensor(
        list(itertools.product((-1.0, 1.0), repeat=L * L)), dtype=torch.float64
    ).view(-1, L, L)
    e = -(s * (torch.roll(s, 1, -1) + torch.roll(s, 1, -2))).sum(dim=(-2, -1))
    b = torch.tensor(betas, dtype=torch.float64)
    return torch.logsumexp(-b[:, None] * e[None, :], dim=1)


@pytest.mark.parametrize("L", [2, 3, 4])
def test_log_partition_matches_enumeration(L):
    got = kaufman.log_partition(L, BETAS)
    assert got.dtype == torch.float64 and got.shape == (len(BETAS),)
    torch.testing.assert_close(got, _enumerated_log_z(L, BETAS), rtol=0, atol=1e-12)


@pytest.mark.parametrize("L", [2, 3, 4])
def test_energy_and_heat_capacity_match_enumerated_moments(L):
    th = kaufman.thermodynamics(L, BETAS)
    mom = ising.exact_moments(L, [1 / b for b in BETAS])
    b = torch.tensor(BETAS, dtype=torch.float64)
    torch.testing.assert_close(th["e"], mom["e"], rtol=0, atol=1e-10)
    c = b**2 * L * L * (mom["e2"] - mom["e"] ** 2)
    torch.testing.assert_close(th["c"], c, rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(th["f"], -th["log_z"] / (b * L * L))


def test_infinite_temperature_and_ground_state_limits():
    L = 6
    assert float(kaufman.log_partition(L, 1e-8)[0]) == pytest.approx(
        L * L * math.log(2), abs=1e-6
    )
    th = kaufman.thermodynamics(L, [20.0])
    assert float(th["e"][0]) == pytest.approx(-2.0, abs=1e-12)
    # two ground states: f -> -2 - T ln 2 / L²
    assert float(th["f"][0]) == pytest.approx(
        -2 - math.log(2) / (20 * L * L), abs=1e-12
    )


def test_large_lattice_approaches_onsager():
    hot, cold = 0.3, 0.6
    th = kaufman.thermodynamics(64, [hot, cold])
    f_inf = kaufman.onsager_free_energy([hot, cold])
    e_inf = kaufman.onsager_energy([hot, cold])
    assert float(th["f"][0]) == pytest.approx(f_inf[0], abs=1e-12)
    # below T_c the finite torus keeps the two ordered states: -T ln 2 / L²
    assert float(th["f"][1]) == pytest.approx(
        f_inf[1] - math.log(2) / (cold * 64**2), abs=1e-10
    )
    np.testing.assert_allclose(th["e"].numpy(), e_inf, atol=1e-10)


def test_critical_free_energy_converges_like_inverse_volume():
    bc = 1 / ising.T_C
    f_inf = kaufman.onsager_free_energy(bc)[0]
    d64 = float(kaufman.thermodynamics(64, bc)["f"][0]) - f_inf
    d128 = float(kaufman.thermodynamics(128, bc)["f"][0]) - f_inf
    assert d64 < 0 and d128 < 0
    assert d64 / d128 == pytest.approx(4.0, rel=0.01)


def test_onsager_critical_energy_is_minus_sqrt_two():
    assert kaufman.onsager_energy(1 / ising.T_C)[0] == pytest.approx(
        -math.sqrt(2), abs=1e-9
    )
    # the known critical free energy: -β_c f = ln 2 / 2 + 2G / π (G Catalan's constant)
    catalan = 0.915965594177219
    bc = 1 / ising.T_C
    assert -bc * kaufman.onsager_free_energy(bc)[0] == pytest.approx(
        math.log(2) / 2 + 2 * catalan / math.pi, abs=1e-10
    )


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: kaufman.log_partition(1, 0.3), "L"),
        (lambda: kaufman.log_partition(2.5, 0.3), "L"),
        (lambda: kaufman.log_partition(4, 0.0), "beta"),
        (lambda: kaufman.log_partition(4, [-0.1]), "beta"),
        (lambda: kaufman.thermodynamics(4, float("nan")), "beta"),
        (lambda: kaufman.thermodynamics(4, []), "beta"),
        (lambda: kaufman.onsager_free_energy(-1.0), "beta"),
        (lambda: kaufman.onsager_energy(float("inf")), "beta"),
    ],
)
def test_bad_input_raises_value_error(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_non_numeric_beta_raises_type_error():
    with pytest.raises(TypeError, match="beta"):
        kaufman.log_partition(4, "hot")
