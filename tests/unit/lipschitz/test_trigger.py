"""physml.lipschitz.trigger: threshold at a rate, efficiency in bins, decision flips, the shift bound."""

import math

import pytest
import torch

from physml.lipschitz import LipschitzMLP, MonotonicWrapper, trigger


def test_threshold_at_rate_is_the_best_cut_that_keeps_the_rate():
    scores = torch.arange(10.0)
    thr = trigger.threshold_at_rate(scores, 0.25)
    assert (
        thr == 7.0 and float((scores > thr).double().mean()) == 0.2
    )  # 2 of 10 <= 0.25
    assert (
        float((scores > thr - 1).double().mean()) > 0.25
    )  # the next looser cut breaks the rate
    # torch.quantile would give 6.75, which accepts 3 of 10 = 0.3 > 0.25
    assert float((scores > torch.quantile(scores, 0.75)).double().mean()) == 0.3
    # ties at the threshold are rejected together: at most the rate, and no looser cut keeps it
    tied = torch.tensor([0.0, 1.0, 1.0, 1.0, 2.0])
    assert trigger.threshold_at_rate(tied, 0.5) == 1.0
    # rate * n whole (the chapter's 0.03 x 200 000): exactly that many accepted
    g = torch.Generator().manual_seed(0)
    s = torch.randn(200_000, generator=g)
    assert int((s > trigger.threshold_at_rate(s, 0.03)).sum()) == 6000
    # order invariance
    perm = torch.randperm(len(s), generator=g)
    assert trigger.threshold_at_rate(s[perm], 0.03) == trigger.threshold_at_rate(
        s, 0.03
    )


def test_efficiency_in_bins_right_values_order_free_and_warns_on_an_empty_bin():
    t = torch.tensor([0.5, 0.6, 1.5, 2.5, 2.6, 2.7])
    acc = torch.tensor([True, False, True, True, True, False])
    eff = trigger.efficiency_in_bins(acc, t, [0.0, 1.0, 2.0, 3.0])
    assert eff.tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    perm = torch.tensor([5, 2, 0, 4, 1, 3])
    assert torch.equal(
        trigger.efficiency_in_bins(acc[perm], t[perm], [0.0, 1.0, 2.0, 3.0]), eff
    )
    with pytest.warns(RuntimeWarning, match=r"no event in the bin \[3.0, 4.0\)"):
        out = trigger.efficiency_in_bins(acc, t, [0.0, 3.0, 4.0])
    assert out[0].item() == pytest.approx(4 / 6) and math.isnan(out[1].item())


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
        trigger.decision_flips(
            torch.ones(2, 2, dtype=torch.bool), torch.ones(2, 2, dtype=torch.bool)
        )


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
