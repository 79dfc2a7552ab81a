"""physml.lipschitz.emd: the Lipschitz potentials, the dual EMD against pot's exact EMD, shapes, fits."""

import functools
import math

import numpy as np
import pytest
import torch

from physml.lipschitz import emd as E

ot = pytest.importorskip("ot")


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_potentials_are_1_lipschitz_in_l2():
    pot = E.LipschitzPotentials(3, widths=(16, 16), group_size=4, generator=_gen())
    with (
        torch.no_grad()
    ):  # make the raw weights large: the normalisation must still hold
        for w in pot.weights:
            w.mul_(20)
    a, b = (
        torch.randn(3, 500, 2, generator=_gen(1)),
        torch.randn(3, 500, 2, generator=_gen(2)),
    )
    with torch.no_grad():
        slope = (pot(a) - pot(b)).abs() / (a - b).norm(dim=-1)
    assert float(slope.max()) <= 1 + 1e-5
    free = E.LipschitzPotentials(
        3, widths=(16, 16), constrained=False, generator=_gen()
    )
    with torch.no_grad():
        for w in free.weights:
            w.mul_(20)
    with torch.no_grad():
        free_slope = (free(a) - free(b)).abs() / (a - b).norm(dim=-1)
    assert float(free_slope.max()) > 1


def test_any_constrained_potential_bounds_the_exact_emd_from_below():
    x, e = torch.rand(40, 2, generator=_gen(3)), torch.rand(40, generator=_gen(4))
    y, w = torch.rand(30, 2, generator=_gen(5)) + 0.5, torch.rand(30, generator=_gen(6))
    exact = E.exact_emd(x, e, y, w)[0]
    pot = E.LipschitzPotentials(8, widths=(16, 16), group_size=8, generator=_gen(7))
    with torch.no_grad():
        assert float(E.dual_emd(pot, x, e, y, w).max()) <= exact + 1e-6


def test_trained_dual_reaches_pots_exact_emd():
    x, e = torch.randn(60, 2, generator=_gen(8)) * 0.2, torch.ones(60)
    y, w = (
        torch.randn(50, 2, generator=_gen(9)) * 0.3 + torch.tensor([0.8, 0.1]),
        torch.ones(50),
    )
    exact = E.exact_emd(x, e, y, w)[0]
    pot = E.LipschitzPotentials(2, widths=(32, 32), group_size=8, generator=_gen(10))
    hist = E.train_potentials(pot, x, e, y, w, steps=400, lr=1e-2)
    est = hist["emd"][-1]
    assert hist["emd"].shape == (401, 2)
    assert np.all(est <= exact + 1e-5)
    assert np.all(est >= 0.9 * exact)


def test_exact_emd_of_a_translation_and_against_pot_directly():
    x = torch.rand(20, 2, generator=_gen(11))
    shift = torch.tensor([0.3, -0.4])
    assert E.exact_emd(x, torch.ones(20), x + shift, torch.ones(20))[
        0
    ] == pytest.approx(0.5)
    y, w = torch.rand(15, 2, generator=_gen(12)), torch.rand(15, generator=_gen(13))
    e = torch.rand(20, generator=_gen(14))
    direct = ot.emd2(
        (e / e.sum()).double().numpy(),
        (w / w.sum()).double().numpy(),
        ot.dist(x.double().numpy(), y.double().numpy(), metric="euclidean"),
    )
    assert E.exact_emd(x, e, y, w)[0] == pytest.approx(
        direct, rel=1e-6
    )  # weights normalised in float32


def test_shapes_put_unit_mass_where_they_should():
    y, w = E.circles(torch.tensor([[[1.0, 2.0, 0.5], [0.0, 0.0, 1.0]]]), 30)
    assert y.shape == (1, 60, 2) and float(w.sum()) == pytest.approx(1)
    r = (y[0, :30] - torch.tensor([1.0, 2.0])).norm(dim=-1)
    assert torch.allclose(r, torch.full((30,), 0.5))
    y2, _ = E.circles(torch.tensor([[[1.0, 2.0, 2.5]]]), 30, radius_scale=0.2)
    assert torch.allclose(y2[0], y[0, :30])
    y, w = E.ellipse(torch.tensor([[0.0, 0.0, 2.0, 1.0, 0.0]]), 400)
    assert float(w.sum()) == pytest.approx(1)
    assert torch.allclose(
        (y[0, :, 0] / 2) ** 2 + y[0, :, 1] ** 2, torch.ones(400), atol=1e-5
    )
    # uniform mass per length: the weight on the flat sides (|x| < 1) is their share of the length
    s = torch.linspace(0, 2 * math.pi, 100_001)
    arc = torch.sqrt(4 * s.sin() ** 2 + s.cos() ** 2)
    share = float(arc[(2 * s.cos()).abs() < 1].sum() / arc.sum())
    assert float(w[0, y[0, :, 0].abs() < 1].sum()) == pytest.approx(share, abs=0.01)
    y, w = E.triangle(torch.tensor([[0.0, 0.0, 3.0, 0.0, 0.0, 4.0]]), 300)
    assert y.shape == (1, 300, 2)
    assert float(w[0, :100].sum()) == pytest.approx(3 / 12)
    y, w = E.triangle_and_ellipse(torch.zeros(2, 11) + 1.0, 30)
    assert float(w[:, :30].sum(-1)[0]) == pytest.approx(0.5)
    mask = torch.tensor([[True, True, False], [True, True, True]])
    y, w = E.subjet_centres(torch.zeros(2, 3, 2), mask)
    assert torch.allclose(w, torch.tensor([[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]))


def test_fit_moves_a_centre_onto_a_cluster_and_batches_restarts():
    x = torch.randn(40, 2, generator=_gen(15)) * 0.05 + torch.tensor([0.4, -0.3])
    init = torch.tensor([[[-0.3, 0.2]], [[0.1, 0.5]]])
    settings = E.NeemoSettings(
        steps=250,
        critic_steps=5,
        warmup_steps=100,
        final_steps=50,
        lr_shape=1e-2,
        widths=(16, 16),
    )
    fit = E.fit_shapes(
        x, torch.ones(40), E.subjet_centres, init, settings, generator=_gen(16)
    )
    assert fit.params.shape == (2, 1, 2)
    # both start 0.7-0.85 away; the centre ends on the cluster (width 0.05) up to the jitter of
    # a constant-step Adam on the cone-shaped potential of a point mass
    assert (
        float((fit.params[:, 0] - torch.tensor([0.4, -0.3])).norm(dim=-1).max()) < 0.2
    )
    start = E.exact_emd(x, torch.ones(40), init, torch.ones(2, 1))
    end = E.exact_emd(x, torch.ones(40), fit.params, torch.ones(2, 1))
    assert np.all(end < start / 3)
    assert fit.history["params"].shape[1:] == (2, 1, 2)
    assert fit.history["emd"].shape[1] == 2


def test_toy_events():
    xs, es, truth = E.toy_jets([3, 5], 10, 0.1, 0.5, generator=_gen(17))
    assert xs.shape == (2, 50, 2) and es.shape == (2, 50)
    assert torch.allclose(es.sum(-1), torch.ones(2))
    assert float(es[0, 30:].abs().sum()) == 0
    for c in truth:
        d = torch.cdist(c, c) + torch.eye(len(c)) * 10
        assert float(d.min()) >= 0.5 and float(c.abs().max()) <= 1
    x, e = E.circle_scene(torch.tensor([[0.0, 0.0]]), torch.tensor([0.5]), 50, _gen(18))
    assert torch.allclose(x.norm(dim=-1), torch.full((50,), 0.5))
    params = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 0.5, 0.3, 0.0])
    x, e = E.triangle_ellipse_scene(params, 100, _gen(19))
    assert x.shape == (200, 2) and float(e.sum()) == pytest.approx(1)


def test_centre_error_matches_best_assignment():
    a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    assert E.centre_error(a.flip(0), a) == 0.0


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: E.LipschitzPotentials(0), "n_members"),
        (lambda: E.LipschitzPotentials(2, widths=(3,)), "widths"),
        (lambda: E.LipschitzPotentials(2)(torch.zeros(3, 4, 2)), "shape"),
        (lambda: E.NeemoSettings(steps=0), "steps"),
        (lambda: E.NeemoSettings(lr_critic=-1.0), "lr_critic"),
        (lambda: E.NeemoSettings(widths=(6,)), "widths"),
        (
            lambda: E.exact_emd(
                torch.zeros(3, 2), -torch.ones(3), torch.zeros(2, 2), torch.ones(2)
            ),
            "non-negative",
        ),
        (
            lambda: E.exact_emd(
                torch.full((3, 2), float("nan")),
                torch.ones(3),
                torch.zeros(2, 2),
                torch.ones(2),
            ),
            "NaN",
        ),
        (lambda: E.circles(torch.zeros(2, 3)), "params"),
        (lambda: E.circles(torch.zeros(1, 2, 3), 0), "points_per_circle"),
        (lambda: E.ellipse(torch.zeros(1, 4)), "params"),
        (lambda: E.triangle(torch.zeros(1, 6), 2), "n_points"),
        (
            lambda: E.subjet_centres(
                torch.zeros(1, 2, 2), torch.zeros(1, 2, dtype=bool)
            ),
            "mask",
        ),
        (lambda: E.circle_scene(torch.zeros(2, 2), torch.tensor([1.0, -1.0])), "radii"),
        (lambda: E.toy_jets([]), "n_centres"),
        (lambda: E.toy_jets([20], min_separation=1.5), "could not place"),
        (lambda: E.centre_error(torch.zeros(2, 2), torch.zeros(3, 2)), "fitted"),
        (
            lambda: E.fit_shapes(
                torch.zeros(3, 2),
                torch.ones(3),
                E.subjet_centres,
                torch.zeros(1, 1, 2),
                {},
            ),
            "settings",
        ),
    ],
)
def test_bad_input(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
