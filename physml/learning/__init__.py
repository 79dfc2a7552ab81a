"""Representation learning and grokking (Kitouni thesis, chapter 6 and appendix C).

- :mod:`physml.learning.parallelograms`: samples, parallelograms, nullity, the grokking rate,
  RQI and the predicted and ideal accuracies of toy addition, for batches of training sets.
- :mod:`physml.learning.effective_theory`: the flow of the effective loss and its conserved
  quantities.
- :mod:`physml.learning.ensemble`: an AdamW with one learning rate and weight decay per
  ensemble member.
- :mod:`physml.learning.toy`: many toy models trained as one batched program, and the phases of
  learning (Table C.1).
- :mod:`physml.learning.transformer`: a small transformer learning modular addition.
- :mod:`physml.learning.images`: grokking on scikit-learn's digits and the image effective loss.
- :mod:`physml.learning.dynamics`: Saad-Solla order-parameter ODEs of two-layer networks, online
  SGD of the soft committee machine, and lazy versus rich training.
"""

from physml.learning import (
    dynamics,
    effective_theory,
    ensemble,
    images,
    parallelograms,
    toy,
    transformer,
)
from physml.learning.dynamics import OrderParameters
from physml.learning.effective_theory import Flow
from physml.learning.ensemble import MemberAdamW
from physml.learning.parallelograms import (
    AdditionTask,
    generalisable_split,
    normalise,
    smallest_unique_set,
    unique_probability,
)
from physml.learning.toy import AdditionToys, ToySettings
from physml.learning.transformer import (
    ModularAdditionTransformer,
    TransformerSettings,
    modular_addition,
)

__all__ = [
    "dynamics",
    "effective_theory",
    "ensemble",
    "images",
    "parallelograms",
    "toy",
    "transformer",
    "OrderParameters",
    "Flow",
    "MemberAdamW",
    "AdditionTask",
    "generalisable_split",
    "normalise",
    "smallest_unique_set",
    "unique_probability",
    "AdditionToys",
    "ToySettings",
    "ModularAdditionTransformer",
    "TransformerSettings",
    "modular_addition",
]
