"""physml.jets.weak_supervision: mixtures, the LLP inversion (eq. 4.1), the ratios of eq. 4.2,
the batched trainer (equal to a loop over its members), the AUC of every member, mixed jets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from physml import stats
from physml.jets import weak_supervision as ws
from physml.nn import EnsembleMLP


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def normal_pdf(x: np.ndarray, mu: float, sigma: float = 1.0) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


# The analytic supervised AUC


def test_gaussian_auc_is_phi_sqrt2_and_matches_the_roc_integral():
    phi_sqrt2 = 0.5 * (1 + math.erf(1.0))  # Phi(sqrt 2) = (1 + erf(1)) / 2
    assert ws.gaussian_auc() == pytest.approx(phi_sqrt2, abs=1e-15)
    assert round(ws.gaussian_auc(), 3) == 0.921
    assert ws.gaussian_roc_integral() == pytest.approx(phi_sqrt2, abs=1e-10)
    # a wider background changes the integral: the check can fail
    assert abs(ws.gaussian_roc_integral(width=1.2) - phi_sqrt2) > 0.01


# Eq. 4.1 and 4.2


@pytest.mark.parametrize("f1, f2", [(0.8, 0.1), (0.3, 0.7), (1.0, 0.0), (0.05, 0.95)])
def test_llp_inversion_is_exact_on_analytic_densities(f1, f2):
    x = np.linspace(-6, 6, 1001)
    p_s, p_b = normal_pdf(x, 1.0), normal_pdf(x, -1.0)
    p1, p2 = f1 * p_s + (1 - f1) * p_b, f2 * p_s + (1 - f2) * p_b
    rec_s, rec_b = ws.llp_densities(p1, p2, f1, f2)
    assert np.abs(rec_s - p_s).max() < 1e-12
    assert np.abs(rec_b - p_b).max() < 1e-12
    ratio = ws.llp_likelihood_ratio(p1, p2, f1, f2)
    assert np.allclose(ratio, p_s / p_b, rtol=1e-10)
    wrong_s, _ = ws.llp_densities(p1, p2, f1 + (0.05 if f1 < 0.9 else -0.05), f2)
    assert np.abs(wrong_s - p_s).max() > 1e-3


def test_llp_on_tensors_broadcasts_members():
    p_s = torch.rand(3, 5, generator=gen(1), dtype=torch.float64)
    p_b = torch.rand(3, 5, generator=gen(2), dtype=torch.float64)
    f1 = torch.tensor([[0.9], [0.7], [0.2]], dtype=torch.float64)
    f2 = 1 - f1
    rec_s, rec_b = ws.llp_densities(
        f1 * p_s + (1 - f1) * p_b, f2 * p_s + (1 - f2) * p_b, f1, f2
    )
    assert torch.allclose(rec_s, p_s, atol=1e-12) and torch.allclose(
        rec_b, p_b, atol=1e-12
    )


def test_mixed_ratio_is_monotone_with_the_sign_of_f1_minus_f2():
    r = np.linspace(0.0, 20.0, 201)
    for f1, f2 in ((0.8, 0.1), (0.2, 0.9)):
        q = ws.mixed_ratio(r, f1, f2)
        assert np.all(np.sign(np.diff(q)) == np.sign(f1 - f2))
        slope = ws.mixed_ratio_slope(r, f1, f2)
        h = 1e-6  # forward difference; r >= 0 keeps r - h out
        numeric = (ws.mixed_ratio(r + h, f1, f2) - q) / h
        assert np.allclose(slope, numeric, rtol=1e-4)
    assert np.allclose(ws.mixed_ratio(r, 0.5, 0.5), 1.0)  # eq. 4.3
    assert np.all(ws.mixed_ratio_slope(r, 0.5, 0.5) == 0.0)


# Mixtures


def test_mixtures_have_the_asked_composition_and_are_deterministic():
    f1 = torch.tensor([0.0, 0.3, 1.0])
    mix = ws.two_gaussian_mixtures([10, 100, 40], f1, 1 - f1, gen(3))
    assert mix.x.shape == (3, 100, 1) and mix.n.tolist() == [10, 100, 40]
    s1 = (mix.signal * mix.sample).sum(1).tolist()
    s2 = (mix.signal * (1 - mix.sample) * mix.valid).sum(1).tolist()
    assert s1 == [0, 15, 20] and s2 == [5, 35, 0]
    assert mix.sample.sum(1).tolist() == [5, 50, 20]
    # valid points first, padding zero
    assert bool((mix.valid == (torch.arange(100) < mix.n[:, None])).all())
    assert float(mix.x[0, 10:].abs().sum()) == 0.0
    again = ws.two_gaussian_mixtures([10, 100, 40], f1, 1 - f1, gen(3))
    assert torch.equal(mix.x, again.x) and torch.equal(mix.signal, again.signal)
    other = ws.two_gaussian_mixtures([10, 100, 40], f1, 1 - f1, gen(4))
    assert not torch.equal(mix.x, other.x)


def test_mixture_means_follow_the_fractions():
    mix = ws.two_gaussian_mixtures(200_000, 0.8, 0.1, gen(5))
    x, first = mix.x[0, :, 0], mix.sample[0] == 1
    # E[x] = f (+1) + (1 - f)(-1) = 2 f - 1
    assert float(x[first].mean()) == pytest.approx(0.6, abs=0.01)
    assert float(x[~first].mean()) == pytest.approx(-0.8, abs=0.01)


# AUC of every member


def test_auc_per_member_equals_stats_auc_with_ties():
    y = (torch.rand(300, generator=gen(6)) < 0.4).long().numpy()
    scores = torch.randn(4, 300, generator=gen(7))
    scores[1] = torch.round(scores[1])  # many ties
    scores[2] = 0.0  # all tied: 1/2
    got = ws.auc_per_member(y, scores)
    want = [stats.auc(y, s.numpy()) for s in scores]
    assert np.allclose(got.numpy(), want, atol=1e-12)
    assert got[2] == 0.5
    scores[3, 0] = float("nan")
    assert math.isnan(float(ws.auc_per_member(y, scores)[3]))


def test_auc_error_matches_the_spread_of_aucs():
    values = []
    for seed in range(200):
        g = gen(seed)
        s = torch.cat(
            [torch.randn(200, generator=g) + 1.0, torch.randn(200, generator=g) - 1.0]
        )
        values.append(
            float(ws.auc_per_member(np.r_[np.ones(200), np.zeros(200)], s[None])[0])
        )
    se = ws.auc_error(ws.gaussian_auc(), 200, 200)
    assert np.std(values) == pytest.approx(se, rel=0.2)


# LLP on histograms


def test_llp_histogram_scores_separate_and_fail_at_equal_fractions():
    mix = ws.two_gaussian_mixtures([20_000, 20_000], [0.9, 0.2], [0.1, 0.8], gen(8))
    test = ws.two_gaussian_mixtures(20_000, 1.0, 0.0, gen(9))
    edges = torch.linspace(-4, 4, 21)
    scores = ws.llp_histogram_scores(mix, edges, test.x[0])
    assert scores.shape == (2, 20_000) and bool(((scores >= 0) & (scores <= 1)).all())
    aucs = ws.auc_per_member(test.signal[0].numpy(), scores)
    assert np.allclose(aucs.numpy(), ws.gaussian_auc(), atol=0.01)
    half = ws.two_gaussian_mixtures(100, 0.5, 0.5, gen(10))
    with pytest.raises(ValueError, match="f1 != f2"):
        ws.llp_histogram_scores(half, edges, test.x[0])


# The batched trainer


def _tiny_case():
    mix = ws.two_gaussian_mixtures(
        [40, 64, 10], [0.9, 0.5, 0.0], [0.1, 0.5, 1.0], gen(11)
    )
    torch.manual_seed(12)
    model = EnsembleMLP(3, n_in=1, n_out=1, hidden=8, depth=2)
    return mix, model


def test_batched_trainer_equals_a_loop_over_its_members():
    mix, model = _tiny_case()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    hist = ws.train_classifiers(
        model, mix.x, mix.sample, mix.valid, steps=30, batch_size=16, record_every=10
    )
    assert hist.steps == 30 and hist["member_loss"].shape == (3, 3)
    batched = model(mix.x)[..., 0].detach()
    for i in range(3):
        single = EnsembleMLP(1, n_in=1, n_out=1, hidden=8, depth=2)
        single.load_state_dict({k: v[i : i + 1].clone() for k, v in initial.items()})
        n_i = int(mix.n[i])
        ws.train_classifiers(
            single,
            mix.x[i : i + 1, :n_i],
            mix.sample[i : i + 1, :n_i],
            mix.valid[i : i + 1, :n_i],
            steps=30,
            batch_size=16,
        )
        alone = single(mix.x[i : i + 1])[..., 0].detach()
        assert torch.allclose(alone, batched[i : i + 1], atol=1e-5), i


def test_batched_trainer_is_deterministic_and_learns():
    runs = []
    for _ in range(2):
        mix, model = _tiny_case()
        ws.train_classifiers(
            model, mix.x, mix.sample, mix.valid, steps=200, batch_size=32
        )
        runs.append(ws.member_scores(model, torch.linspace(-3, 3, 7)[:, None]))
    assert torch.equal(runs[0], runs[1])
    # member 0 (sample 1 signal-rich) rises with x, member 2 (sample 1 pure background) falls
    assert float(runs[0][0, -1] - runs[0][0, 0]) > 0
    assert float(runs[0][2, -1] - runs[0][2, 0]) < 0


# Mixed samples of jets


def test_mixed_samples_fractions_and_no_event_twice():
    labels = np.r_[np.ones(1200), np.zeros(1200)].astype(int)
    index, sample = ws.mixed_samples(labels, 0.8, 0.1, gen(13))
    assert len(set(index.tolist())) == len(index)
    first = sample == 1
    assert int(first.sum()) == int((~first).sum())
    m = int(first.sum())
    assert labels[index[first].numpy()].sum() == round(0.8 * m)
    assert labels[index[~first].numpy()].sum() == round(0.1 * m)
    again = ws.mixed_samples(labels, 0.8, 0.1, gen(13))
    assert torch.equal(index, again[0]) and torch.equal(sample, again[1])


def test_pad_members_stacks_and_masks():
    x, t, v = ws.pad_members(
        [torch.ones(2, 3), torch.ones(5, 3)], [torch.ones(2), torch.zeros(5)]
    )
    assert x.shape == (2, 5, 3) and v.sum(1).tolist() == [2, 5]
    assert t.sum(1).tolist() == [2, 0]
    assert float(x[0, 2:].abs().sum()) == 0.0


# Bad input


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: ws.gaussian_auc(width=0.0), ValueError, "width"),
        (lambda: ws.gaussian_auc(signal_mean=float("nan")), ValueError, "signal_mean"),
        (lambda: ws.gaussian_roc_integral(width=-1.0), ValueError, "width"),
        (lambda: ws.two_gaussian_mixtures(10, 1.5, 0.0), ValueError, "f1"),
        (lambda: ws.two_gaussian_mixtures(11, 0.5, 0.0), ValueError, "n must be even"),
        (
            lambda: ws.two_gaussian_mixtures(10.0, 0.5, 0.0),
            TypeError,
            "n must hold ints",
        ),
        (lambda: ws.two_gaussian_mixtures(10, "a", 0.0), TypeError, "f1"),
        (
            lambda: ws.two_gaussian_mixtures([10, 12], [0.1, 0.2, 0.3], 0.0),
            ValueError,
            "f1",
        ),
        (lambda: ws.two_gaussian_mixtures(10, 0.5, 0.0, width=0), ValueError, "width"),
        (
            lambda: ws.llp_densities(1.0, 1.0, 0.5, 0.5),
            ValueError,
            "f1 and f2 must differ",
        ),
        (lambda: ws.llp_densities(1.0, 1.0, 1.2, 0.5), ValueError, "f1"),
        (lambda: ws.llp_densities(1.0, 1.0, 0.2, -0.1), ValueError, "f2"),
        (lambda: ws.llp_densities(True, 1.0, 0.2, 0.1), TypeError, "p1"),
        (lambda: ws.mixed_ratio(-1.0, 0.2, 0.1), ValueError, "ratio"),
        (lambda: ws.mixed_ratio_slope(1.0, 0.2, 1.1), ValueError, "f2"),
        (lambda: ws.auc_error(1.5, 10, 10), ValueError, "auc"),
        (lambda: ws.auc_error(0.5, 0, 10), ValueError, "n_signal"),
        (lambda: ws.auc_per_member([0, 1], torch.zeros(2, 3)), ValueError, "scores"),
        (lambda: ws.auc_per_member([1, 1, 1], torch.zeros(1, 3)), ValueError, "labels"),
        (lambda: ws.mixed_samples([0, 1, 2], 0.5, 0.1), ValueError, "labels"),
        (lambda: ws.mixed_samples([0, 1], 0.5, 2.0), ValueError, "f2"),
        (lambda: ws.mixed_samples([0, 1], "a", 0.1), TypeError, "f1"),
        (lambda: ws.mixed_samples([1, 1], 0.5, 0.5), ValueError, "too few"),
        (lambda: ws.pad_members([], []), ValueError, "xs"),
        (
            lambda: ws.pad_members([torch.ones(2, 3)], [torch.ones(3)]),
            ValueError,
            "targets",
        ),
        (
            lambda: ws.member_scores(torch.nn.Linear(1, 1), torch.zeros(2, 1)),
            TypeError,
            "model",
        ),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_trainer_bad_input():
    mix, model = _tiny_case()
    with pytest.raises(TypeError, match="model"):
        ws.train_classifiers(torch.nn.Linear(1, 1), mix.x, mix.sample, mix.valid)
    with pytest.raises(ValueError, match="x must have shape"):
        ws.train_classifiers(model, mix.x[:2], mix.sample[:2], mix.valid[:2])
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        ws.train_classifiers(model, mix.x, mix.sample * 2, mix.valid)
    with pytest.raises(ValueError, match="valid"):
        ws.train_classifiers(model, mix.x, mix.sample, mix.valid.flip(1))
    with pytest.raises(ValueError, match="steps"):
        ws.train_classifiers(model, mix.x, mix.sample, mix.valid, steps=0)
    with pytest.raises(ValueError, match="lr"):
        ws.train_classifiers(model, mix.x, mix.sample, mix.valid, lr=-1.0)
    with pytest.raises(ValueError, match="x must have shape"):
        ws.member_scores(model, torch.zeros(4, 2))
