"""Classifiers that do not sculpt the mass: moment decomposition (Kitouni 2024, thesis ch. 3).

- :mod:`physml.decorrelation.simple_model`: the fully specified simple model of Sec. 3.3.1
  (signal, two background types, the modified model of eq. 3.25), the closed-form mass-agnostic
  optimum and the Bayes-optimal likelihood ratio.
- :mod:`physml.decorrelation.mode`: the MoDe[ℓ] loss (eqs. 3.8-3.19) with the slope cap and the
  monotone quadratic, a classifier trained with it, and its cost against batch size (Fig. 3.1).
- :mod:`physml.decorrelation.metrics`: rejection, background false-positive rate against mass
  at a fixed signal efficiency, and the flatness, linearity and monotonicity of that curve.
"""

from physml.decorrelation import metrics, mode, simple_model
from physml.decorrelation.mode import (
    ClassifierSettings,
    legendre_projection,
    mode_loss,
    predict,
    scaling,
    train_classifier,
)

__all__ = [
    "ClassifierSettings",
    "legendre_projection",
    "metrics",
    "mode",
    "mode_loss",
    "predict",
    "scaling",
    "simple_model",
    "train_classifier",
]
