"""Wide networks as Gaussian processes, and data variability as a field theory (Sec. 7 of the notes).

- :mod:`physml.fieldtheory.kernels`: NNGP kernels written out (linear, erf, ReLU arc-cosine) and
  ensembles of random finite-width networks drawn as one batched tensor.
- :mod:`physml.fieldtheory.pixels`: the synthetic pixel data of eqs. 7.15-7.16 and the mean and
  covariance of their kernel (eqs. 7.17-7.20, with the sign assignment of 7.19 corrected).
- :mod:`physml.fieldtheory.gp`: the GP posterior (eq. 7.14), the relaxation dynamics of eq. 7.33,
  and batched posterior means for learning curves.
"""

from physml.fieldtheory import gp, kernels, pixels
from physml.fieldtheory.gp import gp_posterior, mean_prediction, relaxation_flow
from physml.fieldtheory.kernels import (
    ACTIVATIONS,
    activation_kernel,
    connected_four_point,
    four_point_theory,
    input_kernel,
    network_kernels,
    network_outputs,
    nngp_kernel,
)
from physml.fieldtheory.pixels import (
    CATEGORIES,
    category_statistics,
    class_signs,
    kernel_categories,
    kernel_covariance,
    kernel_mean,
    synthetic_pixels,
)

__all__ = [
    "ACTIVATIONS",
    "CATEGORIES",
    "activation_kernel",
    "category_statistics",
    "class_signs",
    "connected_four_point",
    "four_point_theory",
    "gp",
    "gp_posterior",
    "input_kernel",
    "kernel_categories",
    "kernel_covariance",
    "kernel_mean",
    "kernels",
    "mean_prediction",
    "network_kernels",
    "network_outputs",
    "nngp_kernel",
    "pixels",
    "relaxation_flow",
    "synthetic_pixels",
]
