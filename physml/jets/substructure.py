"""Jet substructure: N-subjettiness with exclusive-kT axes, the jet mass, subjet-pair masses
(Pawlowski and Plehn 2025, Sec. 3.2.3, Fig. 15; Thaler and Van Tilburg 2011).

``tau_N = sum_k pT_k min_j Delta R(k, axis_j) / (sum_k pT_k R0)`` with beta = 1 and R0 = 0.8:
small when the jet's radiation sits close to N axes, so ``tau_3 / tau_2`` is small for a
three-prong top and close to 1 for a QCD jet. The axes are the jet's exclusive-kT subjets
(FastJet's ``exclusive_jets_up_to(N)`` on the kT algorithm, E-scheme recombination), computed on
the CPU in one call for the whole batch through FastJet's awkward-array interface; the sums over
constituents and axes run vectorised in torch on the input's device. Distances are in
(rapidity, phi), as in FastJet and the Nsubjettiness contrib; for the (nearly) massless
constituents rapidity equals pseudorapidity.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from physml._checks import positive_int, positive_number
from physml.jets.images import as_constituents
from physml.jets.kinematics import delta_phi, four_momentum, mass, phi, pt
from physml.jets.sample import JetSample

__all__ = [
    "W_MASS",
    "exclusive_kt_axes",
    "jet_mass",
    "n_subjettiness",
    "subjet_pair_masses",
    "tau_ratio",
    "w_candidate_mass",
]

W_MASS = 80.4
"""The W mass in GeV, the target of :func:`w_candidate_mass`."""

_PAIRS = ((0, 1), (0, 2), (1, 2))


def _rapidity(p: torch.Tensor) -> torch.Tensor:
    """Rapidity ``0.5 log((E + pz) / (E - pz))``; 0 for zero padding."""
    e, pz = p[..., 0], p[..., 3]
    empty = e <= 0
    num = torch.where(empty, torch.ones_like(e), e + pz)
    den = torch.where(empty, torch.ones_like(e), e - pz)
    return 0.5 * torch.log(num.clamp_min(1e-300) / den.clamp_min(1e-300))


def exclusive_kt_axes(
    sample_or_constituents: JetSample | torch.Tensor, n_axes: int
) -> torch.Tensor:
    """Each jet's ``n_axes`` exclusive-kT subjets: the axes of N-subjettiness.

    The kT algorithm (E-scheme; R = FastJet's ``max_allowable_R`` as in the Nsubjettiness
    contrib's ``KT_Axes``, so that nothing merges with the beam and the subjets add up to the
    jet) reclusters each jet's constituents until ``n_axes`` subjets remain (fewer when the
    jet has fewer constituents: then every constituent is an axis). FastJet runs on the CPU,
    all jets in one call; the result returns to the input's device.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, ``(E, px, py, pz)`` in GeV,
            zero-padded.
        n_axes: the number of subjets, a positive int.

    Returns:
        Shape ``(n_jets, n_axes, 4)``, the input's dtype and device, four-momenta in GeV ordered
        by decreasing pT; all-zero rows where a jet has fewer than ``n_axes`` constituents.

    Raises:
        TypeError: if the argument is neither a JetSample nor a floating-point tensor.
        ValueError: on a wrong shape, ``n_axes`` not a positive int, or a jet without
            constituents.

    References:
        Thaler and Van Tilburg, JHEP 03 (2011) 015, Sec. 2 (exclusive-kT axes); Cacciari,
        Salam and Soyez, Eur. Phys. J. C 72 (2012) 1896 (FastJet); Pawlowski and Plehn 2025,
        eq. 3.45 (the kT measure) and the exclusive algorithm after it.

    Used in:
        - :doc:`/book/particles/jets-as-images`
    """
    c = as_constituents(sample_or_constituents)
    positive_int("n_axes", n_axes)
    return _kt_axes(c, (n_axes,))[0]


def _kt_axes(c: torch.Tensor, ns: tuple[int, ...]) -> list[torch.Tensor]:
    """:func:`exclusive_kt_axes` for each ``n`` in ``ns`` from one clustering of the jets."""
    import awkward as ak
    import fastjet

    fastjet._swig.ClusterSequence.set_fastjet_banner_stream(None)
    real = pt(c) > 0
    counts = real.sum(-1)
    if bool((counts == 0).any()):
        raise ValueError(
            "sample_or_constituents has a jet without constituents (all padding)"
        )
    flat = c[real].detach().to("cpu", torch.float64).numpy()
    particles = ak.unflatten(
        ak.zip(
            {"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3], "E": flat[:, 0]},
        ),
        counts.cpu().numpy(),
    )
    # R = max_allowable_R, as the Nsubjettiness contrib's KT_Axes: no constituent merges with
    # the beam, so the axes partition the whole jet
    definition = fastjet.JetDefinition(
        fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R
    )
    with warnings.catch_warnings():
        # FastJet's awkward interface warns about exclusive jets for every algorithm
        warnings.filterwarnings("ignore", message="dcut and exclusive jets")
        sequence = fastjet.ClusterSequence(particles, definition)
        return [_padded(sequence.exclusive_jets_up_to(n), n, c) for n in ns]


def _padded(subjets, n_axes: int, c: torch.Tensor) -> torch.Tensor:
    """FastJet's jagged subjets as ``(n_jets, n_axes, 4)``, zero-padded, pT-ordered, like ``c``."""
    import awkward as ak

    n_sub = ak.to_numpy(ak.num(subjets))
    comps = [ak.to_numpy(ak.flatten(subjets[k])) for k in ("E", "px", "py", "pz")]
    out = np.zeros((len(n_sub), n_axes, 4))
    rows = np.repeat(np.arange(len(n_sub)), n_sub)
    cols = np.arange(len(rows)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    out[rows, cols] = np.stack(comps, -1)
    axes = torch.as_tensor(out, dtype=c.dtype, device=c.device)
    order = torch.argsort(pt(axes), dim=-1, descending=True, stable=True)
    return torch.take_along_dim(axes, order[..., None], dim=1)


def n_subjettiness(
    sample_or_constituents: JetSample | torch.Tensor,
    n: int,
    *,
    axes: torch.Tensor | None = None,
    r0: float = 0.8,
) -> torch.Tensor:
    """N-subjettiness ``tau_N`` with beta = 1 (Thaler and Van Tilburg 2011, eq. 1.2).

    ``tau_N = sum_k pT_k min_j Delta R_jk / (sum_k pT_k R0)``, with Delta R in (rapidity, phi)
    between constituent ``k`` and axis ``j``. Zero when the jet has at most N constituents.
    The exclusive-kT axes are not minimised (no one-pass refinement), so ``tau_{N+1} <= tau_N``
    holds for nearly every jet but is not guaranteed for each.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV, zero-padded.
        n: the number of axes N, a positive int.
        axes: optional axes ``(n_jets, >= 1, 4)`` (GeV; all-zero rows are ignored); ``None``
            for :func:`exclusive_kt_axes` with ``n`` axes.
        r0: the characteristic jet radius R0 in the normalisation, > 0 (the jet's R, 0.8).

    Returns:
        Shape ``(n_jets,)``, the input's dtype and device, dimensionless, in ``[0, ~1]``.

    Raises:
        TypeError: if the argument is neither a JetSample nor a floating-point tensor.
        ValueError: on wrong shapes, ``n`` or ``r0`` out of range, a jet without constituents.

    References:
        Thaler and Van Tilburg, JHEP 03 (2011) 015, eqs. 1.1-1.2; Pawlowski and Plehn 2025,
        Sec. 3.2.3 (tau_3/tau_2 for top tagging, Fig. 15).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        Two equal prongs at Delta phi = +-0.2 around the axis: tau_1 = 0.2 / 0.8.

        >>> c = torch.tensor([[[100.0, 100 * math.cos(0.2), 100 * math.sin(0.2), 0.0],
        ...                    [100.0, 100 * math.cos(0.2), -100 * math.sin(0.2), 0.0]]],
        ...                  dtype=torch.float64)
        >>> round(float(n_subjettiness(c, 1)[0]), 6)
        0.25
    """
    c = as_constituents(sample_or_constituents)
    positive_int("n", n)
    r0 = positive_number("r0", r0)
    if axes is None:
        axes = _kt_axes(c, (n,))[0]
    elif (
        not isinstance(axes, torch.Tensor)
        or axes.ndim != 3
        or axes.shape[0] != c.shape[0]
        or axes.shape[-1] != 4
    ):
        raise ValueError(
            f"axes must be a tensor of shape ({c.shape[0]}, n_axes, 4), got "
            f"{tuple(axes.shape) if isinstance(axes, torch.Tensor) else type(axes).__name__}"
        )
    axes = axes.to(c.device, c.dtype)
    weight = pt(c)
    total = weight.sum(-1)
    if bool((total <= 0).any()):
        raise ValueError(
            "sample_or_constituents has a jet without constituents (all padding)"
        )
    d_y = _rapidity(c)[:, :, None] - _rapidity(axes)[:, None, :]
    d_phi = delta_phi(phi(c)[:, :, None], phi(axes)[:, None, :])
    dr = torch.hypot(d_y, d_phi)
    dr = torch.where((pt(axes) > 0)[:, None, :], dr, torch.full_like(dr, math.inf))
    nearest = dr.min(-1).values
    nearest = torch.where(weight > 0, nearest, torch.zeros_like(nearest))
    return (weight * nearest).sum(-1) / (total * r0)


def tau_ratio(
    sample_or_constituents: JetSample | torch.Tensor, a: int = 3, b: int = 2
) -> torch.Tensor:
    """The N-subjettiness ratio ``tau_a / tau_b`` (``tau_3 / tau_2`` tags tops).

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.
        a: the numerator's N, a positive int.
        b: the denominator's N, a positive int other than ``a``.

    Returns:
        Shape ``(n_jets,)``, dimensionless; NaN where ``tau_b = 0`` (a jet with at most ``b``
        constituents, for which the ratio is undefined; scikit-learn's histogram boosting treats
        NaN as missing).

    Raises:
        TypeError, ValueError: as :func:`n_subjettiness`; ValueError if ``a == b``.

    References:
        Thaler and Van Tilburg, JHEP 03 (2011) 015, Sec. 3; Pawlowski and Plehn 2025,
        Sec. 3.2.3, Fig. 15.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    positive_int("a", a)
    positive_int("b", b)
    if a == b:
        raise ValueError(f"a and b must differ, got a = b = {a}")
    c = as_constituents(sample_or_constituents)
    axes_a, axes_b = _kt_axes(c, (a, b))  # one clustering serves both
    num = n_subjettiness(c, a, axes=axes_a)
    den = n_subjettiness(c, b, axes=axes_b)
    return torch.where(den > 0, num / torch.where(den > 0, den, 1.0), torch.nan)


def jet_mass(sample_or_constituents: JetSample | torch.Tensor) -> torch.Tensor:
    """The jet's invariant mass, ``m`` of the sum of its constituents.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.

    Returns:
        Shape ``(n_jets,)``, GeV, the input's dtype and device.

    Raises:
        TypeError, ValueError: as :func:`exclusive_kt_axes` (shape and dtype).

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (m_fat, Fig. 15).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    return mass(four_momentum(as_constituents(sample_or_constituents)))


def subjet_pair_masses(
    sample_or_constituents: JetSample | torch.Tensor,
) -> torch.Tensor:
    """Invariant masses of the three pairs of the jet's three exclusive-kT subjets.

    For a top jet one pair is the W (m ~ 80 GeV), the third subjet the b.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.

    Returns:
        Shape ``(n_jets, 3)``, GeV, the pairs (1, 2), (1, 3), (2, 3) of the pT-ordered subjets.
        In a jet of fewer than three constituents the missing subjet is a zero four-vector, so
        its pairs carry the single subjet's mass.

    Raises:
        TypeError, ValueError: as :func:`exclusive_kt_axes`.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (two mass drops and three prongs in a top jet).

    Used in:
        - :doc:`/book/particles/jets-as-images`
    """
    sub = exclusive_kt_axes(sample_or_constituents, 3)
    return torch.stack([mass(sub[:, i] + sub[:, j]) for i, j in _PAIRS], dim=-1)


def w_candidate_mass(
    sample_or_constituents: JetSample | torch.Tensor, target: float = W_MASS
) -> torch.Tensor:
    """The subjet-pair mass closest to the W mass: the W candidate of each jet.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.
        target: the mass to be closest to, GeV, > 0 (default :data:`W_MASS`).

    Returns:
        Shape ``(n_jets,)``, GeV.

    Raises:
        TypeError, ValueError: as :func:`exclusive_kt_axes`; ValueError if ``target`` <= 0.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (the W inside the top jet).
    """
    target = positive_number("target", target)
    pairs = subjet_pair_masses(sample_or_constituents)
    best = (pairs - target).abs().argmin(-1, keepdim=True)
    return torch.take_along_dim(pairs, best, dim=-1)[:, 0]
