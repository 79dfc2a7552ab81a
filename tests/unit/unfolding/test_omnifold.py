"""physml.unfolding.omnifold: the two-step reweighting and its classifiers."""

import numpy as np
import pytest
import torch

from physml.unfolding import binned, omnifold, toys


def _toy(n=20_000, seed=0):
    return toys.gaussian_toy(n, n, generator=torch.Generator().manual_seed(seed))


def test_identical_sim_and_data_with_a_perfect_classifier_gives_weights_one():
    toy = _toy(2_000)

    def perfect(x0, w0, x1, w1):  # the samples are the same: D = 1/2 everywhere
        return np.full(len(x0), 0.5)

    res = omnifold.run_omnifold(toy.gen_sim, toy.reco_sim, toy.reco_sim, perfect, 3)
    np.testing.assert_allclose(res.weights, 1.0, atol=1e-12)
    assert res.weights.shape == (4, 2_000) and res.step1_weights.shape == (3, 2_000)
    assert len(res.diagnostics) == 6
    assert all(d["ess_fraction"] == pytest.approx(1.0) for d in res.diagnostics)


def test_identical_sim_and_data_with_boosting_gives_weights_near_one():
    toy = _toy(20_000)
    res = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_sim, omnifold.BoostedClassifier(), 2
    )
    assert np.abs(res.weights[-1] - 1).max() < 0.15
    assert abs(res.weights[-1].mean() - 1) < 1e-3


def test_zero_iterations_returns_the_prior():
    toy = _toy(1_000)
    res = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_data, omnifold.BoostedClassifier(), 0
    )
    np.testing.assert_allclose(res.weights, 1.0)
    assert res.step1_weights.shape == (0, 1_000) and res.diagnostics == []


def test_histogram_classifier_makes_omnifold_ibu():
    toy = _toy(20_000, seed=3)
    edges = tuple(np.linspace(-2.5, 2.5, 11))
    hc = omnifold.HistogramClassifier(edges)
    res = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_data, hc, 4, clip=None
    )
    t, r, d = hc.bin(toy.gen_sim), hc.bin(toy.reco_sim), hc.bin(toy.reco_data)
    resp = binned.response_matrix(t, r, 10, 10)
    prior = np.bincount(t, minlength=10).astype(float)
    it = binned.ibu(resp, np.bincount(d, minlength=10).astype(float), prior, 4)
    for n in range(5):
        of = np.bincount(t, weights=res.weights[n], minlength=10)
        np.testing.assert_allclose(of / of.sum(), it[n] / it[n].sum(), rtol=1e-10)


def test_boosted_omnifold_follows_the_closed_form_on_the_gaussian_toy():
    toy = _toy(40_000, seed=1)
    res = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_data, omnifold.BoostedClassifier(), 2
    )
    x = toy.gen_sim.numpy()
    ideal = toys.ideal_gaussian_iterations(2)
    for n in (1, 2):
        m = np.average(x, weights=res.weights[n])
        s = np.sqrt(np.average((x - m) ** 2, weights=res.weights[n]))
        assert abs(m - ideal[n, 0]) < 0.02 and abs(s - ideal[n, 1]) < 0.02


def test_mlp_classifier_learns_a_density_ratio():
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(4_000, generator=g, dtype=torch.float64).numpy()
    x1 = (0.5 + torch.randn(4_000, generator=g, dtype=torch.float64)).numpy()
    w = np.ones(4_000)
    torch.manual_seed(0)
    clf = omnifold.MLPClassifier(steps=300, generator=torch.Generator().manual_seed(1))
    d = clf(x0, w, x1, w)
    ratio = d / (1 - d)
    expected = np.exp(0.5 * x0 - 0.125)  # N(0.5, 1) / N(0, 1)
    inside = np.abs(x0) < 1.5
    assert np.median(np.abs(np.log(ratio[inside] / expected[inside]))) < 0.1


def test_clipping_bounds_the_ratio_and_is_reported():
    toy = _toy(1_000)

    def extreme(x0, w0, x1, w1):
        return np.where(np.arange(len(x0)) % 2 == 0, 0.999, 0.5)

    res = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_data, extreme, 1, clip=5.0
    )
    assert res.step1_weights.max() <= 5.0 + 1e-12
    assert res.diagnostics[0]["clipped_fraction"] == pytest.approx(0.5)
    free = omnifold.run_omnifold(
        toy.gen_sim, toy.reco_sim, toy.reco_data, extreme, 1, clip=None
    )
    assert free.step1_weights.max() > 900


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: omnifold.BoostedClassifier(max_iter=0), "max_iter"),
        (lambda: omnifold.BoostedClassifier(max_leaf_nodes=1), "max_leaf_nodes"),
        (lambda: omnifold.MLPClassifier(lr=0.0), "lr"),
        (lambda: omnifold.HistogramClassifier((1.0, 0.0)), "edges"),
        (lambda: omnifold.HistogramClassifier((1.0,)), "edges"),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0], [0.0], [0.0, 1.0], lambda *a: 0.5
            ),
            "pair",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0], [0.0, 1.0], np.zeros((2, 2)), lambda *a: 0.5
            ),
            "features",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], lambda *a: 0.5, -1
            ),
            "iterations",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], lambda *a: 0.5, clip=1.0
            ),
            "clip",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0],
                [0.0, 1.0],
                [0.0, 1.0],
                lambda *a: 0.5,
                sim_weights=[1.0, 0.0],
            ),
            "sim_weights",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], lambda *a: np.ones(3) / 2
            ),
            "classifier",
        ),
        (
            lambda: omnifold.run_omnifold(
                [0.0, np.nan], [0.0, 1.0], [0.0, 1.0], lambda *a: 0.5
            ),
            "gen_sim",
        ),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_classifier_must_be_callable():
    with pytest.raises(TypeError, match="classifier"):
        omnifold.run_omnifold([0.0, 1.0], [0.0, 1.0], [0.0, 1.0], None)
