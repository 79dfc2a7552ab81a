"""physml.integration.reference: vegas and scipy on integrals with a closed form."""

import math

import numpy as np
import pytest

from physml.integration import reference


def _f(x):  # ∫_{[0,1]^3} (1 + x1 + x2 + x3)^-2 has a closed form (below)
    return (1.0 + x.sum(-1)) ** -2


# The mixed third derivative of G(T) = -T log T at T = 1 + x1 + x2 + x3 is G'''(T) = T^-2, so the
# integral is the corner sum of G (eq. 2.14): 9 log 3 - 14 log 2.
EXACT = sum(
    (-1) ** (3 - k) * math.comb(3, k) * (-(1 + k) * math.log(1 + k)) for k in range(4)
)


def test_scipy_and_vegas_agree_with_the_closed_form():
    exact_prod = (math.e - 1) ** 3
    sp = reference.scipy_integral(lambda x: np.exp(x.sum(-1)), 3)
    assert abs(sp.value - exact_prod) < 1e-10 * exact_prod
    sp = reference.scipy_integral(_f, 3)
    assert abs(sp.value - EXACT) < 1e-10
    vg = reference.vegas_integral(_f, 3, neval=5000, nitn=5, seed=1)
    assert abs(vg.value - EXACT) < 5 * vg.error and vg.error < 1e-3 * EXACT
    again = reference.vegas_integral(_f, 3, neval=5000, nitn=5, seed=1)
    assert again.value == vg.value  # seeded


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: reference.vegas_integral(3, 3), TypeError, "f must"),
        (lambda: reference.vegas_integral(_f, 0), ValueError, "dim"),
        (lambda: reference.vegas_integral(_f, 3, neval=10), ValueError, "neval"),
        (lambda: reference.vegas_integral(_f, 3, nitn=0), ValueError, "nitn"),
        (lambda: reference.vegas_integral(_f, 3, seed=-1), ValueError, "seed"),
        (lambda: reference.scipy_integral(None, 3), TypeError, "f must"),
        (lambda: reference.scipy_integral(_f, 3, rtol=0), ValueError, "rtol"),
    ],
)
def test_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()
