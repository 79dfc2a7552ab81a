"""physml.lattice.observables: estimates, peaks and crossings, blocked errors, and bad input."""

import math

import numpy as np
import pytest

from physml import stats
from physml.lattice import observables


def test_curve_readers_refuse_nan_and_warn_without_crossing():
    import warnings

    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="y"):
        observables.peak(
            x, [1, 2, float("nan"), 2, 1]
        )  # returned 3.0, the NaN's position
    with pytest.raises(ValueError, match="x"):
        observables.peak([1, 2, 3, 4, float("inf")], [1, 2, 3, 2, 1])
    with pytest.raises(ValueError, match="level"):
        observables.crossing(x, [0.1, 0.3, 0.5, 0.7, 0.9], float("nan"))
    assert observables.crossing(x, [0.1, 0.3, 0.5, 0.7, 0.9], 0.4) == pytest.approx(2.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert math.isnan(observables.crossing(x, [0.1, 0.2, 0.3, 0.35, 0.4], 0.5))
    assert any("never reaches level 0.5" in str(w.message) for w in caught)


def test_estimates_and_curve_helpers():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(200, 16))
    est = observables.estimates(m, volume=10, beta=0.5)
    assert all(isinstance(e, stats.Measurement) for e in est.values())
    assert est["chi"].value == pytest.approx(
        0.5 * 10 * (np.mean(m**2) - np.mean(np.abs(m)) ** 2), rel=0.02
    )
    assert est["binder"].value == pytest.approx(0.0, abs=0.05)  # Gaussian: U = 0
    x = np.linspace(0, 1, 11)
    assert observables.peak(x, -((x - 0.43) ** 2)) == pytest.approx(0.43, abs=1e-9)
    assert observables.crossing(x, x, 0.37) == pytest.approx(0.37)
    assert math.isnan(observables.crossing(x, x + 5, 0.5))


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: observables.estimates(np.zeros((5, 1)), 16), "blocks"),
        (lambda: observables.crossing([0, 2, 1], [0, 1, 2]), "increasing"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_lattice_blocked_observables_use_every_measurement():
    from physml.lattice import correlators, observables

    m = np.linspace(-1.0, 1.0, 19)[:, None] ** 2  # one chain, 19 measurements
    est = observables.estimates(m, volume=4, time_blocks=10)["abs_m"]
    assert est.value == pytest.approx(np.abs(m).mean())
    # correlation_length: 48 rows in 32 blocks (sizes 1 and 2) use all rows
    L, xi = 16, 2.2
    y = np.arange(L)
    base = np.cosh((y - L / 2) / xi)
    rows = base * (1 + 0.01 * np.random.default_rng(1).normal(size=(48, L)))
    val, err = correlators.correlation_length(rows, n_blocks=32)
    full, _ = correlators.correlation_length(rows, n_blocks=None)
    assert err > 0 and val == pytest.approx(full, rel=0.02) and abs(val - xi) < 0.1
