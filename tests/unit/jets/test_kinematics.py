"""physml.jets.kinematics: pT, eta, phi, mass, Minkowski products and boosts."""

import math

import pytest
import torch

from physml.jets import kinematics as kin


def _random_momenta(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    p3 = 100 * torch.randn(n, 3, generator=g, dtype=torch.float64)
    m = 10 * torch.rand(n, generator=g, dtype=torch.float64)
    energy = torch.sqrt(m**2 + (p3**2).sum(-1))
    return torch.cat([energy[:, None], p3], dim=-1)


def test_pt_eta_phi_mass_of_a_known_vector():
    # pT = 10, eta = 0.5, phi = 1.0, m = 3
    pt_, eta_, phi_, m = 10.0, 0.5, 1.0, 3.0
    px, py, pz = pt_ * math.cos(phi_), pt_ * math.sin(phi_), pt_ * math.sinh(eta_)
    energy = math.sqrt(m**2 + px**2 + py**2 + pz**2)
    p = torch.tensor([energy, px, py, pz], dtype=torch.float64)
    assert float(kin.pt(p)) == pytest.approx(pt_)
    assert float(kin.eta(p)) == pytest.approx(eta_)
    assert float(kin.phi(p)) == pytest.approx(phi_)
    assert float(kin.mass(p)) == pytest.approx(m)


def test_zero_padding_gives_zeros_not_nan():
    p = torch.zeros(3, 4)
    for f in (kin.pt, kin.eta, kin.phi, kin.mass):
        assert torch.equal(f(p), torch.zeros(3))


def test_delta_phi_wraps():
    a = torch.tensor([3.0])
    b = torch.tensor([-3.0])
    assert float(kin.delta_phi(a, b)) == pytest.approx(6.0 - 2 * math.pi)


def test_four_momentum_sums_and_mass_is_invariant_under_boosts():
    p = _random_momenta(50).reshape(5, 10, 4)
    jet = kin.four_momentum(p)
    assert jet.shape == (5, 4)
    beta = torch.tensor([0.3, -0.5, 0.6], dtype=torch.float64)
    boosted = kin.boost(p, beta)
    torch.testing.assert_close(kin.mass(kin.four_momentum(boosted)), kin.mass(jet))
    # every pairwise Minkowski product is unchanged, not only the masses
    before = kin.minkowski_dot(p[:, :, None], p[:, None, :])
    after = kin.minkowski_dot(boosted[:, :, None], boosted[:, None, :])
    torch.testing.assert_close(after, before)
    # a non-Minkowski metric is not invariant (the test would catch a wrong boost or metric)
    euclid = torch.ones(4, dtype=torch.float64)
    assert not torch.allclose(
        kin.minkowski_dot(boosted, boosted, euclid), kin.minkowski_dot(p, p, euclid)
    )


def test_boost_to_rest_frame():
    p = torch.tensor([5.0, 0.0, 0.0, 3.0], dtype=torch.float64)
    rest = kin.boost(p, p[1:] / p[0])
    torch.testing.assert_close(rest, torch.tensor([4.0, 0, 0, 0], dtype=torch.float64))


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="p must have a last dimension of 4"):
        kin.pt(torch.zeros(3, 3))
    with pytest.raises(TypeError, match="p must be a torch.Tensor"):
        kin.pt([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(TypeError, match="floating-point"):
        kin.mass(torch.zeros(2, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"\|beta\| < 1"):
        kin.boost(torch.zeros(4), torch.tensor([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="metric"):
        kin.minkowski_dot(torch.zeros(4), torch.zeros(4), torch.ones(3))
    with pytest.raises(ValueError, match="constituents"):
        kin.four_momentum(torch.zeros(4))
