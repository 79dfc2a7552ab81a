"""physml.amplitudes.regression: inputs, the metric of eq. 2.10, the tail ratio, boosting, fits."""

import numpy as np
import pytest
import torch

from physml.amplitudes import gluons, phase_space, regression
from physml.fits.regression import Preprocessing, RegressionSettings
from physml.uncertainty import decompose

SQRT_S = 1000.0


def _events(n_events=256, seed=0):
    p, _ = phase_space.sample_accepted(
        n_events, SQRT_S, generator=torch.Generator().manual_seed(seed), batch=1000
    )
    return p


def test_features_shapes_and_invariants():
    p = _events(32)
    raw = regression.features(p, "momenta")
    assert raw.shape == (32, 20) and raw.dtype == torch.float64
    assert torch.equal(raw.view(32, 5, 4), p)
    inv = regression.features(p, "invariants")
    s = gluons.invariants(p)
    assert inv.shape == (32, 10)
    # the first pair is (1, 2): s_12 = s, the same for every event at fixed energy
    assert torch.allclose(
        inv[:, 0], torch.full((32,), np.log(SQRT_S**2), dtype=torch.float64)
    )
    assert torch.allclose(inv[:, 1].exp(), s[:, 0, 2].abs())


def test_features_are_lorentz_invariant_for_invariants():
    p = _events(16)
    eta = 0.7  # a boost along z, which keeps the beams on the z axis
    e, pz = p[..., 0], p[..., 3]
    q = p.clone()
    q[..., 0] = np.cosh(eta) * e + np.sinh(eta) * pz
    q[..., 3] = np.sinh(eta) * e + np.cosh(eta) * pz
    a, b = regression.features(p, "invariants"), regression.features(q, "invariants")
    assert torch.allclose(a, b, rtol=0, atol=1e-10)


def test_standardiser_zeroes_constant_columns():
    x = regression.features(_events(64), "momenta")
    st = regression.Standardiser.fit(x)
    y = st(x)
    assert y.dtype == torch.float32
    # the beams' 8 components are constant: they become 0
    assert torch.all(y[:, :8] == 0)
    assert torch.allclose(y[:, 8:].mean(0), torch.zeros(12), atol=1e-5)
    assert torch.allclose(y[:, 8:].std(0), torch.ones(12), atol=1e-4)


def test_relative_error_is_eq_2_10():
    amp = torch.tensor([1.0, 10.0, 1000.0], dtype=torch.float64)
    pre = Preprocessing.fit(amp, log=True)
    pred = amp * torch.tensor([1.01, 0.9, 2.0], dtype=torch.float64)
    delta = regression.relative_error(pre.forward(pred), pre.forward(amp), pre.scale)
    assert torch.allclose(delta, (pred - amp) / amp, rtol=1e-10, atol=1e-12)
    sig = regression.relative_sigma(torch.tensor([0.01]), pre.scale)
    assert float(sig) == pytest.approx(0.01 * pre.scale, rel=1e-6)


def test_tail_ratio_against_numpy():
    rng = np.random.default_rng(0)
    amp = torch.from_numpy(rng.lognormal(size=5000))
    delta = torch.from_numpy(rng.normal(size=5000) * 0.01)
    tail, bulk = regression.tail_ratio(delta, amp)
    order = np.argsort(-amp.numpy())
    d = np.abs(delta.numpy())[order]
    assert tail == pytest.approx(np.quantile(d[:50], 0.95))
    assert bulk == pytest.approx(np.quantile(d[50:], 0.95))


def test_boost_weights():
    means = torch.tensor([[0.0, 0.0, 3.0], [0.0, 0.2, 3.0]])
    split = decompose(means, torch.ones(2, 3))
    w = regression.boost_weights(split, torch.zeros(3), by="pull")
    assert float(w.mean()) == pytest.approx(1.0)
    assert w[2] > w[1] > w[0]
    ws = regression.boost_weights(split, torch.zeros(3), by="sigma")
    assert float(ws.mean()) == pytest.approx(1.0)
    assert ws[0] == 0 and ws[2] == 0 and ws[1] == pytest.approx(3.0)


def test_ensemble_learns_a_smooth_function_and_its_error():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x = torch.rand(2000, 3, generator=gen) * 2 - 1
    z = torch.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2]
    settings = RegressionSettings(
        steps=600, batch_size=128, lr=3e-3, hidden=32, depth=2
    )
    net, hist = regression.fit_ensemble(x, z, settings, n_members=3, generator=gen)
    assert hist.steps == 600
    split = regression.predict_ensemble(net, x)
    rms = float(((split.mean - z) ** 2).mean().sqrt())
    assert rms < 0.1 * float(z.std())
    # boosted continuation: a copy, the original is unchanged
    before = [q.clone() for q in net.parameters()]
    w = regression.boost_weights(split, z, by="sigma")
    boosted, _ = regression.fit_ensemble(
        x, z, settings, n_members=3, weights=w, init=net, generator=gen
    )
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert boosted is not net


def test_bayesian_network_predicts_with_spread():
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    x = torch.rand(500, 2, generator=gen)
    z = x.sum(1)
    settings = RegressionSettings(steps=200, batch_size=64, hidden=16, depth=2)
    net, _ = regression.fit_bayesian(x, z, settings, generator=gen)
    split = regression.predict_bayesian(net, x, 5, generator=gen)
    assert split.mean.shape == (500,)
    assert bool((split.sigma_pred > 0).all())


@pytest.mark.parametrize(
    "call, error, word",
    [
        (
            lambda: regression.features(torch.zeros(2, 5, 4), "spinors"),
            ValueError,
            "kind",
        ),
        (
            lambda: regression.features(torch.zeros(2, 20), "momenta"),
            ValueError,
            "momenta",
        ),
        (lambda: regression.features(np.zeros((2, 5, 4))), TypeError, "momenta"),
        (lambda: regression.Standardiser.fit(torch.zeros(1, 3)), ValueError, "x"),
        (
            lambda: regression.relative_error(torch.zeros(2), torch.zeros(3), 1.0),
            ValueError,
            "shape",
        ),
        (
            lambda: regression.relative_error(torch.zeros(2), torch.zeros(2), 0.0),
            ValueError,
            "scale",
        ),
        (
            lambda: regression.tail_ratio(torch.zeros(100), torch.arange(100.0)),
            ValueError,
            "at least 10",
        ),
        (
            lambda: regression.tail_ratio(
                torch.zeros(2000), torch.arange(2000.0), q=1.5
            ),
            ValueError,
            "q",
        ),
        (
            lambda: regression.boost_weights(
                decompose(torch.zeros(2, 3)), torch.zeros(3), by="loss"
            ),
            ValueError,
            "by",
        ),
        (
            lambda: regression.fit_ensemble(
                torch.zeros(4, 2),
                torch.zeros(4),
                RegressionSettings(steps=1, batch_size=2),
                n_members=2,
                weights=-torch.ones(4),
            ),
            ValueError,
            "weights",
        ),
        (
            lambda: regression.fit_ensemble(
                torch.zeros(4, 2),
                torch.zeros(5),
                RegressionSettings(steps=1, batch_size=2),
                n_members=2,
            ),
            ValueError,
            "same n",
        ),
        (
            lambda: regression.predict_bayesian(
                torch.nn.Linear(2, 2), torch.zeros(3, 2), 1
            ),
            ValueError,
            "n_draws",
        ),
    ],
)
def test_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call()
