"""Gaussian-process inference with a network kernel: the posterior of eq. 7.14, the relaxation
dynamics of eq. 7.33 whose fixed point is ``K^-1 y``, and learning curves with a stochastic
(data-drawn) kernel against the mean (homogeneous, zeroth-order) kernel (Fig. 54e).
"""

from __future__ import annotations

import torch

from physml._checks import finite, non_negative_number, positive_int, positive_number

__all__ = ["gp_posterior", "mean_prediction", "relaxation_flow"]


def _square(name: str, k: torch.Tensor) -> torch.Tensor:
    if not isinstance(k, torch.Tensor) or not k.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if k.ndim < 2 or k.shape[-1] != k.shape[-2] or k.shape[-1] < 1:
        raise ValueError(
            f"{name} must be square in its last two dimensions, got {tuple(k.shape)}"
        )
    finite(name, k)
    return k


def gp_posterior(
    k_train: torch.Tensor,
    k_cross: torch.Tensor,
    k_test: torch.Tensor,
    y: torch.Tensor,
    noise: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior mean and variance of a Gaussian process at test points (eq. 7.14).

    ``<y*> = K*a (K + noise 1)^-1_ab y_b`` and
    ``Var y* = K** - K*a (K + noise 1)^-1_ab K_b*`` (the latent function's variance: add ``noise``
    for that of a noisy observation).

    Args:
        k_train: ``(D, D)`` kernel of the training points (without noise).
        k_cross: ``(P, D)`` kernel between test and training points.
        k_test: ``(P,)`` kernel of each test point with itself.
        y: ``(D,)`` training targets.
        noise: ``sigma_reg2`` of eqs. 7.9-7.10, added to the training diagonal, >= 0.

    Returns:
        ``(mean, variance)``, each ``(P,)``.

    Raises:
        TypeError, ValueError: on non-tensors, mismatched shapes, non-finite entries or a negative
            ``noise``.

    References:
        Pawlowski & Plehn 2025, eq. 7.14; Rasmussen & Williams, Gaussian processes for machine
        learning (2006), Alg. 2.1.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> k = torch.eye(2, dtype=torch.float64)
        >>> m, v = gp_posterior(k, k, torch.ones(2, dtype=torch.float64),
        ...                     torch.tensor([1.0, -1.0], dtype=torch.float64), noise=1.0)
        >>> m, v
        (tensor([ 0.5000, -0.5000], dtype=torch.float64), tensor([0.5000, 0.5000], dtype=torch.float64))
    """
    k_train = _square("k_train", k_train)
    if k_train.ndim != 2:
        raise ValueError(f"k_train must have shape (D, D), got {tuple(k_train.shape)}")
    d = k_train.shape[0]
    if (
        not isinstance(k_cross, torch.Tensor)
        or k_cross.ndim != 2
        or k_cross.shape[1] != d
    ):
        raise ValueError(f"k_cross must have shape (P, {d})")
    if not isinstance(k_test, torch.Tensor) or k_test.shape != (k_cross.shape[0],):
        raise ValueError(f"k_test must have shape ({k_cross.shape[0]},)")
    if not isinstance(y, torch.Tensor) or y.shape != (d,):
        raise ValueError(f"y must have shape ({d},)")
    noise = non_negative_number("noise", noise)
    for name, t in (("k_cross", k_cross), ("k_test", k_test), ("y", y)):
        finite(name, t)
    eye = torch.eye(d, dtype=k_train.dtype, device=k_train.device)
    chol = torch.linalg.cholesky(k_train + noise * eye)
    alpha = torch.cholesky_solve(y[:, None].to(k_train), chol)[:, 0]
    v = torch.cholesky_solve(k_cross.T.to(k_train), chol)
    return k_cross @ alpha, k_test - (k_cross * v.T).sum(1)


def relaxation_flow(
    k: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    dt: float | None = None,
    q0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integrate ``dq/dt = -K q + y`` (eq. 7.33) with explicit Euler steps; its fixed point is ``K^-1 y``.

    Batched: ``k`` of shape ``(..., D, D)`` and ``y`` of shape ``(..., D)`` relax together. The
    step is ``dt = 1 / lambda_max`` by default (the largest eigenvalue over the batch), which
    converges for a positive definite ``K`` at the rate ``lambda_min / lambda_max`` per step.

    Args:
        k: ``(..., D, D)`` symmetric positive definite kernels (with the ``sigma_reg2`` ridge).
        y: ``(..., D)`` targets.
        steps: Euler steps, >= 1.
        dt: step size, > 0; ``None`` for ``1 / lambda_max``.
        q0: ``(..., D)`` start; ``None`` for zeros.

    Returns:
        ``(q, residual)``, the state after ``steps`` steps, shape ``(..., D)``, and the relative
        residual ``|K q - y| / |y|`` after every step, shape ``(steps, ...)``.

    Raises:
        TypeError, ValueError: on mismatched shapes, non-finite entries, ``steps < 1`` or ``dt <= 0``.

    References:
        Pawlowski & Plehn 2025, eq. 7.33 (the MSRDJ construction of Sec. 7.2.1 starts from it).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> k = torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
        >>> q, r = relaxation_flow(k, torch.tensor([1.0, 1.0], dtype=torch.float64), 60)
        >>> q
        tensor([0.5000, 1.0000], dtype=torch.float64)
    """
    k = _square("k", k)
    if not isinstance(y, torch.Tensor) or y.shape != k.shape[:-1]:
        raise ValueError(f"y must have shape {tuple(k.shape[:-1])}")
    finite("y", y)
    steps = positive_int("steps", steps)
    if dt is None:
        dt = 1.0 / float(torch.linalg.eigvalsh(k).max())
    dt = positive_number("dt", dt)
    q = torch.zeros_like(y) if q0 is None else q0.clone()
    if q.shape != y.shape:
        raise ValueError(f"q0 must have shape {tuple(y.shape)}")
    y_norm = y.norm(dim=-1)
    residual = []
    for _ in range(steps):  # time steps of one batched flow
        r = y - (k @ q[..., None])[..., 0]
        q = q + dt * r
        residual.append(r.norm(dim=-1) / y_norm)
    r = y - (k @ q[..., None])[..., 0]
    residual[-1] = r.norm(dim=-1) / y_norm
    return q, torch.stack(residual)


def mean_prediction(
    k_train: torch.Tensor, k_cross: torch.Tensor, y: torch.Tensor, noise: float
) -> torch.Tensor:
    """The posterior mean ``K*a (K + noise 1)^-1 y`` for a batch of kernels (eqs. 7.14, 7.28).

    One test point per data set: with ``k_train`` a batch of ``(D, D)`` kernels drawn with the
    data, the average of the result over the batch is the disorder average of eq. 7.28; with
    the mean kernel it is the zeroth-order (homogeneous-kernel) prediction.

    Args:
        k_train: ``(B, D, D)`` training kernels (no noise).
        k_cross: ``(B, D)`` kernel between the test point and the training points.
        y: ``(D,)`` or ``(B, D)`` training targets.
        noise: ``sigma_reg2``, > 0.

    Returns:
        ``(B,)`` predicted means.

    Raises:
        TypeError, ValueError: on mismatched shapes, non-finite entries or ``noise <= 0``.

    References:
        Pawlowski & Plehn 2025, eqs. 7.14, 7.23 and 7.28.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    k_train = _square("k_train", k_train)
    if k_train.ndim != 3:
        raise ValueError(
            f"k_train must have shape (B, D, D), got {tuple(k_train.shape)}"
        )
    b, d, _ = k_train.shape
    if not isinstance(k_cross, torch.Tensor) or k_cross.shape != (b, d):
        raise ValueError(f"k_cross must have shape ({b}, {d})")
    if not isinstance(y, torch.Tensor) or y.shape not in ((d,), (b, d)):
        raise ValueError(f"y must have shape ({d},) or ({b}, {d})")
    noise = positive_number("noise", noise)
    finite("k_cross", k_cross)
    eye = torch.eye(d, dtype=k_train.dtype, device=k_train.device)
    yy = y.expand(b, d).to(k_train)[..., None]
    alpha = torch.linalg.solve(k_train + noise * eye, yy)[..., 0]
    return (k_cross * alpha).sum(-1)
