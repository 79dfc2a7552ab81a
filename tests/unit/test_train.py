"""physml.train: the shared training loop (learning, reproducibility, early stopping, bad input)."""

import numpy as np
import pytest
import torch

from physml import train
from physml.fits import likelihood
from physml.nn import MLP


def line_data(n=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g)
    return x, 3 * x - 1 + 0.01 * torch.randn(n, 1, generator=g)


def mse_loss(model, x, y):
    return likelihood.mse(model(x), y)


def fit_line(model, x, y, **kw):
    """``train.fit`` of ``model`` to the points ``(x, y)`` under the MSE, on the CPU, quietly."""
    return train.fit(model, mse_loss, (x, y), device="cpu", progress=False, **kw)


def test_fit_learns_a_line():
    x, y = line_data()
    model = torch.nn.Linear(1, 1)
    hist = fit_line(model, x, y, steps=600, batch_size=64, lr=0.05)
    assert hist.steps == 600 and hist.loss[-1] < 1e-3
    assert model.weight.item() == pytest.approx(3, abs=0.05)


def test_fit_is_reproducible():
    x, y = line_data()
    w = []
    for _ in range(2):
        torch.manual_seed(0)
        m = MLP(1, 1, hidden=8, depth=1)
        generator = torch.Generator().manual_seed(3)
        fit_line(m, x, y, steps=50, batch_size=32, generator=generator)
        w.append(torch.cat([p.flatten() for p in m.parameters()]))
    assert torch.equal(w[0], w[1])


def test_early_stopping_restores_best():
    x, y = line_data(64)
    xv, yv = line_data(64, seed=1)
    yv = (
        yv + 5.0
    )  # validation data the model cannot fit: the first evaluation stays the best
    model = torch.nn.Linear(1, 1)
    hist = fit_line(
        model,
        x,
        y,
        steps=1000,
        batch_size=16,
        lr=0.05,
        val_data=(xv, yv),
        eval_every=10,
        patience=3,
    )
    assert hist.stopped_early and hist.steps < 1000
    assert hist.best_val == min(hist["val_loss"])


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(steps=0, batch_size=4), ValueError, "steps"),
        (dict(steps=1, batch_size=4, lr=-1.0), ValueError, "lr"),
        (dict(steps=1, batch_size=4, optimizer="lbfgs"), ValueError, "optimizer"),
        (dict(steps=1, batch_size=4, patience=2), ValueError, "val_data"),
        (dict(steps=1, batch_size=4, schedule="step"), ValueError, "schedule"),
    ],
)
def test_fit_bad_arguments(kwargs, err, match):
    x, y = line_data(8)
    with pytest.raises(err, match=match):
        fit_line(torch.nn.Linear(1, 1), x, y, **kwargs)


def test_fit_bad_data():
    x, y = line_data(8)
    with pytest.raises(TypeError, match="tuple of tensors"):
        train.fit(torch.nn.Linear(1, 1), mse_loss, x, steps=1, batch_size=2)
    with pytest.raises(ValueError, match="rows"):
        train.fit(torch.nn.Linear(1, 1), mse_loss, (x, y[:4]), steps=1, batch_size=2)
    with pytest.raises(TypeError, match="model"):
        train.fit("net", mse_loss, (x, y), steps=1, batch_size=2)


def test_progress_flag(monkeypatch):
    monkeypatch.setenv("PHYSML_PROGRESS", "1")
    assert train.progress_enabled()
    monkeypatch.setenv("PHYSML_PROGRESS", "0")
    assert not train.progress_enabled()
    monkeypatch.delenv("PHYSML_PROGRESS")
    monkeypatch.setenv("CI", "true")
    assert not train.progress_enabled()


def test_full_batch_uses_every_row_every_step():
    """batch_size >= n is full-batch training: every row in every step, not n draws with
    replacement (which would see about 63% of the rows)."""
    from physml import train

    seen = []
    model = torch.nn.Linear(1, 1)

    def loss_fn(m, rows):
        seen.append(rows.clone())
        return m(rows.float()[:, None]).sum()

    def fit(batch_size):
        rows = (torch.arange(10),)
        train.fit(
            model,
            loss_fn,
            rows,
            steps=3,
            batch_size=batch_size,
            lr=1e-3,
            progress=False,
        )

    fit(10)
    assert all(torch.equal(s, torch.arange(10)) for s in seen) and len(seen) == 3
    seen.clear()
    fit(4)
    assert all(len(s) == 4 for s in seen)


def test_first_crossing():
    from physml.train import first_crossing

    steps = np.array([0, 10, 20, 30])
    values = np.array([[0.1, 0.0], [0.5, 0.0], [0.95, 0.2], [0.99, 0.3]])
    assert first_crossing(steps, values, 0.9).tolist() == [20.0, float("inf")]
    with pytest.raises(ValueError, match="values must have 4 rows"):
        first_crossing(steps, values[:3], 0.9)
