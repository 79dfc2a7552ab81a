"""physml.fits.regression: preprocessing, the curve fits and the ensembles."""

import dataclasses

import pytest
import torch

from physml.fits import regression, toys
from physml.train import History

ONE_STEP = regression.RegressionSettings(steps=1, batch_size=4)


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
    predict, hist = regression.fit_curve(
        x,
        y,
        regression.RegressionSettings(steps=600, batch_size=128, depth=3),
        loss="mse_log",
        generator=g,
    )
    assert isinstance(hist, History) and hist.steps == 600 and hist.loss.shape == (600,)
    xs = torch.linspace(0.05, 0.95, 20)
    assert (predict(xs) - (torch.sin(3 * xs) + 2)).abs().max() < 0.05
    with pytest.raises(ValueError, match="needs sigma"):
        regression.fit_curve(x, y, ONE_STEP, loss="chi2")
    with pytest.raises(ValueError, match="loss must"):
        regression.fit_curve(x, y, ONE_STEP, loss="mae")
    with pytest.raises(ValueError, match="one-dimensional"):
        regression.fit_curve(x[:, None], y, ONE_STEP, loss="mse")


def test_heteroscedastic_ensemble_learns_width():
    g = torch.Generator().manual_seed(0)
    x, y = toys.sample_heteroscedastic(4_000, g)
    ens, hist = regression.fit_heteroscedastic_ensemble(
        x,
        y,
        regression.RegressionSettings(steps=800, batch_size=256),
        n_members=4,
        generator=g,
    )
    assert hist.steps == 800 and hist.loss.shape == (800,)
    grid = torch.linspace(-0.9, 0.9, 19)
    split = regression.predict_ensemble(ens, grid)
    assert (split.sigma_stoch / toys.noise_width(grid) - 1).abs().median() < 0.25
    assert torch.all(split.sigma_pred > 0)


def test_fits_reject_mismatched_lengths():
    x, y = torch.rand(10), torch.rand(9)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_curve(x, y, ONE_STEP, loss="mse")
    with pytest.raises(ValueError, match="same length"):
        regression.fit_heteroscedastic_ensemble(x, y, ONE_STEP, n_members=2)
    with pytest.raises(ValueError, match="same length"):
        regression.fit_mc_dropout(x, y, ONE_STEP, dropout=0.1)


def test_mc_dropout_returns_the_net_and_its_history():
    g = torch.Generator().manual_seed(0)
    x, y = toys.sample_heteroscedastic(64, g)
    net, hist = regression.fit_mc_dropout(
        x, y, regression.RegressionSettings(steps=3, batch_size=16), dropout=0.1
    )
    assert net(torch.zeros(5, 1)).shape == (5, 2)
    assert isinstance(hist, History) and hist.steps == 3 and hist.loss.shape == (3,)


def test_settings_are_frozen_and_checked():
    s = regression.RegressionSettings(steps=10, batch_size=4)
    assert (s.lr, s.hidden, s.depth) == (3e-3, 64, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 5
    for kwargs, field in (
        ({"steps": 0}, "steps"),
        ({"batch_size": -1}, "batch_size"),
        ({"lr": 0.0}, "lr"),
        ({"hidden": 0}, "hidden"),
        ({"depth": 1.5}, "depth"),
    ):
        with pytest.raises(ValueError, match=field):
            regression.RegressionSettings(**{"steps": 10, "batch_size": 4, **kwargs})
    x = torch.rand(8)
    with pytest.raises(TypeError, match="RegressionSettings"):
        regression.fit_curve(x, x, {"steps": 1, "batch_size": 4}, loss="mse")


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
