"""physml.fits.likelihood: the losses against their closed forms, and bad input."""

import math

import pytest
import torch

from physml.fits import likelihood


def test_losses_closed_forms():
    p, t = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 4.0])
    assert likelihood.mse(p, t).item() == pytest.approx(2.5)
    assert likelihood.chi2(p, t, torch.tensor([1.0, 2.0])).item() == pytest.approx(
        (0.5 + 0.5) / 2
    )
    nll = likelihood.gaussian_nll(p, torch.log(torch.tensor([1.0, 2.0])), t)
    assert nll.item() == pytest.approx((0.5 + (0.5 + math.log(2))) / 2)


def test_gaussian_nll_minimised_at_true_width():
    g = torch.Generator().manual_seed(0)
    y = 0.3 * torch.randn(100_000, generator=g)
    widths = torch.linspace(0.1, 0.6, 51)
    losses = [
        likelihood.gaussian_nll(torch.zeros_like(y), torch.full_like(y, math.log(w)), y)
        for w in widths
    ]
    assert widths[int(torch.stack(losses).argmin())].item() == pytest.approx(
        0.3, abs=0.011
    )


def test_loss_bad_input():
    with pytest.raises(ValueError, match="target has shape"):
        likelihood.mse(torch.zeros(3), torch.zeros(4))
    with pytest.raises(TypeError, match="floating-point"):
        likelihood.mse(
            torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long)
        )
    with pytest.raises(ValueError, match="sigma must be > 0"):
        likelihood.chi2(torch.zeros(2), torch.zeros(2), torch.tensor([1.0, 0.0]))
