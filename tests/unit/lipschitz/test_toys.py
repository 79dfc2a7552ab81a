"""physml.lipschitz.toys: the toy generators (with the trigger generators in the same test)."""

import math

import pytest
import torch

from physml.lipschitz import toys, trigger


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
