"""Tree-level multi-gluon squared amplitudes from the Parke-Taylor formula (g g -> g g g).

The amplitude-regression chapter needs a squared amplitude over five massless momenta with
steep soft and collinear enhancements. The notes (Pawlowski & Plehn 2025, Sec. 2.1) regress
one-loop g g -> gamma gamma g amplitudes from NJet, which is not available here; this module is
the in-code substitute: the tree-level g g -> g g g squared matrix element, summed over colours
and helicities, which the Parke-Taylor formula gives exactly for five gluons (every non-zero
helicity amplitude is MHV or anti-MHV, and the subleading-colour terms cancel for n <= 5).

With all momenta outgoing (``k_1 = -p_1``, ``k_2 = -p_2`` for the incoming gluons) and
``s_ij = (k_i + k_j)^2 = 2 k_i . k_j``, the squared amplitude is::

    sum_{colours, helicities} |M_n|^2
        = h_n g_s^(2n - 4) N^(n - 2) (N^2 - 1) sum_{i<j} s_ij^4
          sum_{sigma in S_(n-1)} 1 / (s_(1 sigma_2) s_(sigma_2 sigma_3) ... s_(sigma_n 1)),

the inner sum over the ``(n - 1)!`` orderings with gluon 1 first (reflections counted
separately), ``h_4 = 1`` (each helicity configuration with two negative helicities once) and
``h_5 = 2`` (MHV and anti-MHV configurations are distinct for n = 5). This is Mangano & Parke's
eq. with dot products, ``sum (p_i.p_j)^4 / (p_1.p_2 ... p_n.p_1) = 2^(n - 4) sum s^4 / (s ... s)``.
``g_s = sqrt(4 pi alpha_s)`` is the usual strong coupling (generators with
``Tr(t^a t^b) = delta^ab / 2``).

How the constant was checked (tests/unit/amplitudes/test_gluons.py): for n = 4 the formula equals
the textbook ``g g -> g g`` result ``256 g^4 (9/2)(3 - tu/s^2 - su/t^2 - st/u^2)`` (Ellis, Stirling
and Webber, Table 7.1, times the 256 initial colours and helicities); for n = 4 and n = 5 it equals
a direct sum, over SU(3) colour indices and helicities, of the colour-ordered amplitudes
``<ij>^4 / (<12><23>...<n1>)`` (and their parity conjugates) built from spinor products, with
``M = g^(n-2) sum_sigma Tr(T^a1 T^a_sigma2 ...) A(1, sigma)``, ``Tr(T^a T^b) = delta^ab``.

Used in: :doc:`/book/foundations/learning-scattering-amplitudes`.
"""

from __future__ import annotations

import functools
import itertools

import torch

from physml._checks import finite, positive_int, positive_number

#: The helicity factor ``h_n`` of the colour-summed Parke-Taylor formula, for the ``n`` it is
#: exact for: the MHV configurations alone for n = 4 (they are also the anti-MHV ones), MHV plus
#: anti-MHV for n = 5.
HELICITY_FACTOR = {4: 1, 5: 2}


def _check_momenta(momenta: torch.Tensor, n_incoming: int) -> torch.Tensor:
    if not isinstance(momenta, torch.Tensor) or not momenta.is_floating_point():
        raise TypeError("momenta must be a floating-point torch tensor")
    if momenta.ndim != 3 or momenta.shape[-1] != 4:
        raise ValueError(
            f"momenta must have shape (n_events, n_particles, 4), got {tuple(momenta.shape)}"
        )
    if isinstance(n_incoming, bool) or not isinstance(n_incoming, int):
        raise ValueError(f"n_incoming must be an int, got {n_incoming!r}")
    if not 0 <= n_incoming <= momenta.shape[1]:
        raise ValueError(
            f"n_incoming must lie in [0, {momenta.shape[1]}], got {n_incoming}"
        )
    return finite("momenta", momenta).to(torch.float64)


def invariants(momenta: torch.Tensor, n_incoming: int = 2) -> torch.Tensor:
    """The invariants ``s_ij = 2 k_i . k_j`` with every momentum crossed to outgoing.

    The first ``n_incoming`` momenta are incoming and enter as ``k = -p``; for massless momenta
    ``s_ij = (k_i + k_j)^2``, so ``s_12 = s > 0`` and ``s_1j < 0`` for an outgoing ``j``. With
    momentum conservation every row sums to zero.

    Args:
        momenta: ``(n_events, n, 4)`` physical momenta ``(E, px, py, pz)`` in GeV, incoming first.
        n_incoming: how many leading momenta are incoming.

    Returns:
        ``s_ij`` of shape ``(n_events, n, n)``, float64, in GeV^2 (zero diagonal).

    Raises:
        TypeError: if ``momenta`` is not a floating-point tensor.
        ValueError: on a wrong shape, NaN or infinite entries, or ``n_incoming`` outside
            ``[0, n]``.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p = torch.tensor([[[1.0, 0, 0, 1], [1, 0, 0, -1], [1, 1, 0, 0], [1, -1, 0, 0]]])
        >>> invariants(p)[0].tolist()[0]
        [0.0, 4.0, -2.0, -2.0]
    """
    p = _check_momenta(momenta, n_incoming)
    sign = torch.ones(p.shape[1], dtype=p.dtype, device=p.device)
    sign[:n_incoming] = -1
    k = p * sign[:, None]
    metric = torch.tensor([1.0, -1.0, -1.0, -1.0], dtype=p.dtype, device=p.device)
    s = 2 * torch.einsum("emu,enu,u->emn", k, k, metric)
    eye = torch.eye(p.shape[1], dtype=torch.bool, device=p.device)
    return s.masked_fill(eye, 0.0)


@functools.cache
def _orderings(n: int) -> tuple[tuple[int, ...], ...]:
    """The ``(n - 1)!`` orderings of ``0..n-1`` that start with 0."""
    return tuple((0, *rest) for rest in itertools.permutations(range(1, n)))


def squared_amplitude(
    momenta: torch.Tensor,
    coupling: float = 1.0,
    n_colours: int = 3,
    average: bool = False,
    n_incoming: int = 2,
) -> torch.Tensor:
    """The tree-level ``|M|^2`` of ``n`` gluons (``g g -> g g g`` for n = 5), summed over colours and helicities.

    The colour-summed Parke-Taylor formula of the module docstring, exact for n = 4 and n = 5;
    ``coupling`` is ``g_s`` (``g_s^2 = 4 pi alpha_s``), so the default 1 gives the squared
    amplitude in units of ``g_s^(2n - 4)``. With ``average=True`` it is divided by the
    ``4 (N^2 - 1)^2`` helicity and colour states of the two incoming gluons (the usual
    ``sum-bar |M|^2``; no final-state symmetry factor is applied). The result is symmetric under
    every permutation of the gluons and Lorentz invariant; it grows like ``1 / E^2`` as one
    gluon's energy ``E`` goes to zero and like ``1 / s_ij`` as two gluons become collinear.

    Args:
        momenta: ``(n_events, n, 4)`` physical momenta ``(E, px, py, pz)`` in GeV, the
            ``n_incoming`` incoming first, massless and conserving momentum; n is 4 or 5.
            Computed in float64.
        coupling: the strong coupling ``g_s`` (dimensionless, > 0).
        n_colours: ``N`` of SU(N), at least 2 (the direct check in the tests is for N = 3).
        average: divide by the incoming gluons' ``4 (N^2 - 1)^2`` states.
        n_incoming: how many leading momenta are incoming (crossed to outgoing, ``k = -p``).

    Returns:
        ``|M|^2`` per event, shape ``(n_events,)``, float64, in ``GeV^(8 - 2n)`` (``GeV^-2`` for
        n = 5, dimensionless for n = 4).

    Raises:
        TypeError: if ``momenta`` is not a floating-point tensor.
        ValueError: on a shape other than ``(n_events, 4 or 5, 4)``, NaN or infinite momenta,
            a non-positive ``coupling``, ``n_colours`` below 2, or a bad ``n_incoming``.

    References:
        S. J. Parke, T. R. Taylor, Phys. Rev. Lett. 56 (1986) 2459; M. L. Mangano, S. J. Parke,
        Phys. Rep. 200 (1991) 301, Sec. 3 (the colour-summed squared amplitude);
        F. A. Berends, W. T. Giele, Nucl. Phys. B 294 (1987) 700.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p = torch.tensor([[[1.0, 0, 0, 1], [1, 0, 0, -1], [1, 1, 0, 0], [1, -1, 0, 0]]])
        >>> s, t, u = 4.0, -2.0, -2.0
        >>> esw = 256 * 4.5 * (3 - t * u / s**2 - s * u / t**2 - s * t / u**2)
        >>> round(float(squared_amplitude(p)[0]) / esw, 12)
        1.0
    """
    s = invariants(momenta, n_incoming)
    n = s.shape[1]
    if n not in HELICITY_FACTOR:
        raise ValueError(
            f"momenta must hold 4 or 5 gluons (the Parke-Taylor sum is exact for these), got {n}"
        )
    g = positive_number("coupling", coupling)
    positive_int("n_colours", n_colours, minimum=2)
    if not isinstance(average, bool):
        raise TypeError(f"average must be a bool, got {type(average).__name__}")
    i, j = torch.triu_indices(n, n, offset=1)
    numerator = (s[:, i, j] ** 4).sum(-1)
    order = torch.tensor(_orderings(n), device=s.device)  # (n_orderings, n)
    nxt = order.roll(-1, dims=1)
    denominators = s[:, order, nxt].prod(-1)  # (n_events, n_orderings)
    ordered = (1 / denominators).sum(-1)
    colour = n_colours ** (n - 2) * (n_colours**2 - 1)
    out = HELICITY_FACTOR[n] * g ** (2 * n - 4) * colour * numerator * ordered
    if average:
        out = out / (4 * (n_colours**2 - 1) ** 2)
    return out
