"""Learning curves: accuracies recorded along training, and when they first cross a threshold.

Shared by the toy models (:mod:`physml.learning.toy`), the transformer
(:mod:`physml.learning.transformer`) and the digits MLPs (:mod:`physml.learning.images`); used by
:doc:`/book/learning/grokking-effective-theory` and :doc:`/book/learning/grokking-beyond-the-toy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from physml._checks import finite


def first_crossing(steps: np.ndarray, values: np.ndarray, threshold: float) -> np.ndarray:
    """The first of the recorded steps where ``values`` exceeds ``threshold``, per column.

    Args:
        steps: the recorded steps, shape ``(T,)``.
        values: the recorded values, shape ``(T, ...)``.
        threshold: the level, finite.

    Returns:
        The first step above the threshold, shape ``values.shape[1:]``, float (``inf`` where it
        never is).

    Raises:
        ValueError: if ``steps``, ``values`` or ``threshold`` hold NaN or inf (a NaN accuracy
            would otherwise read as "never crossed"), or the shapes do not match.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`

    Examples:
        >>> first_crossing(np.array([0, 10, 20]), np.array([[0.1, 0.2], [0.95, 0.3], [0.99, 0.4]]), 0.9)
        array([10., inf])
    """
    steps, values = finite("steps", np.asarray(steps)), finite("values", np.asarray(values))
    finite("threshold", threshold)
    if values.shape[:1] != steps.shape:
        raise ValueError(f"values must have {steps.shape[0]} rows (one per step), "
                         f"got shape {values.shape}")
    above = values > threshold
    first = np.where(above.any(axis=0), steps[above.argmax(axis=0)], np.inf)
    return np.asarray(first, dtype=float)


@dataclass
class Curves:
    """Training and validation accuracy at the recorded steps, for one model or an ensemble.

    Returned by the training loops of :mod:`physml.learning.toy`, :mod:`physml.learning.images`
    and :mod:`physml.learning.transformer`.

    Args:
        steps: the recorded steps, shape ``(T,)``.
        train_acc: the training accuracy, ``(T,)`` for one model or ``(T, n_models)``.
        val_acc: the validation accuracy, the same shape.
        extra: other recorded series by name.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """

    steps: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def first_step(self, values: np.ndarray, threshold: float) -> np.ndarray:
        """The first recorded step where ``values > threshold`` (``inf`` if never)."""
        return first_crossing(self.steps, values, threshold)
