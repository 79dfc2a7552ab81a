"""Sequence models and the factorisation curse (Kitouni thesis, chapter 7 and appendix D).

- :mod:`physml.sequences.tasks`: the synthetic tasks (key-value retrieval, non-reciprocal
  relationships, the path-star graph), generated in code as token tensors.
- :mod:`physml.sequences.objectives`: AR, token and entity reversal, fixed-rate MLM and MLM-U
  (masking rate drawn from U(0, 1), absorbing-state discrete diffusion).
- :mod:`physml.sequences.models`: a small rotary transformer (causal or bidirectional),
  left-to-right decoding and exact-match scoring.
- :mod:`physml.sequences.training`: one objective trained on one task, with the held-out
  accuracies recorded.
"""

from physml.sequences import models, objectives, tasks, training
from physml.sequences.models import SequenceTransformer, decode, exact_match, rotate
from physml.sequences.objectives import (
    OBJECTIVES,
    ar_loss,
    augment,
    entity_reverse,
    mask_tokens,
    masking_rates,
    mlm_loss,
    token_chunks,
    token_reverse,
)
from physml.sequences.tasks import (
    MASK,
    PAD,
    REV,
    SPECIALS,
    Task,
    path_star,
    relationships,
    retrieval,
)
from physml.sequences.training import SequenceSettings, evaluate, train

__all__ = [
    "models",
    "objectives",
    "tasks",
    "training",
    "SequenceTransformer",
    "decode",
    "exact_match",
    "rotate",
    "OBJECTIVES",
    "ar_loss",
    "augment",
    "entity_reverse",
    "mask_tokens",
    "masking_rates",
    "mlm_loss",
    "token_chunks",
    "token_reverse",
    "MASK",
    "PAD",
    "REV",
    "SPECIALS",
    "Task",
    "path_star",
    "relationships",
    "retrieval",
    "SequenceSettings",
    "evaluate",
    "train",
]
