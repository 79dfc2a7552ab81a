"""physml.lattice.van: normalisation, exact sampling, the autoregressive property, training and
the importance-weighted estimators of the variational autoregressive network, and bad input."""

import dataclasses
import itertools

import numpy as np
import pytest
import torch

from physml.lattice import ising, kaufman, van
from physml.lattice.van import VAN, VANSettings

CPU = torch.device("cpu")


def _all_states(n):
    return torch.tensor(
        list(itertools.product((-1.0, 1.0), repeat=n)), dtype=torch.float64
    )


def _random_model(n, hidden, z2, seed=0, n_models=2):
    torch.manual_seed(seed)
    m = VAN(n, hidden, n_models=n_models, z2=z2).double()
    with torch.no_grad():  # an untrained model has zero direct weights: make them count
        m.direct.normal_(0, 0.7, generator=torch.Generator().manual_seed(seed))
    return m


@pytest.mark.parametrize("hidden", [(), (7,), (20, 9)])
def test_made_masks_connect_only_earlier_inputs(hidden):
    n = 6
    masks, direct = van.made_masks(n, hidden)
    reach = masks[0]
    for m in masks[1:]:
        reach = m @ reach
    reach = reach + direct
    upper = torch.triu(torch.ones(n, n))
    assert float((reach * upper).abs().sum()) == 0.0
    if hidden:  # and every earlier input does reach every later output
        assert bool((reach[torch.tril(torch.ones(n, n), -1).bool()] > 0).all())


@pytest.mark.parametrize("hidden", [(), (12,)])
def test_output_i_does_not_depend_on_spins_from_i_on(hidden):
    n = 6
    m = _random_model(n, hidden, z2=False, n_models=1)
    x = torch.randn(1, 1, n, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda s: m.logits(s)[0, 0], x)[:, 0, 0, :]
    assert float(jac.triu().abs().max()) == 0.0
    assert float(jac.tril(-1).abs().max()) > 0.0


@pytest.mark.parametrize(
    "hidden, z2", [((), False), ((), True), ((10,), False), ((10,), True)]
)
def test_q_is_normalised_over_all_states_of_a_3x3_lattice(hidden, z2):
    m = _random_model(9, hidden, z2)
    s = _all_states(9)[None].expand(2, -1, -1)
    total = torch.exp(m.log_prob(s)).sum(dim=1)
    torch.testing.assert_close(
        total, torch.ones(2, dtype=torch.float64), rtol=0, atol=1e-12
    )
    if z2:  # the symmetrised model gives s and -s the same probability
        torch.testing.assert_close(m.log_prob(s), m.log_prob(-s))


def test_a_leaking_mask_is_not_normalised():
    m = _random_model(9, (), z2=False)
    m.mask_direct.fill_(1.0)
    total = torch.exp(m.log_prob(_all_states(9)[None].expand(2, -1, -1))).sum(dim=1)
    assert float((total.detach() - 1).abs().min()) > 1e-3


@pytest.mark.parametrize("z2", [False, True])
def test_samples_follow_q(z2):
    n, draws = 4, 40_000
    m = _random_model(n, (6,), z2)
    s, log_q = m.sample(draws, generator=torch.Generator().manual_seed(1))
    assert set(s.unique().tolist()) == {-1.0, 1.0}
    torch.testing.assert_close(log_q, m.log_prob(s))
    states = _all_states(n)
    q = torch.exp(m.log_prob(states[None].expand(2, -1, -1))).detach()
    index = ((s > 0).long() * (2 ** torch.arange(n - 1, -1, -1))).sum(-1)
    for k in range(2):
        freq = torch.bincount(index[k], minlength=2**n).double() / draws
        sigma = torch.sqrt(q[k] * (1 - q[k]) / draws)
        assert float(((freq - q[k]).abs() / sigma).max()) < 4.5


def test_training_approaches_the_exact_free_energy_from_above():
    L, betas = 2, [0.3, 0.6]
    torch.manual_seed(0)
    m = VAN(L * L, (), n_models=2)
    settings = VANSettings(steps=300, batch_size=128, lr=0.02, eval_every=50)
    hist = van.train(m, L, betas, settings, seed=0, device=CPU, progress=False)
    assert hist.loss.shape == (300,) and hist["free_energy"].shape == (7, 2)
    est = van.evaluate(m, L, betas, 20_000, seed=1, device=CPU)
    f = kaufman.thermodynamics(L, betas)["f"].numpy()
    for r, fe in zip(est, f):
        assert r.free_energy.value >= fe - 3 * r.free_energy.error
        assert (r.free_energy.value - fe) / abs(fe) < 2e-3
        assert r.ess > 0.9 * r.n_samples


def test_importance_weights_are_unbiased_for_an_untrained_model():
    L, beta = 2, 0.4
    torch.manual_seed(1)
    m = VAN(L * L, (), n_models=1)
    (r,) = van.evaluate(m, L, beta, 50_000, seed=3, device=CPU)
    ex = ising.exact_moments(L, [1 / beta])
    th = kaufman.thermodynamics(L, beta)
    assert abs(r.energy.value - float(ex["e"][0])) < 4 * r.energy.error
    assert (
        abs(r.abs_magnetization.value - float(ex["abs_m"][0]))
        < 4 * r.abs_magnetization.error
    )
    assert abs(r.free_energy_iw.value - float(th["f"][0])) < 4 * r.free_energy_iw.error
    assert r.free_energy.value > float(th["f"][0])  # the untrained bound is far above


def test_effective_sample_size_and_importance_mean():
    assert van.effective_sample_size(np.zeros(10)) == 10.0
    assert van.effective_sample_size(np.array([0.0, -50.0, -50.0])) == pytest.approx(
        1.0
    )
    o = np.array([1.0, 2.0, 3.0, 4.0])
    r = van.importance_mean(np.zeros(4), o)
    assert r.value == 2.5 and r.error == pytest.approx(
        np.sqrt(((o - 2.5) ** 2).sum()) / 4
    )
    assert van.importance_mean(
        np.array([0.0, -40.0]), np.array([2.0, 9.0])
    ).value == pytest.approx(2.0)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: VAN(1), "n_sites"),
        (lambda: VAN(4, (0,)), "hidden"),
        (lambda: VAN(4, n_models=0), "n_models"),
        (lambda: VANSettings(steps=0), "steps"),
        (lambda: VANSettings(batch_size=1), "batch_size"),
        (lambda: VANSettings(lr=0.0), "lr"),
        (lambda: VANSettings(beta_anneal=1.0), "beta_anneal"),
        (lambda: VANSettings(clip_grad=-1.0), "clip_grad"),
        (lambda: VANSettings(eval_every=0), "eval_every"),
        (lambda: van.train(VAN(4), 3, 0.4, VANSettings(steps=1)), "L"),
        (
            lambda: van.train(
                VAN(4, n_models=2), 2, [0.3, 0.4, 0.5], VANSettings(steps=1)
            ),
            "beta",
        ),
        (lambda: van.train(VAN(4), 2, -0.4, VANSettings(steps=1)), "beta"),
        (lambda: van.evaluate(VAN(4), 2, 0.4, 1), "n_samples"),
        (lambda: VAN(4).log_prob(torch.ones(1, 3, 5)), "spins"),
        (lambda: VAN(4).sample(0), "n"),
        (lambda: van.importance_mean(np.zeros(3), np.zeros(4)), "same shape"),
        (lambda: van.effective_sample_size(np.array([0.0, np.nan])), "log_w"),
    ],
)
def test_bad_input_raises_value_error(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: VAN(4, z2="yes"), "z2"),
        (lambda: van.train("model", 2, 0.4, VANSettings(steps=1)), "model"),
        (lambda: van.train(VAN(4), 2, 0.4, {"steps": 1}), "settings"),
        (lambda: VANSettings(baseline=1), "baseline"),
        (lambda: van.evaluate(torch.nn.Linear(2, 2), 2, 0.4, 10), "model"),
        (lambda: VAN(4).log_prob([[1.0]]), "spins"),
    ],
)
def test_bad_type_raises_type_error(call, word):
    with pytest.raises(TypeError, match=word):
        call()


def test_settings_are_frozen():
    s = VANSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 3
