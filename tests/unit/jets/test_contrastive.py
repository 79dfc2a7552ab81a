"""physml.jets.contrastive: JetCLR's augmentations, the NT-Xent loss, encoder and LCT."""

import math

import numpy as np
import pytest
import torch

from physml.jets import contrastive as clr
from physml.jets import four_momentum, pt
from physml.jets.kinematics import delta_phi, phi
from physml.jets.perturbations import collinear_split
from tests.unit.jets.toyjets import random_jets


def _jets():
    c = random_jets(n_jets=8, n_slots=16, n_min=4)
    return torch.cat([c, torch.zeros(len(c), 4, 4, dtype=c.dtype)], dim=1)


def _eta(c):
    safe = torch.where(pt(c) > 0, pt(c), torch.ones_like(pt(c)))
    return torch.asinh(c[..., 3] / safe)


def _pairwise_delta_r(c):
    real = pt(c) > 0
    e, p = _eta(c), phi(c)
    d_eta = e[:, :, None] - e[:, None, :]
    d_phi = delta_phi(p[:, :, None], p[:, None, :])
    both = real[:, :, None] & real[:, None, :]
    return torch.hypot(d_eta, d_phi) * both


def _centroid(c, ref):
    """pT-weighted (eta, phi) centroid, phi measured from the azimuth ``ref`` (n_jets,)."""
    w = pt(c)
    real = w > 0
    e = torch.where(real, _eta(c), torch.zeros_like(w))
    d = torch.where(real, delta_phi(phi(c), ref[:, None]), 0 * w)
    return torch.stack([(w * e).sum(1), (w * d).sum(1)], -1) / w.sum(1, keepdim=True)


@pytest.mark.parametrize("name", ["rotation", "translation", "soft"])
def test_moving_augmentations_keep_pt_count_and_padding(name):
    c = _jets()
    a = clr.augment(c, [name], torch.Generator().manual_seed(1))
    assert a.shape == c.shape and a.dtype == c.dtype
    assert torch.equal(pt(a) > 0, pt(c) > 0)
    torch.testing.assert_close(pt(a), pt(c), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(a, c)
    assert bool((a[pt(c) == 0] == 0).all())


@pytest.mark.parametrize("name", ["rotation", "translation"])
def test_rotations_and_translations_keep_pairwise_delta_r(name):
    c = _jets()
    a = clr.augment(c, [name], torch.Generator().manual_seed(2))
    torch.testing.assert_close(
        _pairwise_delta_r(a), _pairwise_delta_r(c), rtol=0, atol=1e-10
    )


def test_rotation_turns_about_the_pt_weighted_centroid():
    c = _jets()
    ref = phi(four_momentum(c))
    turned = clr.rotate(c, 1.3)
    torch.testing.assert_close(
        _centroid(turned, ref), _centroid(c, ref), rtol=0, atol=1e-10
    )
    torch.testing.assert_close(clr.rotate(c, 0.0), c, rtol=1e-10, atol=1e-10)
    back = clr.rotate(clr.rotate(c, 0.7), -0.7)
    torch.testing.assert_close(back, c, rtol=1e-10, atol=1e-10)
    # a quarter turn maps the offset (x, y) from the centroid to (-y, x)
    cen = _centroid(c, ref)
    before = torch.stack([_eta(c[:, 0]), delta_phi(phi(c[:, 0]), ref)], -1)
    q = clr.rotate(c, math.pi / 2)
    after = torch.stack([_eta(q[:, 0]), delta_phi(phi(q[:, 0]), ref)], -1)
    x, y = (before - cen).unbind(-1)
    torch.testing.assert_close(after - cen, torch.stack([-y, x], -1), atol=1e-8, rtol=0)


def test_soft_smearing_width_falls_as_one_over_pt():
    pts = torch.tensor([0.5, 5.0], dtype=torch.float64)
    one = torch.stack([pts * math.cosh(0.1), pts, 0 * pts, pts * math.sinh(0.1)], -1)
    c = one[None].expand(20_000, 2, 4).clone()
    a = clr.soft_smear(c, generator=torch.Generator().manual_seed(3))
    spread = (_eta(a) - 0.1).std(0)
    torch.testing.assert_close(spread, clr.LAMBDA_SOFT / pts, rtol=0.03, atol=0)


def test_collinear_splittings_keep_the_jet_and_fill_empty_slots():
    c = _jets()
    a = clr.collinear_splittings(c, torch.Generator().manual_seed(4))
    assert a.shape == c.shape
    torch.testing.assert_close(four_momentum(a), four_momentum(c), rtol=1e-12, atol=0)
    torch.testing.assert_close(pt(a).sum(1), pt(c).sum(1), rtol=1e-12, atol=0)
    n_real, n = (pt(c) > 0).sum(1), c.shape[1]
    expected = n_real + torch.minimum(n - n_real, n_real)
    assert torch.equal((pt(a) > 0).sum(1), expected)
    # every new particle flies along a constituent of the original jet
    unit_c = c[..., 1:] / c[..., :1].clamp_min(1e-300)
    unit_a = a[..., 1:] / a[..., :1].clamp_min(1e-300)
    gap = (unit_a[:, :, None] - unit_c[:, None]).norm(dim=-1).min(-1).values
    assert float(gap[pt(a) > 0].max()) < 1e-12


def test_one_split_matches_the_fixed_collinear_split():
    c = _jets()[:, :13]
    c = c[(pt(c) > 0).sum(1) == 12][:, :13]  # 12 real, one empty slot: one splitting
    if len(c):
        a = clr.collinear_splittings(c, torch.Generator().manual_seed(5))
        ref = collinear_split(c[:, :12], 0.5, index=0)
        torch.testing.assert_close(four_momentum(a), four_momentum(ref))


def test_augmentations_are_deterministic_and_need_the_generator():
    c = _jets()
    first = clr.augment(c, clr.AUGMENTATIONS, torch.Generator().manual_seed(7))
    again = clr.augment(c, clr.AUGMENTATIONS, torch.Generator().manual_seed(7))
    other = clr.augment(c, clr.AUGMENTATIONS, torch.Generator().manual_seed(8))
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)
    assert torch.equal(clr.augment(c, ()), c)


def _reference_loss(z, zp, tau, positive_in_denominator):
    """The loss written out as loops over anchors and partners."""
    z = [v / np.linalg.norm(v) for v in np.concatenate([z, zp])]
    n = len(z) // 2
    total = 0.0
    for a in range(2 * n):
        p = (a + n) % (2 * n)
        s = [float(z[a] @ z[b]) / tau for b in range(2 * n)]
        denom = sum(
            math.exp(s[b])
            for b in range(2 * n)
            if b != a and (positive_in_denominator or b != p)
        )
        total += -math.log(math.exp(s[p]) / denom)
    return total / (2 * n)


@pytest.mark.parametrize("tau", [0.1, 1.0])
@pytest.mark.parametrize("positive_in_denominator", [True, False])
def test_nt_xent_equals_a_loop_reference(tau, positive_in_denominator):
    g = torch.Generator().manual_seed(9)
    z = torch.randn(7, 5, generator=g, dtype=torch.float64)
    zp = z + 0.3 * torch.randn(7, 5, generator=g, dtype=torch.float64)
    loss = clr.nt_xent(zp, z, tau, positive_in_denominator)
    ref = _reference_loss(zp.numpy(), z.numpy(), tau, positive_in_denominator)
    assert abs(float(loss) - ref) < 1e-12


def test_nt_xent_rewards_aligned_pairs_and_ignores_the_norm():
    g = torch.Generator().manual_seed(10)
    z = torch.randn(16, 8, generator=g)
    aligned = clr.nt_xent(z, 3 * z)
    shuffled = clr.nt_xent(z, z[torch.randperm(16, generator=g)])
    assert float(aligned) < float(shuffled)


def test_encoder_is_permutation_invariant_and_trains():
    torch.manual_seed(0)
    c = _jets().float()
    model = clr.ContrastiveEncoder(out_dim=8, latent=16, hidden=16)
    z = model(c)
    assert z.shape == (len(c), 8)
    perm = torch.randperm(c.shape[1])
    torch.testing.assert_close(model(c[:, perm]), z, atol=1e-5, rtol=1e-5)
    hist = clr.train_contrastive(
        model,
        c,
        clr.AUGMENTATIONS,
        steps=5,
        batch_size=4,
        generator=torch.Generator().manual_seed(0),
        device="cpu",
        progress=False,
    )
    assert hist.steps == 5 and np.isfinite(hist.loss).all()
    sim = clr.rotation_similarity(model, c, [0.0, 1.0])
    assert sim.shape == (2, len(c))
    np.testing.assert_allclose(sim[0], 1.0, atol=1e-5)


def test_pair_similarity_mean_over_different_jets():
    class Fixed(torch.nn.Module):
        def __init__(self, z):
            super().__init__()
            self.z = torch.nn.Parameter(z)

        def forward(self, x):
            return self.z[: len(x)]

    c = _jets()[:3].float()
    # three unit vectors: (1, 0), (0, 1), (1, 1)/sqrt 2 -> pair cosines 0, 1/sqrt2, 1/sqrt2
    z = torch.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    got = clr.pair_similarity(Fixed(z), c)
    assert got == pytest.approx(2 / math.sqrt(2) / 3, abs=1e-12)
    # every jet mapped to the same direction: similarity 1, as an untrained encoder nearly does
    assert clr.pair_similarity(Fixed(torch.ones(3, 2)), c) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="constituents"):
        clr.pair_similarity(Fixed(z), c[:1])


def test_linear_classifier_test_separates_linearly_separable_jets():
    torch.manual_seed(0)
    c = _jets().float()
    y = torch.tensor([0, 1] * 4)

    class Echo(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(()))

        def forward(self, x):
            return torch.stack([y.float() + 0 * self.w, x[:, 0, 0]], -1)

    scores = clr.linear_classifier_test(Echo(), c, y, c)
    assert scores.shape == (len(c),)
    assert scores[y == 1].min() > scores[y == 0].max()


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda c: clr.rotate(c, "a"), "angle"),
        (lambda c: clr.rotate(c, torch.zeros(3)), "angle"),
        (lambda c: clr.translate(c, -1.0), "width"),
        (lambda c: clr.soft_smear(c, 0.0), "scale"),
        (lambda c: clr.soft_smear(c, pt_min=-1.0), "pt_min"),
        (lambda c: clr.augment(c, ["boost"]), "which"),
        (lambda c: clr.augment(c, ["soft", "soft"]), "which"),
        (lambda c: clr.augment(c, "soft"), "which"),
        (lambda c: clr.collinear_splittings(c[..., :3]), "constituents"),
        (lambda c: clr.nt_xent(torch.zeros(1, 3), torch.zeros(1, 3)), "z"),
        (lambda c: clr.nt_xent(torch.zeros(4, 3), torch.zeros(4, 2)), "z_prime"),
        (lambda c: clr.nt_xent(torch.ones(4, 3), torch.ones(4, 3), 0.0), "temperature"),
        (
            lambda c: clr.nt_xent(
                torch.ones(4, 3, dtype=torch.int64), torch.ones(4, 3)
            ),
            "z",
        ),
        (lambda c: clr.ContrastiveEncoder(out_dim=0), "out_dim"),
        (
            lambda c: clr.train_contrastive(
                clr.ContrastiveEncoder(), c.float(), (), steps=1, batch_size=1
            ),
            "batch_size",
        ),
        (
            lambda c: clr.linear_classifier_test(
                clr.ContrastiveEncoder(), c.float(), torch.zeros(len(c)), c.float()
            ),
            "train_labels",
        ),
        (
            lambda c: clr.rotation_similarity(clr.ContrastiveEncoder(), c.float(), []),
            "angles",
        ),
    ],
)
def test_bad_inputs_raise_naming_the_argument(call, word):
    with pytest.raises((TypeError, ValueError), match=word):
        call(_jets())
