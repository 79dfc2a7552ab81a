"""physml.amplitudes.gluons: the colour-summed Parke-Taylor |M|^2 of g g -> g g g.

The independent evaluation builds the colour-ordered MHV and anti-MHV amplitudes from spinor
products and sums them over explicit SU(3) colour indices (Gell-Mann matrices), without the
colour-summed formula; the n = 4 case is also compared with the textbook g g -> g g result.
"""

import functools
import itertools
import math

import numpy as np
import pytest
import torch

from physml.amplitudes import gluons, phase_space

SQRT_S = 1000.0


def _events(n_events=64, seed=0):
    p, _ = phase_space.sample_accepted(
        n_events, SQRT_S, generator=torch.Generator().manual_seed(seed), batch=1000
    )
    return p


def _boost(p, rapidity, direction):
    """A pure boost of rapidity ``rapidity`` along the unit vector ``direction``."""
    n = direction / direction.norm()
    ch, sh = math.cosh(rapidity), math.sinh(rapidity)
    e, vec = p[..., 0], p[..., 1:]
    along = (vec * n).sum(-1)
    e2 = ch * e + sh * along
    vec2 = vec + ((ch - 1) * along + sh * e)[..., None] * n
    return torch.cat((e2[..., None], vec2), dim=-1)


def _rotation(generator):
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.linalg.det(q))


# --------------------------------------------------------------------------------------------
# The independent evaluation: spinor products and an explicit SU(3) colour sum


def _gell_mann():
    lam = np.zeros((8, 3, 3), dtype=complex)
    lam[0][0, 1] = lam[0][1, 0] = 1
    lam[1][0, 1], lam[1][1, 0] = -1j, 1j
    lam[2][0, 0], lam[2][1, 1] = 1, -1
    lam[3][0, 2] = lam[3][2, 0] = 1
    lam[4][0, 2], lam[4][2, 0] = -1j, 1j
    lam[5][1, 2] = lam[5][2, 1] = 1
    lam[6][1, 2], lam[6][2, 1] = -1j, 1j
    lam[7] = np.diag([1, 1, -2]) / math.sqrt(3)
    return lam / math.sqrt(2)  # Tr(T^a T^b) = delta^ab


@functools.cache
def _colour_matrix(n):
    """K[o, o'] = sum_a Tr(T^a_o1 ... T^a_on) conj(Tr(T^a_o'1 ... T^a_o'n)), o starting at 0."""
    t = _gell_mann()
    letters = "abcdefgh"[:n]
    chain = ",".join(
        f"{letters[k]}{'ijklmn'[k]}{'ijklmn'[(k + 1) % n]}" for k in range(n)
    )
    trace = np.einsum(f"{chain}->{letters}", *([t] * n))
    orders = [(0, *r) for r in itertools.permutations(range(1, n))]
    rows = np.stack(
        [
            np.einsum(f"{''.join(letters[k] for k in o)}->{letters}", trace).ravel()
            for o in orders
        ]
    )
    return orders, rows @ rows.conj().T


def _spinors(k):
    """lambda and lambda-tilde of all-outgoing momenta (E may be negative: analytic continuation)."""
    lam, lamt = [], []
    for e, x, y, z in k:
        phase = 1.0 if e > 0 else 1j
        e, x, y, z = (e, x, y, z) if e > 0 else (-e, -x, -y, -z)
        plus = e + z
        v = np.array([math.sqrt(plus), (x + 1j * y) / math.sqrt(plus)])
        lam.append(phase * v)
        lamt.append(phase * v.conj())
    return np.array(lam), np.array(lamt)


def direct_sum(momenta):
    """sum over colours and helicities of |M|^2 (g = 1), from colour-ordered amplitudes."""
    n = len(momenta)
    k = momenta.copy()
    k[:2] *= -1  # all outgoing
    lam, lamt = _spinors(k)
    angle = lam[:, None, 0] * lam[None, :, 1] - lam[:, None, 1] * lam[None, :, 0]
    square = lamt[:, None, 1] * lamt[None, :, 0] - lamt[:, None, 0] * lamt[None, :, 1]
    s = 2 * (np.outer(k[:, 0], k[:, 0]) - k[:, 1:] @ k[:, 1:].T)
    # the products have the right sizes: |<ij>|^2 = |[ij]|^2 = |s_ij|
    off = ~np.eye(n, dtype=bool)
    assert np.allclose(np.abs(angle[off]) ** 2, np.abs(s[off]), rtol=1e-10)
    assert np.allclose(np.abs(square[off]) ** 2, np.abs(s[off]), rtol=1e-10)
    orders, colour = _colour_matrix(n)
    total = 0.0
    for i, j in itertools.combinations(range(n), 2):
        brackets = [angle] if n == 4 else [angle, square]  # n = 4: MHV = anti-MHV
        for b in brackets:
            amps = np.array(
                [
                    b[i, j] ** 4 / np.prod([b[o[m], o[(m + 1) % n]] for m in range(n)])
                    for o in orders
                ]
            )
            total += float(np.real(amps @ colour @ amps.conj()))
    return total


def _rotated(p, seed):
    """The event rotated at random, so that no momentum lies along -z (where lambda is singular)."""
    r = _rotation(torch.Generator().manual_seed(seed))
    return torch.cat((p[..., :1], p[..., 1:] @ r.T), dim=-1)


def test_direct_sum_of_colour_ordered_amplitudes_equals_the_formula_n5():
    p = _rotated(_events(3, seed=1), 11)
    formula = gluons.squared_amplitude(p)
    for e in range(3):
        direct = direct_sum(p[e].numpy())
        assert direct == pytest.approx(float(formula[e]), rel=1e-10)


def _two_to_two(cos, sqrt_s=100.0):
    e = sqrt_s / 2
    sin = math.sqrt(1 - cos**2)
    return torch.tensor(
        [
            [
                [e, 0, 0, e],
                [e, 0, 0, -e],
                [e, e * sin, 0, e * cos],
                [e, -e * sin, 0, -e * cos],
            ]
        ],
        dtype=torch.float64,
    )


@pytest.mark.parametrize("cos", [-0.7, 0.1, 0.55])
def test_four_gluons_textbook_and_direct_sum(cos):
    p = _two_to_two(cos)
    s = 100.0**2
    t = -s / 2 * (1 - cos)
    u = -s - t
    # Ellis, Stirling, Webber Table 7.1 (averaged over 256 initial states), times 256
    esw = 256 * 4.5 * (3 - t * u / s**2 - s * u / t**2 - s * t / u**2)
    assert float(gluons.squared_amplitude(p)[0]) == pytest.approx(esw, rel=1e-12)
    assert float(gluons.squared_amplitude(p, average=True)[0]) == pytest.approx(
        esw / 256
    )
    assert direct_sum(_rotated(p, 3)[0].numpy()) == pytest.approx(esw, rel=1e-10)


def test_coupling_and_colour_scaling():
    p = _events(4)
    base = gluons.squared_amplitude(p)
    assert torch.allclose(
        gluons.squared_amplitude(p, coupling=1.2), 1.2**6 * base, rtol=1e-14
    )
    su2 = gluons.squared_amplitude(p, n_colours=2)
    assert torch.allclose(su2 / base, torch.full_like(base, 2**3 * 3 / (3**3 * 8)))
    avg = gluons.squared_amplitude(p, average=True)
    assert torch.allclose(avg, base / 256)


def test_invariants_cross_the_incoming_momenta():
    p = _events(16)
    s = gluons.invariants(p)
    assert torch.allclose(s[:, 0, 1], torch.full((16,), SQRT_S**2, dtype=torch.float64))
    assert (s[:, :2, 2:] < 0).all() and (
        s[:, 2:, 2:].triu(1)[:, [0, 0, 1], [1, 2, 2]] > 0
    ).all()
    assert (s.sum(-1).abs() < 1e-10 * SQRT_S**2).all()  # momentum conservation
    assert torch.equal(s, s.transpose(1, 2))


def test_lorentz_invariance_under_random_boosts():
    p = _events(200, seed=2)
    base = gluons.squared_amplitude(p)
    g = torch.Generator().manual_seed(7)
    for _ in range(5):
        direction = torch.randn(3, generator=g, dtype=torch.float64)
        rapidity = float(2 * torch.rand((), generator=g, dtype=torch.float64))
        q = _boost(p, rapidity, direction)
        r = _rotation(g)
        q = torch.cat((q[..., :1], q[..., 1:] @ r.T), dim=-1)
        rel = (gluons.squared_amplitude(q) / base - 1).abs().max()
        assert rel < 1e-10, (rapidity, float(rel))


def test_symmetric_under_permutations_of_the_gluons():
    p = _events(100, seed=3)
    base = gluons.squared_amplitude(p)
    for perm in itertools.permutations([2, 3, 4]):
        q = p[:, [0, 1, *perm]]
        assert torch.allclose(gluons.squared_amplitude(q), base, rtol=1e-12, atol=0)
    swapped = p[:, [1, 0, 2, 3, 4]]
    assert torch.allclose(gluons.squared_amplitude(swapped), base, rtol=1e-12, atol=0)


def _soft_event(energy):
    """Gluon 5 of energy ``energy`` in a fixed direction; gluons 3 and 4 take the rest."""
    half = SQRT_S / 2
    beams = torch.tensor([[half, 0, 0, half], [half, 0, 0, -half]], dtype=torch.float64)
    n5 = torch.tensor([0.3, -0.5, 0.2], dtype=torch.float64)
    p5 = torch.cat(
        (torch.tensor([energy], dtype=torch.float64), energy * n5 / n5.norm())
    )
    rest = beams.sum(0) - p5  # the 3 + 4 system
    mass = math.sqrt(float(rest[0] ** 2 - (rest[1:] ** 2).sum()))
    axis = torch.tensor([0.6, 0.0, 0.8], dtype=torch.float64)
    in_rest = torch.stack(
        (
            torch.cat((torch.tensor([mass / 2], dtype=torch.float64), mass / 2 * axis)),
            torch.cat(
                (torch.tensor([mass / 2], dtype=torch.float64), -mass / 2 * axis)
            ),
        )
    )
    velocity = rest[1:] / rest[0]
    rapidity = math.atanh(float(velocity.norm()))
    p34 = _boost(in_rest, rapidity, velocity) if rapidity > 0 else in_rest
    return torch.cat((beams, p34, p5[None]))[None]


def test_soft_scaling_one_over_energy_squared():
    e2m = [
        e**2 * float(gluons.squared_amplitude(_soft_event(e))[0])
        for e in (1e-1, 1e-2, 1e-3)
    ]
    # the momenta are exact enough for the check
    p = _soft_event(1e-3)
    assert float(gluons.invariants(p).sum(-1).abs().max()) < 1e-8
    assert e2m[1] / e2m[0] == pytest.approx(1.0, abs=1e-3)
    assert e2m[2] / e2m[1] == pytest.approx(1.0, abs=1e-4)
    assert abs(e2m[2] / e2m[1] - 1) < abs(e2m[1] / e2m[0] - 1)  # converging


def test_collinear_enhancement():
    # two outgoing gluons close together: |M|^2 grows like 1 / s_34
    far = float(gluons.squared_amplitude(_soft_event(100.0))[0])
    assert far > 0
    p = _events(2000, seed=4)
    s = gluons.invariants(p)
    m2 = gluons.squared_amplitude(p)
    smallest = (
        s[:, 2:, 2:]
        .masked_fill(torch.eye(3, dtype=torch.bool), float("inf"))
        .amin((1, 2))
    )
    corr = np.corrcoef(np.log(smallest.numpy()), np.log(m2.numpy()))[0, 1]
    assert corr < -0.3


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: gluons.squared_amplitude([[0.0]]), TypeError, "momenta"),
        (lambda: gluons.squared_amplitude(torch.zeros(2, 5)), ValueError, "momenta"),
        (lambda: gluons.squared_amplitude(torch.ones(2, 6, 4)), ValueError, "momenta"),
        (
            lambda: gluons.squared_amplitude(torch.full((2, 5, 4), float("inf"))),
            ValueError,
            "momenta",
        ),
        (
            lambda: gluons.squared_amplitude(_events(2), coupling=0.0),
            ValueError,
            "coupling",
        ),
        (
            lambda: gluons.squared_amplitude(_events(2), n_colours=1),
            ValueError,
            "n_colours",
        ),
        (lambda: gluons.squared_amplitude(_events(2), average=1), TypeError, "average"),
        (lambda: gluons.invariants(_events(2), n_incoming=6), ValueError, "n_incoming"),
    ],
)
def test_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call()
