"""physml.flows.checkerboard: the checkerboard flow is invertible, its log-determinant exact,
Z2-equivariant and translation covariant."""

import pytest
import torch

from physml.flows import TrivializingFlow, checkerboard
from tests.unit.flows.conftest import random_flow


def test_parameter_count_is_eq_8_34():
    for k, n in [(3, 37), (5, 101), (7, 197), (11, 485), (21, 1765)]:
        assert TrivializingFlow(k, 1).n_parameters == n
    assert TrivializingFlow(3, 2).n_parameters == 4 * 9 * 2 + 1


def test_inverse_and_log_determinant_against_the_brute_force_jacobian():
    flow = random_flow(n_layers=2)
    g = torch.Generator().manual_seed(1)
    phi = torch.randn(3, 4, 4, generator=g, dtype=torch.float64)
    z, logdet = flow(phi)
    back, logdet_inv = flow.inverse(z)
    assert torch.allclose(back, phi, atol=1e-12) and torch.allclose(
        logdet, logdet_inv, atol=1e-12
    )
    for i in range(3):
        jac = torch.autograd.functional.jacobian(lambda x: flow(x[None])[0][0], phi[i])
        sign, brute = torch.linalg.slogdet(jac.reshape(16, 16))
        assert sign > 0 and brute.item() == pytest.approx(logdet[i].item(), abs=1e-10)


def test_flow_is_odd_and_translation_covariant_on_any_even_lattice():
    flow = random_flow(k=5)
    g = torch.Generator().manual_seed(2)
    for L in (4, 8, 12):
        phi = torch.randn(2, L, L, generator=g, dtype=torch.float64)
        z, ld = flow(phi)
        z_neg, ld_neg = flow(-phi)
        assert (z_neg + z).abs().max() < 1e-12 and torch.allclose(ld, ld_neg)
        # A shift by two sites keeps the checkerboard, so it commutes with the flow.
        shifted, _ = flow(phi.roll((2, 2), dims=(-2, -1)))
        assert torch.allclose(shifted, z.roll((2, 2), dims=(-2, -1)), atol=1e-12)


def test_checkerboard_masks():
    odd = checkerboard.checkerboard(4, odd=True)
    assert odd.sum() == 8 and odd[0, 1] == 1 and odd[0, 0] == 0
    assert torch.equal(
        odd + checkerboard.checkerboard(4, odd=False),
        torch.ones(4, 4, dtype=torch.float64),
    )


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: TrivializingFlow(4, 1), "kernel_size"),
        (lambda: TrivializingFlow(3, 0), "n_layers"),
        (
            lambda: TrivializingFlow(3, 1)(torch.zeros(2, 5, 5, dtype=torch.float64)),
            "even L",
        ),
        (
            lambda: TrivializingFlow(3, 1)(torch.zeros(2, 4, 4, dtype=torch.int64)),
            "floating",
        ),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
