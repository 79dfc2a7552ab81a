"""physml.amplitudes.phase_space: RAMBO, the 2 -> n collision and the acceptance cuts."""

import math

import pytest
import torch

from physml.amplitudes import phase_space

METRIC = torch.tensor([1.0, -1.0, -1.0, -1.0], dtype=torch.float64)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_rambo_conserves_momentum_and_is_massless(n):
    p = phase_space.rambo(2000, n, 1000.0, generator=_gen())
    assert p.shape == (2000, n, 4) and p.dtype == torch.float64
    total = torch.tensor([1000.0, 0, 0, 0], dtype=torch.float64)
    assert (p.sum(1) - total).abs().max() < 1e-10 * 1000
    mass2 = (p**2 * METRIC).sum(-1)
    assert (mass2.abs() / p[..., 0] ** 2).max() < 1e-10
    assert (p[..., 0] > 0).all()


def test_two_to_n_beams_and_conservation():
    p = phase_space.two_to_n(500, 200.0, generator=_gen())
    assert p.shape == (500, 5, 4)
    assert torch.equal(
        p[:, 0], torch.tensor([100.0, 0, 0, 100.0]).double().expand(500, 4)
    )
    assert torch.equal(
        p[:, 1], torch.tensor([100.0, 0, 0, -100.0]).double().expand(500, 4)
    )
    assert (p[:, :2].sum(1) - p[:, 2:].sum(1)).abs().max() < 1e-10 * 200


def test_phase_space_volume_closed_form():
    assert phase_space.phase_space_volume(2, 91.0) == pytest.approx(1 / (8 * math.pi))
    assert phase_space.phase_space_volume(3, 91.0) == pytest.approx(
        91.0**2 / (256 * math.pi**3)
    )
    # the general formula: Phi_n(s) scales as s^(n-2)
    ratio = phase_space.phase_space_volume(5, 200.0) / phase_space.phase_space_volume(
        5, 100.0
    )
    assert ratio == pytest.approx(4.0**3)


def test_rambo_is_flat_in_three_body_phase_space():
    # Flat massless three-body phase space is uniform in the energy fractions x_i = 2 E_i / sqrt_s
    # over the triangle x_1, x_2 <= 1 <= x_1 + x_2: mean x_1 = 2/3, and equal-area halves of the
    # triangle (split at x_1 = 1/sqrt 2: x_1 has density 2 x_1) hold equal shares.
    n = 200_000
    p = phase_space.rambo(n, 3, 100.0, generator=_gen(1))
    x = 2 * p[..., 0] / 100.0
    assert ((x <= 1 + 1e-12) & (x.sum(-1) - 2).abs().lt(1e-10)[:, None]).all()
    se = (1 / 18) ** 0.5 / n**0.5  # std of x_1 on the triangle is sqrt(1/18)
    assert float(x[:, 0].mean()) == pytest.approx(2 / 3, abs=5 * se)
    lower = float((x[:, 0] < 2**-0.5).double().mean())
    assert lower == pytest.approx(0.5, abs=5 * 0.5 / n**0.5)
    # isotropy: cos(theta) uniform in [-1, 1]
    cos = p[..., 3] / p[..., 0]
    assert float(cos.mean()) == pytest.approx(
        0.0, abs=5 * (1 / 3) ** 0.5 / (3 * n) ** 0.5
    )
    assert float((cos**2).mean()) == pytest.approx(1 / 3, abs=5e-3)


def test_rambo_monte_carlo_volume_of_a_region_matches_the_weight():
    # The weight times the fraction of events in {x_1 > 1/2} equals the exact volume of that
    # region, 3/4 of the triangle's (it holds the triangle minus the corner x_1 < 1/2).
    n = 200_000
    p = phase_space.rambo(n, 3, 100.0, generator=_gen(2))
    frac = float((2 * p[:, 0, 0] / 100.0 > 0.5).double().mean())
    assert frac == pytest.approx(0.75, abs=5 * (0.75 * 0.25 / n) ** 0.5)


def test_rambo_follows_the_generator():
    a = phase_space.rambo(10, 3, 50.0, generator=_gen(3))
    b = phase_space.rambo(10, 3, 50.0, generator=_gen(3))
    c = phase_space.rambo(10, 3, 50.0, generator=_gen(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_cuts_by_hand():
    def event(*final):
        beams = [[50.0, 0, 0, 50.0], [50.0, 0, 0, -50.0]]
        return torch.tensor([beams + list(final)], dtype=torch.float64)

    def gluon(pt, eta, phi):
        return [
            pt * math.cosh(eta),
            pt * math.cos(phi),
            pt * math.sin(phi),
            pt * math.sinh(eta),
        ]

    good = event(gluon(30, 0.0, 0.0), gluon(30, 1.0, 2.0), gluon(30, -1.0, -2.0))
    assert phase_space.cuts(good).tolist() == [True]
    soft = event(gluon(19, 0.0, 0.0), gluon(30, 1.0, 2.0), gluon(30, -1.0, -2.0))
    forward = event(gluon(30, 2.6, 0.0), gluon(30, 1.0, 2.0), gluon(30, -1.0, -2.0))
    close = event(gluon(30, 0.0, 0.0), gluon(30, 0.3, 0.2), gluon(30, -1.0, -2.0))
    # Delta phi wraps: phi = 3.0 and -3.0 are 0.28 apart
    wrapped = event(gluon(30, 0.0, 3.0), gluon(30, 0.0, -3.0), gluon(30, 1.0, 1.0))
    for e in (soft, forward, close, wrapped):
        assert phase_space.cuts(e).tolist() == [False]
    assert phase_space.cuts(close, delta_r_min=0.3).tolist() == [True]
    assert phase_space.pseudorapidity(
        torch.tensor(gluon(30, 1.7, 0.4))
    ).item() == pytest.approx(1.7)
    assert phase_space.transverse_momentum(
        torch.tensor(gluon(30, 1.7, 0.4))
    ).item() == pytest.approx(30)


def test_sample_accepted_passes_the_cuts_and_estimates_the_acceptance():
    p, acc = phase_space.sample_accepted(3000, 200.0, generator=_gen(5), batch=1000)
    assert p.shape == (3000, 5, 4) and bool(phase_space.cuts(p).all())
    q = phase_space.two_to_n(50_000, 200.0, generator=_gen(6))
    direct = float(phase_space.cuts(q).double().mean())
    assert acc == pytest.approx(direct, abs=0.03)


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: phase_space.rambo(0, 3, 100.0), ValueError, "n_events"),
        (lambda: phase_space.rambo(5, 1, 100.0), ValueError, "n must"),
        (lambda: phase_space.rambo(5, 3, -1.0), ValueError, "sqrt_s"),
        (lambda: phase_space.phase_space_volume(2, float("nan")), ValueError, "sqrt_s"),
        (lambda: phase_space.two_to_n(5, 100.0, n_final=1), ValueError, "n must"),
        (lambda: phase_space.cuts([[1.0, 0, 0, 1]]), TypeError, "momenta"),
        (lambda: phase_space.cuts(torch.zeros(3, 4)), ValueError, "momenta"),
        (
            lambda: phase_space.cuts(torch.full((1, 5, 4), float("nan"))),
            ValueError,
            "momenta",
        ),
        (
            lambda: phase_space.cuts(torch.ones(1, 5, 4), pt_min=-1.0),
            ValueError,
            "pt_min",
        ),
        (
            lambda: phase_space.cuts(torch.ones(1, 5, 4), n_incoming=5),
            ValueError,
            "n_incoming",
        ),
        (
            lambda: phase_space.sample_accepted(10, 30.0, batch=10, max_draws=100),
            ValueError,
            "max_draws",
        ),
    ],
)
def test_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call()
