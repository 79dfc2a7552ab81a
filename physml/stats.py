"""Statistics for the book: resampling errors, autocorrelation times, ROC curves.

- :func:`bootstrap` and :func:`jackknife`: errors of any statistic of a sample.
- :func:`autocorrelation` and :func:`tau_int`: the integrated autocorrelation time of a Markov
  chain with Wolff's automatic windowing (U. Wolff, Comput. Phys. Commun. 156 (2004) 143), and
  :func:`mean_with_error`: a chain's mean with its autocorrelation-corrected error.
- :func:`roc_curve`, :func:`auc`, :func:`rejection_at`: classifier metrics in the HEP convention
  (signal efficiency ε_S against background rejection 1/ε_B).
- :func:`wasserstein_1d`, :func:`mmd`, :func:`classifier_two_sample_auc`: distances between a
  generated and a true sample.

Used by "Fits, likelihoods and uncertainties" and by the lattice and classifier chapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from physml._checks import fraction as check_fraction, positive_int, positive_number


def _as_array(name: str, x, ndim: tuple[int, ...] = (1,), min_len: int = 2) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception as err:  # pragma: no cover - numpy raises many types
        raise TypeError(f"{name} must be array-like") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got a complex array")
    if arr.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {arr.shape}")
    if arr.shape[-1] < min_len:
        raise ValueError(f"{name} needs at least {min_len} entries along its last axis, got {arr.shape[-1]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype(np.float64)


# --------------------------------------------------------------------------------------------
# Resampling


def bootstrap(
    x,
    statistic: Callable[[np.ndarray], float] = np.mean,
    n_resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Estimate of ``statistic(x)`` and its bootstrap standard error (``n_resamples`` draws)."""
    arr = _as_array("x", x)
    if not isinstance(n_resamples, int) or n_resamples < 2:
        raise ValueError(f"n_resamples must be an int >= 2, got {n_resamples!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(n_resamples, arr.size))
    stats = np.array([statistic(arr[i]) for i in idx])
    return float(statistic(arr)), float(stats.std(ddof=1))


def jackknife(
    x,
    statistic: Callable[[np.ndarray], float] = np.mean,
    n_blocks: int | None = None,
) -> tuple[float, float]:
    """Bias-corrected jackknife estimate of ``statistic(x)`` and its standard error.

    ``x`` has shape ``(n,)`` or ``(n, k)`` (n samples of k observables; ``statistic`` then gets the
    rows kept, e.g. to form a susceptibility from two moments). With ``n_blocks`` the samples are
    cut into that many contiguous blocks and one block is left out at a time (the blocked
    jackknife for autocorrelated chains); by default one sample.
    """
    arr = _as_array("x", x, ndim=(1, 2), min_len=1)
    n = arr.shape[0]
    if n < 2:
        raise ValueError(f"x needs at least 2 samples along its first axis, got {n}")
    k = n if n_blocks is None else n_blocks
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= n:
        raise ValueError(f"n_blocks must be an int in [2, len(x)={n}], got {n_blocks!r}")
    usable = (n // k) * k
    blocks = arr[:usable].reshape(k, -1, *arr.shape[1:])
    full = statistic(blocks.reshape(usable, *arr.shape[1:]))
    keep = ~np.eye(k, dtype=bool)
    loo = np.array([statistic(blocks[keep[i]].reshape(-1, *arr.shape[1:])) for i in range(k)])
    mean_loo = loo.mean()
    estimate = k * full - (k - 1) * mean_loo
    err = np.sqrt((k - 1) / k * np.sum((loo - mean_loo) ** 2))
    return float(estimate), float(err)


# --------------------------------------------------------------------------------------------
# Autocorrelation


def autocorrelation(x) -> np.ndarray:
    """Normalised autocorrelation function ρ(t) of a chain (or the average over chains).

    ``x`` has shape ``(n,)`` or ``(n_chains, n)``; the mean is taken over all chains. Computed by
    FFT in O(n log n); ρ(0) = 1.
    """
    arr = _as_array("x", x, ndim=(1, 2), min_len=4)
    chains = arr.reshape(-1, arr.shape[-1])
    n = chains.shape[-1]
    centred = chains - chains.mean()
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(centred, n=size, axis=-1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=-1)[:, :n]
    acov = acov.mean(axis=0) / np.arange(n, 0, -1)
    if acov[0] <= 0:
        raise ValueError("x is constant: its autocorrelation is undefined")
    return acov / acov[0]


@dataclass(frozen=True)
class Measurement:
    """A value with its one-standard-deviation error (and, for a Markov-chain mean, the
    integrated autocorrelation time it was corrected for). Accepted whole by
    :meth:`physml.claims.Chapter.claim`."""

    value: float
    error: float
    tau: float | None = None

    def __iter__(self):
        # Unpacks as (value, error), like the tuples the estimators returned before.
        return iter((self.value, self.error))

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        return f"{self.value:{spec}} ± {self.error:{spec}}"


@dataclass(frozen=True)
class AutocorrelationTime:
    """Integrated autocorrelation time, its statistical error and the summation window."""

    tau: float
    error: float
    window: int

    @property
    def value(self) -> float:
        """τ_int itself (so that the estimate and its error can be claimed as one object)."""
        return self.tau


def tau_int(x, S: float = 1.5) -> AutocorrelationTime:
    """Integrated autocorrelation time τ_int = 1/2 + Σ_{t=1}^{W} ρ(t) with Wolff's windowing.

    The window W is the first one at which g(W) = exp(-W/τ_W) - τ_W/sqrt(W N) turns negative,
    where τ_W = S / ln((2τ_int(W) + 1)/(2τ_int(W) - 1)) (Wolff 2004, eqs. 50-52); the error is
    τ_int sqrt(4 (W + 1/2 - τ_int) / N) (eq. 42). In this convention an uncorrelated chain has
    τ_int = 1/2 and an AR(1) chain with coefficient φ has τ_int = (1 + φ) / (2 (1 - φ)).
    """
    if not isinstance(S, (int, float)) or isinstance(S, bool) or not S > 0:
        raise ValueError(f"S must be a positive number, got {S!r}")
    arr = _as_array("x", x, ndim=(1, 2), min_len=4)
    rho = autocorrelation(arr)
    n_total = arr.size
    n = rho.size
    partial = 0.5 + np.cumsum(rho[1:])
    window = n - 1
    for w in range(1, n):
        t_int = partial[w - 1]
        if t_int <= 0.5:
            window = w
            break
        tau_w = S / np.log((2 * t_int + 1) / (2 * t_int - 1))
        if np.exp(-w / tau_w) - tau_w / np.sqrt(w * n_total) < 0:
            window = w
            break
    tau = float(partial[window - 1])
    err = tau * np.sqrt(max(4.0 * (window + 0.5 - tau), 0.0) / n_total)
    return AutocorrelationTime(tau=tau, error=float(err), window=int(window))


def mean_with_error(x) -> tuple[float, float]:
    """Mean of a Markov chain and its error sqrt(2 τ_int σ² / N), accounting for autocorrelation."""
    arr = _as_array("x", x, ndim=(1, 2), min_len=4)
    tau = tau_int(arr).tau
    var = arr.var(ddof=1)
    return float(arr.mean()), float(np.sqrt(2 * tau * var / arr.size))


# --------------------------------------------------------------------------------------------
# Classifier metrics


def _labels_scores(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = _as_array("labels", labels, min_len=2)
    s = _as_array("scores", scores, min_len=2)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores must have the same shape, got {y.shape} and {s.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 (background) or 1 (signal)")
    if y.min() == y.max():
        raise ValueError("labels must contain both signal (1) and background (0)")
    return y.astype(bool), s


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve (ε_B, ε_S, thresholds): efficiencies of the cut ``score >= threshold``.

    Larger scores mean more signal-like. The curve starts at (0, 0) and ends at (1, 1).
    """
    y, s = _labels_scores(labels, scores)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    distinct = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.size - 1]
    tp = np.cumsum(y_sorted)[distinct]
    fp = np.cumsum(~y_sorted)[distinct]
    eps_s = np.r_[0.0, tp / y.sum()]
    eps_b = np.r_[0.0, fp / (~y).sum()]
    thresholds = np.r_[np.inf, s_sorted[distinct]]
    return eps_b, eps_s, thresholds


def auc(labels, scores) -> float:
    """Area under the ROC curve: the probability that a signal scores above a background.

    Computed from ranks (Mann-Whitney U), ties counting one half.
    """
    y, s = _labels_scores(labels, scores)
    from scipy.stats import rankdata

    ranks = rankdata(s)
    n_s, n_b = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_s * (n_s + 1) / 2) / (n_s * n_b))


def rejection_at(labels, scores, signal_efficiency: float) -> float:
    """Background rejection 1/ε_B at a fixed signal efficiency ε_S (linear interpolation)."""
    check_fraction("signal_efficiency", signal_efficiency)
    eps_b, eps_s, _ = roc_curve(labels, scores)
    eb = float(np.interp(signal_efficiency, eps_s, eps_b))
    return float("inf") if eb == 0 else 1.0 / eb


# --------------------------------------------------------------------------------------------
# Distances between samples (generated against true)


def _samples(name: str, x) -> np.ndarray:
    arr = _as_array(name, x, ndim=(1, 2), min_len=2).astype(float)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has non-finite entries")
    return arr[:, None] if arr.ndim == 1 else arr


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    a, b = _samples("x", x), _samples("y", y)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {a.shape[1]} and {b.shape[1]}")
    return a, b


def wasserstein_1d(x, y) -> float:
    """The 1-D Wasserstein (earth mover's) distance between two samples, the integral of the
    absolute difference of their empirical CDFs (``scipy.stats.wasserstein_distance``)."""
    from scipy.stats import wasserstein_distance

    a, b = _pair(x, y)
    if a.shape[1] != 1:
        raise ValueError(f"wasserstein_1d needs 1-D samples, got dimension {a.shape[1]}")
    return float(wasserstein_distance(a[:, 0], b[:, 0]))


def mmd(x, y, bandwidth: float | None = None) -> float:
    """Unbiased squared maximum mean discrepancy with the Gaussian kernel
    ``k(u, v) = exp(-|u - v|^2 / (2 h^2))``: ``E k(x, x') + E k(y, y') - 2 E k(x, y)``, the
    diagonal terms left out (so it scatters around 0 for equal distributions). ``h`` defaults to
    the median distance between the pooled points."""
    from scipy.spatial.distance import cdist

    a, b = _pair(x, y)
    pooled = np.concatenate([a, b])
    if bandwidth is None:
        d = cdist(pooled, pooled)
        bandwidth = float(np.median(d[np.triu_indices(len(pooled), 1)]))
        if bandwidth <= 0:
            raise ValueError("the median pairwise distance is 0: pass bandwidth explicitly")
    else:
        bandwidth = positive_number("bandwidth", bandwidth)

    def mean_kernel(u: np.ndarray, v: np.ndarray, same: bool) -> float:
        k = np.exp(-cdist(u, v, "sqeuclidean") / (2 * bandwidth**2))
        if same:
            return float((k.sum() - np.trace(k)) / (len(u) * (len(u) - 1)))
        return float(k.mean())

    return mean_kernel(a, a, True) + mean_kernel(b, b, True) - 2 * mean_kernel(a, b, False)


def classifier_two_sample_auc(x, y, seed: int = 0, folds: int = 5) -> float:
    """Classifier two-sample test: the cross-validated ROC AUC of a gradient-boosted classifier
    (scikit-learn's ``HistGradientBoostingClassifier``) trained to tell sample ``x`` from ``y``.
    About 0.5: indistinguishable; 1: fully separable."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_predict

    a, b = _pair(x, y)
    positive_int("folds", folds, minimum=2)
    features = np.concatenate([a, b])
    labels = np.r_[np.zeros(len(a)), np.ones(len(b))]
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    scores = cross_val_predict(model, features, labels, cv=folds, method="predict_proba")[:, 1]
    return auc(labels, scores)
