"""Contrastive learning of jet representations (JetCLR): augmentations, NT-Xent loss, encoder.

A jet and an augmented copy of it form a positive pair, two different jets a negative pair; an
encoder maps each jet to a point ``z / |z|`` on a hypersphere and the contrastive loss pulls
positive pairs together and spreads the rest out (the notes' eqs. 3.90-3.96). The augmentations
are the symmetries and theory-driven invariances the representation should learn: a rotation
about the jet's pT-weighted centroid (:func:`rotate`), a common translation (:func:`translate`),
soft smearing of each constituent's direction with a width ``Lambda_soft / pT`` (eq. 3.97,
:func:`soft_smear`) and collinear splittings (eq. 3.98, :func:`collinear_splittings`), all
batched over jets, drawn from a ``torch.Generator`` and respecting the padding mask; the
permutation symmetry is built into the encoder, a deep set
(:class:`ContrastiveEncoder`, the body of :class:`physml.jets.deepsets.PFN`).
:func:`train_contrastive` trains it through :func:`physml.train.fit` with :func:`nt_xent`, and
:func:`linear_classifier_test` scores the frozen representation with a linear classifier;
:func:`rotation_similarity` and :func:`pair_similarity` measure the learned invariance (Fig. 23).

The augmentations read and return four-momenta ``(E, px, py, pz)`` in GeV like every tagger of
``physml.jets``; they work on each constituent's ``(pT, eta, phi)`` and return massless
four-momenta (the generator's constituents are massless), padding as exact zeros.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.4, eqs. 3.87-3.98,
    Fig. 23 and Table 2; Dillon, Kasieczka, Olischlager, Plehn, Sorrenson and Vogel, SciPost
    Phys. 12 (2022) 188 (JetCLR); Chen, Kornblith, Norouzi and Hinton, ICML 2020 (SimCLR, the
    NT-Xent loss).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from physml._checks import non_negative_number, positive_int, positive_number
from physml.jets.deepsets import PFN
from physml.jets.inputs import constituent_batch
from physml.jets.kinematics import delta_phi, four_momentum, phi
from physml.jets.sample import JetSample
from physml.nn import MLP, forward_in_batches
from physml.train import History, fit

__all__ = [
    "AUGMENTATIONS",
    "LAMBDA_SOFT",
    "ContrastiveEncoder",
    "augment",
    "collinear_splittings",
    "linear_classifier_test",
    "nt_xent",
    "pair_similarity",
    "rotate",
    "rotation_similarity",
    "soft_smear",
    "train_contrastive",
    "translate",
]

LAMBDA_SOFT = 0.1
"""The soft scale ``Lambda_soft`` of eq. 3.97 in GeV (100 MeV)."""

AUGMENTATIONS = ("collinear", "rotation", "soft", "translation")
"""The names :func:`augment` takes, in the order it applies them."""


def _polar(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None
) -> tuple[torch.Tensor, ...]:
    """pT, eta and Delta phi from the jet axis, the axis' phi and the mask (0 at padding)."""
    c, mask = constituent_batch(constituents, mask)
    transverse = torch.hypot(c[..., 1], c[..., 2])
    safe = torch.where(mask, transverse, torch.ones_like(transverse))
    eta = torch.asinh(c[..., 3] / safe) * mask
    axis_phi = phi(four_momentum(c))
    d_phi = delta_phi(phi(c), axis_phi[:, None]) * mask
    return transverse * mask, eta, d_phi, axis_phi, mask


def _cartesian(
    transverse: torch.Tensor,
    eta: torch.Tensor,
    d_phi: torch.Tensor,
    axis_phi: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """Massless four-momenta ``(n_jets, n, 4)`` from pT, eta and phi = axis + Delta phi."""
    angle = axis_phi[:, None] + d_phi
    out = torch.stack(
        [
            transverse * torch.cosh(eta),
            transverse * torch.cos(angle),
            transverse * torch.sin(angle),
            transverse * torch.sinh(eta),
        ],
        dim=-1,
    )
    return out * mask[..., None]


def _uniform(n: int, generator, like: torch.Tensor) -> torch.Tensor:
    return torch.rand(n, generator=generator, dtype=torch.float64).to(like)


def rotate(
    constituents: torch.Tensor | JetSample,
    angle: float | torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Each jet rotated in the ``(eta, phi)`` plane about its pT-weighted centroid.

    The centroid is ``sum_i pT_i (eta_i, Delta phi_i) / sum_i pT_i`` (Delta phi from the jet
    axis, so that the rotation never crosses the ``phi = pi`` seam of a narrow jet). pT, the
    padding and every pairwise ``Delta R`` stay as they were, up to round-off.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        angle: radians; a float for every jet, a tensor ``(n_jets,)``, or ``None`` for angles
            drawn uniformly in ``[0, 2 pi)`` from ``generator``.
        generator: CPU generator of the angles (torch's global one if ``None``).
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 4)`` massless four-momenta, the input's dtype and device.

    Raises:
        TypeError: if ``angle`` is neither a number, a tensor nor ``None``; as
            :func:`physml.jets.inputs.constituent_batch`.
        ValueError: if an ``angle`` tensor is not of shape ``(n_jets,)``; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.4 (rotations about the jet axis); Dillon et al.,
        SciPost Phys. 12 (2022) 188.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    transverse, eta, d_phi, axis_phi, mask = _polar(constituents, mask)
    n_jets = transverse.shape[0]
    if angle is None:
        theta = 2 * math.pi * _uniform(n_jets, generator, transverse)
    elif isinstance(angle, torch.Tensor):
        if angle.shape != (n_jets,):
            raise ValueError(
                f"angle must have shape ({n_jets},), got {tuple(angle.shape)}"
            )
        theta = angle.to(transverse)
    elif isinstance(angle, (int, float)) and not isinstance(angle, bool):
        theta = torch.full((n_jets,), float(angle)).to(transverse)
    else:
        raise TypeError(
            f"angle must be a number, a tensor or None, got {type(angle).__name__}"
        )
    total = transverse.sum(-1, keepdim=True)
    eta_c = (transverse * eta).sum(-1, keepdim=True) / total
    phi_c = (transverse * d_phi).sum(-1, keepdim=True) / total
    cos, sin = torch.cos(theta)[:, None], torch.sin(theta)[:, None]
    x, y = eta - eta_c, d_phi - phi_c
    new_eta = eta_c + cos * x - sin * y
    new_phi = phi_c + sin * x + cos * y
    return _cartesian(transverse, new_eta, new_phi, axis_phi, mask)


def translate(
    constituents: torch.Tensor | JetSample,
    width: float = 1.0,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Each jet shifted in ``(eta, phi)`` by one common offset per jet, uniform in ``[-w, w]``.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        width: ``w``, the largest shift in each direction (1 in the notes), >= 0.
        generator: CPU generator of the shifts (torch's global one if ``None``).
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 4)`` massless four-momenta, pT and pairwise ``Delta R``
        unchanged.

    Raises:
        ValueError: if ``width`` is not a number >= 0; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.4 (translations limited to -1...1).

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    width = non_negative_number("width", width)
    transverse, eta, d_phi, axis_phi, mask = _polar(constituents, mask)
    n_jets = transverse.shape[0]
    shift = width * (2 * _uniform(2 * n_jets, generator, transverse) - 1)
    d_eta, d_phi_shift = shift[:n_jets, None], shift[n_jets:, None]
    return _cartesian(transverse, eta + d_eta, d_phi + d_phi_shift, axis_phi, mask)


def soft_smear(
    constituents: torch.Tensor | JetSample,
    scale: float = LAMBDA_SOFT,
    pt_min: float = 0.1,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Each constituent's direction smeared: ``eta', phi' ~ N(eta, phi; Lambda / pT)`` (eq. 3.97).

    A soft constituent moves by about ``Lambda_soft / pT`` (0.1 rad at 1 GeV), a hard one
    hardly at all; pT and the padding are unchanged. As in the JetCLR code, pT is clipped from
    below at ``pt_min`` in the width, so that no constituent jumps by more than
    ``scale / pt_min``.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        scale: ``Lambda_soft`` in GeV, > 0 (0.1 GeV = 100 MeV, :data:`LAMBDA_SOFT`).
        pt_min: GeV, > 0, the smallest pT used in the width.
        generator: CPU generator of the normal draws (torch's global one if ``None``).
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 4)`` massless four-momenta.

    Raises:
        ValueError: if ``scale`` or ``pt_min`` is not a positive number; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), eq. 3.97; Dillon et al., SciPost Phys. 12 (2022) 188.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    scale = positive_number("scale", scale)
    pt_min = positive_number("pt_min", pt_min)
    transverse, eta, d_phi, axis_phi, mask = _polar(constituents, mask)
    noise = torch.randn(
        (2, *transverse.shape), generator=generator, dtype=torch.float64
    ).to(transverse)
    width = scale / transverse.clamp_min(pt_min)
    return _cartesian(
        transverse,
        eta + width * noise[0],
        d_phi + width * noise[1],
        axis_phi,
        mask,
    )


def collinear_splittings(
    constituents: torch.Tensor | JetSample,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Random constituents split into two collinear ones, filling the jet's empty slots (eq. 3.98).

    In each jet ``min(n_empty, n_real)`` of its real constituents, chosen at random, are split
    ``p -> z p + (1 - z) p`` with ``z`` uniform in ``[0, 1)`` per splitting: ``z p`` stays in the
    slot and ``(1 - z) p`` fills an empty (padding) slot, so the shape is unchanged, the two
    parts fly in the same direction and the jet's four-momentum (and summed pT) is unchanged up
    to round-off. A jet without empty slots is returned as it is; give the jets room with extra
    zero slots. :func:`physml.jets.perturbations.collinear_split` is the single, fixed split of
    one slot that the taggers' collinear safety is tested with.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        generator: CPU generator of the choices and fractions (torch's global one if ``None``).
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets, n_constituents, 4)``, the input's dtype and device.

    Raises:
        TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), eq. 3.98; Dillon et al., SciPost Phys. 12 (2022) 188
        (collinear splittings into the empty slots).

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    c, mask = constituent_batch(constituents, mask)
    n_jets, n = mask.shape
    n_real = mask.sum(-1, keepdim=True)
    n_split = torch.minimum(n - n_real, n_real)
    keys = torch.rand((n_jets, n), generator=generator, dtype=torch.float64)
    keys = keys.to(c.device).masked_fill(~mask, 2.0)
    rank = keys.argsort(-1).argsort(-1)  # the real slots in random order: 0, 1, ...
    split = mask & (rank < n_split)
    # the empty slots in their order: the k-th split goes to the k-th empty slot
    empty = mask.to(torch.int8).argsort(dim=-1, stable=True)
    target = torch.gather(empty, 1, rank.clamp_max(n - 1))
    z = torch.rand((n_jets, n), generator=generator, dtype=torch.float64).to(c)
    z = torch.where(split, z, torch.ones_like(z))
    part = (1 - z)[..., None] * c
    out = z[..., None] * c
    index = torch.where(
        split, target, torch.arange(n, device=c.device).expand_as(target)
    )
    part = part * split[..., None]
    return out.scatter_add(1, index[..., None].expand_as(part), part)


_AUGMENT = {
    "collinear": lambda c, g: collinear_splittings(c, generator=g),
    "rotation": lambda c, g: rotate(c, generator=g),
    "soft": lambda c, g: soft_smear(c, generator=g),
    "translation": lambda c, g: translate(c, generator=g),
}


def augment(
    constituents: torch.Tensor | JetSample,
    which: Sequence[str],
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The jets with the named augmentations applied, in the order of :data:`AUGMENTATIONS`.

    Each augmentation runs at its defaults (rotations uniform in ``[0, 2 pi)``, translations
    in ``[-1, 1]``, ``Lambda_soft = 100 MeV``, collinear splittings into the empty slots). An
    empty ``which`` returns the jets (padding zeroed) unchanged.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        which: names from :data:`AUGMENTATIONS` (``"collinear"``, ``"rotation"``, ``"soft"``,
            ``"translation"``), each at most once.
        generator: CPU generator of every draw (torch's global one if ``None``).

    Returns:
        ``(n_jets, n_constituents, 4)``.

    Raises:
        TypeError: if ``which`` is a string instead of a sequence of names.
        ValueError: naming an unknown or repeated name in ``which``; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.4 and Table 2's augmentation settings.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    if isinstance(which, str):
        raise TypeError(f"which must be a sequence of names, got the string {which!r}")
    names = list(which)
    unknown = [w for w in names if w not in AUGMENTATIONS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(
            f"which must name each of {AUGMENTATIONS} at most once, got {names!r}"
        )
    c, _ = constituent_batch(constituents)
    for name in AUGMENTATIONS:
        if name in names:
            c = _AUGMENT[name](c, generator)
    return c


def nt_xent(
    z: torch.Tensor,
    z_prime: torch.Tensor,
    temperature: float = 0.1,
    positive_in_denominator: bool = True,
) -> torch.Tensor:
    """The contrastive loss of a batch of positive pairs, NT-Xent (SimCLR) or the notes' eq. 3.96.

    With ``s_ab`` the cosine similarity (eq. 3.93) of the ``2N`` representations
    ``(z_1..z_N, z'_1..z'_N)`` and ``p(a)`` the partner of ``a``, the loss is

    ``L = -(1 / 2N) sum_a log[exp(s_a,p(a) / tau) / sum_{b != a} exp(s_ab / tau)]``,

    averaged over both views as anchors. The JetCLR code uses ``tau = 0.1`` and keeps the
    positive pair in the denominator (``b != a``, the SimCLR form, the default); the notes'
    eq. 3.96 has ``tau = 1`` and drops it (``b != a, p(a)``: ``positive_in_denominator=False``).

    Args:
        z: ``(N, d)`` representations of the jets, N >= 2, floating point.
        z_prime: ``(N, d)`` representations of their augmented copies.
        temperature: ``tau`` > 0.
        positive_in_denominator: keep ``exp(s_a,p(a) / tau)`` in the denominator.

    Returns:
        A scalar tensor, the mean loss per anchor in nats.

    Raises:
        TypeError: if ``z`` or ``z_prime`` is not a floating-point tensor.
        ValueError: if their shapes differ or are not ``(N, d)`` with N >= 2; if
            ``temperature`` is not a positive number.

    References:
        Pawlowski and Plehn (2025), eqs. 3.92-3.96; Chen et al., ICML 2020 (SimCLR); Dillon
        et al., SciPost Phys. 12 (2022) 188.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    for name, x in (("z", z), ("z_prime", z_prime)):
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"{name} must be a floating-point torch.Tensor (N, d)")
    if z.ndim != 2 or z.shape != z_prime.shape or z.shape[0] < 2:
        raise ValueError(
            "z and z_prime must have the same shape (N, d) with N >= 2, got "
            f"{tuple(z.shape)} and {tuple(z_prime.shape)}"
        )
    tau = positive_number("temperature", temperature)
    n = z.shape[0]
    unit = nn.functional.normalize(torch.cat([z, z_prime]), dim=1)
    logits = unit @ unit.T / tau
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    excluded = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    if not positive_in_denominator:
        excluded[torch.arange(2 * n, device=z.device), partner] = True
    positive = logits[torch.arange(2 * n, device=z.device), partner]
    denominator = torch.logsumexp(logits.masked_fill(excluded, -torch.inf), dim=1)
    return (denominator - positive).mean()


class ContrastiveEncoder(nn.Module):
    """A permutation-invariant jet encoder: the deep set of a PFN, then a projection head.

    ``z = head(sum_i Phi(x_i))``: ``Phi`` and the sum are :meth:`physml.jets.deepsets.PFN.latent`
    (the seven particle features from the jet axis, so a common translation is a symmetry by
    construction), the head a dense network to ``out_dim`` numbers; the representation on the
    hypersphere is ``z / |z|`` (eq. 3.92).

    Args:
        out_dim: dimension of the representation, a positive int.
        latent: dimension of the deep set's sum, a positive int.
        hidden: width of ``Phi``'s and the head's hidden layers, a positive int.
        phi_depth: hidden layers of ``Phi``.
        head_depth: hidden layers of the head.

    Raises:
        ValueError: naming a size that is not a positive int.

    References:
        Pawlowski and Plehn (2025), eqs. 3.80 and 3.90-3.92; Dillon et al., SciPost Phys. 12
        (2022) 188 (a transformer there).

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """

    def __init__(
        self,
        out_dim: int = 64,
        latent: int = 64,
        hidden: int = 64,
        phi_depth: int = 2,
        head_depth: int = 1,
    ) -> None:
        for name, value in (
            ("out_dim", out_dim),
            ("latent", latent),
            ("hidden", hidden),
            ("phi_depth", phi_depth),
            ("head_depth", head_depth),
        ):
            positive_int(name, value)
        super().__init__()
        self.body = PFN(latent, hidden, phi_depth, f_hidden=1, f_depth=1)
        del self.body.function  # the PFN's tagger head: not part of the encoder
        self.head = MLP(
            latent, out_dim, hidden=hidden, depth=head_depth, activation="relu"
        )

    def forward(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The representations ``z``, ``(n_jets, out_dim)`` (not normalised).

        Inputs, shapes and errors are every point-cloud tagger's (:mod:`physml.jets.inputs`).
        """
        return self.head(self.body.latent(constituents, mask))


def train_contrastive(
    model: nn.Module,
    constituents: torch.Tensor,
    which: Sequence[str],
    *,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    temperature: float = 0.1,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "JetCLR",
) -> History:
    """Train an encoder with :func:`nt_xent` on pairs of independently augmented jets.

    Each step draws ``batch_size`` jets (labels are never seen), augments the batch twice with
    :func:`augment` and the same ``which`` (with ``which=()`` both views are the jet itself and
    only the uniformity term acts) and takes an AdamW step on the NT-Xent loss, through
    :func:`physml.train.fit` (cosine schedule).

    Args:
        model: the encoder, ``model(constituents) -> (n, d)``, trained in place.
        constituents: ``(n_jets, n_constituents, 4)`` GeV, float; keep empty slots for the
            collinear splittings.
        which: the augmentations, names from :data:`AUGMENTATIONS`.
        steps: optimiser steps, a positive int.
        batch_size: jets per step, >= 2.
        lr: learning rate, > 0.
        temperature: ``tau`` of the loss, > 0 (0.1 in the JetCLR code).
        generator: CPU generator of the minibatches and the augmentations (a fresh one seeded
            with 0 if ``None``).
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).
        desc: the progress bar's label.

    Returns:
        The :class:`~physml.train.History` of :func:`physml.train.fit` (the loss per step).

    Raises:
        TypeError: if ``constituents`` is not a floating-point tensor; as :func:`augment`.
        ValueError: if ``batch_size`` < 2 or ``temperature`` is not positive; as
            :func:`augment` and :func:`physml.train.fit`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.4; Dillon et al., SciPost Phys. 12 (2022) 188.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    if (
        not isinstance(constituents, torch.Tensor)
        or not constituents.is_floating_point()
    ):
        raise TypeError("constituents must be a floating-point torch.Tensor")
    positive_int("batch_size", batch_size, minimum=2)
    positive_number("temperature", temperature)
    augment(constituents[:1], which)  # checks the names before training
    if generator is None:
        generator = torch.Generator().manual_seed(0)

    def loss(net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        first = augment(batch, which, generator)
        second = augment(batch, which, generator)
        return nt_xent(net(first), net(second), temperature)

    return fit(
        model,
        loss,
        (constituents,),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        device=device,
        desc=desc,
        progress=progress,
    )


@torch.no_grad()
def rotation_similarity(
    model: nn.Module, constituents: torch.Tensor, angles: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Cosine similarity of each jet's representation with that of its rotated copies (Fig. 23).

    Args:
        model: the encoder, ``model(constituents) -> (n, d)``.
        constituents: ``(n_jets, n_constituents, 4)`` GeV.
        angles: rotation angles in radians, ``(n_angles,)``; each jet is rotated about its
            pT-weighted centroid (:func:`rotate`).

    Returns:
        ``(n_angles, n_jets)`` float64 array of ``s(z, z_rotated)`` in ``[-1, 1]`` (eq. 3.93).

    Raises:
        ValueError: if ``angles`` is empty or not one-dimensional; as :func:`rotate`.

    References:
        Pawlowski and Plehn (2025), Fig. 23 and eq. 3.93.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    angles = np.asarray(angles, dtype=float)
    if angles.ndim != 1 or angles.size == 0:
        raise ValueError("angles must be a non-empty one-dimensional sequence")
    z = forward_in_batches(model, constituents)
    out = []
    for a in angles:
        turned = forward_in_batches(model, rotate(constituents, float(a)))
        out.append(nn.functional.cosine_similarity(z, turned, dim=1).double())
    return torch.stack(out).numpy()


@torch.no_grad()
def pair_similarity(model: nn.Module, constituents: torch.Tensor) -> float:
    """Mean cosine similarity ``s(z_i, z_j)`` between the representations of different jets.

    The scale against which a rotation similarity is read: an encoder that maps every jet to
    nearly the same direction (an untrained one, whose output is dominated by its biases) has
    ``s(z, z_rotated)`` close to 1 for any jet and any angle, and a pair similarity close to 1
    as well; a trained one spreads different jets over the sphere (the uniformity term of
    eq. 3.96) and its pair similarity is far below 1.

    Args:
        model: the encoder, ``model(constituents) -> (n, d)``.
        constituents: ``(n_jets, n_constituents, 4)`` GeV, at least two jets.

    Returns:
        The mean of ``s(z_i, z_j)`` over all pairs ``i != j`` (eq. 3.93), a float in ``[-1, 1]``.

    Raises:
        ValueError: if there are fewer than two jets; as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), eqs. 3.93 and 3.96.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    if len(constituents) < 2:
        raise ValueError(
            f"constituents must hold at least two jets, got {len(constituents)}"
        )
    z = nn.functional.normalize(forward_in_batches(model, constituents).double(), dim=1)
    n = len(z)
    return float(((z @ z.T).sum() - z.pow(2).sum()) / (n * (n - 1)))


def linear_classifier_test(
    model: nn.Module,
    train_constituents: torch.Tensor,
    train_labels: torch.Tensor,
    test_constituents: torch.Tensor,
    max_iter: int = 2000,
) -> np.ndarray:
    """The linear classifier test: a logistic regression on the frozen representations.

    The encoder is evaluated without gradients; its representations ``z`` of the training jets
    are standardised and a logistic regression (a linear layer with the cross-entropy, L2
    regularised with scikit-learn's ``C = 1``) learns the labels from them. The representation
    was trained without labels, so its test AUC measures how much of the top-QCD difference the
    contrastive training put into directions a linear cut can read (Table 2).

    Args:
        model: the encoder, ``model(constituents) -> (n, d)``.
        train_constituents: ``(n_train, n_constituents, 4)`` GeV.
        train_labels: ``(n_train,)``, 1 for top, 0 for QCD.
        test_constituents: ``(n_test, n_constituents, 4)`` GeV.
        max_iter: iterations of the L-BFGS solver, a positive int.

    Returns:
        ``(n_test,)`` float64 array of the classifier's logits, larger for top.

    Raises:
        ValueError: if ``train_labels`` is not ``(n_train,)`` of 0 and 1 with both classes; if
            ``max_iter`` is not a positive int.

    References:
        Pawlowski and Plehn (2025), Sec. 3.4 and Table 2 (LCT); Dillon et al., SciPost Phys.
        12 (2022) 188.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    positive_int("max_iter", max_iter)
    y = torch.as_tensor(train_labels).cpu().numpy()
    if y.shape != (len(train_constituents),) or set(np.unique(y)) != {0, 1}:
        raise ValueError(
            "train_labels must be (n_train,) with the values 0 (QCD) and 1 (top), both present"
        )
    z_train = forward_in_batches(model, train_constituents).double().numpy()
    z_test = forward_in_batches(model, test_constituents).double().numpy()
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    classifier.fit(z_train, y)
    return classifier.decision_function(z_test)
