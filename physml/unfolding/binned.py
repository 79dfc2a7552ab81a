"""Binned unfolding: the smearing matrix of the notes' toy, its inverses, and iterative Bayesian
unfolding (IBU).

- :func:`smearing_matrix`: the symmetric nearest-neighbour smearing of eq. 6.3 (any number of
  bins, three in the notes); :func:`exact_inverse` and the first-order
  :func:`approximate_inverse` of eq. 6.5.
- :func:`sample_reco_counts` and :func:`unfolded_covariance`: multinomial detector-level counts
  and the covariance of their matrix-inverted unfolding, which blows up where the smearing
  matrix turns singular.
- :func:`response_matrix` and :func:`ibu`: the response estimated from paired events and
  D'Agostini's iterative Bayesian unfolding, written out.

Everything is float64 numpy (the matrices are tiny); the toy counts are drawn by torch.

Used by :doc:`/book/unfolding/from-a-matrix-to-omnifold`.
"""

from __future__ import annotations

import numpy as np
import torch

from physml._checks import finite, non_negative_number, positive_int, real_array


def smearing_matrix(eps: float, n_bins: int = 3) -> np.ndarray:
    """The symmetric smearing matrix of eq. 6.3: a fraction ``eps`` migrates to each neighbour.

    Row and column sums are 1 (no events are lost): the edge bins keep ``1 - eps``, inner bins
    ``1 - 2 eps``. For three bins the eigenvalues are 1, ``1 - eps`` and ``1 - 3 eps``, so the
    matrix is singular at ``eps = 1/3``.

    Args:
        eps: the migration fraction to each neighbouring bin, in ``[0, 1/2]``.
        n_bins: the number of bins, an int >= 2.

    Returns:
        ``G``, float64 array of shape ``(n_bins, n_bins)``; ``G[i, j]`` is the probability that
        an event of parton-level bin ``j`` lands in reconstructed bin ``i`` (eq. 6.1).

    Raises:
        ValueError: if ``eps`` is not a number in ``[0, 1/2]`` or ``n_bins`` is not an int >= 2.

    References:
        Pawlowski & Plehn 2025, Sec. 6, eqs. 6.1 and 6.3.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`

    Examples:
        >>> smearing_matrix(0.1)
        array([[0.9, 0.1, 0. ],
               [0.1, 0.8, 0.1],
               [0. , 0.1, 0.9]])
    """
    eps = non_negative_number("eps", eps)
    if eps > 0.5:
        raise ValueError(f"eps must be a number in [0, 1/2], got {eps!r}")
    positive_int("n_bins", n_bins, minimum=2)
    g = np.eye(n_bins) * (1.0 - 2.0 * eps)
    g[0, 0] = g[-1, -1] = 1.0 - eps
    idx = np.arange(n_bins - 1)
    g[idx, idx + 1] = g[idx + 1, idx] = eps
    return g


def exact_inverse(matrix: np.ndarray, max_condition: float = 1e12) -> np.ndarray:
    """The inverse Ḡ of a square smearing matrix, eq. 6.2 (Ḡ G = 1).

    Args:
        matrix: a square, finite array of shape ``(n, n)``, n >= 2.
        max_condition: the largest condition number accepted; a nearly singular matrix has no
            useful inverse (its unfolding amplifies noise without bound).

    Returns:
        float64 array of shape ``(n, n)``.

    Raises:
        ValueError: if ``matrix`` is not square and finite, or its condition number exceeds
            ``max_condition`` (it is singular or nearly so).

    References:
        Pawlowski & Plehn 2025, Sec. 6, eq. 6.2.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`

    Examples:
        >>> g = smearing_matrix(0.1)
        >>> bool(np.abs(exact_inverse(g) @ g - np.eye(3)).max() < 1e-12)
        True
    """
    g = _square("matrix", matrix)
    cond = np.linalg.cond(g)
    if not cond <= max_condition:
        raise ValueError(
            f"matrix is singular or nearly so (condition number {cond:.3g} > "
            f"max_condition {max_condition:.3g}): it has no useful inverse"
        )
    return np.linalg.inv(g)


def approximate_inverse(eps: float) -> np.ndarray:
    """The first-order inverse of the 3-bin smearing matrix, eq. 6.5.

    Ḡ ≈ [[1 - 3ε, -ε, ε²], [-ε, 1 - 2ε, -ε], [ε², -ε, 1 - 3ε]] / (1 - 4ε). It is correct to first
    order in ε: Ḡ G - 1 = O(ε²). Its ε² corners connect the two outer bins, which the smearing
    never does directly: the inverse of a local smearing is global.

    Args:
        eps: the migration fraction, in ``[0, 1/4)`` (the prefactor diverges at 1/4).

    Returns:
        float64 array of shape ``(3, 3)``.

    Raises:
        ValueError: if ``eps`` is not a number in ``[0, 1/4)``.

    References:
        Pawlowski & Plehn 2025, Sec. 6, eq. 6.5.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """
    eps = non_negative_number("eps", eps)
    if eps >= 0.25:
        raise ValueError(f"eps must be a number in [0, 1/4), got {eps!r}")
    e2 = eps * eps
    m = np.array(
        [
            [1.0 - 3.0 * eps, -eps, e2],
            [-eps, 1.0 - 2.0 * eps, -eps],
            [e2, -eps, 1.0 - 3.0 * eps],
        ]
    )
    return m / (1.0 - 4.0 * eps)


def sample_reco_counts(
    matrix: np.ndarray,
    parton: np.ndarray,
    n_events: int,
    n_toys: int,
    generator: torch.Generator | None = None,
) -> np.ndarray:
    """Multinomial reconstructed-level histograms: ``n_events`` events each, ``n_toys`` times.

    Each event's parton-level bin is drawn from ``parton`` (normalised), then smeared by
    ``matrix``; together the reco bin is drawn from ``matrix @ parton / sum(parton)``.

    Args:
        matrix: the response, shape ``(n_reco, n_parton)``, entries >= 0, columns summing to 1.
        parton: the parton-level distribution, shape ``(n_parton,)``, entries >= 0, not all 0.
        n_events: events per toy histogram.
        n_toys: the number of independent histograms.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        float64 array of shape ``(n_toys, n_reco)`` of counts, each row summing to
        ``n_events``.

    Raises:
        ValueError: on negative or non-finite entries, columns of ``matrix`` not summing to 1,
            mismatched shapes, an all-zero ``parton`` or non-positive counts.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """
    probs = _reco_probabilities(matrix, parton)
    positive_int("n_events", n_events)
    positive_int("n_toys", n_toys)
    p = torch.as_tensor(probs, dtype=torch.float64).expand(n_toys, -1)
    draws = torch.multinomial(p, n_events, replacement=True, generator=generator)
    counts = torch.zeros(n_toys, len(probs), dtype=torch.float64)
    counts.scatter_add_(1, draws, torch.ones_like(draws, dtype=torch.float64))
    return counts.numpy()


def unfolded_covariance(
    matrix: np.ndarray, parton: np.ndarray, n_events: int
) -> np.ndarray:
    """The covariance of ``Ḡ n`` for multinomial reco counts ``n`` (the exact-inverse unfolding).

    Cov(Ḡ n) = Ḡ N (diag(p) - p pᵀ) Ḡᵀ with p = G f / Σf the reco probabilities.

    Args:
        matrix: the square response ``G``, shape ``(n, n)``, columns summing to 1.
        parton: the parton-level distribution ``f``, shape ``(n,)``, entries >= 0.
        n_events: events per histogram.

    Returns:
        float64 array of shape ``(n, n)``.

    Raises:
        ValueError: as :func:`sample_reco_counts`, or if ``matrix`` is (nearly) singular.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """
    p = _reco_probabilities(matrix, parton)
    positive_int("n_events", n_events)
    inv = exact_inverse(matrix)
    cov = n_events * (np.diag(p) - np.outer(p, p))
    return inv @ cov @ inv.T


def response_matrix(
    parton_bin: np.ndarray, reco_bin: np.ndarray, n_parton: int, n_reco: int
) -> np.ndarray:
    """The response R[i, j] = P(reco bin i | parton bin j), estimated from paired events.

    Args:
        parton_bin: the parton-level bin of each simulated event, ints in ``[0, n_parton)``,
            shape ``(n,)``.
        reco_bin: its reconstructed bin, ints in ``[0, n_reco)``, shape ``(n,)``.
        n_parton: the number of parton-level bins.
        n_reco: the number of reconstructed bins.

    Returns:
        float64 array of shape ``(n_reco, n_parton)``; each column sums to 1 (0 for an empty
        parton bin).

    Raises:
        ValueError: on shapes that differ, bins out of range or non-integer bins.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """
    positive_int("n_parton", n_parton)
    positive_int("n_reco", n_reco)
    t = _bins("parton_bin", parton_bin, n_parton)
    r = _bins("reco_bin", reco_bin, n_reco)
    if t.shape != r.shape:
        raise ValueError(
            f"parton_bin and reco_bin must have the same shape, got {t.shape} and {r.shape}"
        )
    joint = np.zeros((n_reco, n_parton))
    np.add.at(joint, (r, t), 1.0)
    col = joint.sum(axis=0)
    return np.divide(joint, col, out=np.zeros_like(joint), where=col > 0)


def ibu(
    response: np.ndarray,
    data: np.ndarray,
    prior: np.ndarray | None = None,
    iterations: int = 4,
) -> np.ndarray:
    """Iterative Bayesian unfolding (D'Agostini), every iterate.

    With the response R[i, j] = P(reco i | parton j), efficiency ε_j = Σ_i R[i, j] and the
    current estimate p_n, Bayes' theorem gives P(parton j | reco i) = R[i, j] p_n[j] /
    Σ_k R[i, k] p_n[k], and the next estimate distributes the data over the parton bins,

        p_{n+1}[j] = (1/ε_j) Σ_i P(parton j | reco i) d[i].

    It is the binned form of OmniFold's two steps (eqs. 6.8-6.11). A fixed point with all
    entries positive solves R p = d; for an invertible response it is the matrix inverse
    R⁻¹ d. The number of iterations regularises: each one moves the estimate from the prior
    towards that (noisy) inverse.

    Args:
        response: shape ``(n_reco, n_parton)``, entries >= 0, every column sum (efficiency) > 0.
        data: the measured reco histogram, shape ``(n_reco,)``, entries >= 0, not all 0.
        prior: the starting estimate, shape ``(n_parton,)``, entries > 0; ``None`` for flat
            with the data's total.
        iterations: the number of updates, an int >= 0.

    Returns:
        float64 array of shape ``(iterations + 1, n_parton)``, the prior (row 0) and every
        iterate.

    Raises:
        ValueError: on shapes that do not match, negative or non-finite entries, a parton bin
            with zero efficiency, a non-positive prior or negative ``iterations``.

    References:
        D'Agostini 1995, NIM A 362, 487; Pawlowski & Plehn 2025, Sec. 6.1 (the bin-wise IBU
        baseline of Fig. 49).

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`

    Examples:
        With an invertible response IBU approaches the matrix inverse:

        >>> g = smearing_matrix(0.1)
        >>> d = g @ np.array([2.0, 5.0, 3.0])
        >>> np.round(ibu(g, d, iterations=2000)[-1], 6)
        array([2., 5., 3.])
    """
    r = real_array("response", response, ndim=(2,), min_len=1)
    d = real_array("data", data, ndim=(1,), min_len=1)
    positive_int("iterations", iterations, minimum=0)
    if (r < 0).any():
        raise ValueError("response must have entries >= 0")
    if d.shape[0] != r.shape[0]:
        raise ValueError(
            f"data must have one entry per reco bin ({r.shape[0]}), got {d.shape[0]}"
        )
    if (d < 0).any() or d.sum() <= 0:
        raise ValueError("data must have entries >= 0, not all 0")
    eff = r.sum(axis=0)
    if (eff <= 0).any():
        raise ValueError(
            "response has a parton bin with zero efficiency (an all-zero column): "
            "it cannot be unfolded"
        )
    if prior is None:
        p = np.full(r.shape[1], d.sum() / r.shape[1])
    else:
        p = real_array("prior", prior, ndim=(1,), min_len=1)
        if p.shape[0] != r.shape[1]:
            raise ValueError(
                f"prior must have one entry per parton bin ({r.shape[1]}), got {p.shape[0]}"
            )
        if (p <= 0).any():
            raise ValueError("prior must have entries > 0")
    out = np.empty((iterations + 1, r.shape[1]))
    out[0] = p
    for n in range(iterations):
        folded = r @ p
        ratio = np.divide(d, folded, out=np.zeros_like(d), where=folded > 0)
        p = p * (r.T @ ratio) / eff
        out[n + 1] = p
    return out


def _square(name: str, matrix) -> np.ndarray:
    g = real_array(name, matrix, ndim=(2,), min_len=2)
    if g.shape[0] != g.shape[1]:
        raise ValueError(f"{name} must be square, got shape {g.shape}")
    return g


def _reco_probabilities(matrix, parton) -> np.ndarray:
    g = real_array("matrix", matrix, ndim=(2,), min_len=1)
    f = real_array("parton", parton, ndim=(1,), min_len=1)
    if (g < 0).any():
        raise ValueError("matrix must have entries >= 0")
    if not np.allclose(g.sum(axis=0), 1.0, atol=1e-12):
        raise ValueError(
            "matrix must have columns summing to 1 (a probability response)"
        )
    if f.shape[0] != g.shape[1]:
        raise ValueError(
            f"parton must have one entry per column of matrix ({g.shape[1]}), got {f.shape[0]}"
        )
    if (f < 0).any() or f.sum() <= 0:
        raise ValueError("parton must have entries >= 0, not all 0")
    return g @ (f / f.sum())


def _bins(name: str, x, n: int) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be a 1-D array of ints, got {arr.dtype} {arr.shape}"
        )
    finite(name, arr)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(
            f"{name} must hold bins in [0, {n}), got {arr.min()}..{arr.max()}"
        )
    return arr.astype(np.int64)
