"""Tests of physml.decorrelation.mode: the MoDe loss, its gradient, training and scaling.

The reference is the authors' package ``modeloss`` 0.1.0 (PyPI). Its metadata requires TensorFlow,
so it is not in the test extra; ``pip install --no-deps modeloss`` installs its torch backend,
which imports without TensorFlow, and the comparison tests skip cleanly without it. Without it,
the tests against the documented formulas (eqs. 3.10-3.13) still run.
"""

import numpy as np
import pytest
import torch

from physml.decorrelation import mode


def _batch(n=2048, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    m = 2 * torch.rand(n, generator=g, dtype=dtype) - 1
    m[0], m[1] = -1.0, 1.0  # span [-1, 1]: modeloss rescales each batch to it
    s = torch.sigmoid(
        3 * m + 0.5 * m**2 + 0.5 * torch.randn(n, generator=g, dtype=dtype)
    )
    return s, m


CONFIGS = [
    {"order": 0},
    {"order": 1},
    {"order": 2},
    {"order": 1, "max_slope": 0.5},
    {"order": 2, "monotonic": True},
]


@pytest.mark.parametrize("kw", CONFIGS, ids=str)
def test_value_and_gradient_match_modeloss(kw):
    modeloss = pytest.importorskip("modeloss.pytorch")
    s, m = _batch()
    s1, s2 = s.clone().requires_grad_(True), s.clone().requires_grad_(True)
    ref = modeloss.MoDeLoss(
        order=kw["order"],
        max_slope=kw.get("max_slope"),
        monotonic=kw.get("monotonic", False),
    )
    l1 = ref(s1, torch.zeros_like(s1), m)
    l1.backward()
    l2 = mode.mode_loss(s2, m, **kw)
    l2.backward()
    assert float(l2) == pytest.approx(float(l1), rel=1e-4)
    scale = float(s1.grad.abs().max())
    assert float((s1.grad - s2.grad).abs().max()) <= 1e-4 * scale


def test_near_zero_for_mass_independent_scores_positive_for_sculpted():
    losses = {}
    for n in (8192, 65536):
        g = torch.Generator().manual_seed(3)
        m = 2 * torch.rand(n, generator=g) - 1
        flat = torch.rand(n, generator=g)
        peak = torch.where((m - 0.2).abs() < 0.1, 0.9, 0.1) + 0.05 * torch.rand(
            n, generator=g
        )
        losses[n] = float(mode.mode_loss(flat, m)), float(mode.mode_loss(peak, m))
    # a mass-independent distribution: only sampling noise, falling like 1/n
    assert losses[65536][0] < losses[8192][0] / 4 and losses[65536][0] < 2e-4
    # a sculpted one: a finite loss that does not fall with n
    assert losses[65536][1] > 0.05 and losses[65536][1] > 300 * losses[65536][0]


def test_zero_for_identical_bins_up_to_the_bin_gaps():
    # every mass bin holds the same scores; what is left comes from the widths (max - min of the
    # masses in a bin, as in modeloss), which miss the gaps between bins and shrink like 1/k
    out = []
    for k in (64, 640):
        m = torch.linspace(-1, 1, k * 32, dtype=torch.float64)
        s = torch.linspace(0.01, 0.99, k, dtype=torch.float64).repeat(32)
        out.append(float(mode.mode_loss(s, m)))
    assert out[0] < 1e-4 and out[1] < out[0] / 50


def test_linear_dependence_is_free_at_order_1_not_at_order_0():
    # scores from A with probability (1 + m)/2, else from B: F_m(s) is linear in m
    g = torch.Generator().manual_seed(4)
    m = 2 * torch.rand(16384, generator=g) - 1
    a = torch.rand(16384, generator=g) < (1 + m) / 2
    u = torch.rand(16384, generator=g)
    s = torch.where(a, 0.7 + 0.2 * u, 0.1 + 0.2 * u)
    l0, l1, l2 = (float(mode.mode_loss(s, m, order)) for order in (0, 1, 2))
    assert l0 > 0.03 and l1 < 0.01 * l0 and l2 < 0.01 * l0


def test_projection_formulas():
    m = torch.linspace(-0.975, 0.975, 40)
    w = torch.full((40,), 0.05)
    p2 = 0.5 * (3 * m**2 - 1)
    F = (0.4 + 0.2 * m + 0.1 * p2)[None]
    assert torch.allclose(mode.legendre_projection(F, m, w, 2), F, atol=2e-3)
    # slope cap: |c1| <= c1max * c0 (eq. 3.12)
    capped = mode.legendre_projection(F, m, w, 1, max_slope=0.1)
    slope = (capped[0, -1] - capped[0, 0]) / (m[-1] - m[0])
    assert float(slope) <= 0.1 * 0.4 + 1e-6
    # monotone quadratic: 3|c2| <= |c1| keeps F^2 monotone (eq. 3.13)
    F_bent = (0.4 + 0.05 * m + 0.2 * p2)[None]
    mono = mode.legendre_projection(F_bent, m, w, 2, monotonic=True)[0]
    d = torch.diff(mono)
    assert bool((d >= -1e-7).all() or (d <= 1e-7).all())
    free = mode.legendre_projection(F_bent, m, w, 2)[0]
    d_free = torch.diff(free)
    assert not bool((d_free >= 0).all() or (d_free <= 0).all())


def test_gradient_pushes_a_sculpted_peak_down():
    g = torch.Generator().manual_seed(5)
    m = 2 * torch.rand(4096, generator=g) - 1
    s = 0.3 + 0.4 * ((m - 0.2).abs() < 0.1) + 0.1 * torch.rand(4096, generator=g)
    s.requires_grad_(True)
    mode.mode_loss(s, m).backward()
    peak = (m - 0.2).abs() < 0.05
    # gradient descent lowers the peak events' scores: positive gradient there
    assert float(s.grad[peak].mean()) > 0
    assert float(s.grad[~peak].mean()) < float(s.grad[peak].mean())


def test_no_grad_input_gives_the_value_only():
    s, m = _batch()
    v = mode.mode_loss(s, m, 1)
    assert not v.requires_grad and float(v) > 0


def test_train_classifier_with_and_without_mode():
    from physml.decorrelation import simple_model as sm

    x, y, m, _ = sm.sample(4000, generator=torch.Generator().manual_seed(0))
    st = mode.ClassifierSettings(hidden=8, steps=20, batch_size=1024, lam=10.0, order=1)
    torch.manual_seed(0)
    net, hist = mode.train_classifier(x, y, m, st, device="cpu")
    assert hist.steps == 20 and np.isfinite(hist.loss).all()
    p = mode.predict(net, x)
    assert p.shape == (8000,) and ((p >= 0) & (p <= 1)).all()


def test_scaling_reports_time_and_memory_growing_with_batch():
    out = mode.scaling(
        [256, 4096], order=1, repeats=1, generator=torch.Generator().manual_seed(0)
    )
    assert out["batch_size"].tolist() == [256, 4096]
    assert (out["seconds"] > 0).all()
    # the O(n * n_bins) CDF table dominates: 16x the events, several times the memory
    assert out["peak_bytes"][1] > 5 * out["peak_bytes"][0] > 0


@pytest.mark.parametrize(
    "call, err, word",
    [
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(99)),
            ValueError,
            "same shape",
        ),
        (
            lambda: mode.mode_loss(torch.rand(10), torch.rand(10)),
            ValueError,
            "at least",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100) + 1, torch.rand(100)),
            ValueError,
            "scores",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100), 3 * torch.rand(100)),
            ValueError,
            "masses",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(100), 3),
            ValueError,
            "order",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(100), 1, monotonic=True),
            ValueError,
            "monotonic",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(100), 0, max_slope=1.0),
            ValueError,
            "max_slope",
        ),
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(100), 1, max_slope=-1.0),
            ValueError,
            "max_slope",
        ),
        (lambda: mode.mode_loss([0.5] * 100, torch.rand(100)), TypeError, "scores"),
        (
            lambda: mode.mode_loss(torch.rand(100), torch.rand(100), n_mass_bins=0),
            ValueError,
            "n_mass_bins",
        ),
        (lambda: mode.ClassifierSettings(lam=-1.0), ValueError, "lam"),
        (lambda: mode.ClassifierSettings(steps=0), ValueError, "steps"),
        (
            lambda: mode.ClassifierSettings(order=1, monotonic=True),
            ValueError,
            "monotonic",
        ),
        (
            lambda: mode.train_classifier(
                torch.zeros(4, 2), torch.zeros(4), torch.zeros(4), None
            ),
            TypeError,
            "settings",
        ),
        (
            lambda: mode.train_classifier(
                torch.zeros(4, 2),
                torch.full((4,), 2.0),
                torch.zeros(4),
                mode.ClassifierSettings(),
            ),
            ValueError,
            "y",
        ),
        (lambda: mode.scaling([]), ValueError, "batch_sizes"),
        (lambda: mode.scaling([10]), ValueError, "batch_sizes"),
        (lambda: mode.predict("net", torch.zeros(2, 2)), TypeError, "model"),
    ],
)
def test_bad_inputs(call, err, word):
    with pytest.raises(err, match=word):
        call()
