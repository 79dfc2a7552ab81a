"""physml.learning.toy: the batched toy models train; the phases are read off correctly."""

import numpy as np
import pytest
import torch

from physml.learning import toy
from physml.learning.parallelograms import AdditionTask
from physml.train import History


@pytest.fixture(scope="module")
def task():
    return AdditionTask(10)


def test_toys_train_and_phases(task):
    gen = torch.Generator().manual_seed(0)
    masks = task.random_masks(3, 0.8, gen)
    model = toy.AdditionToys(3, task, hidden=16, generator=gen)
    with torch.no_grad():
        before = float(model.losses(model(), masks).sum())
    hist = toy.train(model, masks, toy.ToySettings(200, 1e-2, 1e-3, eval_every=50))
    with torch.no_grad():
        assert float(model.losses(model(), masks).sum()) < before
    assert hist["train_acc"].shape == (5, 3) and hist["rqi"].shape == (5, 3)
    hits, outside = toy.beyond_ideal(model, masks)
    assert np.all(hits <= outside)
    cls = toy.AdditionToys(2, task, kind="classification", hidden=8, generator=gen)
    assert cls().shape == (2, 55, 19)
    steps = np.arange(0, 50, 10)
    h = History(
        steps=40,
        eval_steps=steps,
        series={
            "train_acc": np.array(
                [[0, 0, 0, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]
            ),
            "val_acc": np.array(
                [[0, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]]
            ),
        },
    )
    assert toy.phase(h, horizon=40, gap=20) == [
        "comprehension",
        "grokking",
        "memorisation",
        "confusion",
    ]
