"""Numerical integration through a learned primitive (Pawlowski & Plehn 2025, Sec. 2.2; Maître
and Santos-Mateos 2023).

- :mod:`physml.integration.primitive`: the primitive network, its mixed derivative by the forward
  recursion and by nested autograd, the corner sum, the loss and the replica-ensemble training.
- :mod:`physml.integration.one_loop`: the one-loop integrand of eqs. 2.30-2.31 and the
  normalisation of eq. 2.12.
- :mod:`physml.integration.reference`: reference integrals from `vegas` and scipy.

Used by :doc:`/book/foundations/integration-through-a-learned-primitive`.
"""

from physml.integration import one_loop, primitive, reference
from physml.integration.one_loop import M_H2, M_T, S_MIN, normalised
from physml.integration.primitive import (
    ACTIVATIONS,
    PrimitiveNet,
    PrimitiveSettings,
    activation_derivatives,
    corner_sum,
    corners,
    digits,
    integrate,
    mixed_derivative,
    mixed_derivative_autograd,
    primitive_loss,
    train_primitive,
)
from physml.integration.reference import scipy_integral, vegas_integral

__all__ = [
    "one_loop",
    "primitive",
    "reference",
    "M_H2",
    "M_T",
    "S_MIN",
    "normalised",
    "ACTIVATIONS",
    "PrimitiveNet",
    "PrimitiveSettings",
    "activation_derivatives",
    "corner_sum",
    "corners",
    "digits",
    "integrate",
    "mixed_derivative",
    "mixed_derivative_autograd",
    "primitive_loss",
    "train_primitive",
    "scipy_integral",
    "vegas_integral",
]
