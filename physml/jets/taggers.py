"""Top taggers on jet images and on high-level observables: the toy CNN of the notes' Fig. 7 and
a boosted-decision-tree baseline on ``(m, tau_3/tau_2)`` (Pawlowski and Plehn 2025, Sec. 3.2).

The CNN trains through :func:`physml.train.fit` (binary cross-entropy on one logit, the notes'
sigmoid output of eq. 3.25); ROC curves, AUC and the rejection 1/eps_B at fixed eps_S come from
:mod:`physml.stats` (``roc_curve``, ``auc``, ``rejection_at``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from physml._checks import positive_int
from physml.jets.inputs import tagger_loss
from physml.jets.sample import JetSample
from physml.jets.substructure import jet_mass, tau_ratio
from physml.nn import forward_in_batches
from physml.train import History, fit

__all__ = [
    "JetCNN",
    "bdt_features",
    "bdt_scores",
    "fit_bdt",
    "rejection_text",
    "tagger_scores",
    "train_tagger",
]


class JetCNN(nn.Module):
    """The toy CNN of the notes' Fig. 7: four convolutional layers, max-pooling, a dense head.

    Two blocks of two ``kernel_size`` x ``kernel_size`` convolutions (zero padding keeps the size,
    eq. 3.26; ReLU after each, eq. 3.27) with ``channels`` feature maps (eq. 3.28), each block
    followed by 2 x 2 max-pooling (a factor 4 in pixels per block), then flattening (eq. 3.29)
    and a dense head of two hidden layers of ``hidden`` nodes (eq. 3.30) ending in one logit.
    ``channels=8`` is the toy network of ref. [7] (58.7k parameters); ``channels=64`` the width
    of the competitive CNN of ref. [8], whose 612k parameters match the notes' 610k.

    Args:
        n_pixels: image side, a positive int divisible by 4 (40 in the notes).
        channels: feature maps per convolutional layer, a positive int.
        hidden: nodes per dense hidden layer, a positive int.
        kernel_size: filter size, a positive int (4 in ref. [7]).

    Input and output: images ``(n, n_pixels, n_pixels)`` or ``(n, 1, n_pixels, n_pixels)``,
    floating point; logits ``(n,)`` (larger: more top-like; ``sigmoid`` gives the probability).

    Raises:
        ValueError: naming the argument if a size is not a positive int or ``n_pixels`` is not
            divisible by 4.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.1, eqs. 3.26-3.30, Fig. 7; Kasieczka, Plehn, Russell
        and Schell, JHEP 05 (2017) 006 (ref. [7]); Macaluso and Shih, JHEP 10 (2018) 121
        (ref. [8]).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> JetCNN()(torch.zeros(5, 40, 40)).shape
        torch.Size([5])
    """

    def __init__(
        self,
        n_pixels: int = 40,
        channels: int = 8,
        hidden: int = 64,
        kernel_size: int = 4,
    ) -> None:
        super().__init__()
        for name, value in (
            ("n_pixels", n_pixels),
            ("channels", channels),
            ("hidden", hidden),
            ("kernel_size", kernel_size),
        ):
            positive_int(name, value)
        if n_pixels % 4:
            raise ValueError(f"n_pixels must be divisible by 4, got {n_pixels}")
        self.n_pixels = n_pixels

        lo = (kernel_size - 1) // 2  # zero padding that keeps the size (eq. 3.26), also
        hi = (
            kernel_size - 1 - lo
        )  # for an even kernel, without torch's padding="same" warning

        def conv(n_in: int) -> list[nn.Module]:
            return [
                nn.ZeroPad2d((lo, hi, lo, hi)),
                nn.Conv2d(n_in, channels, kernel_size),
                nn.ReLU(),
            ]

        self.features = nn.Sequential(
            *conv(1),
            *conv(channels),
            nn.MaxPool2d(2),
            *conv(channels),
            *conv(channels),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Sequential(
            nn.Linear(channels * (n_pixels // 4) ** 2, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )
        # channels-last (NHWC) weights: oneDNN's convolutions and their gradients run about a
        # third faster this way on CPU (measured at 8 maps, batch 128, one and two threads)
        self.features.to(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits ``(n,)`` for images ``(n, n_pixels, n_pixels)`` or ``(n, 1, ...)``."""
        if images.ndim == 3:
            images = images[:, None]
        if images.ndim != 4 or tuple(images.shape[1:]) != (
            1,
            self.n_pixels,
            self.n_pixels,
        ):
            raise ValueError(
                f"images must have shape (n, {self.n_pixels}, {self.n_pixels}), "
                f"got {tuple(images.shape)}"
            )
        images = images.contiguous(memory_format=torch.channels_last)
        return self.head(self.features(images))[:, 0]


def train_tagger(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    *,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    val_data: tuple[torch.Tensor, torch.Tensor] | None = None,
    eval_every: int = 100,
    patience: int | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "tagger",
) -> History:
    """Train any jet tagger of this package with the cross-entropy through ``fit``.

    The loss is :func:`~physml.jets.inputs.tagger_loss`, the loop :func:`physml.train.fit`.
    The point-cloud taggers (:class:`~physml.jets.deepsets.PFN`, :class:`~physml.jets.deepsets.EFN`,
    :class:`~physml.jets.graphs.ParticleNet`, :class:`~physml.jets.transformer.JetTransformer`,
    :class:`~physml.jets.lola.LoLa`) read constituents ``(n, n_constituents, 4)`` in GeV, the CNN
    images ``(n, n_pixels, n_pixels)``.

    Args:
        model: the tagger, ``model(inputs) -> (n,)`` logits, trained in place.
        inputs: shape ``(n, ...)``, floating point (constituents or images).
        labels: shape ``(n,)``, 0 (QCD) or 1 (top).
        steps: optimiser steps, a positive int.
        batch_size: jets per step (drawn with replacement; all when ``>= n``).
        lr: learning rate of AdamW, > 0.
        val_data: ``(inputs, labels)`` for the validation loss, or ``None``.
        eval_every: steps between validation evaluations.
        patience: evaluations without improvement before stopping (needs ``val_data``).
        generator: CPU generator of the minibatch draws (:func:`physml.train.fit`'s default if
            ``None``).
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).
        desc: the progress bar's label.

    Returns:
        The :class:`~physml.train.History` of :func:`physml.train.fit`.

    Raises:
        TypeError: if ``inputs`` is not a floating-point tensor; as :func:`physml.train.fit`.
        ValueError: if ``labels`` is not of shape ``(n,)`` with values 0 or 1; as
            :func:`physml.train.fit`.

    References:
        Pawlowski and Plehn 2025, Secs. 3.2.3 and 3.3.4 (trained through a cross-entropy loss).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    if not isinstance(inputs, torch.Tensor) or not inputs.is_floating_point():
        raise TypeError("inputs must be a floating-point torch.Tensor")
    if not isinstance(labels, torch.Tensor) or labels.shape != inputs.shape[:1]:
        raise ValueError(f"labels must be a tensor of shape ({inputs.shape[0]},)")
    if bool(((labels != 0) & (labels != 1)).any()):
        raise ValueError("labels must be 0 (QCD) or 1 (top)")
    return fit(
        model,
        tagger_loss,
        (inputs, labels),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        val_data=val_data,
        eval_every=eval_every,
        patience=patience,
        generator=generator,
        device=device,
        desc=desc,
        progress=progress,
    )


@torch.no_grad()
def tagger_scores(
    model: nn.Module, inputs: torch.Tensor, batch_size: int = 4096
) -> torch.Tensor:
    """Any tagger's logits on ``inputs``, in evaluation mode, batch by batch, without gradients.

    Args:
        model: returns logits ``(n,)``.
        inputs: shape ``(n, ...)``, floating point (constituents or images), moved to the
            model's device.
        batch_size: jets per forward pass, a positive int.

    Returns:
        Shape ``(n,)``, float, on the CPU, larger for more top-like jets.

    Raises:
        ValueError: if ``batch_size`` is not a positive int.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    return forward_in_batches(model, inputs, batch_size)


def bdt_features(sample_or_constituents: JetSample | torch.Tensor) -> np.ndarray:
    """The BDT's inputs: jet mass (GeV) and tau_3/tau_2, per jet.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.

    Returns:
        float64 array of shape ``(n_jets, 2)``, columns ``m`` in GeV and ``tau_3 / tau_2``
        (NaN where undefined, which the histogram BDT treats as missing).

    Raises:
        TypeError, ValueError: as :func:`physml.jets.substructure.tau_ratio`.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3, Fig. 15 (m_fat and tau_3/tau_2).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
        - :doc:`/book/particles/classification-without-labels`
    """
    m = jet_mass(sample_or_constituents)
    r = tau_ratio(sample_or_constituents, 3, 2)
    return torch.stack([m, r], -1).detach().cpu().to(torch.float64).numpy()


def fit_bdt(features, labels, seed: int = 0, max_iter: int = 200):
    """A boosted-decision-tree tagger: scikit-learn's ``HistGradientBoostingClassifier``.

    Args:
        features: shape ``(n, n_features)``, real (e.g. :func:`bdt_features`; NaN is missing).
        labels: shape ``(n,)``, 0 (QCD) or 1 (top), both present; array or tensor.
        seed: the classifier's ``random_state`` (its early-stopping split and binning subsample).
        max_iter: boosting iterations, a positive int.

    Returns:
        The fitted ``sklearn.ensemble.HistGradientBoostingClassifier``.

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: on mismatched shapes, labels other than 0/1 or of one class, ``max_iter``
            not a positive int.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (the BDT baseline, Fig. 15); Ke et al., NeurIPS
        2017 (LightGBM, the algorithm behind scikit-learn's histogram boosting).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    positive_int("max_iter", max_iter)
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(
            f"features must have shape (n, n_features) and labels (n,), got {x.shape} and "
            f"{y.shape}"
        )
    if not np.all((y == 0) | (y == 1)) or y.min() == y.max():
        raise ValueError("labels must be 0 (QCD) or 1 (top), both present")
    bdt = HistGradientBoostingClassifier(max_iter=max_iter, random_state=seed)
    return bdt.fit(x, y.astype(np.int64))


def bdt_scores(bdt, features) -> np.ndarray:
    """The BDT's top probability for each jet.

    Args:
        bdt: a classifier from :func:`fit_bdt`.
        features: shape ``(n, n_features)``, the features it was trained on.

    Returns:
        float64 array of shape ``(n,)`` in ``[0, 1]``, larger for more top-like jets.

    Raises:
        ValueError: if ``features`` is not 2-dimensional.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must have shape (n, n_features), got {x.shape}")
    return bdt.predict_proba(x)[:, 1].astype(np.float64)


def rejection_text(rejection: float, n_background: int) -> str:
    """The background rejection ``1/eps_B`` as a table entry, a lower bound if nothing passed.

    When no background jet passes the cut, :func:`physml.stats.rejection_at` returns ``inf``;
    the measurement then says only that the rejection exceeds the number of background jets,
    shown as ``"> n_background"``. Otherwise the rejection is rounded to an integer.

    Args:
        rejection: ``1/eps_B`` (float, > 0, may be ``inf``).
        n_background: background (QCD) jets in the test set, a positive int.

    Returns:
        The entry, e.g. ``"87"`` or ``"> 400"``.

    Raises:
        ValueError: naming the argument if ``rejection`` is NaN or not positive, or
            ``n_background`` is not a positive int.

    References:
        Kasieczka et al., SciPost Phys. 7 (2019) 014, Table 1 (1/eps_B at eps_S = 0.3).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> rejection_text(87.4, 400), rejection_text(float("inf"), 400)
        ('87', '> 400')
    """
    n_background = positive_int("n_background", n_background)
    if not rejection > 0:
        raise ValueError(f"rejection must be > 0 (it may be inf), got {rejection!r}")
    return f"> {n_background}" if math.isinf(rejection) else f"{rejection:.0f}"
