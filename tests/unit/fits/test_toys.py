"""physml.fits.toys: the regression toy spectra."""

import pytest
import torch

from physml.fits import toys


def test_toys():
    g = torch.Generator().manual_seed(0)
    x, y, s = toys.sample_spectrum(50_000, 0.05, g)
    pulls = (y - toys.spectrum(x)) / s
    assert abs(pulls.std().item() - 1) < 0.02 and torch.all(s > 0)
    assert toys.spectrum(torch.tensor([0.0])).item() == pytest.approx(
        1000 + 50 * 0.03**2 / (0.36 + 0.03**2)
    )
    x, y = toys.sample_heteroscedastic(50_000, g)
    assert (
        abs(((y - toys.smooth_truth(x)) / toys.noise_width(x)).std().item() - 1) < 0.02
    )
    with pytest.raises(ValueError, match="n must"):
        toys.sample_spectrum(0)
    with pytest.raises(ValueError, match="rel_error"):
        toys.sample_spectrum(5, rel_error=2)
    with pytest.raises(TypeError, match="x must"):
        toys.spectrum([0.1])
