import math

import numpy as np
import pytest
import torch
from scipy.signal import lfilter
from scipy.stats import norm

from physml import stats


def ar1(phi, n, chains=1, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((chains, n))
    eps = rng.normal(size=(chains, n)) * math.sqrt(1 - phi**2)
    x[:, 0] = rng.normal(size=chains)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + eps[:, t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_tau_int_ar1_closed_form(phi):
    x = ar1(phi, 20_000, chains=4, seed=int(phi * 10))
    est = stats.tau_int(x)
    exact = (1 + phi) / (2 * (1 - phi))
    # a pull test: within 4 of its own statistical errors (plus the window's truncation bias)
    assert abs(est.tau - exact) < 4 * est.error + 0.02 * exact
    assert est.window >= 1


def test_autocorrelation_of_ar1():
    rho = stats.autocorrelation(ar1(0.7, 50_000, seed=3)[0])
    assert rho[0] == 1.0
    assert abs(rho[1] - 0.7) < 0.02 and abs(rho[3] - 0.7**3) < 0.03


def test_mean_with_error_matches_spread_of_chain_means():
    x = ar1(0.8, 4_000, chains=200, seed=5)
    errs = [stats.mean_with_error(c)[1] for c in x[:50]]
    spread = x.mean(axis=1).std(ddof=1)
    assert abs(np.mean(errs) / spread - 1) < 0.2


def test_bootstrap_and_jackknife_error_of_mean():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=2_000)
    exact = 3.0 / math.sqrt(x.size)
    m, e = stats.bootstrap(x, n_resamples=2_000)
    assert m == pytest.approx(x.mean()) and abs(e / exact - 1) < 0.1
    jm, je = stats.jackknife(x)
    assert jm == pytest.approx(x.mean()) and je == pytest.approx(
        x.std(ddof=1) / math.sqrt(x.size), rel=1e-9
    )
    bm, be = stats.jackknife(x, n_blocks=20)
    assert abs(be / exact - 1) < 0.4


def test_jackknife_removes_bias_of_variance():
    x = np.random.default_rng(2).normal(size=50)
    est, _ = stats.jackknife(x, statistic=lambda a: a.var(ddof=0))
    assert est == pytest.approx(x.var(ddof=1), rel=1e-9)


def test_auc_two_gaussians_closed_form():
    rng = np.random.default_rng(4)
    n, delta, sigma = 200_000, 1.0, 1.0
    scores = np.r_[rng.normal(delta, sigma, n), rng.normal(0, sigma, n)]
    labels = np.r_[np.ones(n), np.zeros(n)]
    exact = norm.cdf(delta / (math.sqrt(2) * sigma))
    assert abs(stats.auc(labels, scores) - exact) < 0.003
    eps_b, eps_s, thr = stats.roc_curve(labels, scores)
    assert (eps_b[0], eps_s[0], eps_b[-1], eps_s[-1]) == (0, 0, 1, 1)
    assert np.all(np.diff(eps_s) >= 0) and np.all(np.diff(eps_b) >= 0)
    assert abs(np.trapezoid(eps_s, eps_b) - exact) < 0.003
    # cut at 1/ε_B for ε_S = 0.5: threshold at the signal median δ, ε_B = 1 - Φ(δ/σ)
    assert (
        abs(stats.rejection_at(labels, scores, 0.5) * (1 - norm.cdf(delta)) - 1) < 0.03
    )


def test_auc_ties_and_torch_input():
    assert (
        stats.auc(
            torch.tensor([0.0, 1.0, 0.0, 1.0]), torch.tensor([0.5, 0.5, 0.5, 0.5])
        )
        == 0.5
    )
    assert stats.auc([0, 1], [0.1, 0.9]) == 1.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: stats.auc([0, 1, 2], [0.1, 0.2, 0.3]), "labels must be 0"),
        (lambda: stats.auc([1, 1], [0.1, 0.2]), "both signal"),
        (lambda: stats.auc([0, 1, 1], [0.1, 0.2]), "same shape"),
        (lambda: stats.tau_int([1.0, 1.0, 1.0, 1.0]), "constant"),
        (lambda: stats.tau_int(np.zeros((2, 2, 5))), "dimension"),
        (lambda: stats.tau_int([1.0, np.nan, 2.0, 3.0, 4.0]), "NaN"),
        (lambda: stats.tau_int(np.arange(10.0), S=0), "S must"),
        (lambda: stats.bootstrap([1.0, 2.0], n_resamples=1), "n_resamples"),
        (lambda: stats.jackknife([1.0, 2.0, 3.0], n_blocks=5), "n_blocks"),
        (lambda: stats.rejection_at([0, 1], [0.1, 0.2], 1.5), "signal_efficiency"),
    ],
)
def test_bad_input_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_type_errors():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        stats.tau_int(["a", "b", "c", "d"])
    with pytest.raises(TypeError, match="real"):
        stats.bootstrap(np.array([1 + 1j, 2.0]))


def test_sample_distances_equal_and_shifted():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=1500), rng.normal(size=1500)
    shifted = rng.normal(0.5, 1.0, size=1500)
    assert stats.wasserstein_1d(x, y) < 0.1
    assert stats.wasserstein_1d(x, shifted) == pytest.approx(0.5, abs=0.1)
    assert abs(stats.mmd(x[:500], y[:500])) < 0.01 < stats.mmd(x[:500], shifted[:500])
    x2, y2 = rng.normal(size=(600, 2)), rng.normal(size=(600, 2))
    assert 0.4 < stats.classifier_two_sample_auc(x2, y2) < 0.6
    # a unit shift: the best possible AUC is Phi(1 / sqrt 2) = 0.76
    assert 0.65 < stats.classifier_two_sample_auc(x2, y2 + [1.0, 0.0]) < 0.8
    with pytest.raises(ValueError, match="dimension"):
        stats.mmd(x2, x)
    with pytest.raises(ValueError, match="bandwidth"):
        stats.mmd(x, y, bandwidth=-1.0)
    with pytest.raises(ValueError, match="1-D"):
        stats.wasserstein_1d(x2, y2)


# ---- Estimators and inputs that cannot silently lie -------------------------------------------


def _ar1(phi: float, n: int, seed: int) -> np.ndarray:
    from scipy.signal import lfilter

    e = np.random.default_rng(seed).standard_normal(n)
    x0 = e[0] / np.sqrt(1 - phi**2)
    return lfilter([1.0], [1.0, -phi], e, zi=[x0 * phi])[0]


@pytest.mark.parametrize(
    "phi", [-0.99, -0.95, -0.9, -0.7, -0.5, -0.3, -0.1, 0.0, 0.3, 0.7, 0.9]
)
def test_tau_int_is_right_on_the_whole_ar1_family(phi):
    exact = (1 + phi) / (2 * (1 - phi))
    x = _ar1(phi, 100_000, seed=3)
    t = stats.tau_int(x)
    assert t.tau >= 0 and t.error > 0
    assert abs(t.tau - exact) <= 3 * t.error + 1e-3, (t, exact)
    # The error of the mean: within 10% of the exact sqrt(2 tau sigma^2 / N) wherever tau is not ~0.
    m = stats.mean_with_error(x)
    exact_err = np.sqrt(2 * exact / (1 - phi**2) / x.size)
    if phi >= -0.7:
        assert abs(m.error / exact_err - 1) < 0.1, (m, exact_err)


def test_tau_int_alternating_series_is_floored_and_warns():
    with pytest.warns(RuntimeWarning, match=r"N = 4 .*tau"):
        t = stats.tau_int([1.0, -1.0, 1.0, -1.0])
    assert t.tau == 0.0 and np.isfinite(t.error)
    with pytest.warns(RuntimeWarning):
        m = stats.mean_with_error([1.0, -1.0, 1.0, -1.0])
    assert (
        m.value == 0.0 and np.isfinite(m.error) and m.error > 0
    )  # tau at its floor: error from tau's error


def test_tau_int_warns_on_short_chains():
    x = _ar1(0.9, 95, seed=0)  # N ~ 10 tau
    with pytest.warns(RuntimeWarning, match=r"N = 95"):
        stats.tau_int(x)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.tau_int(_ar1(0.9, 20_000, seed=0))  # N ~ 2000 tau: no warning


def test_jackknife_uses_every_sample():
    assert stats.jackknife(np.arange(19), np.mean, n_blocks=10)[0] == pytest.approx(9.0)
    # Unequal blocks: the delete-m_j jackknife of the mean is the mean, with the classical error
    # when the blocks are single samples.
    x = np.random.default_rng(0).normal(size=23)
    est, err = stats.jackknife(x, np.mean, n_blocks=5)
    assert est == pytest.approx(x.mean())
    assert stats.jackknife(x, np.mean)[1] == pytest.approx(
        x.std(ddof=1) / np.sqrt(x.size)
    )
    # groups= gives the same as the equivalent contiguous blocks
    labels = np.repeat(np.arange(5), [5, 5, 5, 4, 4])
    assert stats.jackknife(x, np.mean, groups=labels) == pytest.approx((est, err))
    # and the fast block-sum form agrees
    sums = np.array([[x[labels == j].sum()] for j in range(5)])
    counts = np.bincount(labels)
    assert stats.jackknife_block_sums(
        sums, counts, lambda m: m[..., 0]
    ) == pytest.approx((est, err))
    with pytest.raises(ValueError, match="groups"):
        stats.jackknife(x, np.mean, groups=labels[:-1])


def test_rejection_at_is_a_real_cut():
    labels = np.array([1, 1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    # eps_S = 0.5 is first reached by the cut >= 0.8 (eps_S = 2/3, eps_B = 0): rejection inf;
    # eps_S = 0.9 needs the cut >= 0.6 (eps_S = 1, eps_B = 1/3): rejection 3, not an interpolation.
    assert stats.rejection_at(labels, scores, 0.5) == np.inf
    assert stats.rejection_at(labels, scores, 0.9) == pytest.approx(3.0)


def test_two_sample_auc_is_order_invariant():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2)), rng.normal(0.3, 1.0, size=(300, 2))
    one = stats.classifier_two_sample_auc(a, b, seed=1)
    two = stats.classifier_two_sample_auc(
        a[rng.permutation(300)], b[rng.permutation(300)], seed=1
    )
    assert one == pytest.approx(two, abs=1e-12)


def test_mean_with_error_is_never_exactly_zero_on_anticorrelated_chains():
    """An alternating chain with a little noise has tau_int at its floor 0; its error of the mean
    must stay positive (it was exactly 0.0, which reads as exact)."""
    rng = np.random.default_rng(0)
    x = np.tile([1.0, -1.0], 5_000) + 0.01 * rng.normal(size=10_000)
    m = stats.mean_with_error(x)
    assert m.tau == 0.0 and m.error > 0


def test_bootstrap_refuses_an_undefined_statistic():
    with pytest.raises(ValueError, match="statistic"):
        stats.bootstrap(np.arange(10.0), lambda a: float("nan"))
    with pytest.raises(ValueError, match="statistic"):
        stats.bootstrap(
            np.arange(10.0), lambda a: np.log(a.min())
        )  # -inf on resamples holding 0


def test_tau_int_warns_on_chains_of_20_to_45_tau():
    """The warning compares N with tau plus two errors: a short chain's own tau is biased low, and
    with tau alone chains of 20-45 tau often went unwarned."""
    import warnings

    def ar1_chain(phi, n, seed):
        rng = np.random.default_rng(seed)
        eps = rng.normal(size=n) * math.sqrt(1 - phi**2)
        out = np.empty(n)
        out[0] = rng.normal()
        for t in range(1, n):
            out[t] = phi * out[t - 1] + eps[t]
        return out

    silent = 0
    for seed in range(10):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stats.tau_int(ar1_chain(0.9, 400, seed))  # exact tau 9.5: N = 42 tau
        silent += not any("fewer than 50" in str(w.message) for w in caught)
    assert silent <= 1


# ---- 1. tau_int on oscillating chains ----------------------------------------------------------


def _ar2(a1: float, a2: float, n: int, seed: int) -> np.ndarray:
    """x_t = a1 x_{t-1} + a2 x_{t-2} + e_t, e_t ~ N(0, 1), after a burn-in of 2000 steps."""
    e = np.random.default_rng(seed).standard_normal(n + 2000)
    return lfilter([1.0], [1.0, -a1, -a2], e)[2000:]


def _ar2_tau(a1: float, a2: float) -> float:
    """Exact τ_int = S(0) / (2 γ(0)): Σ_t γ(t) = 1/(1 - a1 - a2)², γ(0) of the AR(2) process."""
    gamma0 = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1**2))
    return 1.0 / (1 - a1 - a2) ** 2 / (2 * gamma0)


def test_ar2_exact_tau_reduces_to_ar1_and_matches_the_acf():
    for phi in (-0.7, 0.0, 0.5):
        assert _ar2_tau(phi, 0.0) == pytest.approx((1 + phi) / (2 * (1 - phi)))
    # The issue's AR(2): rho(1) = 1/3, rho(2) = rho(3) = -1/3, rho(4) = 0, ... sums to tau = 1/3.
    assert _ar2_tau(0.5, -0.5) == pytest.approx(1 / 3)
    rho = [1.0, 0.5 / 1.5]
    for _ in range(400):
        rho.append(0.5 * rho[-1] - 0.5 * rho[-2])
    assert 0.5 + sum(rho[1:]) == pytest.approx(1 / 3)


# (a1, a2) across the stationary triangle: complex roots (oscillating ACF) and real roots of
# either sign. The issue's case (0.5, -0.5) gave 0.50 instead of 1/3 on seeds 2 of 0-3.
AR2 = [
    (0.5, -0.5),
    (1.6, -0.8),
    (1.0, -0.5),
    (1.2, -0.5),
    (-0.5, -0.5),
    (0.0, -0.5),
    (0.0, -0.9),
    (-1.0, -0.5),
    (-0.3, 0.4),
    (0.2, 0.5),
]


@pytest.mark.parametrize("a1,a2", AR2)
def test_tau_int_is_right_on_ar2_chains(a1, a2):
    exact = _ar2_tau(a1, a2)
    for seed in range(4):
        t = stats.tau_int(_ar2(a1, a2, 100_000, seed))
        assert t.tau >= 0 and t.error > 0
        assert abs(t.tau - exact) <= 3 * t.error + 1e-3, (a1, a2, seed, t, exact)


def test_tau_int_issue_case_no_longer_stops_at_the_half():
    t = stats.tau_int(_ar2(0.5, -0.5, 100_000, 2))
    assert t.window > 2
    assert t.tau == pytest.approx(1 / 3, abs=0.03)


def test_tau_int_keeps_wolffs_window_for_positively_correlated_chains():
    # AR(1) with phi > 0 and AR(2) with real positive roots: the running sum stays above 1/2 and
    # no rho is significantly negative, so the window is Wolff's (eqs. 50-52), as before.
    for a1, a2 in ((0.9, 0.0), (0.5, 0.3)):
        x = _ar2(a1, a2, 100_000, 0)
        rho = stats.autocorrelation(x)
        partial = 0.5 + np.cumsum(rho[1:])
        w = stats._wolff_window(partial, x.size, 1.5)
        t = stats.tau_int(x)
        assert t.window == w and t.tau == pytest.approx(partial[w - 1])


# Short positive chains where Sokal's window never closes (the sign-blind sum grows with the noise)
# span the whole chain; rho(t) near the end of the chain rests on a few pairs, and one such lag
# flagged the chain as oscillating: tau fell from Wolff's 1.76 / 7.75 / 59.9 to 0.0.
@pytest.mark.parametrize(
    "x",
    [
        pytest.param(_ar2(0.5, 0.0, 100, 625), id="phi0.5-n100"),
        pytest.param(_ar2(0.9, 0.0, 300, 404), id="phi0.9-n300"),
        pytest.param(ar1(0.99, 1000, chains=8, seed=3), id="phi0.99-8x1000"),
    ],
)
def test_tau_int_tail_lags_do_not_flag_a_positive_chain_as_oscillating(x):
    rho = stats.autocorrelation(x)
    partial = 0.5 + np.cumsum(rho[1:])
    w = stats._wolff_window(partial, x.size, 1.5)
    with pytest.warns(RuntimeWarning, match="N = "):
        t = stats.tau_int(x)
    assert t.window == w and t.tau == pytest.approx(partial[w - 1]) and t.tau > 1


@pytest.mark.parametrize("n_resamples", [0, 1, True, 10.0])
def test_bootstrap_refuses_fewer_than_two_resamples(n_resamples):
    with pytest.raises(ValueError, match="n_resamples"):
        stats.bootstrap(np.arange(10.0), n_resamples=n_resamples)


def test_bootstrap_refuses_a_single_sample():
    with pytest.raises(ValueError, match="x"):
        stats.bootstrap([1.0], n_resamples=10)


@pytest.mark.parametrize("n_blocks", [0, 1, True])
def test_jackknife_refuses_fewer_than_two_blocks(n_blocks):
    with pytest.raises(ValueError, match="n_blocks"):
        stats.jackknife(np.arange(10.0), n_blocks=n_blocks)


def test_block_sums_jackknife_refuses_a_single_block():
    with pytest.raises(ValueError, match="counts"):
        stats.jackknife_block_sums(np.ones((1, 1)), np.array([5.0]), lambda m: m[:, 0])


def test_every_resampling_estimator_returns_a_measurement():
    """One value-with-error type (issue 19): bootstrap, jackknife, jackknife_block_sums and
    mean_with_error all return a stats.Measurement, which unpacks as (value, error)."""
    x = np.random.default_rng(0).normal(size=64)
    for m in (
        stats.bootstrap(x, n_resamples=50),
        stats.jackknife(x),
        stats.jackknife(x, n_blocks=8),
        stats.jackknife_block_sums(x.reshape(8, 8), np.full(8, 8), lambda u: u[..., 0]),
        stats.mean_with_error(x),
    ):
        assert isinstance(m, stats.Measurement)
        value, error = m
        assert (value, error) == (m.value, m.error) and error > 0


def test_tau_int_returns_a_measurement_with_its_window():
    """tau_int returns the one value-with-error type: value and tau are tau_int, window is W."""
    t = stats.tau_int(ar1(0.5, 5_000, seed=1))
    assert isinstance(t, stats.Measurement)
    assert (
        t.value == t.tau and t.error > 0 and isinstance(t.window, int) and t.window >= 1
    )
    value, error = t
    assert (value, error) == (t.value, t.error)
    assert not hasattr(stats, "AutocorrelationTime")
    plain = stats.Measurement(1.0, 0.1)
    assert plain.tau is None and plain.window is None
