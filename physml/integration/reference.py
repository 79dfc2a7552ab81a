"""Reference integrations over the unit cube from well-kept integrators: adaptive Monte Carlo
(`vegas`, Lepage) and deterministic adaptive cubature (``scipy.integrate.cubature``).

Both take a vectorised numpy integrand ``f(x)`` on points ``(n, dim)`` and return a
:class:`physml.stats.Measurement` (the estimate and the integrator's own error estimate).

Used in:
    - :doc:`/book/foundations/integration-through-a-learned-primitive`
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import vegas
from scipy import integrate

from physml._checks import positive_int, positive_number
from physml.stats import Measurement


def _check_f(f: object) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def vegas_integral(
    f: Callable[[np.ndarray], np.ndarray],
    dim: int,
    neval: int = 20_000,
    nitn: int = 10,
    warmup: int = 5,
    seed: int = 0,
) -> Measurement:
    """``∫_{[0,1]^dim} f`` by VEGAS adaptive importance sampling (the `vegas` package).

    ``warmup`` iterations adapt the grid and are discarded; the next ``nitn`` are combined by
    vegas's weighted average.

    Args:
        f: vectorised integrand, ``(n, dim)`` float64 to ``(n,)``.
        dim: the dimension (>= 1).
        neval: integrand evaluations per iteration (>= 100).
        nitn: iterations kept (>= 1).
        warmup: adaptation iterations discarded (>= 0).
        seed: seeds the numpy generator vegas draws from.

    Returns:
        ``Measurement(mean, sdev)``.

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: naming the argument, on a bad size.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    _check_f(f)
    positive_int("dim", dim)
    positive_int("neval", neval, minimum=100)
    positive_int("nitn", nitn)
    positive_int("warmup", warmup, minimum=0)
    positive_int("seed", seed, minimum=0)
    generator = np.random.default_rng(seed)
    integ = vegas.Integrator(dim * [[0.0, 1.0]], ran_array_generator=generator.random)
    batch = vegas.lbatchintegrand(lambda x: np.asarray(f(np.asarray(x)), dtype=float))
    if warmup:
        integ(batch, nitn=warmup, neval=neval)
    result = integ(batch, nitn=nitn, neval=neval)
    return Measurement(float(result.mean), float(result.sdev))


def scipy_integral(
    f: Callable[[np.ndarray], np.ndarray], dim: int, rtol: float = 1e-10
) -> Measurement:
    """``∫_{[0,1]^dim} f`` by adaptive Gauss-Kronrod cubature (``scipy.integrate.cubature``).

    Args:
        f: vectorised integrand, ``(n, dim)`` float64 to ``(n,)``.
        dim: the dimension (>= 1).
        rtol: the relative tolerance asked for.

    Returns:
        ``Measurement(estimate, error estimate)``.

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: naming the argument, on a bad ``dim``/``rtol``; RuntimeError if the cubature
            did not converge.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> round(scipy_integral(lambda x: x.prod(-1), 3).value, 12)
        0.125
    """
    _check_f(f)
    positive_int("dim", dim)
    positive_number("rtol", rtol)
    res = integrate.cubature(
        lambda x: np.asarray(f(x), dtype=float), np.zeros(dim), np.ones(dim), rtol=rtol
    )
    if res.status != "converged":
        raise RuntimeError(f"scipy cubature did not converge: {res.status}")
    return Measurement(float(res.estimate), float(res.error))
