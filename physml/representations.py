"""The geometry of learned embeddings: principal components, effective dimension, circles.

A network that has learned a structured task often shows it in the geometry of its input
embeddings: the residues of modular addition sit on a circle, proton and neutron numbers on a
helix. The tools here read that geometry off an ``(n_items, dim)`` embedding matrix:

- :func:`principal_components`: PCA by the SVD of the centred matrix (explained-variance ratios,
  directions and the projected items);
- :func:`effective_dimension`: ``exp`` of the entropy of the explained-variance ratios, the
  number of directions the variance is spread over (Kitouni thesis, Fig. 6.7);
- :func:`circle_metrics`: how round the projection on the two leading components is.

Used by "Grokking beyond the toy" (Kitouni thesis, Sec. 6.4.2) and meant for the nuclear
embeddings chapter.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def _matrix(name: str, x: torch.Tensor, min_rows: int = 2) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[0] < min_rows or x.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_items >= {min_rows}, dim), "
                         f"got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} has non-finite entries")
    return x.detach().double()


@dataclass
class PCA:
    """Principal components of ``n`` items in ``dim`` dimensions.

    ``ratio (k,)``: explained-variance ratios, largest first (they sum to 1);
    ``components (k, dim)``: the unit directions; ``projected (n, k)``: the centred items in
    those coordinates; ``mean (dim,)``; ``k = min(n, dim)``.
    """

    ratio: torch.Tensor
    components: torch.Tensor
    projected: torch.Tensor
    mean: torch.Tensor

    def project(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        """Other items ``(m, dim)`` in the first ``k`` of these coordinates (all if ``None``)."""
        comps = self.components if k is None else self.components[:k]
        return (_matrix("x", x, 1) - self.mean) @ comps.T


def principal_components(x: torch.Tensor) -> PCA:
    """PCA of the rows of ``x (n_items, dim)`` via the SVD of the centred matrix (float64)."""
    x = _matrix("x", x)
    mean = x.mean(dim=0)
    centred = x - mean
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    var = s**2
    total = var.sum()
    if total <= 0:
        raise ValueError("x has zero variance: every item is the same point")
    return PCA(var / total, vh, centred @ vh.T, mean)


def effective_dimension(x: torch.Tensor) -> float:
    """``exp(-sum_i r_i log r_i)`` of the explained-variance ratios ``r_i`` of ``x``'s rows:
    1 when all variance lies along one direction, ``min(n, dim)`` when it is spread evenly."""
    r = principal_components(x).ratio
    r = r[r > 0]
    return float(torch.exp(-(r * r.log()).sum()))


def circle_metrics(x: torch.Tensor) -> tuple[float, float]:
    """How round the items look on their two leading principal components.

    Returns ``(variance ratio of PC1 to PC2, coefficient of variation of the radius)``; a circle
    centred on the mean gives ``(1, 0)``. Kitouni thesis, card K: a circle means ratio ``<= 1.5``
    and radius CV ``<= 0.2``.
    """
    pca = principal_components(_matrix("x", x, 3))
    if pca.ratio.numel() < 2 or pca.ratio[1] <= 0:
        raise ValueError("x needs at least two directions with variance")
    radius = pca.projected[:, :2].norm(dim=1)
    return float(pca.ratio[0] / pca.ratio[1]), float(radius.std() / radius.mean())


def fourier_power(x: torch.Tensor) -> torch.Tensor:
    """For items on a cycle (row ``a`` is residue ``a`` of ``Z_n``): the share of the centred
    embeddings' power at each frequency ``k = 1, ..., n // 2`` (index ``k - 1``), from the DFT
    along the items. A representation built from a few frequencies has a few large shares."""
    x = _matrix("x", x, 3)
    power = (torch.fft.rfft(x - x.mean(dim=0), dim=0).abs() ** 2).sum(dim=1)[1:]
    if x.shape[0] % 2 == 0:
        power[-1] = power[-1] / 2  # the Nyquist term is real: count its power once
    return power / power.sum()


def fourier_plane(x: torch.Tensor, k: int) -> torch.Tensor:
    """The items of a cycle ``x (n, dim)`` projected on the plane spanned by the real and
    imaginary parts of their DFT at frequency ``k`` (orthonormalised): ``(n, 2)`` coordinates.
    If the embeddings hold ``cos(2 pi k a / n + phase)`` patterns, residue ``a`` sits at angle
    ``2 pi k a / n`` of a circle in this plane."""
    x = _matrix("x", x, 3)
    n = x.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= (n - 1) // 2:
        raise ValueError(f"k must be an int in [1, {(n - 1) // 2}], got {k!r}")
    centred = x - x.mean(dim=0)
    coef = torch.fft.fft(centred, dim=0)[k]
    basis, _ = torch.linalg.qr(torch.stack([coef.real, coef.imag], dim=1))
    return centred @ basis
