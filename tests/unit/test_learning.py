"""physml.learning: parallelograms, the effective theory, batched toy models, Table C.1."""

import numpy as np
import pytest
import torch

from physml.learning import effective_theory, toy
from physml.learning.ensemble import MemberAdamW
from physml.learning.parallelograms import (AdditionTask, generalisable_split, normalise,
                                            smallest_unique_set, unique_probability)
from physml.train import History


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
    assert torch.allclose(task.constraints.sum(dim=1), torch.zeros(70, dtype=torch.float64))
    assert s.shape == (55, 2) and (s[:, 0] <= s[:, 1]).all()


def test_worked_examples_p4_p6():
    t4 = AdditionTask(4)
    d4 = t4.mask([(0, 2), (1, 1), (0, 3), (1, 2), (1, 3), (2, 2)])
    assert len(t4.quads) == 3 and int(t4.active_quads(d4).sum()) == 3 and int(t4.nullity(d4)) == 2
    t6 = AdditionTask(6)
    listed = [(0, 4), (1, 3), (1, 5), (2, 4), (0, 2), (1, 1), (2, 4), (3, 3)]
    d6 = t6.mask(listed)
    assert int(d6.sum()) == 7 and int(t6.nullity(d6)) == 2  # errata: 7 distinct samples, not 8
    for drop in set(listed):
        assert int(t6.nullity(t6.mask([x for x in listed if x != drop]))) > 2
    assert int(t6.nullity(t6.mask([(0, 4), (0, 5), (1, 3), (1, 4), (2, 2), (2, 3)]))) == 2
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

    class EitherPair(AdditionTask):  # broken: a parallelogram counts when one pair is in D
        def active_quads(self, mask):
            return mask[..., self.quads[:, 0]] | mask[..., self.quads[:, 1]]

    assert int(smallest_unique_set(EitherPair(10), 200, torch.Generator().manual_seed(2)).sum()) < 10


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
    assert torch.allclose(task.predicted_accuracy(masks, none), masks.double().mean(dim=1))
    split = generalisable_split(task, 45, gen)
    assert int(split.sum()) == 45 and float(task.ideal_accuracy(split)) == 1.0


def test_rqi_linear_and_random(task):
    k = torch.arange(10, dtype=torch.float64)
    linear = (3.0 + 0.7 * k)[:, None] * torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    assert float(task.rqi(linear)) == 1.0
    rand = torch.randn(10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert float(task.rqi(rand)) < 0.05
    e = normalise(rand)
    assert torch.allclose(e.sum(0), torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert float(e.square().sum()) == pytest.approx(10.0)


def test_flow_conserves_and_relaxes_at_lambda3(task):
    gen = torch.Generator().manual_seed(2)
    mask = task.random_masks(1, 0.6, gen)[0]
    while task.nullity(mask) != 2:
        mask = task.random_masks(1, 0.6, gen)[0]
    e0 = normalise(torch.rand(10, 1, generator=gen, dtype=torch.float64) - 0.5)
    small = effective_theory.flow(task, mask, e0, lr=1e-4, steps=10_000, save_every=1000)
    assert float((small.z0 / small.z0[0] - 1).abs().max()) < 1e-3
    assert float(small.centre.abs().max()) < 1e-10
    lam = float(task.grokking_rate(mask))
    f = effective_theory.flow(task, mask, e0, lr=1e-2, steps=int(5 / (lam * 1e-2)), save_every=10)
    t = f.steps.double().numpy() * 1e-2
    d = effective_theory.distance_from_linear(f.embeddings).numpy()
    late = t > 2 / lam
    assert -np.polyfit(t[late], np.log(d[late]), 1)[0] == pytest.approx(lam, rel=0.02)
    assert float(f.loss[-1]) < 1e-3 * float(f.loss[0])
    # an uncentred start: the centre is not conserved (dC/dt = 2 l0 C / Z0^2)
    shifted = effective_theory.flow(task, mask, e0 + 1.0, lr=1e-4, steps=2000, save_every=2000)
    assert float(shifted.centre[-1, 0]) > float(shifted.centre[0, 0])
    l0, z0 = effective_theory.losses(task, mask, e0)
    assert z0 == pytest.approx(10.0) and l0 > 0


def test_member_adamw_matches_torch_adamw():
    torch.manual_seed(0)
    lrs, wds = torch.tensor([1e-3, 1e-2, 3e-2]), torch.tensor([0.0, 0.1, 1.0])
    w = torch.nn.Parameter(torch.randn(3, 4, 5))
    singles = [torch.nn.Parameter(w.detach()[m].clone()) for m in range(3)]
    opt = MemberAdamW([w], 3, lr=lrs, weight_decay=wds)
    ref = [torch.optim.AdamW([p], lr=float(lrs[m]), weight_decay=float(wds[m]))
           for m, p in enumerate(singles)]
    target = torch.randn(3, 4, 5)
    for _ in range(5):
        opt.zero_grad()
        ((w - target) ** 3).sum().backward()
        opt.step()
        for m, (p, o) in enumerate(zip(singles, ref)):
            o.zero_grad()
            ((p - target[m]) ** 3).sum().backward()
            o.step()
    for m in range(3):
        assert torch.allclose(w.detach()[m], singles[m].detach(), atol=1e-6)


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
    h = History(steps=40, eval_steps=steps, series={
        "train_acc": np.array([[0, 0, 0, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]),
        "val_acc": np.array([[0, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]])})
    assert toy.phase(h, horizon=40, gap=20) == ["comprehension", "grokking", "memorisation", "confusion"]


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
        effective_theory.flow(task, torch.ones(55, dtype=torch.bool), torch.zeros(9, 1), 1e-3, 10)
    with pytest.raises(ValueError, match="lr"):
        MemberAdamW([torch.nn.Parameter(torch.zeros(2, 3))], 2, lr=torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="masks"):
        toy.train(toy.AdditionToys(2, task, hidden=4), torch.ones(3, 55, dtype=torch.bool),
                  toy.ToySettings(1, 1e-3, 1e-3))


def test_first_crossing():
    from physml.train import first_crossing
    steps = np.array([0, 10, 20, 30])
    values = np.array([[0.1, 0.0], [0.5, 0.0], [0.95, 0.2], [0.99, 0.3]])
    assert first_crossing(steps, values, 0.9).tolist() == [20.0, float("inf")]
    with pytest.raises(ValueError, match="values must have 4 rows"):
        first_crossing(steps, values[:3], 0.9)


def test_modular_addition_transformer_learns_and_checks_input():
    from physml.learning import transformer
    gen = torch.Generator().manual_seed(0)
    pairs, labels, mask = transformer.modular_addition(7, 0.6, gen)
    assert pairs.shape == (49, 2) and int(mask.sum()) == 29
    assert torch.equal(labels, (pairs[:, 0] + pairs[:, 1]) % 7)
    torch.manual_seed(0)
    model = transformer.ModularAdditionTransformer(7, d_model=16, n_heads=2, d_mlp=32)
    assert model(pairs).shape == (49, 7)
    decoder = {id(q) for q in model.decoder_parameters()}
    assert id(model.embed.weight) not in decoder
    assert len(decoder) == len(list(model.parameters())) - 1
    curves = transformer.train(model, pairs, labels, mask,
                               transformer.TransformerSettings(200, lr_embed=1e-2, lr_decoder=1e-2, eval_every=50))
    assert curves["train_acc"][-1] == 1.0 and curves.eval_steps[-1] == 200
    assert curves["effective_dim"].shape == curves.eval_steps.shape
    assert "embeddings" not in curves
    kept = transformer.train(model, pairs, labels, mask,
                             transformer.TransformerSettings(20, eval_every=10, keep_embeddings=True))
    assert kept["embeddings"].shape == (3, 7, 16)
    np.testing.assert_allclose(kept["embeddings"][-1], model.embed.weight.detach().numpy())
    assert not np.allclose(kept["embeddings"][0], kept["embeddings"][-1])
    with pytest.raises(ValueError, match="fraction"):
        transformer.modular_addition(7, 1.0, gen)
    with pytest.raises(ValueError, match="divisible by n_heads"):
        transformer.ModularAdditionTransformer(7, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="pairs must have shape"):
        model(pairs[:, :1])
    with pytest.raises(ValueError, match="wd_decoder"):
        transformer.TransformerSettings(1, wd_decoder=-1.0)
    with pytest.raises(TypeError, match="keep_embeddings"):
        transformer.TransformerSettings(1, keep_embeddings=1)


def test_digits_ensemble_and_init_scale():
    from physml.learning import images
    from physml.nn import EnsembleMLP
    gen = torch.Generator().manual_seed(0)
    x, y, mask = images.digits(200, gen)
    assert x.shape == (1797, 64) and float(x.max()) == 1.0 and int(mask.sum()) == 200
    torch.manual_seed(0)
    mlp = EnsembleMLP(2, 64, 10, hidden=32, depth=2, activation="relu")
    before = [q.detach().clone() for q in mlp.parameters()]
    images.scale_init(mlp, torch.tensor([1.0, 3.0]))
    for b, q in zip(before, mlp.parameters()):
        assert torch.allclose(q[0], b[0]) and torch.allclose(q[1], 3 * b[1])
    curves = images.train(mlp, x, y, mask, 300, lr=3e-3, weight_decay=torch.tensor([0.0, 0.1]),
                          eval_every=100)
    assert curves["train_acc"].shape == (4, 2) and (curves["train_acc"][-1] > 0.9).all()
    assert curves["weight_norm"][-1, 1] < curves["weight_norm"][0, 1]
    with pytest.raises(ValueError, match="n_train"):
        images.digits(5000, gen)
    with pytest.raises(ValueError, match="alpha"):
        images.scale_init(mlp, -1.0)


def test_image_effective_loss_conserves_z_and_collapses_classes():
    from physml.learning import images
    g = torch.Generator().manual_seed(0)
    f = torch.randn(30, 3, generator=g, dtype=torch.float64)
    labels = torch.arange(30) % 4
    loss, z = images.effective_loss(f, labels)
    brute = sum(float(((f[i] - f[j]) ** 2).sum()) for i in range(30) for j in range(i + 1, 30)
                if labels[i] == labels[j])
    assert float(loss) == pytest.approx(brute) and float(z) == pytest.approx(float((f**2).sum()))
    # the flow conserves Z: gradient descent changes it at second order in the step only
    drifts = []
    for lr in (1e-3, 5e-4):
        _, zs, _ = images.collapse(f, labels, 200, lr, "gd")
        drifts.append(abs(zs[-1] / zs[0] - 1))
    assert drifts[0] < 1e-3 and drifts[1] < drifts[0] / 3
    _, _, ratios = images.collapse(f, labels, 300, 1e-2, "adam")
    assert ratios[-1] < 0.05 * ratios[0]
    with pytest.raises(ValueError, match="optimiser"):
        images.collapse(f, labels, 1, 1e-3, "sgd")
    with pytest.raises(ValueError, match="labels"):
        images.effective_loss(f, labels[:5])
