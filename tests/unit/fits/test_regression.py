"""physml.fits.regression: preprocessing, the curve fits and the ensembles."""

import pytest
import torch

from physml.fits import regression, toys


def test_preprocessing_inverts():
    y = torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)
    for log in (False, True):
        pre = regression.Preprocessing.fit(y, log=log)
        assert torch.allclose(pre.inverse(pre.forward(y)), y)
    with pytest.raises(ValueError, match="y > 0"):
        regression.Preprocessing.fit(torch.tensor([1.0, -1.0]), log=True)


def test_fit_curve_recovers_smooth_function():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(512, generator=g)
    y = torch.sin(3 * x) + 2
    predict = regression.fit_curve(
        x, y, loss="mse_log", steps=600, batch_size=128, generator=g
    )
    xs = torch.linspace(0.05, 0.95, 20)
    assert (predict(xs) - (torch.sin(3 * xs) + 2)).abs().max() < 0.05
    with pytest.raises(ValueError, match="needs sigma"):
        regression.fit_curve(x, y, loss="chi2", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="loss must"):
        regression.fit_curve(x, y, loss="mae", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="one-dimensional"):
        regression.fit_curve(x[:, None], y, loss="mse", steps=1, batch_size=4)


def test_heteroscedastic_ensemble_learns_width():
    g = torch.Generator().manual_seed(0)
    x, y = toys.sample_heteroscedastic(4_000, g)
    ens = regression.fit_heteroscedastic_ensemble(
        x, y, n_members=4, steps=800, batch_size=256, generator=g
    )
    grid = torch.linspace(-0.9, 0.9, 19)
    split = regression.predict_ensemble(ens, grid)
    assert (split.sigma_stoch / toys.noise_width(grid) - 1).abs().median() < 0.25
    assert torch.all(split.sigma_pred > 0)


def test_fits_reject_mismatched_lengths():
    x, y = torch.rand(10), torch.rand(9)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_curve(x, y, loss="mse", steps=1, batch_size=4)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_heteroscedastic_ensemble(
            x, y, n_members=2, steps=1, batch_size=4
        )
    with pytest.raises(ValueError, match="same length"):
        regression.fit_mc_dropout(x, y, dropout=0.1, steps=1, batch_size=4)


def test_predict_members_matches_the_ensemble_split():
    from physml.nn import EnsembleMLP

    torch.manual_seed(0)
    net = EnsembleMLP(5, 1, 2, hidden=8)
    x = torch.linspace(-1, 1, 7)
    means, sigmas = regression.predict_members(net, x)
    assert means.shape == sigmas.shape == (5, 7) and torch.all(sigmas > 0)
    split = regression.predict_ensemble(net, x)
    assert torch.allclose(split.mean, means.mean(0)) and torch.allclose(
        split.sigma_pred, means.std(0)
    )
    with pytest.raises(TypeError, match="EnsembleMLP"):
        regression.predict_members(torch.nn.Linear(1, 2), x)
