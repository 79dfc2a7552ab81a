"""physml.learning.effective_theory: the effective flow conserves Z and relaxes at λ3."""

import numpy as np
import pytest
import torch

from physml.learning import effective_theory
from physml.learning.parallelograms import AdditionTask, normalise


@pytest.fixture(scope="module")
def task():
    return AdditionTask(10)


def test_flow_conserves_and_relaxes_at_lambda3(task):
    gen = torch.Generator().manual_seed(2)
    mask = task.random_masks(1, 0.6, gen)[0]
    while task.nullity(mask) != 2:
        mask = task.random_masks(1, 0.6, gen)[0]
    e0 = normalise(torch.rand(10, 1, generator=gen, dtype=torch.float64) - 0.5)
    small = effective_theory.flow(
        task, mask, e0, lr=1e-4, steps=10_000, save_every=1000
    )
    assert float((small.z0 / small.z0[0] - 1).abs().max()) < 1e-3
    assert float(small.centre.abs().max()) < 1e-10
    lam = float(task.grokking_rate(mask))
    f = effective_theory.flow(
        task, mask, e0, lr=1e-2, steps=int(5 / (lam * 1e-2)), save_every=10
    )
    t = f.steps.double().numpy() * 1e-2
    d = effective_theory.distance_from_linear(f.embeddings).numpy()
    late = t > 2 / lam
    assert -np.polyfit(t[late], np.log(d[late]), 1)[0] == pytest.approx(lam, rel=0.02)
    assert float(f.loss[-1]) < 1e-3 * float(f.loss[0])
    # an uncentred start: the centre is not conserved (dC/dt = 2 l0 C / Z0^2)
    shifted = effective_theory.flow(
        task, mask, e0 + 1.0, lr=1e-4, steps=2000, save_every=2000
    )
    assert float(shifted.centre[-1, 0]) > float(shifted.centre[0, 0])
    l0, z0 = effective_theory.losses(task, mask, e0)
    assert z0 == pytest.approx(10.0) and l0 > 0
