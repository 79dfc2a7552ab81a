"""The one-loop integral of the notes' eqs. 2.30-2.31 and the integrand normalisation of eq. 2.12.

``I_1L(s12, s14) = ∫_0^1 d^3x F_1L^{-2}`` with
``F_1L = m_t^2 (1 + x1 + x2 + x3)^2 - x1 x3 s12 - x2 s14 - (x1 + x3) x2 m_H^2``, a Feynman-parameter
integral of Higgs-pair production (Maître and Santos-Mateos 2023). In the Euclidean region
``s12, s14 <= 0`` (with ``m_H < 2 m_t``) ``F_1L >= 1`` on the cube, so the integrand is smooth and
the integral real. Units: ``m_t = 1``.

Used in:
    - :doc:`/book/foundations/integration-through-a-learned-primitive`
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from physml._checks import positive_int

#: The top mass (the unit of the chapter).
M_T = 1.0
#: The Higgs mass squared in units of m_t^2, (125/173)^2.
M_H2 = (125.0 / 173.0) ** 2
#: The lower end of the chapter's parameter box, s12 and s14 in [S_MIN, 0] (Euclidean, in units of m_t^2).
S_MIN = -4.0


def _check_x(x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"x must have shape (..., 3), got {tuple(x.shape)}")
    return x


def _check_euclidean(s12: torch.Tensor | float, s14: torch.Tensor | float) -> None:
    for name, v in (("s12", s12), ("s14", s14)):
        t = torch.as_tensor(v)
        if not torch.isfinite(t).all() or (t > 0).any():
            raise ValueError(
                f"{name} must be finite and <= 0 (the Euclidean region), got {v}"
            )


def denominator(
    x: torch.Tensor,
    s12: torch.Tensor | float,
    s14: torch.Tensor | float,
    m_h2: float = M_H2,
    m_t2: float = M_T**2,
) -> torch.Tensor:
    """``F_1L`` in its compact form, ``m_t^2 (1 + Σx)^2 - x1 x3 s12 - x2 s14 - (x1 + x3) x2 m_H^2``.

    Args:
        x: Feynman parameters ``(..., 3)``.
        s12: the invariant s12 (in units of m_t^2), a scalar or broadcastable to ``x[..., 0]``.
        s14: the invariant s14, likewise.
        m_h2: the Higgs mass squared.
        m_t2: the top mass squared.

    Returns:
        ``(...)``, ``x``'s dtype.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: if ``x`` does not end in 3.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> float(denominator(torch.zeros(3), -1.0, -1.0))
        1.0
    """
    x = _check_x(x)
    x1, x2, x3 = x.unbind(-1)
    return (
        m_t2 * (1 + x1 + x2 + x3) ** 2
        - x1 * x3 * s12
        - x2 * s14
        - (x1 + x3) * x2 * m_h2
    )


def denominator_expanded(
    x: torch.Tensor,
    s12: torch.Tensor | float,
    s14: torch.Tensor | float,
    m_h2: float = M_H2,
    m_t2: float = M_T**2,
) -> torch.Tensor:
    """``F_1L`` term by term as printed in the notes' eq. 2.31 (the check on :func:`denominator`).

    Args:
        x: Feynman parameters ``(..., 3)``.
        s12: the invariant s12, a scalar or broadcastable to ``x[..., 0]``.
        s14: the invariant s14, likewise.
        m_h2: the Higgs mass squared.
        m_t2: the top mass squared.

    Returns:
        ``(...)``, ``x``'s dtype.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: if ``x`` does not end in 3.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    x = _check_x(x)
    x1, x2, x3 = x.unbind(-1)
    return (
        m_t2
        + 2 * x3 * m_t2
        + x3**2 * m_t2
        + 2 * x2 * m_t2
        - x2 * s14
        + 2 * x2 * x3 * m_t2
        - x2 * x3 * m_h2
        + x2**2 * m_t2
        + 2 * x1 * m_t2
        + 2 * x1 * x3 * m_t2
        - x1 * x3 * s12
        + 2 * x1 * x2 * m_t2
        - x1 * x2 * m_h2
        + x1**2 * m_t2
    )


def integrand(
    x: torch.Tensor, s12: torch.Tensor | float, s14: torch.Tensor | float
) -> torch.Tensor:
    """``f = F_1L^{-2}`` (eq. 2.30), with the chapter's masses.

    Args:
        x: ``(..., 3)`` in the unit cube.
        s12: <= 0 (the Euclidean region), a scalar or broadcastable to ``x[..., 0]``.
        s14: <= 0, likewise.

    Returns:
        ``(...)``.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a bad shape or an ``s`` outside the Euclidean region.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    _check_euclidean(s12, s14)
    return denominator(x, s12, s14) ** -2


def params(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Map unit parameters ``u ∈ [0, 1]^2`` (the network's inputs) to ``(s12, s14) = S_MIN · u``.

    Args:
        u: ``(..., 2)`` in ``[0, 1]``.

    Returns:
        ``(s12, s14)``, each ``(...)``.

    Raises:
        TypeError: if ``u`` is not a tensor.
        ValueError: on a bad shape or values outside ``[0, 1]``.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(u, torch.Tensor):
        raise TypeError(f"u must be a torch.Tensor, got {type(u).__name__}")
    if u.ndim < 1 or u.shape[-1] != 2:
        raise ValueError(f"u must have shape (..., 2), got {tuple(u.shape)}")
    if not torch.isfinite(u).all() or (u < 0).any() or (u > 1).any():
        raise ValueError("u must lie in [0, 1]")
    return S_MIN * u[..., 0], S_MIN * u[..., 1]


def normalised(
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], dim: int
) -> tuple[
    Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    Callable[[torch.Tensor], torch.Tensor],
]:
    """Normalise an integrand by its value at the centre of the cube (eq. 2.12).

    ``f(x; s) → f(x; s) / f(½, …, ½; s)``, so ``I(s) = f(½; s) · I_norm(s)``.

    Args:
        f: ``f(x, s)`` on ``x`` of shape ``(..., dim)`` and parameters ``s`` of shape
            ``(..., n_params)``, returning ``(...)``.
        dim: the integration dimension.

    Returns:
        ``(f_norm, scale)``, the callables ``f_norm(x, s)`` and ``scale(s) = f(½; s)`` (of shape
        ``s.shape[:-1]``).

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: if ``dim`` is not a positive int.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> f_norm, scale = normalised(lambda x, s: (1 + x.sum(-1)) * s[..., 0], 2)
        >>> float(scale(torch.tensor([3.0]))), float(f_norm(torch.zeros(2), torch.tensor([3.0])))
        (6.0, 0.5)
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    positive_int("dim", dim)

    def scale(s: torch.Tensor) -> torch.Tensor:
        centre = torch.full(s.shape[:-1] + (dim,), 0.5, dtype=s.dtype, device=s.device)
        return f(centre, s)

    def f_norm(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return f(x, s) / scale(s)

    return f_norm, scale


def unit_integrand(x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The one-loop integrand over unit parameters: ``f(x; s(u))`` with ``s = S_MIN · u``.

    Args:
        x: ``(..., 3)``.
        u: ``(..., 2)`` in ``[0, 1]``, broadcastable with ``x``.

    Returns:
        ``(...)``.

    Raises:
        TypeError, ValueError: as :func:`params` and :func:`integrand`.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    s12, s14 = params(u)
    return integrand(x, s12, s14)
