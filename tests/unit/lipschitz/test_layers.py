"""physml.lipschitz.layers: normalisation and GroupSort against the peer package, the Lipschitz bound,
monotonicity, and bad input."""

import math

import pytest
import torch

from physml.lipschitz import (
    GroupSort,
    LipschitzLinear,
    LipschitzMLP,
    MonotonicWrapper,
    certified_bound,
    normalise,
    operator_norm,
    slope_bounds,
    toys,
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
            theirs = get_normed_weights(
                w, kind, always_norm=False, max_norm=max_norm, vectorwise=True
            )
            assert torch.allclose(ours, theirs, atol=1e-6), (kind, scale, max_norm)
            assert operator_norm(ours, kind) <= max_norm * (1 + 1e-6)


def test_peer_network_and_ours_share_bound_and_outputs():
    from monotonicnetworks import LipschitzLinear as PeerLinear

    torch.manual_seed(0)
    peer = PeerLinear(
        4, 3, kind="one", lipschitz_const=1.5
    )  # weight norm as a torch parametrization
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
    assert torch.allclose(
        ours, PeerGroupSort(4)(x)
    )  # the peer counts groups, we count group size
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
    assert s_mono.max() <= upper.item() * (1 + 1e-4) and upper.item() <= 2 * 1.5 * (
        1 + 1e-5
    )
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


def _slope_claim(max_slope: float, tmp_path) -> None:
    # the chapter's claim 'slope_within_bound_sine': max |slope| against the declared λ = 1
    from physml.claims import AtMost, Chapter

    Chapter("lipschitz-test", directory=tmp_path).claim(
        "slope_within_bound_sine",
        max_slope,
        reference=1.0,
        tolerance=AtMost(1e-4),
        kind="exact",
        source="Kitouni 2024 (thesis), eq. (2.2)",
    )


@pytest.mark.parametrize("constrained", [True, False])
def test_slope_claim_fails_with_normalisation_switched_off(constrained, tmp_path):
    # The sine toy of the chapter, briefly trained: with the normalisation (eq. 2.8) the slope stays
    # below λ = 1; the same network without it fits the outlier with steeper slopes and fails the claim.
    x, y, _ = toys.sine_with_outlier(
        30, shift=1.0, noise=0.01, generator=torch.Generator().manual_seed(0)
    )
    torch.manual_seed(0)
    net = LipschitzMLP(1, [32, 32], lipschitz_const=1.0, constrained=constrained)
    hist = toys.fit_1d(net, x, y, steps=500, lr=1e-2)
    assert hist.steps == 500 and hist.loss.shape == (500,) and hist.names == []
    max_slope = toys.slopes(net, 0, 2 * math.pi).abs().max().item()
    if constrained:
        assert max_slope <= 1.0 + 1e-4
        _slope_claim(max_slope, tmp_path)
    else:
        assert max_slope > 1.05
        with pytest.raises(AssertionError, match="slope_within_bound_sine"):
            _slope_claim(max_slope, tmp_path)
