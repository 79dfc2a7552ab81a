"""physml.learning.images: the digits ensemble, init scaling, and the effective image loss."""

import pytest
import torch


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
    curves = images.train(
        mlp,
        x,
        y,
        mask,
        300,
        lr=3e-3,
        weight_decay=torch.tensor([0.0, 0.1]),
        eval_every=100,
    )
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
    brute = sum(
        float(((f[i] - f[j]) ** 2).sum())
        for i in range(30)
        for j in range(i + 1, 30)
        if labels[i] == labels[j]
    )
    assert float(loss) == pytest.approx(brute) and float(z) == pytest.approx(
        float((f**2).sum())
    )
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
