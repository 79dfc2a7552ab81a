"""physml.flows.trivializing: reverse-KL training lowers the loss, independence Metropolis and the
effective sample size, flow HMC samples the target."""

import math

import numpy as np
import pytest
import torch

from physml.flows import TrivializingFlow, trivializing
from physml.lattice import measure, phi4
from tests.unit.flows.conftest import random_flow

CPU = torch.device("cpu")


def _action(beta=0.3, lam=0.5):
    return lambda phi: phi4.action(phi, beta / 2, lam)


def test_reverse_kl_training_lowers_the_loss_and_helps_metropolis():
    flow = TrivializingFlow(3, 1, generator=torch.Generator().manual_seed(0))
    act = _action(0.537)
    before = trivializing.proposal_log_weights(flow, act, 6, 4000, seed=1)
    history = trivializing.train_reverse_kl(
        flow,
        act,
        6,
        steps=150,
        batch_size=256,
        lr=0.02,
        seed=0,
        device=CPU,
        progress=False,
    )
    assert history.plateau() < history.loss[:5].mean() - 5
    after = trivializing.proposal_log_weights(flow, act, 6, 4000, seed=1)
    acc_before = trivializing.independence_metropolis(before, 20).mean()
    acc_after = trivializing.independence_metropolis(after, 20).mean()
    assert acc_after > acc_before + 0.05
    # The loss bounds -log Z from above: ⟨log p_f + S⟩ >= -log ⟨e^{-S}/p_f⟩.
    log_z = np.log(np.mean(np.exp(after - after.max()))) + after.max()
    assert -after.mean() >= -log_z


def test_independence_metropolis_and_ess_limits():
    assert np.all(trivializing.independence_metropolis(np.zeros(1000), 10) == 1.0)
    assert trivializing.effective_sample_size(np.zeros(50)) == pytest.approx(1.0)
    lw = np.array([0.0] + [-50.0] * 99)
    assert trivializing.effective_sample_size(lw) == pytest.approx(0.01, rel=1e-6)
    # Proposals drawn exactly from the target of a one-site Gaussian: acceptance 1 - E|Δ|/... > 0
    rng = np.random.default_rng(0)
    acc = trivializing.independence_metropolis(
        rng.normal(0, 1, 20000), 50, seed=1
    ).mean()
    # For log weights ~ N(0, σ²) the acceptance is 2Φ(-σ/√2) = 0.4795 at σ = 1.
    assert acc == pytest.approx(2 * 0.5 * math.erfc(0.5), abs=0.02)


def test_equilibrium_acceptance_against_closed_form_and_the_chain_floor():
    assert trivializing.equilibrium_acceptance(
        np.zeros(100), n_boot=2
    ).value == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    # Log weights ~ N(0, σ²) under the proposal: the equilibrium acceptance is 2Φ(-σ/√2).
    acc = trivializing.equilibrium_acceptance(rng.normal(0, 1, 20000), n_boot=20)
    assert acc.value == pytest.approx(math.erfc(0.5), abs=0.01)
    assert 0 < acc.error < 0.01
    # A hopeless proposal (σ = 30, exact acceptance ~1e-100): a chain of 500 proposals still accepts
    # every new record weight, about (ln 500 + 0.58)/500 = 0.013; the equilibrium estimate has no such floor.
    lw = rng.normal(0, 30, 50_000)
    assert trivializing.independence_metropolis(lw, 100).mean() > 0.008
    assert trivializing.equilibrium_acceptance(lw, n_boot=2).value < 1e-3
    with pytest.raises(ValueError, match="n_boot"):
        trivializing.equilibrium_acceptance(lw, n_boot=-1)


def test_effective_action_of_the_identity_flow_is_the_action():
    flow = TrivializingFlow(3, 1, init_scale=0.0)
    act = _action()
    sampler = trivializing.FlowHMC(flow, act, 4, 8, n_steps=4, device=CPU)
    z = torch.randn(8, 4, 4, dtype=torch.float64)
    assert torch.allclose(sampler.effective_action(z), act(z))


def test_flow_hmc_samples_the_target():
    """Flow HMC through a random (untrained) flow and plain HMC agree on ⟨φ²⟩ and ⟨|M|⟩."""
    L, beta = 4, 0.4
    act = _action(beta)
    sampler = trivializing.FlowHMC(
        random_flow(), act, L, 64, n_steps=6, seed=1, device=CPU
    )
    alike = {"thermalization": 30, "smoothing_t": 0.25, "progress": False}
    s_flow = measure.series(
        sampler.trajectory,
        sampler.state,
        n_trajectories=250,
        acceptance=lambda: sampler.acceptance,
        **alike,
    )
    s_hmc = measure.hmc_run(
        L,
        beta,
        0.5,
        n_steps=4,
        n_chains=64,
        n_trajectories=500,
        seed=2,
        device=CPU,
        **alike,
    )
    a, b = measure.summarize(s_flow), measure.summarize(s_hmc)
    assert a["acceptance"].value > 0.8
    for key in ("chi0", "abs_m"):
        pull = (a[key].value - b[key].value) / math.hypot(a[key].error, b[key].error)
        assert abs(pull) < 4, (key, pull)


@pytest.mark.parametrize(
    "call, word",
    [
        (
            lambda: trivializing.train_reverse_kl(
                "flow", _action(), 4, steps=1, batch_size=4
            ),
            "flow",
        ),
        (
            lambda: trivializing.train_reverse_kl(
                TrivializingFlow(), _action(), 4, steps=0, batch_size=4
            ),
            "steps",
        ),
        (lambda: trivializing.independence_metropolis(np.zeros(10), 10), "2 proposals"),
        (
            lambda: trivializing.FlowHMC(
                TrivializingFlow(), _action(), 4, 2, n_steps=0
            ),
            "n_steps",
        ),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_independence_metropolis_uses_every_proposal():
    from physml.flows import trivializing

    with pytest.raises(ValueError, match="log_weights"):
        trivializing.independence_metropolis(
            np.zeros(103), n_chains=10
        )  # the last 3 were dropped
    assert trivializing.independence_metropolis(np.zeros(100), n_chains=10).shape == (
        10,
    )


@pytest.mark.parametrize("n_boot", [0, 1, -1, True, 2.5])
def test_equilibrium_acceptance_refuses_fewer_than_two_resamples(n_boot):
    with pytest.raises(ValueError, match="n_boot"):
        trivializing.equilibrium_acceptance(np.zeros(100), n_boot=n_boot)


def test_equilibrium_acceptance_error_is_the_bootstrap_spread():
    lw = np.random.default_rng(1).normal(0, 1, 2000)
    acc = trivializing.equilibrium_acceptance(lw, n_boot=50, seed=3)
    assert acc.value == pytest.approx(math.erfc(0.5), abs=0.03)
    assert 0 < acc.error < 0.03


def test_equilibrium_acceptance_takes_a_numpy_int_n_boot_like_stats_bootstrap():
    lw = np.random.default_rng(1).normal(0, 1, 200)
    a = trivializing.equilibrium_acceptance(lw, n_boot=np.int64(20), seed=3)
    b = trivializing.equilibrium_acceptance(lw, n_boot=20, seed=3)
    assert (a.value, a.error) == (b.value, b.error)
