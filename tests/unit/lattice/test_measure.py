"""physml.lattice.measure: the dynamic-exponent fit (eq. 8.33) and a small HMC run and summary."""

import numpy as np
import pytest
import torch

from physml import stats
from physml.lattice import measure, reference


CPU = torch.device("cpu")


def test_dynamic_exponent_fit_on_table_5_reproduces_eq_8_33():
    sizes = [10, 12, 14, 16, 18, 20, 40, 80]
    tau = np.array([reference.hmc(L)["tau_m"] for L in sizes])
    fit = measure.dynamic_exponent(np.array(sizes) / 4, tau[:, 0], tau[:, 1])
    assert isinstance(fit.z, stats.Measurement)
    assert fit.z.value == pytest.approx(reference.Z_HMC.value, abs=0.05)
    assert fit.z.error == pytest.approx(reference.Z_HMC.error, abs=0.01)
    power = measure.dynamic_exponent(
        [1.5, 2, 2.5, 3], [1.5**2, 4, 6.25, 9], [0.1] * 4, offset=False
    )
    assert power.z.value == pytest.approx(2.0, abs=1e-6)


def test_hmc_run_and_summary_small():
    s = measure.hmc_run(
        4,
        0.5,
        0.5,
        n_steps=4,
        n_chains=16,
        n_trajectories=200,
        thermalization=20,
        smoothing_t=0.25,
        seed=0,
        device=CPU,
        progress=False,
    )
    assert s.m.shape == (200, 16) and s.correlator.shape == (16, 4)
    out = measure.summarize(s)
    assert all(isinstance(e, stats.Measurement) for e in out.values())
    assert 0.7 < out["acceptance"].value <= 1
    assert out["chi0"].value > out["chi0_t"].value > 0
    assert out["tau_m"].value > 0.5 and out["xi"].value > 0


@pytest.mark.parametrize(
    "call, word",
    [
        (
            lambda: measure.dynamic_exponent([1, 2, 3], [1, 2, 3], [0.1, 0.1, 0.1]),
            "4 points",
        ),
        (
            lambda: measure.dynamic_exponent([1, 2], [1, -2], [0.1, 0.1], offset=False),
            "positive",
        ),
        (lambda: measure.summarize("run"), "Series"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


# ---- 4. summarize without an acceptance --------------------------------------------------------


def _series(acceptance: np.ndarray) -> measure.Series:
    rng = np.random.default_rng(0)
    L, n_traj, n_chains = 8, 200, 4
    y = np.arange(L)
    corr = np.cosh((y - L / 2) / 2.0)[None, :] * (
        1 + 0.01 * rng.standard_normal((n_chains, L))
    )
    m = rng.standard_normal((n_traj, n_chains))
    return measure.Series(
        L=L,
        m=m,
        phi2=1 + m**2,
        phi2_t=1 + 0.5 * m**2,
        correlator=corr,
        acceptance=acceptance,
    )


def test_summarize_omits_the_acceptance_when_the_sampler_reports_none():
    out = measure.summarize(_series(np.full(4, np.nan)))
    assert "acceptance" not in out
    assert all(np.isfinite(e.value) and np.isfinite(e.error) for e in out.values())
    with_acc = measure.summarize(_series(np.array([0.9, 0.8, 0.85, 0.95])))
    assert with_acc["acceptance"].value == pytest.approx(0.875)
    assert with_acc["acceptance"].error == pytest.approx(
        np.std([0.9, 0.8, 0.85, 0.95], ddof=1) / 2
    )
    with pytest.raises(ValueError, match="acceptance"):
        measure.summarize(_series(np.array([0.9, np.nan, 0.85, 0.95])))


# ---- 5. resampling helpers refuse 0 or 1 resamples / blocks ------------------------------------
