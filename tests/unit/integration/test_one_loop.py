"""physml.integration.one_loop: the one-loop integrand of eqs. 2.30-2.31 and eq. 2.12."""

import pytest
import torch

from physml.integration import one_loop


def test_compact_form_equals_the_expanded_eq_2_31():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2000, 3, generator=g, dtype=torch.float64)
    s12 = -5 * torch.rand(2000, generator=g, dtype=torch.float64)
    s14 = -5 * torch.rand(2000, generator=g, dtype=torch.float64)
    for mh2, mt2 in ((one_loop.M_H2, 1.0), (0.3, 2.0)):
        a = one_loop.denominator(x, s12, s14, mh2, mt2)
        b = one_loop.denominator_expanded(x, s12, s14, mh2, mt2)
        assert torch.allclose(a, b, atol=1e-12, rtol=0)


def test_euclidean_region_is_positive_and_normalisation():
    x = torch.rand(5000, 3, dtype=torch.float64)
    u = torch.rand(5000, 2, dtype=torch.float64)
    s12, s14 = one_loop.params(u)
    assert (s12 <= 0).all() and (s12 >= one_loop.S_MIN).all()
    assert (one_loop.denominator(x, s12, s14) >= 1 - 1e-12).all()
    assert one_loop.M_H2 == pytest.approx(0.52206, abs=1e-5)
    f_norm, scale = one_loop.normalised(one_loop.unit_integrand, 3)
    centre = torch.full((5, 3), 0.5, dtype=torch.float64)
    assert torch.allclose(f_norm(centre, u[:5]), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(f_norm(x, u) * scale(u), one_loop.unit_integrand(x, u))


@pytest.mark.parametrize(
    "call, error, word",
    [
        (
            lambda: one_loop.denominator([0.1, 0.2, 0.3], -1.0, -1.0),
            TypeError,
            "x must",
        ),
        (
            lambda: one_loop.denominator(torch.rand(4, 2), -1.0, -1.0),
            ValueError,
            "x must",
        ),
        (lambda: one_loop.integrand(torch.rand(4, 3), 0.5, -1.0), ValueError, "s12"),
        (
            lambda: one_loop.integrand(torch.rand(4, 3), -1.0, float("nan")),
            ValueError,
            "s14",
        ),
        (lambda: one_loop.params(torch.tensor([1.5, 0.0])), ValueError, "u must"),
        (lambda: one_loop.params(torch.rand(3)), ValueError, "u must"),
        (lambda: one_loop.params(0.5), TypeError, "u must"),
        (lambda: one_loop.normalised(3, 3), TypeError, "f must"),
        (lambda: one_loop.normalised(one_loop.unit_integrand, 0), ValueError, "dim"),
    ],
)
def test_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()
