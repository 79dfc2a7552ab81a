"""The synthetic pixel data of eqs. 7.15-7.16 and the statistics of their kernel, eqs. 7.17-7.20.

A pattern ``x in {-1, 1}^N_dim`` of class 1 has pixels ``+1`` with probability ``p`` in its left
half and ``-1`` with probability ``p`` in its right half; class 2 has the negated statistics.
Writing ``x_ai = c_a s_i e_ai`` (``c = +1, -1`` for classes 1, 2; ``s_i = +1, -1`` for the left and
right halves; ``e_ai = +1`` with probability ``p``, mean ``m = 2p - 1``) gives the input kernel's
mean and covariance in closed form, with ``u = m^2``, ``kappa = 1 - u^2``, ``nu = u (1 - u)``:
for ``a != b``, ``c != d``,
``Cov(K_ab, K_cd) = (sigma_v2^2 / N_dim) c_a c_b c_c c_d [kappa if {a,b} = {c,d};
nu if the pairs share one index; 0 if they share none]``, and ``K_aa = sigma_v2`` exactly.

For a shared row index the sign is ``+`` when the two *other* patterns are of one class and
``-`` when they differ, whatever the class of the shared one: ``+nu`` for ``c_a = c_b = c_d`` and
``c_a != c_b = c_d``, ``-nu`` for ``c_a = c_b != c_d`` and ``c_a = c_d != c_b``. The notes'
eq. 7.19 lists ``c_a != c_b = c_d`` under both signs; the second ``-nu`` case is
``c_a = c_d != c_b``.
"""

from __future__ import annotations

import torch

from physml._checks import finite, fraction, positive_int, positive_number

__all__ = [
    "CATEGORIES",
    "category_statistics",
    "class_signs",
    "kernel_categories",
    "kernel_covariance",
    "kernel_mean",
    "synthetic_pixels",
]

#: The index patterns of eqs. 7.19-7.20 that :func:`category_statistics` averages over.
CATEGORIES: tuple[str, ...] = (
    "mean, same class",
    "mean, other class",
    "variance",
    "row, c_a = c_b = c_d",
    "row, c_a != c_b = c_d",
    "row, c_a = c_b != c_d",
    "row, c_a = c_d != c_b",
    "disjoint pairs",
)


def class_signs(classes: torch.Tensor) -> torch.Tensor:
    """``+1`` for class 1 and ``-1`` for class 2, as float64 on the device of ``classes``.

    Args:
        classes: ``(D,)`` integer tensor of 1s and 2s.

    Returns:
        ``(D,)`` float64 tensor.

    Raises:
        TypeError: if ``classes`` is not an integer tensor.
        ValueError: if it is not 1-D, empty, or holds values other than 1 and 2.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    if not isinstance(classes, torch.Tensor) or classes.is_floating_point():
        raise TypeError("classes must be an integer torch.Tensor of 1s and 2s")
    if classes.ndim != 1 or classes.numel() == 0:
        raise ValueError(
            f"classes must be a non-empty 1-D tensor, got {tuple(classes.shape)}"
        )
    if not bool(((classes == 1) | (classes == 2)).all()):
        raise ValueError("classes must hold only 1 and 2")
    return torch.where(classes == 1, 1.0, -1.0).to(torch.float64)


def _p(p: float) -> float:
    return fraction("p", p)


def _n_dim(n_dim: int) -> int:
    n_dim = positive_int("n_dim", n_dim, minimum=2)
    if n_dim % 2:
        raise ValueError(f"n_dim must be even (two halves), got {n_dim}")
    return n_dim


def synthetic_pixels(
    classes: torch.Tensor,
    n_dim: int,
    p: float,
    n_draws: int = 1,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw ``n_draws`` data sets of patterns with the given classes (eqs. 7.15-7.16).

    Args:
        classes: ``(D,)`` integer tensor of 1s and 2s, the class of each pattern.
        n_dim: pixels per pattern ``N_dim``, even, >= 2.
        p: the pixel probability of eq. 7.15, in ``(0, 1]``.
        n_draws: independent data sets, >= 1.
        generator: a CPU generator; ``None`` for torch's default (drawn on its device).

    Returns:
        ``(n_draws, D, n_dim)`` float64 tensor of ``+-1``, on the device of ``classes``.

    Raises:
        TypeError, ValueError: on bad classes, an odd ``n_dim``, ``p`` outside ``(0, 1]``, or
            ``n_draws < 1``.

    References:
        Pawlowski & Plehn 2025, eqs. 7.15-7.16, Fig. 55.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> x = synthetic_pixels(torch.tensor([1, 2]), 4, 1.0)
        >>> x[0]
        tensor([[ 1.,  1., -1., -1.],
                [-1., -1.,  1.,  1.]], dtype=torch.float64)
    """
    c = class_signs(classes)
    n_dim, p = _n_dim(n_dim), _p(p)
    n_draws = positive_int("n_draws", n_draws)
    half = torch.ones(n_dim, dtype=torch.float64, device=c.device)
    half[n_dim // 2 :] = -1
    dev = generator.device if generator is not None else torch.device("cpu")
    u = torch.rand(
        n_draws, len(c), n_dim, generator=generator, dtype=torch.float64, device=dev
    ).to(c.device)  # drawn on the generator's device: the same data on any device
    e = torch.where(u < p, 1.0, -1.0).to(torch.float64)
    return c[None, :, None] * half * e


def _u(p: float) -> float:
    return 4 * p * (p - 1) + 1


def kernel_mean(classes: torch.Tensor, p: float, sigma_v2: float = 1.0) -> torch.Tensor:
    """The mean input kernel ``mu`` of eq. 7.19: ``sigma_v2`` times 1, ``u`` or ``-u``.

    Args:
        classes: ``(D,)`` integer tensor of 1s and 2s.
        p: pixel probability, in ``(0, 1]``.
        sigma_v2: read-in variance of eq. 7.11, > 0.

    Returns:
        ``(D, D)`` float64 tensor; its diagonal is ``sigma_v2``.

    Raises:
        TypeError, ValueError: on bad classes, ``p`` outside ``(0, 1]`` or ``sigma_v2 <= 0``.

    References:
        Pawlowski & Plehn 2025, eq. 7.19 (``u = 4 p (p - 1) + 1``).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> kernel_mean(torch.tensor([1, 1, 2]), 0.8)
        tensor([[ 1.0000,  0.3600, -0.3600],
                [ 0.3600,  1.0000, -0.3600],
                [-0.3600, -0.3600,  1.0000]], dtype=torch.float64)
    """
    c = class_signs(classes)
    u = _u(_p(p))
    sigma_v2 = positive_number("sigma_v2", sigma_v2)
    mu = u * torch.outer(c, c)
    mu.fill_diagonal_(1.0)
    return sigma_v2 * mu


def kernel_covariance(
    classes: torch.Tensor, p: float, n_dim: int, sigma_v2: float = 1.0
) -> torch.Tensor:
    """The covariance ``Sigma_(ab)(cd)`` of the input kernel's entries (eqs. 7.19-7.20, corrected).

    Args:
        classes: ``(D,)`` integer tensor of 1s and 2s.
        p: pixel probability, in ``(0, 1]``.
        n_dim: pixels per pattern, even.
        sigma_v2: read-in variance, > 0.

    Returns:
        ``(D, D, D, D)`` float64 tensor; entries with a diagonal kernel element vanish (eq. 7.20).

    Raises:
        TypeError, ValueError: on bad classes, ``p``, ``n_dim`` or ``sigma_v2``.

    References:
        Pawlowski & Plehn 2025, eqs. 7.19-7.20; the duplicated ``c_a != c_b = c_d`` of the ``-nu``
        case in 7.19 is ``c_a = c_d != c_b`` here (the module docstring derives it).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> s = kernel_covariance(torch.tensor([1, 1, 2]), 0.8, 6)
        >>> round(float(s[0, 1, 0, 1]), 4), round(float(s[0, 1, 0, 2]), 4)  # kappa/6, -nu/6
        (0.1451, -0.0384)
    """
    c = class_signs(classes)
    u = _u(_p(p))
    n_dim = _n_dim(n_dim)
    sigma_v2 = positive_number("sigma_v2", sigma_v2)
    kappa, nu = 1 - u * u, u * (1 - u)
    d = len(c)
    i = torch.arange(d, device=c.device)
    a, b, g, h = (
        i[:, None, None, None],
        i[None, :, None, None],
        i[None, None, :, None],
        i[None, None, None, :],
    )
    off = (a != b) & (g != h)
    same = ((a == g) & (b == h)) | ((a == h) & (b == g))
    shared = (a == g).int() + (a == h).int() + (b == g).int() + (b == h).int()
    weight = torch.where(same, kappa, torch.where(shared == 1, nu, 0.0))
    signs = (
        c[:, None, None, None]
        * c[None, :, None, None]
        * c[None, None, :, None]
        * c[None, None, None, :]
    )
    return torch.where(off, sigma_v2**2 / n_dim * signs * weight, 0.0).to(torch.float64)


def kernel_categories(classes: torch.Tensor) -> dict[str, torch.Tensor]:
    """Boolean masks of the index patterns in :data:`CATEGORIES`.

    The two mean masks are ``(D, D)``, the others ``(D, D, D, D)``: ``variance`` is
    ``(ab)(ab)`` with ``a != b``; the ``row`` masks are ``(ab)(ad)`` with ``a, b, d`` distinct,
    split by classes; ``disjoint pairs`` is ``(ab)(gd)`` with four distinct indices.

    Args:
        classes: ``(D,)`` integer tensor of 1s and 2s.

    Returns:
        A dict from category name to its mask.

    Raises:
        TypeError, ValueError: on bad classes.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    class_signs(classes)
    d = len(classes)
    i = torch.arange(d, device=classes.device)
    ca = classes
    off2 = i[:, None] != i[None, :]
    same2 = ca[:, None] == ca[None, :]
    a, b, g, h = (
        i[:, None, None, None],
        i[None, :, None, None],
        i[None, None, :, None],
        i[None, None, None, :],
    )
    A, B, H = ca[:, None, None, None], ca[None, :, None, None], ca[None, None, None, :]
    row = (a == g) & (a != b) & (a != h) & (b != h)
    distinct = (a != b) & (a != g) & (a != h) & (b != g) & (b != h) & (g != h)
    return {
        "mean, same class": off2 & same2,
        "mean, other class": off2 & ~same2,
        "variance": (a == g) & (b == h) & (a != b),
        "row, c_a = c_b = c_d": row & (A == B) & (B == H),
        "row, c_a != c_b = c_d": row & (A != B) & (B == H),
        "row, c_a = c_b != c_d": row & (A == B) & (B != H),
        "row, c_a = c_d != c_b": row & (A == H) & (A != B),
        "disjoint pairs": distinct,
    }


def category_statistics(
    kernels: torch.Tensor, classes: torch.Tensor, n_batches: int = 20
) -> dict[str, tuple[float, float]]:
    """Monte Carlo means and covariances of sampled kernels, averaged per index pattern.

    The draws are split into ``n_batches`` batches; each batch gives its mean kernel and its
    covariance tensor (about the overall mean), averaged over the entries of each category of
    :func:`kernel_categories`; the value is the mean over batches and the error the standard
    error of the batch values.

    Args:
        kernels: ``(n_draws, D, D)`` sampled input kernels (eq. 7.17), ``n_draws`` a multiple of
            ``n_batches`` and at least ``2 n_batches``.
        classes: ``(D,)`` classes of the patterns.
        n_batches: batches for the error, >= 2.

    Returns:
        A dict from each name in :data:`CATEGORIES` to ``(value, error)``.

    Raises:
        TypeError, ValueError: on a bad shape, non-finite kernels, or too few draws.

    References:
        Pawlowski & Plehn 2025, eqs. 7.18-7.20.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    if not isinstance(kernels, torch.Tensor) or not kernels.is_floating_point():
        raise TypeError("kernels must be a floating-point torch.Tensor")
    n_batches = positive_int("n_batches", n_batches, minimum=2)
    if kernels.ndim != 3 or kernels.shape[1:] != (len(classes), len(classes)):
        raise ValueError(
            f"kernels must have shape (n_draws, D, D) with D = len(classes), got {tuple(kernels.shape)}"
        )
    n = kernels.shape[0]
    if n % n_batches or n < 2 * n_batches:
        raise ValueError(
            f"kernels must hold a multiple of n_batches = {n_batches} draws (>= 2 per batch), got {n}"
        )
    finite("kernels", kernels)
    masks = kernel_categories(classes)
    k = kernels.reshape(n_batches, n // n_batches, *kernels.shape[1:])
    mean = k.mean(1)
    dk = k - kernels.mean(0)
    cov = torch.einsum("bnij,bnkl->bijkl", dk, dk) / k.shape[1]
    out = {}
    for name in CATEGORIES:
        mask = masks[name].to(kernels.device)
        values = (mean if mask.ndim == 2 else cov)[:, mask].mean(1)
        out[name] = (float(values.mean()), float(values.std() / n_batches**0.5))
    return out
