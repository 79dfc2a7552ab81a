"""The one container of labelled jets that every part of ``physml.jets`` passes around.

Generation (Pythia 8 and FastJet), the numpy toy shower of the unit tests, the jet images and
every tagger read and return :class:`JetSample`. Used in the chapter "Jets as images" (Pawlowski
and Plehn 2025, Sec. 3.2.3-3.3.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from physml.jets.kinematics import pt

__all__ = ["QCD", "TOP", "JetSample"]

TOP = 1
"""The label of a (truth-matched, hadronic) top jet."""
QCD = 0
"""The label of a QCD (light-quark or gluon) jet."""


@dataclass(frozen=True)
class JetSample:
    """Labelled jets as their constituents' four-momenta.

    Args:
        constituents: shape ``(n_jets, n_constituents, 4)``, floating point, ``(E, px, py, pz)``
            in GeV, each jet's constituents sorted by decreasing pT, zero-padded at the end
            (the notes' data set keeps the leading 200).
        labels: shape ``(n_jets,)``, int64, :data:`TOP` (1) or :data:`QCD` (0).

    Raises:
        TypeError: if ``constituents`` is not a floating-point tensor or ``labels`` not an
            integer tensor.
        ValueError: if the shapes disagree, or a label is neither 0 nor 1.

    References:
        Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.2.3, ll. 1266-1279
        (the top-tagging data set).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> s = JetSample(torch.zeros(3, 5, 4), torch.tensor([1, 0, 1]))
        >>> len(s), s.n_constituents, s.n_top
        (3, 5, 2)
    """

    constituents: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        c, y = self.constituents, self.labels
        if not isinstance(c, torch.Tensor) or not c.is_floating_point():
            raise TypeError("constituents must be a floating-point torch.Tensor")
        if c.ndim != 3 or c.shape[-1] != 4:
            raise ValueError(
                "constituents must have shape (n_jets, n_constituents, 4), "
                f"got {tuple(c.shape)}"
            )
        if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32):
            raise TypeError("labels must be an int64 torch.Tensor")
        if y.shape != c.shape[:1]:
            raise ValueError(
                f"labels must have shape ({c.shape[0]},), got {tuple(y.shape)}"
            )
        if bool(((y != TOP) & (y != QCD)).any()):
            raise ValueError("labels must be 0 (QCD) or 1 (top)")

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_constituents(self) -> int:
        """The padded number of constituents a jet (the tensor's second dimension)."""
        return int(self.constituents.shape[1])

    @property
    def n_top(self) -> int:
        """How many jets are tops."""
        return int((self.labels == TOP).sum())

    @property
    def mask(self) -> torch.Tensor:
        """``(n_jets, n_constituents)`` bool: True for a real constituent, False for padding."""
        return pt(self.constituents) > 0

    def __getitem__(self, index) -> JetSample:
        """The jets at ``index`` (an int range, slice, bool mask or index tensor) as a sample."""
        if isinstance(index, int):
            index = slice(index, index + 1)
        return JetSample(self.constituents[index], self.labels[index])

    def to(self, device: torch.device | str) -> JetSample:
        """The same jets on ``device``."""
        return JetSample(self.constituents.to(device), self.labels.to(device))
