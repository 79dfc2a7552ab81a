"""physml.learning.parallelograms: counts, nullity, the worked examples, unique sets and the RQI."""

import numpy as np
import pytest
import torch

from physml.learning import effective_theory, toy
from physml.learning.ensemble import MemberAdamW
from physml.learning.parallelograms import (
    AdditionTask,
    generalisable_split,
    normalise,
    smallest_unique_set,
    unique_probability,
)


@pytest.fixture(scope="module")
def task():
    return AdditionTask(10)


def test_counts_and_full_nullity(task):
    assert task.n_samples == 55 and len(task.quads) == 70
    assert int(task.nullity(torch.ones(55, dtype=torch.bool))) == 2
    # every quadruple has equal sums and distinct samples
    s = task.samples
    assert torch.equal(task.labels[task.quads[:, 0]], task.labels[task.quads[:, 1]])
    assert (task.quads[:, 0] != task.quads[:, 1]).all()
    assert torch.allclose(
        task.constraints.sum(dim=1), torch.zeros(70, dtype=torch.float64)
    )
    assert s.shape == (55, 2) and (s[:, 0] <= s[:, 1]).all()


def test_worked_examples_p4_p6():
    t4 = AdditionTask(4)
    d4 = t4.mask([(0, 2), (1, 1), (0, 3), (1, 2), (1, 3), (2, 2)])
    assert (
        len(t4.quads) == 3
        and int(t4.active_quads(d4).sum()) == 3
        and int(t4.nullity(d4)) == 2
    )
    t6 = AdditionTask(6)
    listed = [(0, 4), (1, 3), (1, 5), (2, 4), (0, 2), (1, 1), (2, 4), (3, 3)]
    d6 = t6.mask(listed)
    assert (
        int(d6.sum()) == 7 and int(t6.nullity(d6)) == 2
    )  # errata: 7 distinct samples, not 8
    for drop in set(listed):
        assert int(t6.nullity(t6.mask([x for x in listed if x != drop]))) > 2
    assert (
        int(t6.nullity(t6.mask([(0, 4), (0, 5), (1, 3), (1, 4), (2, 2), (2, 3)]))) == 2
    )
    assert torch.equal(t6.mask([(4, 0)]), t6.mask([(0, 4)]))


def test_critical_fraction_and_grokking_rate(task):
    gen = torch.Generator().manual_seed(0)
    fr = [0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.75, 1.0]
    prob, rate = unique_probability(task, fr, 2000, gen)
    prob = prob.numpy()
    assert prob[0] <= 0.02
    assert 0.93 <= prob[fr.index(0.5)] <= 0.97
    assert 0.38 <= np.interp(0.5, prob, fr) <= 0.45
    r = rate.numpy()[2:]
    assert np.all(np.diff(r) > 0)
    assert rate[-1].item() == pytest.approx(0.0857, abs=5e-4)
    assert 10 <= int(smallest_unique_set(task, 2000, gen).sum()) <= 22


def test_smallest_unique_set_is_ten_samples(task):
    """Two full sum classes (10 samples) fix the representation; no set of 9 does (rank counting:
    a class of n_s samples gives at most n_s - 1 equations, at most 5 samples per class)."""
    sums_8_9 = task.mask([(i, s - i) for s in (8, 9) for i in range(s // 2 + 1)])
    assert int(sums_8_9.sum()) == 10 and int(task.nullity(sums_8_9)) == 2
    nine = task.random_masks(5000, 9 / task.n_samples, torch.Generator().manual_seed(1))
    assert int(nine.sum(dim=1).max()) == 9 and bool((task.nullity(nine) > 2).all())

    class EitherPair(
        AdditionTask
    ):  # broken: a parallelogram counts when one pair is in D
        def active_quads(self, mask):
            return mask[..., self.quads[:, 0]] | mask[..., self.quads[:, 1]]

    assert (
        int(
            smallest_unique_set(
                EitherPair(10), 200, torch.Generator().manual_seed(2)
            ).sum()
        )
        < 10
    )


def test_implied_quads_and_accuracies(task):
    full = torch.ones(55, dtype=torch.bool)
    assert bool(task.implied_quads(full).all())
    gen = torch.Generator().manual_seed(3)
    masks = task.random_masks(200, 0.5, gen)
    implied = task.implied_quads(masks)
    # the implied set contains the explicit one, and a unique set implies every parallelogram
    assert bool((implied | ~task.active_quads(masks)).all())
    unique = task.nullity(masks) == 2
    assert bool(implied[unique].all())
    acc_bar = task.ideal_accuracy(masks)
    assert bool((acc_bar >= masks.double().mean(dim=1)).all())
    none = torch.zeros(len(masks), len(task.quads), dtype=torch.bool)
    assert torch.allclose(
        task.predicted_accuracy(masks, none), masks.double().mean(dim=1)
    )
    split = generalisable_split(task, 45, gen)
    assert int(split.sum()) == 45 and float(task.ideal_accuracy(split)) == 1.0


def test_rqi_linear_and_random(task):
    k = torch.arange(10, dtype=torch.float64)
    linear = (3.0 + 0.7 * k)[:, None] * torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    assert float(task.rqi(linear)) == 1.0
    rand = torch.randn(
        10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)
    )
    assert float(task.rqi(rand)) < 0.05
    e = normalise(rand)
    assert torch.allclose(e.sum(0), torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert float(e.square().sum()) == pytest.approx(10.0)


def test_bad_input_is_named(task):
    with pytest.raises(ValueError, match="p must"):
        AdditionTask(1)
    with pytest.raises(ValueError, match="fraction"):
        task.random_masks(3, 1.5)
    with pytest.raises(ValueError, match="fraction"):
        task.random_masks(3, 0.0)
    with pytest.raises(TypeError, match="mask"):
        task.nullity(torch.ones(55))
    with pytest.raises(ValueError, match="mask"):
        task.nullity(torch.ones(54, dtype=torch.bool))
    with pytest.raises(ValueError, match="pairs"):
        task.mask([(0, 10)])
    with pytest.raises(ValueError, match="kind"):
        toy.AdditionToys(2, task, kind="ranking")
    with pytest.raises(ValueError, match="embeddings"):
        effective_theory.flow(
            task, torch.ones(55, dtype=torch.bool), torch.zeros(9, 1), 1e-3, 10
        )
    with pytest.raises(ValueError, match="lr"):
        MemberAdamW(
            [torch.nn.Parameter(torch.zeros(2, 3))], 2, lr=torch.tensor([1.0, -1.0])
        )
    with pytest.raises(ValueError, match="masks"):
        toy.train(
            toy.AdditionToys(2, task, hidden=4),
            torch.ones(3, 55, dtype=torch.bool),
            toy.ToySettings(1, 1e-3, 1e-3),
        )
