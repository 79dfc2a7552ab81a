"""The one training history type (physml.train.History) and the loops' settings dataclasses.

It lives in contracts/ because it checks one contract across the training loops of train, generative.gan,
learning.toy, learning.transformer, nuclear.embedding and the loops built on train.fit (fits.regression,
lipschitz.toys, phases, representations.fit_helix): each returns History; more than five
hyperparameters come as one frozen settings dataclass."""

import dataclasses

import numpy as np
import pytest
import torch

from physml import representations, train
from physml.fits import regression
from physml.generative import gan
from physml.learning import toy, transformer
from physml.lipschitz import LipschitzMLP
from physml.lipschitz import toys as lip_toys
from physml.nuclear import embedding
from physml.phases import autoencoders
from physml.train import History


def _ensemble_history() -> History:
    # 3 members recorded at 4 evaluation steps
    return History(
        steps=30,
        eval_steps=[0, 10, 20, 30],
        series={
            "val_acc": np.array(
                [[0.1, 0.0, 0.5], [0.5, 0.0, 0.95], [0.95, 0.2, 0.99], [0.99, 0.3, 1.0]]
            ),
            "rqi": np.zeros((4, 3)),
        },
    )


def test_series_are_read_by_name_and_listed():
    h = _ensemble_history()
    assert h.names == ["val_acc", "rqi"]
    assert "val_acc" in h and "loss_d" not in h
    assert h["val_acc"].shape == (4, 3)
    assert h.eval_steps.dtype.kind == "i" and h.eval_steps.tolist() == [0, 10, 20, 30]
    with pytest.raises(KeyError, match="loss_d.*recorded: \\['val_acc', 'rqi'\\]"):
        h["loss_d"]


def test_first_step_per_member_and_for_one_model():
    h = _ensemble_history()
    assert h.first_step("val_acc", 0.9).tolist() == [20.0, float("inf"), 10.0]
    one = History(
        steps=3,
        eval_steps=np.arange(4),
        series={"val_acc": np.array([0.1, 0.4, 0.8, 0.9])},
    )
    t = one.first_step("val_acc", 0.5)
    assert t.shape == () and float(t) == 2.0
    assert float(one.first_step("val_acc", 0.95)) == float(
        "inf"
    )  # never: inf, not a pass
    with pytest.raises(ValueError, match="values"):
        History(
            steps=1, eval_steps=[0, 1], series={"a": np.array([0.1, np.nan])}
        ).first_step("a", 0.5)


def test_series_must_have_one_row_per_evaluation_step():
    with pytest.raises(ValueError, match="'acc'.*one row per evaluation step"):
        History(steps=10, eval_steps=[0, 5, 10], series={"acc": np.zeros((2, 3))})


def test_plateau_and_the_empty_default():
    h = History(steps=20, loss=np.r_[np.full(10, 5.0), np.full(10, 1.0)])
    assert h.plateau() == 1.0 and h.plateau(0.5) == 1.0 and h.plateau(1.0) == 3.0
    assert (
        History(steps=3, loss=[3.0, 2.0, 1.0]).plateau(0.01) == 1.0
    )  # at least one step
    with pytest.raises(ValueError, match="fraction"):
        h.plateau(0.0)
    empty = History(steps=5)
    assert empty.loss.shape == (0,) and empty.names == [] and empty.best_step is None
    with pytest.raises(ValueError, match="plateau needs the loss"):
        empty.plateau()


def test_fit_returns_history_with_validation_series():
    x = torch.linspace(-1, 1, 32)[:, None]
    y = 2 * x
    model = torch.nn.Linear(1, 1)

    def fit(steps, **kw):
        def mse(m, a, b):
            return ((m(a) - b) ** 2).mean()

        return train.fit(
            model,
            mse,
            (x, y),
            steps=steps,
            batch_size=8,
            device="cpu",
            progress=False,
            **kw,
        )

    hist = fit(25, val_data=(x, y), eval_every=10)
    assert isinstance(hist, History) and hist.steps == 25 and hist.loss.shape == (25,)
    assert hist.eval_steps.tolist() == [10, 20, 25] and hist["val_loss"].shape == (3,)
    assert hist.best_val == hist["val_loss"].min()
    assert hist.best_step == hist.eval_steps[hist["val_loss"].argmin()]
    no_val = fit(5)
    assert (
        no_val.names == []
        and no_val.eval_steps.shape == (0,)
        and no_val.best_step is None
    )


def test_gan_history_has_the_four_series_every_step():
    data = torch.randn(64, 1, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    hist = gan.train(
        gan.GAN(dim=1, latent=1, hidden=4),
        data,
        steps=3,
        batch_size=16,
        generator=torch.Generator().manual_seed(1),
        progress=False,
    )
    assert isinstance(hist, History) and hist.steps == 3 and hist.loss.shape == (0,)
    assert hist.names == ["loss_d", "loss_g", "d_data", "d_generated"]
    assert hist.eval_steps.tolist() == [0, 1, 2] and hist["d_data"].shape == (3,)


def test_settings_are_frozen_and_name_the_bad_field():
    s = toy.ToySettings(100, 1e-2, torch.tensor([1e-3, 1e-4]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 5
    for kwargs, field in (
        ({"steps": 0}, "steps"),
        ({"lr_embed": -1.0}, "lr_embed"),
        ({"lr_decoder": torch.tensor([1e-3, 0.0])}, "lr_decoder"),
        ({"wd_decoder": -0.1}, "wd_decoder"),
        ({"eval_every": 0}, "eval_every"),
        ({"delta": 0.0}, "delta"),
    ):
        with pytest.raises(ValueError, match=field):
            toy.ToySettings(
                **{**{"steps": 10, "lr_embed": 1e-2, "lr_decoder": 1e-3}, **kwargs}
            )
    for kwargs, field in (
        ({"steps": -1}, "steps"),
        ({"lr_embed": -1e-3}, "lr_embed"),
        ({"eval_every": 0}, "eval_every"),
        ({"betas": (0.9, 1.0)}, "betas"),
    ):
        with pytest.raises(ValueError, match=field):
            transformer.TransformerSettings(**{**{"steps": 10}, **kwargs})
    base = {
        "embed_dim": 4,
        "hidden": 8,
        "depth": 1,
        "steps": 10,
        "lr": 1e-3,
        "weight_decay": 0.0,
    }
    for kwargs, field in (
        ({"embed_dim": 0}, "embed_dim"),
        ({"depth": -1}, "depth"),
        ({"lr": 0.0}, "lr"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"batch_fraction": 1.5}, "batch_fraction"),
        ({"embed_std": 0.0}, "embed_std"),
    ):
        with pytest.raises(ValueError, match=field):
            embedding.EmbeddingSettings(**{**base, **kwargs})
    with pytest.raises(TypeError, match="cosine"):
        embedding.EmbeddingSettings(**base, cosine=1)


def test_loops_refuse_loose_settings():
    task_model = toy.AdditionToys(2, toy.AdditionTask(10), hidden=4)
    with pytest.raises(TypeError, match="settings"):
        toy.train(task_model, torch.ones(2, 55, dtype=torch.bool), {"steps": 1})


def _tiny_fits():
    x = torch.linspace(-1, 1, 16)
    y = x**2 + 1
    few = regression.RegressionSettings(steps=3, batch_size=8, hidden=4, depth=1)
    t = torch.linspace(0, 1, 8, dtype=torch.float64)
    helix = torch.stack([t, (6 * t).cos(), (6 * t).sin()], 1)
    return {
        "fit_curve": lambda: regression.fit_curve(x, y, few, loss="mse"),
        "fit_heteroscedastic_ensemble": lambda: regression.fit_heteroscedastic_ensemble(
            x, y, few, n_members=2
        ),
        "fit_mc_dropout": lambda: regression.fit_mc_dropout(x, y, few, dropout=0.1),
        "fit_helix": lambda: representations.fit_helix(helix, steps=3),
        "lipschitz fit_1d": lambda: lip_toys.fit_1d(
            LipschitzMLP(1, [4]), x, y, steps=3, lr=1e-3
        ),
        "autoencoders.fit": lambda: autoencoders.fit(
            autoencoders.Autoencoder(4, hidden=4),
            torch.rand(8, 4),
            steps=3,
            batch_size=4,
            device="cpu",
        ),
    }


@pytest.mark.parametrize("name", list(_tiny_fits()))
def test_loops_on_fit_return_a_history(name):
    """A loop that builds what it trains returns (it, history); one that trains a model in place
    returns the history alone."""
    out = _tiny_fits()[name]()
    hist = out[1] if isinstance(out, tuple) else out
    assert isinstance(hist, History) and hist.steps == 3 and hist.loss.shape == (3,)
