"""Statistics for the book: resampling errors, autocorrelation times, ROC curves.

- :func:`bootstrap` and :func:`jackknife`: errors of any statistic of a sample.
- :func:`autocorrelation` and :func:`tau_int`: the integrated autocorrelation time of a Markov
  chain with Wolff's automatic windowing (U. Wolff, Comput. Phys. Commun. 156 (2004) 143), and
  :func:`mean_with_error`: a chain's mean with its autocorrelation-corrected error.
- :func:`roc_curve`, :func:`auc`, :func:`rejection_at`: classifier metrics in the HEP convention
  (signal efficiency ε_S against background rejection 1/ε_B).
- :func:`wasserstein_1d`, :func:`mmd`, :func:`classifier_two_sample_auc`: distances between a
  generated and a true sample.

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties` (through :mod:`physml.uncertainty`),
the lattice chapters (:doc:`/book/lattice/hmc-critical-slowing-down`,
:doc:`/book/lattice/trivializing-flows`), the phase chapters
(:doc:`/book/phases/neural-network-phase-transition`,
:doc:`/book/phases/order-parameter-without-labels`), the generative chapters
(:doc:`/book/generative/invertible-networks`, :doc:`/book/generative/diffusion-and-flow-matching`)
and :doc:`/book/trustworthy/monotonic-lipschitz-trigger`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from physml._checks import fraction as check_fraction
from physml._checks import positive_int, positive_number, real_array

# --------------------------------------------------------------------------------------------
# Resampling


def bootstrap(
    x,
    statistic: Callable[[np.ndarray], float] = np.mean,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Measurement:
    """Estimate of ``statistic(x)`` and its bootstrap standard error (``n_resamples`` draws).

    Args:
        x: the sample, shape ``(n,)``, real numbers (array or tensor).
        statistic: maps a resample of shape ``(n,)`` to a float.
        n_resamples: the number of resamples drawn with replacement (>= 2).
        seed: seeds numpy's generator for the resamples.

    Returns:
        A :class:`Measurement` of ``statistic(x)`` with the standard deviation of the statistic
        over the resamples as its error (unpacks as ``(value, error)``).

    Raises:
        ValueError: on NaN/inf in ``x``, fewer than 2 samples, ``n_resamples`` not an int >= 2
            (0 or 1 resamples have no spread: an error of 0 would read as exact), or a statistic
            that is not finite on the data or on a resample (the error would be undefined), as
            :func:`jackknife` does.
        TypeError: non-numeric data.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> value, error = bootstrap(np.arange(10.0), n_resamples=200, seed=0)
        >>> value, round(error, 3)
        (4.5, 0.84)
    """
    arr = real_array("x", x, min_len=2)
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, (int, np.integer))
        or n_resamples < 2
    ):
        raise ValueError(f"n_resamples must be an int >= 2, got {n_resamples!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(n_resamples, arr.size))
    stats = np.array([statistic(arr[i]) for i in idx], dtype=np.float64)
    full = float(statistic(arr))
    if not np.isfinite(full) or not np.all(np.isfinite(stats)):
        raise ValueError(
            "statistic is not finite on x or on a bootstrap resample of it: the "
            "bootstrap error is undefined"
        )
    return Measurement(full, float(stats.std(ddof=1)))


def jackknife(
    x,
    statistic: Callable[[np.ndarray], float] = np.mean,
    n_blocks: int | None = None,
    *,
    groups=None,
) -> Measurement:
    """Bias-corrected jackknife estimate of ``statistic(x)`` and its standard error.

    ``x`` has shape ``(n,)`` or ``(n, k)`` (n samples of k observables; ``statistic`` then gets the
    rows kept, e.g. to form a susceptibility from two moments). One group of samples is left out at
    a time: by default each sample alone; with ``n_blocks``, contiguous blocks of sizes that differ
    by at most one (``np.array_split``: every sample is used, none is dropped when ``n`` is not a
    multiple of ``n_blocks``); with ``groups``, an integer label per sample (for example chain and
    time block). Blocks of unequal size use the delete-m_j jackknife (Busing, Meijer and van der
    Leeden, Stat. Comput. 9 (1999) 3): estimate ``g θ − Σ_j (1 − m_j/n) θ_(−j)`` and variance
    ``(1/g) Σ_j (τ_j − θ_J)² / (h_j − 1)`` with ``h_j = n/m_j`` and pseudo-values
    ``τ_j = h_j θ − (h_j − 1) θ_(−j)``; for equal blocks these are the usual formulas.

    Raises:
        ValueError: fewer than 2 samples or groups, ``n_blocks`` outside [2, n], ``groups`` of the
            wrong length, NaN or infinite data.
        TypeError: non-numeric data.

    Args:
        x: shape ``(n,)`` or ``(n, k)``, real numbers (array or tensor).
        statistic: maps the kept rows to a float.
        n_blocks: the number of contiguous blocks, in ``[2, n]``; ``None`` leaves out one sample
            at a time (unless ``groups`` is given).
        groups: ``(n,)`` integer labels, one group left out at a time (not with ``n_blocks``).

    Returns:
        A :class:`Measurement` of the bias-corrected estimate with its standard error (unpacks
        as ``(value, error)``).

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Busing, Meijer and van der Leeden, Stat. Comput. 9 (1999) 3 (the delete-m_j jackknife).

    Examples:
        >>> jackknife([1.0, 2.0, 3.0, 4.0])
        Measurement(value=2.5, error=0.6454972243679028, tau=None, window=None)
        >>> value, error = jackknife(np.arange(10.0), n_blocks=5)
        >>> value, error
        (4.5, 1.4142135623730951)
    """
    arr = real_array("x", x, ndim=(1, 2), min_len=1)
    n = arr.shape[0]
    if n < 2:
        raise ValueError(f"x needs at least 2 samples along its first axis, got {n}")
    if groups is not None:
        if n_blocks is not None:
            raise ValueError("give n_blocks or groups, not both")
        labels = np.asarray(groups)
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"groups must be {n} integer labels, one per sample, got shape {labels.shape}"
            )
        _, labels = np.unique(labels, return_inverse=True)
        k = int(labels.max()) + 1
        if k < 2:
            raise ValueError("groups must name at least 2 groups")
    else:
        k = n if n_blocks is None else n_blocks
        if (
            isinstance(k, bool)
            or not isinstance(k, (int, np.integer))
            or not 2 <= k <= n
        ):
            raise ValueError(
                f"n_blocks must be an int in [2, len(x)={n}], got {n_blocks!r}"
            )
        k = int(k)
        labels = np.repeat(
            np.arange(k), [len(b) for b in np.array_split(np.arange(n), k)]
        )
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    full = float(statistic(arr))
    loo = np.array([statistic(arr[labels != j]) for j in range(k)], dtype=np.float64)
    return _delete_m_jackknife(full, loo, sizes)


def _delete_m_jackknife(full: float, loo: np.ndarray, sizes: np.ndarray) -> Measurement:
    """The delete-m_j jackknife from the full estimate, the leave-one-group-out estimates and the
    group sizes (Busing et al. 1999); equal sizes give the usual blocked jackknife."""
    k, n = loo.size, sizes.sum()
    if not np.all(np.isfinite(loo)) or not np.isfinite(full):
        raise ValueError(
            "the statistic is undefined (NaN or infinite) on the full sample or a "
            "leave-one-out sample"
        )
    h = n / sizes
    estimate = k * full - np.sum((1.0 - sizes / n) * loo)
    pseudo = h * full - (h - 1.0) * loo
    err = np.sqrt(np.sum((pseudo - estimate) ** 2 / (h - 1.0)) / k)
    return Measurement(float(estimate), float(err))


def jackknife_block_sums(
    sums,
    counts,
    statistic: Callable[[np.ndarray], np.ndarray],
) -> Measurement:
    """The jackknife of a function of means, from per-block sums: fast and exact for any block sizes.

    Args:
        sums: shape ``(g, k)``, float: the sum of each of k observables over each of g blocks.
        counts: shape ``(g,)``, the number of samples in each block (all >= 1).
        statistic: maps means of shape ``(..., k)`` to values of shape ``(...)`` (vectorised: it is
            called once on the full means and once on all g leave-one-block-out means).

    Returns:
        A :class:`Measurement` (estimate, error) of the delete-m_j jackknife (as :func:`jackknife`
        with those groups).

    Raises:
        ValueError: fewer than 2 blocks, mismatched shapes, a block count < 1, NaN or infinite sums.

    Called by :func:`physml.lattice.observables.estimates`.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> sums, counts = np.array([[1.0], [2.0], [3.0]]), np.array([1, 1, 1])
        >>> value, error = jackknife_block_sums(sums, counts, lambda means: means[..., 0])
        >>> value, round(error, 6)
        (2.0, 0.57735)
    """
    s = real_array("sums", sums, ndim=(2,), min_len=1)
    c = real_array("counts", counts, ndim=(1,), min_len=2)
    if s.shape[0] != c.size:
        raise ValueError(f"sums has {s.shape[0]} blocks but counts has {c.size}")
    if np.any(c < 1) or np.any(c != np.round(c)):
        raise ValueError("counts must be whole numbers >= 1")
    total, n = s.sum(axis=0), c.sum()
    full = float(statistic(total / n))
    loo = np.asarray(
        statistic((total - s) / (n - c)[:, None]), dtype=np.float64
    ).reshape(-1)
    if loo.size != c.size:
        raise ValueError(
            f"statistic must map means of shape (g, k) to shape (g,), got {loo.size} values"
        )
    return _delete_m_jackknife(full, loo, c)


# --------------------------------------------------------------------------------------------
# Autocorrelation


def autocorrelation(x) -> np.ndarray:
    """Normalised autocorrelation function ρ(t) of a chain (or the average over chains).

    Computed by FFT in O(n log n); ρ(0) = 1.

    Args:
        x: a chain, shape ``(n,)``, or chains of one process, shape ``(n_chains, n)``, n >= 4;
            the mean is taken over all chains.

    Returns:
        ρ(t) for t = 0 ... n - 1, shape ``(n,)``, float64.

    Raises:
        ValueError: fewer than 4 points, NaN/infinite or constant data.
        TypeError: non-numeric data.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> autocorrelation([1.0, 2.0, 1.0, 2.0, 1.0, 2.0]).round(3).tolist()
        [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    """
    arr = real_array("x", x, ndim=(1, 2), min_len=4)
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
    """A value with its one-standard-deviation error (and, where known, its τ_int).

    The one value-with-error type of the library: returned by :func:`bootstrap`,
    :func:`jackknife`, :func:`mean_with_error`, :func:`tau_int` and the lattice summaries.

    Accepted whole by :meth:`physml.claims.Chapter.claim`; unpacks and indexes as
    ``(value, error)`` and formats as ``value ± error``.

    Args:
        value: the central value.
        error: its one-standard-deviation error.
        tau: the integrated autocorrelation time, in the chain's steps, where known: for a
            Markov-chain mean, the τ_int its error was corrected for; for a :func:`tau_int`
            estimate, τ_int itself (equal to ``value``); else ``None``.
        window: for a :func:`tau_int` estimate, its summation window W, in steps; else ``None``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
        - :doc:`/book/how-the-book-checks-itself`

    Examples:
        >>> m = Measurement(1.234, 0.056)
        >>> f"{m:.2f}"
        '1.23 ± 0.06'
        >>> value, error = m
        >>> value, error
        (1.234, 0.056)
    """

    value: float
    error: float
    tau: float | None = None
    window: int | None = None

    def __iter__(self):
        # Unpacks and indexes as (value, error), like the tuples the estimators returned before.
        return iter((self.value, self.error))

    def __getitem__(self, index: int) -> float:
        return (self.value, self.error)[index]

    def __len__(self) -> int:
        return 2

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        return f"{self.value:{spec}} ± {self.error:{spec}}"


#: Chains shorter than this many autocorrelation times give a τ_int biased low (a warning).
MIN_LENGTH_IN_TAU = 50


def _wolff_window(partial: np.ndarray, n_total: int, S: float) -> int | None:
    """Wolff's automatic window on a running sum τ(W) = 1/2 + Σ_{t<=W} ρ(t) (Wolff 2004, eqs.
    50-52): the first W at which g(W) = exp(-W/τ_W) - τ_W/sqrt(W N) < 0, with
    τ_W = S / ln((2τ(W) + 1)/(2τ(W) - 1)); None if τ(W) falls to 1/2 or below first (τ_W is then
    undefined); the last lag if g never turns negative."""
    for w in range(1, partial.size + 1):
        t_int = partial[w - 1]
        if t_int <= 0.5:
            return None
        tau_w = S / np.log((2 * t_int + 1) / (2 * t_int - 1))
        if np.exp(-w / tau_w) - tau_w / np.sqrt(w * n_total) < 0:
            return w
    return int(partial.size)


#: A lag t whose ρ(t) lies more than this many standard errors below 0 (Bartlett's
#: sqrt((1 + 2 Σ ρ²) / N), times sqrt(n / (n - t)) for the n - t pairs per chain at lag t)
#: inside the sign-blind window marks a chain as oscillating in :func:`tau_int`.
OSCILLATION_SIGMAS = 4.0


def tau_int(x, S: float = 1.5, c: float = 6.0) -> Measurement:
    """Integrated autocorrelation time τ_int = 1/2 + Σ_{t=1}^{W} ρ(t) with an automatic window W.

    Positively correlated chains use Wolff's windowing: W is the first window at which
    g(W) = exp(-W/τ_W) - τ_W/sqrt(W N) turns negative, where
    τ_W = S / ln((2τ_int(W) + 1)/(2τ_int(W) - 1)) (Wolff 2004, eqs. 50-52). Wolff's τ_W assumes
    ρ(t) decays without changing sign; where it does not, it stops too early (on the AR(2) chain
    x_t = 0.5 x_{t-1} - 0.5 x_{t-2} + e_t the running sum touches 1/2 at W = 2 and τ_W -> 0).
    A chain is therefore treated as **oscillating** if its running sum falls to 1/2 or below before
    Wolff's window, or if some ρ(t) inside the sign-blind window below lies more than
    ``OSCILLATION_SIGMAS`` (4) of Bartlett's standard errors sqrt((1 + 2 Σ ρ²)/N) below 0
    (times sqrt(n/(n - t)), n points per chain: ρ(t) rests on n - t pairs). For an
    oscillating chain the window is chosen on the sign-blind scale τ_abs(W) = 1/2 + Σ ``|ρ(t)|``
    (an envelope of the sum that never reaches 1/2): the larger of Wolff's window applied to
    τ_abs (which grows with N, so the truncated tail stays below the statistical error) and
    Sokal's self-consistent window, the first W with W >= ``c`` τ_abs(W); W is odd, so ρ is
    summed in Geyer's pairs ρ(2k) + ρ(2k+1) and an alternating tail cancels. τ_int is floored at 0,
    its physical floor (the variance of the mean, 2 τ_int σ²/N, cannot be negative). The error is
    τ_int sqrt(4 (W + 1/2 - τ_int) / N) (Wolff eq. 42); for an oscillating chain
    max(τ_int, 1/4) sqrt(4 (W + 1/2) / N), since there the noise of the sum does not vanish with τ.
    In this convention an uncorrelated chain has τ_int = 1/2, an AR(1) chain with coefficient
    φ ∈ (-1, 1) has τ_int = (1 + φ) / (2 (1 - φ)), and an AR(2) chain
    x_t = a1 x_{t-1} + a2 x_{t-2} + e_t has τ_int = S(0) / (2 γ(0)) with
    S(0) = σ²/(1 - a1 - a2)² and γ(0) = σ² (1 - a2) / ((1 + a2)((1 - a2)² - a1²)).

    Args:
        x: a chain, shape ``(n,)``, or ``n_chains`` chains of one process, shape ``(n_chains, n)``
            (float; NaN and infinity are refused).
        S: Wolff's S parameter (> 0).
        c: the factor of Sokal's window in the oscillating branch (> 0).

    Returns:
        A :class:`Measurement` with ``value`` τ_int (in the chain's steps), ``error`` its
        statistical error (Wolff 2004, eq. 42), ``tau`` τ_int again and ``window`` the summation
        window W; it unpacks as ``(value, error)``.

    Raises:
        ValueError: on NaN/infinite or constant data, fewer than 4 points, S or c not > 0.

    Warns:
        RuntimeWarning: when the chain is shorter than ``MIN_LENGTH_IN_TAU`` (50) autocorrelation
            times (the estimate is then biased low), naming N and τ. The comparison uses τ plus
            two errors (the sign-blind scale for an oscillating chain), since a short chain's
            own τ is biased low.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        U. Wolff, Comput. Phys. Commun. 156 (2004) 143, eqs. 42 and 50-52; A. D. Sokal, Monte
        Carlo methods in statistical mechanics (1997), the self-consistent window; C. J. Geyer,
        Stat. Sci. 7 (1992) 473, the paired sums.

    Examples:
        An AR(1) chain with coefficient 0.8 has τ_int = (1 + 0.8) / (2 (1 - 0.8)) = 4.5:

        >>> from scipy.signal import lfilter
        >>> chain = lfilter([1.0], [1.0, -0.8], np.random.default_rng(1).normal(size=5000))
        >>> t = tau_int(chain)
        >>> round(t.value, 2), round(t.error, 2), t.window
        (4.35, 0.59, 27)
        >>> round(tau_int(np.random.default_rng(0).normal(size=1000)).tau, 2)  # uncorrelated
        0.48
    """
    if not isinstance(S, (int, float)) or isinstance(S, bool) or not S > 0:
        raise ValueError(f"S must be a positive number, got {S!r}")
    if not isinstance(c, (int, float)) or isinstance(c, bool) or not c > 0:
        raise ValueError(f"c must be a positive number, got {c!r}")
    arr = real_array("x", x, ndim=(1, 2), min_len=4)
    rho = autocorrelation(arr)
    n_total = arr.size
    n = rho.size
    partial = 0.5 + np.cumsum(rho[1:])
    abs_partial = 0.5 + np.cumsum(np.abs(rho[1:]))
    # The sign-blind window: odd (W = 1, 3, 5, ...: Geyer's pairs (ρ0 + ρ1), (ρ2 + ρ3), ...).
    odd = np.arange(1, n, 2)
    ok = odd >= c * abs_partial[odd - 1]
    sokal = int(odd[np.argmax(ok)]) if ok.any() else int(odd[-1])
    blind = max(_wolff_window(abs_partial, n_total, S) or 1, sokal)
    if blind % 2 == 0:
        blind = blind + 1 if blind + 1 < n else blind - 1
    wolff = _wolff_window(partial, n_total, S)
    # Bartlett's standard error of ρ(t), widened by sqrt(n / (n - t)): ρ(t) is averaged over
    # n - t pairs per chain only, so near the end of the chain it is far noisier than Bartlett's
    # large-N formula (a single lag there would otherwise flag a positive chain as oscillating).
    lags = np.arange(1, blind + 1)
    bartlett = np.sqrt(
        (1.0 + 2.0 * np.sum(rho[1 : blind + 1] ** 2)) / n_total * n / (n - lags)
    )
    oscillating = wolff is None or bool(
        np.any(rho[1 : blind + 1] < -OSCILLATION_SIGMAS * bartlett)
    )
    if not oscillating:
        window = wolff
        tau = float(partial[window - 1])
        err = tau * np.sqrt(max(4.0 * (window + 0.5 - tau), 0.0) / n_total)
        scale = tau
    else:
        window = blind
        scale = float(abs_partial[window - 1])
        tau = max(float(partial[window - 1]), 0.0)
        # Wolff's eq. 42 with τ floored at 1/4: near τ = 0 the noise of the summed ρ(t) does not
        # vanish with τ (conservative by about 2x on AR(1) chains with φ in [-0.95, -0.3]).
        err = max(tau, 0.25) * np.sqrt(4.0 * (window + 0.5) / n_total)
    length = arr.shape[-1]
    # On a short chain the estimate itself is biased low, so compare N with an upper bound.
    bound = max(scale + 2.0 * float(err), 0.5)
    if length < MIN_LENGTH_IN_TAU * bound:
        import warnings

        warnings.warn(
            f"tau_int: the chain has N = {length} points per chain, fewer than {MIN_LENGTH_IN_TAU} "
            f"autocorrelation times (tau = {tau:.3g}, up to {bound:.3g} within two errors"
            f"{' on the sign-blind scale' if oscillating else ''}); the estimate is biased low: "
            "run longer",
            RuntimeWarning,
            stacklevel=2,
        )
    return Measurement(tau, float(err), tau=tau, window=int(window))


def mean_with_error(x) -> Measurement:
    """Mean of a Markov chain and its error sqrt(2 τ_int σ² / N), accounting for autocorrelation.

    The error uses max(τ_int, its error), so it is positive for every chain with nonzero
    variance, also where a strongly anticorrelated chain's τ_int sits at its floor 0 (an error of
    0 would read as exact); a short chain warns through :func:`tau_int`.

    Args:
        x: a chain, shape ``(n,)``, or chains of one process, shape ``(n_chains, n)``, n >= 4.

    Returns:
        A :class:`Measurement` (value, error, tau), which unpacks as ``(value, error)``.

    Raises:
        ValueError: fewer than 4 points, NaN/infinite or constant data.
        TypeError: non-numeric data.

    Examples:
        >>> from scipy.signal import lfilter
        >>> chain = lfilter([1.0], [1.0, -0.8], np.random.default_rng(1).normal(size=5000))
        >>> m = mean_with_error(chain)
        >>> f"{m:.3f}", round(m.tau, 2)
        ('-0.071 ± 0.069', 4.35)
    """
    arr = real_array("x", x, ndim=(1, 2), min_len=4)
    t = tau_int(arr)
    var = arr.var(ddof=1)
    tau_for_error = max(t.tau, t.error)
    return Measurement(
        float(arr.mean()), float(np.sqrt(2 * tau_for_error * var / arr.size)), tau=t.tau
    )


# --------------------------------------------------------------------------------------------
# Classifier metrics


def _labels_scores(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = real_array("labels", labels, min_len=2)
    s = real_array("scores", scores, min_len=2)
    if y.shape != s.shape:
        raise ValueError(
            f"labels and scores must have the same shape, got {y.shape} and {s.shape}"
        )
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 (background) or 1 (signal)")
    if y.min() == y.max():
        raise ValueError("labels must contain both signal (1) and background (0)")
    return y.astype(bool), s


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve (ε_B, ε_S, thresholds): efficiencies of the cut ``score >= threshold``.

    Larger scores mean more signal-like. The curve starts at (0, 0) and ends at (1, 1).

    Args:
        labels: shape ``(n,)``, 1 for signal and 0 for background, both present.
        scores: shape ``(n,)``, real classifier scores.

    Returns:
        ``(eps_b, eps_s, thresholds)``, each of shape ``(m + 1,)`` for m distinct scores;
        the first threshold is ``inf`` (no event kept).

    Raises:
        ValueError: labels other than 0/1 or of one class only, shapes that differ, NaN or
            infinite scores.
        TypeError: non-numeric data.

    Examples:
        >>> eps_b, eps_s, _ = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> eps_b.tolist(), eps_s.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
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

    Args:
        labels: shape ``(n,)``, 1 for signal and 0 for background, both present.
        scores: shape ``(n,)``, real classifier scores (larger: more signal-like).

    Returns:
        The AUC in ``[0, 1]``.

    Raises:
        ValueError: as :func:`roc_curve`.
        TypeError: non-numeric data.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
    """
    y, s = _labels_scores(labels, scores)
    from scipy.stats import rankdata

    ranks = rankdata(s)
    n_s, n_b = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_s * (n_s + 1) / 2) / (n_s * n_b))


def rejection_at(labels, scores, signal_efficiency: float) -> float:
    """Background rejection 1/ε_B of the best cut that reaches a signal efficiency.

    The cut is a real one, ``score >= threshold``, with ε_S >= ``signal_efficiency`` and the
    smallest ε_B.

    No interpolation between ROC points: an interpolated point is a randomised mixture of two
    cuts, not a cut one can apply.

    Args:
        labels: shape ``(n,)``, 1 for signal and 0 for background, both present.
        scores: shape ``(n,)``, real classifier scores (larger: more signal-like).
        signal_efficiency: the requested ε_S, in ``(0, 1]``.

    Returns:
        1/ε_B of that cut; ``inf`` when it keeps no background.

    Raises:
        ValueError: ``signal_efficiency`` outside (0, 1]; see :func:`roc_curve` for the data.

    Examples:
        >>> rejection_at([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5)
        inf
        >>> rejection_at([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 1.0)
        2.0
    """
    check_fraction("signal_efficiency", signal_efficiency)
    eps_b, eps_s, _ = roc_curve(labels, scores)
    reach = np.nonzero(eps_s >= signal_efficiency - 1e-12)[0]
    eb = float(eps_b[reach[0]])
    return float("inf") if eb == 0 else 1.0 / eb


# --------------------------------------------------------------------------------------------
# Distances between samples (generated against true)


def _samples(name: str, x) -> np.ndarray:
    arr = real_array(name, x, ndim=(1, 2), min_len=2)  # float64, finite
    return arr[:, None] if arr.ndim == 1 else arr


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    a, b = _samples("x", x), _samples("y", y)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same dimension, got {a.shape[1]} and {b.shape[1]}"
        )
    return a, b


def wasserstein_1d(x, y) -> float:
    """The 1-D Wasserstein (earth mover's) distance between two samples.

    The integral of the absolute difference of their empirical CDFs
    (``scipy.stats.wasserstein_distance``).

    Args:
        x: the first sample, shape ``(n,)`` or ``(n, 1)``, real numbers.
        y: the second sample, shape ``(m,)`` or ``(m, 1)``.

    Returns:
        The distance, in the units of the samples.

    Raises:
        ValueError: samples of dimension other than 1, fewer than 2 points, NaN or infinity.
        TypeError: non-numeric data.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> wasserstein_1d([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
        1.0
    """
    from scipy.stats import wasserstein_distance

    a, b = _pair(x, y)
    if a.shape[1] != 1:
        raise ValueError(
            f"wasserstein_1d needs 1-D samples, got dimension {a.shape[1]}"
        )
    return float(wasserstein_distance(a[:, 0], b[:, 0]))


def mmd(x, y, bandwidth: float | None = None) -> float:
    """Unbiased squared maximum mean discrepancy with a Gaussian kernel.

    With ``k(u, v) = exp(-|u - v|^2 / (2 h^2))``: ``E k(x, x') + E k(y, y') - 2 E k(x, y)``, the
    diagonal terms left out (so it scatters around 0 for equal distributions).

    Args:
        x: the first sample, shape ``(n,)`` or ``(n, d)``, real numbers.
        y: the second sample, shape ``(m,)`` or ``(m, d)``.
        bandwidth: the kernel width h (> 0); ``None`` for the median distance between the
            pooled points.

    Returns:
        The squared MMD (can be slightly negative for equal distributions).

    Raises:
        ValueError: samples of different dimension, a bandwidth not > 0, a median distance of 0,
            NaN or infinity.
        TypeError: non-numeric data.
    """
    from scipy.spatial.distance import cdist

    a, b = _pair(x, y)
    pooled = np.concatenate([a, b])
    if bandwidth is None:
        d = cdist(pooled, pooled)
        bandwidth = float(np.median(d[np.triu_indices(len(pooled), 1)]))
        if bandwidth <= 0:
            raise ValueError(
                "the median pairwise distance is 0: pass bandwidth explicitly"
            )
    else:
        bandwidth = positive_number("bandwidth", bandwidth)

    def mean_kernel(u: np.ndarray, v: np.ndarray, same: bool) -> float:
        k = np.exp(-cdist(u, v, "sqeuclidean") / (2 * bandwidth**2))
        if same:
            return float((k.sum() - np.trace(k)) / (len(u) * (len(u) - 1)))
        return float(k.mean())

    return (
        mean_kernel(a, a, True) + mean_kernel(b, b, True) - 2 * mean_kernel(a, b, False)
    )


def classifier_two_sample_auc(x, y, seed: int = 0, folds: int = 5) -> float:
    """Classifier two-sample test: the cross-validated AUC of a classifier telling ``x`` from ``y``.

    The classifier is scikit-learn's ``HistGradientBoostingClassifier``. About 0.5:
    indistinguishable; 1: fully separable. Invariant to the order of the points in ``x`` and
    ``y`` (they are put in a canonical order before the seeded, stratified folds).

    Args:
        x: the first sample, shape ``(n,)`` or ``(n, d)``, real numbers.
        y: the second sample, shape ``(m,)`` or ``(m, d)``.
        seed: seeds the folds and the classifier.
        folds: the number of cross-validation folds (>= 2).

    Returns:
        The out-of-fold ROC AUC (:func:`auc`), in ``[0, 1]``.

    Raises:
        ValueError: samples of different dimension, ``folds`` < 2, NaN or infinity.
        TypeError: non-numeric data.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    a, b = _pair(x, y)
    positive_int("folds", folds, minimum=2)
    features = np.concatenate([a, b])
    labels = np.r_[np.zeros(len(a)), np.ones(len(b))]
    # A canonical order (rows sorted by label, then features) before the seeded folds: the score
    # depends on the two samples as sets, not on the order in which their points are passed.
    order = np.lexsort((*features.T[::-1], labels))
    features, labels = features[order], labels[order]
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_predict(model, features, labels, cv=cv, method="predict_proba")[
        :, 1
    ]
    return auc(labels, scores)
