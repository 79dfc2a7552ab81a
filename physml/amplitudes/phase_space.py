"""RAMBO phase space for massless particles and the 2 -> n collision at fixed energy.

RAMBO (Kleiss, Stirling and Ellis 1986) maps ``4 n`` uniform numbers to ``n`` massless momenta
in their centre-of-mass frame, distributed uniformly in the Lorentz-invariant phase space with
the same weight for every event. :func:`two_to_n` puts two incoming massless beams along ``z``
in front of them, and :func:`cuts` is the acceptance of the amplitude-regression chapter
(Pawlowski & Plehn 2025, Sec. 2.1): every final-state particle with ``pT > 20 GeV``,
``|eta| < 2.5``, and every pair separated by ``Delta R > 0.4``.

Momenta are ``(E, px, py, pz)`` in GeV, float64, the particle index second-to-last.

Used in: :doc:`/book/foundations/learning-scattering-amplitudes`.
"""

from __future__ import annotations

import math

import torch

from physml._checks import finite, positive_int, positive_number

#: The acceptance cuts of the amplitude-regression chapter, ``pT > 20 GeV``, ``|eta| < 2.5``
#: and ``Delta R > 0.4`` between every pair of final-state particles.
PT_MIN = 20.0
ETA_MAX = 2.5
DELTA_R_MIN = 0.4


def _momenta(name: str, momenta: torch.Tensor, n: int | None = None) -> torch.Tensor:
    if not isinstance(momenta, torch.Tensor) or not momenta.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch tensor")
    if momenta.ndim != 3 or momenta.shape[-1] != 4:
        raise ValueError(
            f"{name} must have shape (n_events, n_particles, 4), got {tuple(momenta.shape)}"
        )
    if n is not None and momenta.shape[1] != n:
        raise ValueError(f"{name} must hold {n} particles, got {momenta.shape[1]}")
    return finite(name, momenta)


def phase_space_volume(n: int, sqrt_s: float) -> float:
    """The volume of the Lorentz-invariant phase space of ``n`` massless particles.

    ``Phi_n = (2 pi)^(4 - 3n) (pi / 2)^(n - 1) s^(n - 2) / ((n - 1)! (n - 2)!)``, with the measure
    ``prod_i d^3p_i / ((2 pi)^3 2 E_i) (2 pi)^4 delta^4(P - sum_i p_i)``: ``1 / (8 pi)`` for
    ``n = 2``, ``s / (256 pi^3)`` for ``n = 3``. It is RAMBO's weight, the same for every event.

    Args:
        n: the number of massless particles, at least 2.
        sqrt_s: the centre-of-mass energy ``sqrt(s)`` in GeV.

    Returns:
        The volume in ``GeV^(2n - 4)``.

    Raises:
        ValueError: if ``n`` is not an int >= 2 or ``sqrt_s`` is not a positive number.

    References:
        R. Kleiss, W. J. Stirling, S. D. Ellis, Comput. Phys. Commun. 40 (1986) 359, eq. 4.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> round(phase_space_volume(2, 100.0) * 8 * math.pi, 12)
        1.0
        >>> round(phase_space_volume(3, 100.0) * 256 * math.pi**3 / 100.0**2, 12)
        1.0
    """
    positive_int("n", n, minimum=2)
    s = positive_number("sqrt_s", sqrt_s) ** 2
    return (
        (2 * math.pi) ** (4 - 3 * n)
        * (math.pi / 2) ** (n - 1)
        * s ** (n - 2)
        / (math.factorial(n - 1) * math.factorial(n - 2))
    )


def rambo(
    n_events: int,
    n: int,
    sqrt_s: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``n`` massless momenta in their centre-of-mass frame, flat in phase space (RAMBO).

    Each event draws ``n`` massless momenta ``q_i`` with isotropic directions and energies
    ``q_i^0 = -log(r_1 r_2)`` (density ``q^0 exp(-q^0)``), then boosts and scales them so that
    they sum to ``(sqrt_s, 0, 0, 0)``. Every event carries the same weight,
    :func:`phase_space_volume` ``(n, sqrt_s)``.

    Args:
        n_events: the number of events.
        n: the number of particles per event, at least 2.
        sqrt_s: the total energy in GeV.
        generator: the CPU generator of the uniform numbers (None: torch's default).

    Returns:
        The momenta ``(E, px, py, pz)``, shape ``(n_events, n, 4)``, float64, in GeV.

    Raises:
        ValueError: if ``n_events`` is not a positive int, ``n`` not an int >= 2, or ``sqrt_s``
            not a positive number.

    References:
        R. Kleiss, W. J. Stirling, S. D. Ellis, Comput. Phys. Commun. 40 (1986) 359, Sec. 3.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p = rambo(3, 4, 100.0, generator=torch.Generator().manual_seed(0))
        >>> p.shape, p.dtype
        (torch.Size([3, 4, 4]), torch.float64)
        >>> torch.allclose(p.sum(1), torch.tensor([100.0, 0, 0, 0], dtype=torch.float64))
        True
    """
    positive_int("n_events", n_events)
    positive_int("n", n, minimum=2)
    sqrt_s = positive_number("sqrt_s", sqrt_s)
    r = torch.rand(n_events, n, 4, generator=generator, dtype=torch.float64)
    r = r.clamp_min(torch.finfo(torch.float64).tiny)  # torch.rand may return 0
    cos = 2 * r[..., 0] - 1
    sin = torch.sqrt(torch.clamp(1 - cos**2, min=0))
    phi = 2 * math.pi * r[..., 1]
    q0 = -torch.log(r[..., 2] * r[..., 3])
    q = torch.stack(
        (q0, q0 * sin * torch.cos(phi), q0 * sin * torch.sin(phi), q0 * cos), dim=-1
    )
    total = q.sum(1)  # (n_events, 4)
    mass = torch.sqrt(total[:, 0] ** 2 - (total[:, 1:] ** 2).sum(-1))
    b = -total[:, 1:] / mass[:, None]  # (n_events, 3)
    gamma = total[:, 0] / mass
    a = 1 / (1 + gamma)
    x = sqrt_s / mass
    bq = (b[:, None, :] * q[..., 1:]).sum(-1)  # (n_events, n)
    energy = x[:, None] * (gamma[:, None] * q[..., 0] + bq)
    vec = x[:, None, None] * (
        q[..., 1:] + b[:, None, :] * (q[..., 0] + a[:, None] * bq)[..., None]
    )
    return torch.cat((energy[..., None], vec), dim=-1)


def two_to_n(
    n_events: int,
    sqrt_s: float,
    n_final: int = 3,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Events of a ``2 -> n_final`` massless collision at fixed ``sqrt_s``, beams along ``z``.

    The incoming momenta are ``p_1 = (sqrt_s / 2)(1, 0, 0, 1)`` and
    ``p_2 = (sqrt_s / 2)(1, 0, 0, -1)``; the outgoing ones come from :func:`rambo`, flat in phase
    space with the weight :func:`phase_space_volume` ``(n_final, sqrt_s)``. All momenta are
    physical (positive energies): ``p_1 + p_2 = sum_i p_i``.

    Args:
        n_events: the number of events.
        sqrt_s: the centre-of-mass energy in GeV.
        n_final: the number of outgoing particles, at least 2.
        generator: the CPU generator (None: torch's default).

    Returns:
        The momenta, incoming first, of shape ``(n_events, 2 + n_final, 4)``, float64, in GeV.

    Raises:
        ValueError: as :func:`rambo`.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p = two_to_n(2, 1000.0, generator=torch.Generator().manual_seed(0))
        >>> p.shape
        torch.Size([2, 5, 4])
        >>> p[0, :2].tolist()
        [[500.0, 0.0, 0.0, 500.0], [500.0, 0.0, 0.0, -500.0]]
    """
    final = rambo(n_events, n_final, sqrt_s, generator=generator)
    half = float(sqrt_s) / 2
    beams = torch.tensor(
        [[half, 0.0, 0.0, half], [half, 0.0, 0.0, -half]], dtype=torch.float64
    )
    return torch.cat((beams.expand(n_events, 2, 4), final), dim=1)


def transverse_momentum(momenta: torch.Tensor) -> torch.Tensor:
    """The transverse momentum ``pT = sqrt(px^2 + py^2)`` of each particle.

    Args:
        momenta: ``(..., 4)`` momenta ``(E, px, py, pz)`` in GeV.

    Returns:
        ``pT`` in GeV, shape ``momenta.shape[:-1]``.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    return torch.hypot(momenta[..., 1], momenta[..., 2])


def pseudorapidity(momenta: torch.Tensor) -> torch.Tensor:
    """The pseudorapidity ``eta = asinh(pz / pT)`` of each particle (infinite along the beam).

    Args:
        momenta: ``(..., 4)`` momenta ``(E, px, py, pz)`` in GeV.

    Returns:
        ``eta``, shape ``momenta.shape[:-1]``.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    return torch.asinh(momenta[..., 3] / transverse_momentum(momenta))


def cuts(
    momenta: torch.Tensor,
    pt_min: float = PT_MIN,
    eta_max: float = ETA_MAX,
    delta_r_min: float = DELTA_R_MIN,
    n_incoming: int = 2,
) -> torch.Tensor:
    """Which events pass the acceptance: every final-state particle hard, central and isolated.

    A particle passes with ``pT > pt_min`` and ``|eta| < eta_max``; every pair of final-state
    particles must have ``Delta R = sqrt(Delta eta^2 + Delta phi^2) > delta_r_min`` (``Delta phi``
    wrapped into ``[0, pi]``). The defaults are the chapter's (the acceptance of Pawlowski &
    Plehn 2025, Sec. 2.1, refs. 4-5): 20 GeV, 2.5, 0.4. Away from the cuts the squared amplitude
    of :mod:`physml.amplitudes.gluons` is finite: they keep every ``s_ij`` away from zero.

    Args:
        momenta: ``(n_events, n_particles, 4)`` momenta in GeV, the ``n_incoming`` incoming first.
        pt_min: the smallest transverse momentum, GeV.
        eta_max: the largest ``|eta|``.
        delta_r_min: the smallest ``Delta R`` between two final-state particles.
        n_incoming: how many leading particles are incoming (not cut on), 0 or more.

    Returns:
        A bool mask of shape ``(n_events,)``.

    Raises:
        TypeError: if ``momenta`` is not a floating-point tensor.
        ValueError: on a wrong shape, NaN or infinite momenta, negative cut values, or
            ``n_incoming`` not below the number of particles.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p = two_to_n(1000, 1000.0, generator=torch.Generator().manual_seed(0))
        >>> 0.8 < float(cuts(p).double().mean()) < 1.0
        True
    """
    _momenta("momenta", momenta)
    for name, value in (
        ("pt_min", pt_min),
        ("eta_max", eta_max),
        ("delta_r_min", delta_r_min),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if isinstance(n_incoming, bool) or not isinstance(n_incoming, int):
        raise ValueError(f"n_incoming must be an int >= 0, got {n_incoming!r}")
    if not 0 <= n_incoming < momenta.shape[1]:
        raise ValueError(
            f"n_incoming must lie in [0, {momenta.shape[1]}), got {n_incoming}"
        )
    final = momenta[:, n_incoming:]
    pt = transverse_momentum(final)
    eta = pseudorapidity(final)
    phi = torch.atan2(final[..., 2], final[..., 1])
    ok = ((pt > pt_min) & (eta.abs() < eta_max)).all(1)
    i, j = torch.triu_indices(final.shape[1], final.shape[1], offset=1)
    d_eta = eta[:, i] - eta[:, j]
    d_phi = torch.remainder(phi[:, i] - phi[:, j] + math.pi, 2 * math.pi) - math.pi
    d_r = torch.sqrt(d_eta**2 + d_phi**2)
    return ok & (d_r > delta_r_min).all(1)


def sample_accepted(
    n_events: int,
    sqrt_s: float,
    n_final: int = 3,
    generator: torch.Generator | None = None,
    batch: int = 100_000,
    max_draws: int = 100_000_000,
) -> tuple[torch.Tensor, float]:
    """``n_events`` events of :func:`two_to_n` that pass the default :func:`cuts`.

    Draws batches of ``batch`` events and keeps those that pass, in the order drawn. The
    accepted events stay flat in phase space; the fraction that passed estimates the accepted
    share of the volume (``phase_space_volume(n_final, sqrt_s) * acceptance``).

    Args:
        n_events: the number of accepted events wanted.
        sqrt_s: the centre-of-mass energy in GeV.
        n_final: the number of outgoing particles, at least 2.
        generator: the CPU generator (None: torch's default).
        batch: the events drawn per batch.
        max_draws: the most events drawn before giving up.

    Returns:
        A pair ``(momenta, acceptance)``, the momenta of shape ``(n_events, 2 + n_final, 4)``,
        float64, GeV, and the fraction of drawn events that passed (a float in ``(0, 1]``).

    Raises:
        ValueError: on a non-positive count, or when ``max_draws`` events give fewer than
            ``n_events`` accepted ones.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> p, acc = sample_accepted(10, 1000.0, generator=torch.Generator().manual_seed(0))
        >>> p.shape, bool(cuts(p).all())
        (torch.Size([10, 5, 4]), True)
    """
    positive_int("n_events", n_events)
    positive_int("batch", batch)
    positive_int("max_draws", max_draws)
    kept, n_kept, drawn = [], 0, 0
    while n_kept < n_events:
        if drawn >= max_draws:
            raise ValueError(
                f"max_draws={max_draws} events gave {n_kept} accepted, fewer than "
                f"n_events={n_events}"
            )
        p = two_to_n(batch, sqrt_s, n_final=n_final, generator=generator)
        drawn += batch
        p = p[cuts(p)]
        kept.append(p)
        n_kept += p.shape[0]
    return torch.cat(kept)[:n_events], n_kept / drawn
