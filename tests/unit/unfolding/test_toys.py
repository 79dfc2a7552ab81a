"""physml.unfolding.toys: the Gaussian toy and its closed-form OmniFold iterations."""

import numpy as np
import pytest
import torch

from physml.unfolding import toys


def test_gaussian_toy_moments_and_pairing():
    toy = toys.gaussian_toy(
        200_000, 200_000, generator=torch.Generator().manual_seed(0)
    )
    assert toy.gen_sim.dtype == torch.float64 and toy.reco_data.shape == (200_000,)
    assert abs(float(toy.gen_sim.mean())) < 0.01
    assert abs(float(toy.truth_data.mean()) - 0.2) < 0.01
    assert abs(float(toy.truth_data.std()) - 0.8) < 0.01
    assert abs(float((toy.reco_sim - toy.gen_sim).std()) - 0.5) < 0.01
    assert abs(float(toy.reco_data.std()) - np.sqrt(0.64 + 0.25)) < 0.01


def test_ideal_iterations_first_step_and_fixed_point():
    it = toys.ideal_gaussian_iterations(200)
    # first iteration: the posterior mean shrinks the data mean by 1/(1 + 0.25)
    assert it[1, 0] == pytest.approx(0.2 * 1 / 1.25)
    np.testing.assert_allclose(it[-1], [0.2, 0.8], atol=1e-9)
    assert np.all(np.diff(it[:20, 1]) < 0)  # the width shrinks towards 0.8 from above
    same = toys.ideal_gaussian_iterations(5, simulation=(0.2, 0.8))
    np.testing.assert_allclose(same, [[0.2, 0.8]] * 6, atol=1e-12)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: toys.gaussian_toy(0, 5), "n_sim"),
        (lambda: toys.gaussian_toy(5, 5, smear=0.0), "smear"),
        (lambda: toys.gaussian_toy(5, 5, truth=(0.2, -1.0)), "truth"),
        (lambda: toys.gaussian_toy(5, 5, simulation=(np.nan, 1.0)), "simulation"),
        (lambda: toys.ideal_gaussian_iterations(-1), "iterations"),
        (lambda: toys.ideal_gaussian_iterations(2, simulation=(0.0,)), "simulation"),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()
