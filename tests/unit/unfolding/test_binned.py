"""physml.unfolding.binned: the smearing matrix of eqs. 6.1-6.5, its inverses, IBU."""

import numpy as np
import pytest
import torch

from physml.unfolding import binned


def test_smearing_matrix_conserves_events_and_eq_6_4_holds():
    g = binned.smearing_matrix(0.1)
    np.testing.assert_allclose(g.sum(axis=0), 1.0, atol=1e-15)
    np.testing.assert_allclose(g, g.T)
    n, eps = 5.0, 0.1
    f = np.array([1.0, n, 0.0])
    np.testing.assert_allclose(
        g @ f, f + eps * np.array([n - 1, -2 * n + 1, n]), atol=1e-12, rtol=0
    )
    flat = np.full(3, 7.0)
    np.testing.assert_allclose(g @ flat, flat, atol=1e-12, rtol=0)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(g), [1 - 3 * eps, 1 - eps, 1.0], atol=1e-12
    )


def test_exact_inverse_to_1e_12_and_singular_at_one_third():
    for eps in (0.01, 0.1, 0.2, 0.45):
        g = binned.smearing_matrix(eps)
        np.testing.assert_allclose(
            binned.exact_inverse(g) @ g, np.eye(3), atol=1e-12, rtol=0
        )
    with pytest.raises(ValueError, match="singular"):
        binned.exact_inverse(binned.smearing_matrix(1 / 3))


def test_approximate_inverse_is_second_order():
    def residual(eps):
        g = binned.smearing_matrix(eps)
        return np.abs(binned.approximate_inverse(eps) @ g - np.eye(3)).max()

    # the largest entry of the residual is the diagonal 2 eps^2 / (1 - 4 eps): O(eps^2)
    ratio = residual(0.1) / residual(0.01)
    assert ratio == pytest.approx(100 * (1 - 0.04) / (1 - 0.4), rel=1e-9)
    for eps in (0.001, 0.05, 0.2):
        assert residual(eps) * (1 - 4 * eps) / eps**2 == pytest.approx(2.0, rel=1e-9)


def test_two_bin_ibu_matches_the_closed_form():
    a = 0.2
    r = binned.smearing_matrix(a, n_bins=2)
    d = np.array([30.0, 70.0])
    p0 = np.array([60.0, 40.0])
    # one IBU step, written out for two bins
    den1 = (1 - a) * p0[0] + a * p0[1]
    den2 = a * p0[0] + (1 - a) * p0[1]
    expected = np.array(
        [
            p0[0] * ((1 - a) * d[0] / den1 + a * d[1] / den2),
            p0[1] * (a * d[0] / den1 + (1 - a) * d[1] / den2),
        ]
    )
    out = binned.ibu(r, d, prior=p0, iterations=1)
    np.testing.assert_allclose(out[0], p0)
    np.testing.assert_allclose(out[1], expected, rtol=1e-14)
    # from a flat prior one step is R^T d; the fixed point is R^-1 d
    np.testing.assert_allclose(binned.ibu(r, d, iterations=1)[1], r.T @ d, rtol=1e-14)
    np.testing.assert_allclose(
        binned.ibu(r, d, iterations=3000)[-1], np.linalg.solve(r, d), rtol=1e-8
    )


def test_ibu_converges_to_the_truth_for_an_invertible_response():
    g = binned.smearing_matrix(0.15, n_bins=5)
    truth = np.array([5.0, 20.0, 40.0, 25.0, 10.0])
    out = binned.ibu(g, g @ truth, iterations=5000)
    np.testing.assert_allclose(out[-1], truth, rtol=1e-6)
    assert out.shape == (5001, 5)
    # total is conserved at every iteration (efficiency 1)
    np.testing.assert_allclose(out.sum(axis=1), truth.sum(), rtol=1e-12)


def test_response_matrix_and_sampled_variance():
    t = np.array([0, 0, 1, 1, 1, 2])
    r = np.array([0, 1, 1, 1, 2, 2])
    resp = binned.response_matrix(t, r, 3, 3)
    np.testing.assert_allclose(resp[:, 0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(resp[:, 1], [0.0, 2 / 3, 1 / 3])
    g = binned.smearing_matrix(0.2)
    f = np.array([1.0, 2.0, 1.0])
    counts = binned.sample_reco_counts(
        g, f, 400, 4000, generator=torch.Generator().manual_seed(0)
    )
    assert counts.shape == (4000, 3) and np.all(counts.sum(axis=1) == 400)
    unf = counts @ binned.exact_inverse(g).T
    cov = binned.unfolded_covariance(g, f, 400)
    np.testing.assert_allclose(unf.var(axis=0), np.diag(cov), rtol=0.1)
    assert (
        np.diag(binned.unfolded_covariance(binned.smearing_matrix(0.3), f, 400))[1]
        > 10
        * np.diag(binned.unfolded_covariance(binned.smearing_matrix(0.0), f, 400))[1]
    )


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: binned.smearing_matrix(0.6), "eps"),
        (lambda: binned.smearing_matrix(-0.1), "eps"),
        (lambda: binned.smearing_matrix(0.1, n_bins=1), "n_bins"),
        (lambda: binned.approximate_inverse(0.25), "eps"),
        (lambda: binned.exact_inverse(np.ones((2, 3))), "square"),
        (lambda: binned.exact_inverse(np.array([[1.0, np.nan], [0, 1]])), "matrix"),
        (lambda: binned.ibu(np.eye(2), [1.0, 2.0, 3.0]), "data"),
        (lambda: binned.ibu(np.eye(2), [1.0, 2.0], prior=[1.0, 0.0]), "prior"),
        (
            lambda: binned.ibu(np.array([[1.0, 0.0], [0.0, 0.0]]), [1.0, 2.0]),
            "efficiency",
        ),
        (lambda: binned.ibu(np.eye(2), [1.0, 2.0], iterations=-1), "iterations"),
        (lambda: binned.ibu(-np.eye(2), [1.0, 2.0]), "response"),
        (lambda: binned.response_matrix([0, 3], [0, 1], 3, 3), "parton_bin"),
        (lambda: binned.response_matrix([0.5, 1.0], [0, 1], 3, 3), "parton_bin"),
        (lambda: binned.response_matrix([0, 1], [0], 3, 3), "same shape"),
        (lambda: binned.sample_reco_counts(2 * np.eye(2), [1.0, 1.0], 5, 2), "columns"),
        (lambda: binned.sample_reco_counts(np.eye(2), [0.0, 0.0], 5, 2), "parton"),
        (lambda: binned.sample_reco_counts(np.eye(2), [1.0, 1.0], 0, 2), "n_events"),
        (lambda: binned.unfolded_covariance(np.eye(2), [1.0, 1.0, 1.0], 5), "parton"),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("iterations", [1, 3, 7])
def test_ibu_agrees_with_pyunfold(iterations):
    """D'Agostini's iteration as PyUnfold writes it (flat prior, efficiencies < 1)."""
    pyunfold = pytest.importorskip("pyunfold")
    response = binned.smearing_matrix(0.2) * np.array([0.9, 0.8, 0.95])
    data = response @ np.array([100.0, 200.0, 150.0]) + np.array([3.0, -5.0, 2.0])
    theirs = pyunfold.iterative_unfold(
        data=data,
        data_err=np.sqrt(data),
        response=response,
        response_err=np.zeros_like(response),
        efficiencies=response.sum(0),
        efficiencies_err=np.zeros(3),
        ts="ks",
        ts_stopping=1e-15,  # never stop early: exactly `iterations` updates
        max_iter=iterations,
    )
    assert theirs["num_iterations"] == iterations
    np.testing.assert_allclose(
        binned.ibu(response, data, iterations=iterations)[-1],
        theirs["unfolded"],
        rtol=1e-12,
    )
