"""The transformations a point-cloud tagger's symmetries are tested with (Pawlowski and Plehn
2025, Sec. 3.3): a random permutation of the constituents, a soft emission, a collinear splitting.

A permutation-invariant tagger (every network of :mod:`physml.jets.deepsets`,
:mod:`physml.jets.graphs`, :mod:`physml.jets.transformer`, :mod:`physml.jets.lola`) returns the
same output for :func:`permute_constituents`; an infrared and collinear (IRC) safe one, such as the
:class:`physml.jets.deepsets.EFN`, also for :func:`with_soft_particle` (a particle of vanishing pT) and
:func:`collinear_split` (one particle replaced by two with the same direction). Every function
is vectorised over jets, keeps the input's dtype and device and returns a new tensor.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3.3 (eq. 3.79) and
    Sec. 3.3.4 (below eq. 3.80); Komiske, Metodiev and Thaler, JHEP 01 (2019) 121.
"""

from __future__ import annotations

import torch

from physml._checks import positive_number
from physml.jets.inputs import constituent_batch
from physml.jets.sample import JetSample

__all__ = ["collinear_split", "permute_constituents", "with_soft_particle"]


def _constituents(constituents: torch.Tensor | JetSample) -> torch.Tensor:
    return constituent_batch(constituents)[0]


def permute_constituents(
    constituents: torch.Tensor | JetSample, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The jets with their slots (real constituents and padding) in a random order, per jet.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        generator: CPU generator of the permutations (torch's global one if ``None``).

    Returns:
        ``(n_jets, n_constituents, 4)``, each jet's rows permuted independently.

    Raises:
        TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3 (the permutation symmetry of eq. 3.51).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    c = _constituents(constituents)
    n_jets, n = c.shape[:2]
    keys = torch.rand(n_jets, n, generator=generator).to(c.device)
    order = keys.argsort(dim=1)
    return torch.gather(c, 1, order[..., None].expand_as(c))


def with_soft_particle(
    constituents: torch.Tensor | JetSample,
    soft_pt: float,
    d_eta: float = 0.1,
    d_phi: float = 0.2,
) -> torch.Tensor:
    """The jets with one massless particle of transverse momentum ``soft_pt`` appended.

    The particle sits at ``(d_eta, d_phi)`` from the jet axis (the direction of the summed
    four-momentum), in a new last slot.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        soft_pt: the new particle's pT in GeV, > 0.
        d_eta: its pseudorapidity offset from the jet axis.
        d_phi: its azimuthal offset from the jet axis, radians.

    Returns:
        ``(n_jets, n_constituents + 1, 4)``.

    Raises:
        ValueError: if ``soft_pt`` is not a positive number; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.3-3.3.4 (infrared safety).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> c = torch.tensor([[[5.0, 3.0, 4.0, 0.0]]], dtype=torch.float64)
        >>> with_soft_particle(c, 1e-3).shape
        torch.Size([1, 2, 4])
    """
    positive_number("soft_pt", soft_pt)
    c = _constituents(constituents)
    axis = c.sum(1)
    phi = torch.atan2(axis[:, 2], axis[:, 1]) + d_phi
    eta = torch.asinh(axis[:, 3] / torch.hypot(axis[:, 1], axis[:, 2])) + d_eta
    pt = torch.full_like(eta, soft_pt)
    soft = torch.stack(
        [
            pt * torch.cosh(eta),
            pt * torch.cos(phi),
            pt * torch.sin(phi),
            pt * torch.sinh(eta),
        ],
        dim=-1,
    )
    return torch.cat([c, soft[:, None, :]], dim=1)


def collinear_split(
    constituents: torch.Tensor | JetSample, z: float = 0.5, index: int = 0
) -> torch.Tensor:
    """The jets with constituent ``index`` split into ``z`` and ``1 - z`` of its four-momentum.

    The two halves have the same direction; the ``1 - z`` part goes into a new last slot.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        z: the momentum fraction kept in the original slot, in ``(0, 1)``.
        index: the slot that is split (0: the leading constituent of a pT-ordered jet).

    Returns:
        ``(n_jets, n_constituents + 1, 4)``.

    Raises:
        ValueError: if ``z`` is not in ``(0, 1)`` or ``index`` is not a valid slot; as
            :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.4 (collinear safety, below eq. 3.80).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> c = torch.tensor([[[5.0, 3.0, 4.0, 0.0]]], dtype=torch.float64)
        >>> collinear_split(c, 0.4)[0, :, 0].tolist()
        [2.0, 3.0]
    """
    if isinstance(z, bool) or not isinstance(z, (int, float)) or not 0 < z < 1:
        raise ValueError(f"z must be a number in (0, 1), got {z!r}")
    c = _constituents(constituents)
    if (
        isinstance(index, bool)
        or not isinstance(index, int)
        or not 0 <= index < c.shape[1]
    ):
        raise ValueError(f"index must be a slot in [0, {c.shape[1]}), got {index!r}")
    part = c[:, index]
    out = torch.cat([c, (1 - z) * part[:, None, :]], dim=1)
    out[:, index] = z * part
    return out
