import math

import pytest
import torch

from physml.lipschitz import (
    GroupSort, LipschitzLinear, LipschitzMLP, MonotonicWrapper, certified_bound, normalise,
    operator_norm, slope_bounds, toys, trigger,
)

KINDS = ("one", "inf", "one-inf", "two-inf")


@pytest.mark.parametrize("kind", KINDS)
def test_normalisation_agrees_with_peer_package(kind):
    from monotonicnetworks.functional import get_normed_weights

    g = torch.Generator().manual_seed(0)
    for scale in (0.05, 1.0, 5.0):
        w = scale * torch.randn(7, 5, generator=g)
        for max_norm in (0.5, 1.0, 2.0):
            ours = normalise(w, kind, max_norm)
            theirs = get_normed_weights(w, kind, always_norm=False, max_norm=max_norm, vectorwise=True)
            assert torch.allclose(ours, theirs, atol=1e-6), (kind, scale, max_norm)
            assert operator_norm(ours, kind) <= max_norm * (1 + 1e-6)


def test_peer_network_and_ours_share_bound_and_outputs():
    from monotonicnetworks import LipschitzLinear as PeerLinear

    torch.manual_seed(0)
    peer = PeerLinear(4, 3, kind="one", lipschitz_const=1.5)  # weight norm as a torch parametrization
    ours = LipschitzLinear(4, 3, kind="one", max_norm=1.5)
    raw = 5 * torch.randn(3, 4)  # large enough that the normalisation acts
    with torch.no_grad():
        ours.weight.copy_(raw)
        peer.parametrizations.weight.original.copy_(raw)
        ours.bias.copy_(peer.bias)
    x = torch.randn(10, 4)
    assert torch.allclose(ours(x), peer(x), atol=1e-5)
    assert operator_norm(ours.normalised_weight, "one") == pytest.approx(1.5, rel=1e-5)


def test_groupsort_matches_peer_and_is_a_permutation():
    from monotonicnetworks import GroupSort as PeerGroupSort

    x = torch.randn(6, 8)
    ours = GroupSort(2)(x)
    assert torch.allclose(ours, PeerGroupSort(4)(x))  # the peer counts groups, we count group size
    assert torch.allclose(ours.sort(-1).values, x.sort(-1).values)
    assert torch.allclose(GroupSort(8)(x), x.sort(-1).values)
    with pytest.raises(ValueError, match="multiple of group_size"):
        GroupSort(3)(x)


@pytest.mark.parametrize("norm", ["one", "one-inf"])
def test_lipschitz_bound_holds_on_random_pairs(norm):
    torch.manual_seed(1)
    net = LipschitzMLP(3, [16, 16], lipschitz_const=2.0, norm=norm)
    with torch.no_grad():  # large raw weights: the normalisation must be active
        for p in net.parameters():
            p.mul_(10)
    bound = certified_bound(net)
    assert bound <= 2.0 * (1 + 1e-5)
    x, y = torch.randn(5000, 3), torch.randn(5000, 3)
    with torch.no_grad():
        ratio = (net(x) - net(y)).abs() / (x - y).abs().sum(-1)
    assert ratio.max() <= bound * (1 + 1e-5)


def test_slopes_on_a_dense_grid_within_bound_and_monotone():
    torch.manual_seed(2)
    net = LipschitzMLP(1, [32, 32], lipschitz_const=1.5)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(8)
    wrapped = MonotonicWrapper(net, 1.5, [1])
    s_net = toys.slopes(net, -5, 5, n=4000)
    s_mono = toys.slopes(wrapped, -5, 5, n=4000)
    assert s_net.abs().max() <= certified_bound(net) * (1 + 1e-4)
    lower, upper = slope_bounds(wrapped)
    assert s_mono.min() >= -1e-6 and s_mono.min() >= lower.item() - 1e-4
    assert s_mono.max() <= upper.item() * (1 + 1e-4) and upper.item() <= 2 * 1.5 * (1 + 1e-5)
    decreasing = MonotonicWrapper(net, 1.5, [-1])
    assert toys.slopes(decreasing, -5, 5, n=4000).max() <= 1e-6


def test_monotone_in_chosen_inputs_only():
    torch.manual_seed(3)
    wrapped = MonotonicWrapper(LipschitzMLP(2, [16], 1.0), 1.0, [1, 0])
    gx, gy = toys.grid_steps(toys.in_float64(wrapped), (-3, -3), (3, 3), n=100)
    assert gx.min() >= -1e-9
    assert certified_bound(wrapped) == pytest.approx(certified_bound(wrapped.net) + 1.0)


@pytest.mark.parametrize(
    "constraints, err, match",
    [
        ([1], ValueError, "one entry per input"),
        ([1, 2], ValueError, "-1, 0 or 1"),
        ([1, 0.5], ValueError, "-1, 0 or 1"),
        ("11", TypeError, "sequence"),
    ],
)
def test_bad_constraints(constraints, err, match):
    with pytest.raises(err, match=match):
        MonotonicWrapper(LipschitzMLP(2, [4], 1.0), 1.0, constraints)


def test_bad_construction():
    with pytest.raises(ValueError, match="kind"):
        normalise(torch.randn(3, 3), "two")
    with pytest.raises(ValueError, match="max_norm"):
        normalise(torch.randn(3, 3), "one", 0)
    with pytest.raises(ValueError, match="widths"):
        LipschitzMLP(2, [5], group_size=2)
    with pytest.raises(ValueError, match="exceeds"):
        MonotonicWrapper(LipschitzMLP(2, [4], 3.0), 1.0, [1, 1])
    with pytest.raises(TypeError, match="constrained"):
        MonotonicWrapper(LipschitzMLP(2, [4], 1.0, constrained=False), 1.0, [1, 1])
    with pytest.raises(ValueError, match="LipschitzLinear"):
        certified_bound(LipschitzMLP(2, [4], 1.0, constrained=False))
    with pytest.raises(ValueError, match="shape"):
        LipschitzMLP(2, [4], 1.0)(torch.randn(3, 5))


def test_toys_and_trigger_generators():
    g = torch.Generator().manual_seed(0)
    x, y, out = toys.sine_with_outlier(30, shift=1.0, noise=0.0, generator=g)
    assert y[out] == pytest.approx(math.sin(x[out]) + 1.0, abs=1e-6)
    x, y = toys.log_with_gap(40, "interpolation", g)
    assert not ((x > 2.5) & (x < 4.5)).any() and len(x) == 40
    pts, vals = toys.flower(50)
    assert pts.shape == (150, 2) and set(vals.tolist()) == {0.0, 0.5, 1.0}
    with pytest.raises(ValueError, match="gap"):
        toys.log_with_gap(40, "middle")
    with pytest.raises(ValueError, match="name"):
        toys.classifier_loss("focal")
    xs, t = trigger.signal(20_000, generator=g)
    assert abs(t.mean().item() - trigger.TAU_B_PS) < 0.05
    xb = trigger.background(20_000, generator=g)
    assert xs.shape == xb.shape == (20_000, 2)
    # displacement grows with lifetime: the median log χ²_IP rises with t
    early, _ = trigger.signal(5_000, generator=g, t_ps=torch.full((5_000,), 0.5))
    late, _ = trigger.signal(5_000, generator=g, t_ps=torch.full((5_000,), 20.0))
    assert late[:, 1].median() > early[:, 1].median() + 3
    # the best real cut score > t keeping 10% of 100 scores: t = 89 accepts 90..99 (no interpolation)
    assert trigger.threshold_at_rate(torch.arange(100.0), 0.1) == 89.0
    with pytest.raises(ValueError, match="rate"):
        trigger.threshold_at_rate(torch.arange(10.0), 1.5)
    with pytest.raises(ValueError, match="fractions"):
        trigger.background(10, fractions=(0.5, 0.5, 0.5))


def _slope_claim(max_slope: float, tmp_path) -> None:
    # the chapter's claim 'slope_within_bound_sine': max |slope| against the declared λ = 1
    from physml.claims import AtMost, Chapter

    Chapter("lipschitz-test", directory=tmp_path).claim(
        "slope_within_bound_sine", max_slope, reference=1.0, tolerance=AtMost(1e-4), kind="exact",
        source="Kitouni 2024 (thesis), eq. (2.2)")


@pytest.mark.parametrize("constrained", [True, False])
def test_slope_claim_fails_with_normalisation_switched_off(constrained, tmp_path):
    # The sine toy of the chapter, briefly trained: with the normalisation (eq. 2.8) the slope stays
    # below λ = 1; the same network without it fits the outlier with steeper slopes and fails the claim.
    x, y, _ = toys.sine_with_outlier(30, shift=1.0, noise=0.01, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    net = toys.fit_1d(LipschitzMLP(1, [32, 32], lipschitz_const=1.0, constrained=constrained), x, y,
                      steps=500, lr=1e-2)
    max_slope = toys.slopes(net, 0, 2 * math.pi).abs().max().item()
    if constrained:
        assert max_slope <= 1.0 + 1e-4
        _slope_claim(max_slope, tmp_path)
    else:
        assert max_slope > 1.05
        with pytest.raises(AssertionError, match="slope_within_bound_sine"):
            _slope_claim(max_slope, tmp_path)


def test_decision_flips_and_efficiency_difference():
    before = torch.tensor([True, True, False, False, True])
    after = torch.tensor([True, False, True, True, True])
    up, down = trigger.decision_flips(before, after)
    assert up == pytest.approx(2 / 5) and down == pytest.approx(1 / 5)
    d = trigger.efficiency_difference(after, before)
    assert d.value == pytest.approx(0.2)
    diff = torch.tensor([0.0, -1.0, 1.0, 1.0, 0.0])
    assert d.error == pytest.approx(float(diff.std() / math.sqrt(5)))
    same = trigger.efficiency_difference(before, before)
    assert same.value == 0 and same.error == 0
    with pytest.raises(TypeError, match="boolean"):
        trigger.decision_flips(torch.ones(3), torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="same shape"):
        trigger.efficiency_difference(before, after[:3])
    with pytest.raises(ValueError, match="1-D"):
        trigger.decision_flips(torch.ones(2, 2, dtype=torch.bool), torch.ones(2, 2, dtype=torch.bool))


def test_shift_bound_fails_for_the_unconstrained_twin():
    # The chapter's 'trigger_shift_bound' compares with 2λ ||δ||_1 for the declared λ: a monotone
    # net meets it whatever its weights; the twin without normalisation, given large weights, does not.
    torch.manual_seed(4)
    mono = MonotonicWrapper(LipschitzMLP(2, [20, 20], 2.0, group_size=20), 2.0, [1, 1])
    free = LipschitzMLP(2, [20, 20], 2.0, group_size=20, constrained=False)
    with torch.no_grad():
        for p in list(mono.parameters()) + list(free.parameters()):
            p.mul_(5)
    x = torch.randn(5000, 2)
    delta = torch.tensor([0.05, 0.10])
    bound = 2 * 2.0 * float(delta.abs().sum())
    with torch.no_grad():
        ratio_mono = (mono(x + delta) - mono(x)).abs().max().item() / bound
        ratio_free = (free(x + delta) - free(x)).abs().max().item() / bound
        down = trigger.decision_flips(mono(x) > 0, mono(x + delta) > 0)[1]
    assert ratio_mono <= 1 + 1e-4 and down == 0
    assert ratio_free > 1.5
