"""What every point-cloud tagger reads: constituents, their padding mask, per-particle features.

The taggers of :mod:`physml.jets.deepsets`, :mod:`physml.jets.graphs`,
:mod:`physml.jets.transformer` and :mod:`physml.jets.lola` take the constituents' four-momenta
``(n_jets, n_constituents, 4)`` (``(E, px, py, pz)`` in GeV, zero-padded, as in
:class:`~physml.jets.sample.JetSample`) and a padding mask. Each is called as
``tagger(constituents, mask=None)``: ``constituents`` that tensor or a JetSample, ``mask``
``(n_jets, n_constituents)`` bool, True for a real constituent, or ``None`` for ``pT > 0``; it
returns one logit per jet, ``(n_jets,)``, positive for top, and raises the TypeError and
ValueError of :func:`constituent_batch` on bad inputs. This module turns them into the features
relative to the jet axis that the networks see (the notes' eq. 3.52 extended as in Sec. 3.3.4),
counts a network's parameters and gives the loss the taggers are trained with through
:func:`physml.train.fit`. Every function is vectorised over jets and constituents and keeps the
input's device and dtype; padded entries come out as exact zeros.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3, eqs. 3.51-3.52.
"""

from __future__ import annotations

import torch
from torch import nn

from physml.jets.kinematics import delta_phi, eta, four_momentum, phi, pt
from physml.jets.sample import JetSample

__all__ = [
    "FEATURES",
    "angular_coordinates",
    "constituent_batch",
    "n_parameters",
    "particle_features",
    "pt_fraction",
    "tagger_loss",
]

FEATURES = (
    "delta_eta",
    "delta_phi",
    "log_pt",
    "log_energy",
    "log_pt_fraction",
    "log_energy_fraction",
    "delta_r",
)
"""The names of :func:`particle_features`' columns, in order (pT and E in GeV before the log)."""


def constituent_batch(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Check a batch of jets and return it with its padding mask, padding set to exact zeros.

    Args:
        constituents: four-momenta ``(n_jets, n_constituents, 4)``, floating point,
            ``(E, px, py, pz)`` in GeV, or a :class:`~physml.jets.sample.JetSample` (its constituents).
        mask: ``(n_jets, n_constituents)`` bool, True for a real constituent; ``None`` for
            ``pT > 0`` (:attr:`~physml.jets.sample.JetSample.mask`).

    Returns:
        The pair ``(constituents, mask)``, the constituents with masked entries zeroed and the
        bool mask.

    Raises:
        TypeError: if ``constituents`` is neither a floating-point tensor nor a JetSample, or
            ``mask`` not a bool tensor.
        ValueError: if ``constituents`` is not of shape ``(n_jets, n_constituents, 4)``, ``mask``
            not of shape ``(n_jets, n_constituents)``, or a jet has no real constituent.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> c = torch.tensor([[[5.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
        >>> constituent_batch(c)[1]
        tensor([[ True, False]])
    """
    if isinstance(constituents, JetSample):
        constituents = constituents.constituents
    if (
        not isinstance(constituents, torch.Tensor)
        or not constituents.is_floating_point()
    ):
        raise TypeError(
            "constituents must be a floating-point torch.Tensor (n_jets, n_constituents, 4) "
            f"or a JetSample, got {type(constituents).__name__}"
        )
    if constituents.ndim != 3 or constituents.shape[-1] != 4:
        raise ValueError(
            "constituents must have shape (n_jets, n_constituents, 4), "
            f"got {tuple(constituents.shape)}"
        )
    if mask is None:
        mask = pt(constituents) > 0
    elif not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool torch.Tensor (n_jets, n_constituents)")
    if mask.shape != constituents.shape[:2]:
        raise ValueError(
            f"mask must have shape {tuple(constituents.shape[:2])}, got {tuple(mask.shape)}"
        )
    if constituents.shape[0] and not bool(mask.any(-1).all()):
        raise ValueError("constituents: every jet needs at least one real constituent")
    return constituents * mask[..., None], mask


def _jet_axis(constituents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    jet = four_momentum(constituents)
    return eta(jet), phi(jet)


def angular_coordinates(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Each constituent's ``(Delta eta, Delta phi)`` from the jet axis (eq. 3.52's first two).

    The axis is the direction of the jet's four-momentum (the sum over its constituents), so a
    soft particle moves it by O(its pT / the jet's pT) and a collinear splitting not at all: the
    coordinates are IRC safe, as the EFN needs.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 2)``, radians (dimensionless for eta), 0 at padding.

    Raises:
        TypeError, ValueError: as :func:`constituent_batch`.

    References:
        Pawlowski and Plehn (2025), eq. 3.52.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    constituents, mask = constituent_batch(constituents, mask)
    eta_j, phi_j = _jet_axis(constituents)
    d_eta = eta(constituents) - eta_j[:, None]
    d_phi = delta_phi(phi(constituents), phi_j[:, None])
    return torch.stack([d_eta, d_phi], dim=-1) * mask[..., None]


def pt_fraction(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Each constituent's share ``z_i = pT_i / sum_j pT_j`` of the jet's scalar pT sum.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents)``, each row summing to 1 over the real constituents, 0 at
        padding.

    Raises:
        TypeError, ValueError: as :func:`constituent_batch`.

    References:
        Komiske, Metodiev and Thaler, JHEP 01 (2019) 121 (energy flow networks).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    constituents, mask = constituent_batch(constituents, mask)
    transverse = pt(constituents) * mask
    return transverse / transverse.sum(-1, keepdim=True)


def particle_features(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The per-particle features of the taggers, relative to the jet axis (:data:`FEATURES`).

    ``Delta eta``, ``Delta phi``, ``log pT``, ``log E``, ``log(pT / pT_jet)``, ``log(E / E_jet)``
    and ``Delta R`` (pT, E in GeV; ``pT_jet`` the scalar pT sum, ``E_jet`` the energy sum): the
    extended four-vector of the notes' Sec. 3.3.4 and of ParticleNet.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 7)`` in the input's dtype, exact zeros at padding.

    Raises:
        TypeError, ValueError: as :func:`constituent_batch`.

    References:
        Pawlowski and Plehn (2025), eqs. 3.52 and 3.82; Qu and Gouskos, Phys. Rev. D 101
        (2020) 056019 (ParticleNet's inputs).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> c = torch.tensor([[[5.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
        >>> particle_features(c).shape
        torch.Size([1, 2, 7])
    """
    constituents, mask = constituent_batch(constituents, mask)
    angles = angular_coordinates(constituents, mask)
    one = torch.ones((), dtype=constituents.dtype, device=constituents.device)
    transverse = torch.where(mask, pt(constituents), one)
    energy = torch.where(mask, constituents[..., 0], one)
    pt_jet = (transverse * mask).sum(-1, keepdim=True)
    e_jet = (energy * mask).sum(-1, keepdim=True)
    columns = [
        angles[..., 0],
        angles[..., 1],
        transverse.log(),
        energy.log(),
        (transverse / pt_jet).log(),
        (energy / e_jet).log(),
        torch.linalg.vector_norm(angles, dim=-1),
    ]
    return torch.stack(columns, dim=-1) * mask[..., None]


def n_parameters(model: nn.Module) -> int:
    """The number of trainable parameters of ``model`` (the landscape's x-axis).

    Args:
        model: any ``torch.nn.Module``.

    Returns:
        ``sum(p.numel())`` over the parameters that require a gradient.

    Raises:
        TypeError: if ``model`` is not a module.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> n_parameters(torch.nn.Linear(3, 2))
        8
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def tagger_loss(
    model: nn.Module, constituents: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy of a tagger's logits, as ``loss_fn`` of :func:`physml.train.fit`.

    ``fit(model, tagger_loss, (sample.constituents, sample.labels), ...)`` trains any tagger of
    ``physml.jets`` (top = 1, QCD = 0): the point-cloud taggers on constituents (their mask is
    recomputed from ``pT > 0`` per batch) and the CNN on jet images alike.

    Args:
        model: a tagger, ``model(constituents) -> (n_jets,)`` logits.
        constituents: the tagger's input: ``(n_jets, n_constituents, 4)`` GeV, or for the CNN
            the images ``(n_jets, 40, 40)``.
        labels: ``(n_jets,)`` int or float, 1 for top, 0 for QCD.

    Returns:
        A scalar tensor, the mean cross-entropy in nats.

    Raises:
        ValueError: if the model's output is not one logit per jet.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.4 (trained through a cross-entropy loss).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    logits = model(constituents)
    if logits.shape != labels.shape:
        raise ValueError(
            f"model must return one logit per jet {tuple(labels.shape)}, "
            f"got {tuple(logits.shape)}"
        )
    return nn.functional.binary_cross_entropy_with_logits(
        logits, labels.to(logits.dtype)
    )
