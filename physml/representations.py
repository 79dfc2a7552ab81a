"""The geometry of learned embeddings: principal components, effective dimension, circles.

A network that has learned a structured task often shows it in the geometry of its input
embeddings: the residues of modular addition sit on a circle, proton and neutron numbers on a
helix. The tools here read that geometry off an ``(n_items, dim)`` embedding matrix:

- :func:`principal_components`: PCA by the SVD of the centred matrix (explained-variance ratios,
  directions and the projected items);
- :func:`effective_dimension`: ``exp`` of the entropy of the explained-variance ratios, the
  number of directions the variance is spread over (Kitouni thesis, Fig. 6.7);
- :func:`circle_metrics`: how round the projection on the two leading components is;
- :func:`orderedness`, :func:`parity_ratio` and :func:`fit_helix`: the number order along PC0,
  the even/odd split and the helix of proton- and neutron-number embeddings.

Used by :doc:`/book/learning/grokking-beyond-the-toy` (Kitouni thesis, Sec. 6.4.2) and
:doc:`/book/nuclear/nuclear-embeddings` (Nolte et al. 2024; Kitouni thesis, chapter 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from physml import train
from physml._checks import positive_int


def _matrix(name: str, x: torch.Tensor, min_rows: int = 2) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[0] < min_rows or x.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape (n_items >= {min_rows}, dim), got {tuple(x.shape)}"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} has non-finite entries")
    return x.detach().double()


@dataclass
class PCA:
    """Principal components of ``n`` items in ``dim`` dimensions (float64, ``k = min(n, dim)``).

    Returned by :func:`principal_components`.

    Args:
        ratio: shape ``(k,)``, the explained-variance ratios, largest first (they sum to 1).
        components: shape ``(k, dim)``, the unit directions.
        projected: shape ``(n, k)``, the centred items in those coordinates.
        mean: shape ``(dim,)``, the items' mean.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/nuclear/nuclear-embeddings`
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
    """PCA of the rows of ``x`` via the SVD of the centred matrix (float64).

    Args:
        x: shape ``(n_items, dim)`` with n_items >= 2, finite.

    Returns:
        A :class:`PCA`.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape, non-finite entries or zero variance.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/nuclear/nuclear-embeddings`

    Examples:
        >>> a = torch.arange(12, dtype=torch.float64) * 2 * torch.pi / 12
        >>> circle = torch.stack([a.cos(), a.sin(), torch.zeros(12, dtype=torch.float64)], dim=1)
        >>> pca = principal_components(circle)
        >>> [round(r, 4) for r in pca.ratio[:2].tolist()], tuple(pca.projected.shape)
        ([0.5, 0.5], (12, 3))
    """
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
    """The number of directions the variance of ``x``'s rows is spread over.

    ``exp(-sum_i r_i log r_i)`` of the explained-variance ratios ``r_i``: 1 when all variance lies
    along one direction, ``min(n, dim)`` when it is spread evenly (Kitouni thesis, Fig. 6.7).

    Args:
        x: shape ``(n_items, dim)`` with n_items >= 2, finite.

    Returns:
        The effective dimension, in ``[1, min(n_items, dim)]``.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: as :func:`principal_components`.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`

    Examples:
        >>> a = torch.arange(12, dtype=torch.float64) * 2 * torch.pi / 12
        >>> circle = torch.stack([a.cos(), a.sin(), torch.zeros(12, dtype=torch.float64)], dim=1)
        >>> round(effective_dimension(circle), 4)
        2.0
    """
    r = principal_components(x).ratio
    r = r[r > 0]
    return float(torch.exp(-(r * r.log()).sum()))


def circle_metrics(x: torch.Tensor) -> tuple[float, float]:
    """How round the items look on their two leading principal components.

    Kitouni thesis, Sec. 6.4.2: a circle means ratio ``<= 1.5`` and radius CV ``<= 0.2``.

    Args:
        x: shape ``(n_items, dim)`` with n_items >= 3, finite.

    Returns:
        ``(variance ratio of PC1 to PC2, coefficient of variation of the radius)``; a circle
        centred on the mean gives ``(1, 0)``.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape, non-finite entries or fewer than two directions with
            variance.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`

    Examples:
        >>> a = torch.arange(12, dtype=torch.float64) * 2 * torch.pi / 12
        >>> circle = torch.stack([a.cos(), a.sin(), torch.zeros(12, dtype=torch.float64)], dim=1)
        >>> [round(v, 4) for v in circle_metrics(circle)]
        [1.0, 0.0]
    """
    pca = principal_components(_matrix("x", x, 3))
    if pca.ratio.numel() < 2 or pca.ratio[1] <= 0:
        raise ValueError("x needs at least two directions with variance")
    radius = pca.projected[:, :2].norm(dim=1)
    return float(pca.ratio[0] / pca.ratio[1]), float(radius.std() / radius.mean())


def fourier_power(x: torch.Tensor) -> torch.Tensor:
    """The share of a cycle's embedding power at each frequency (DFT along the items).

    For items on a cycle (row ``a`` is residue ``a`` of ``Z_n``), the share of the centred
    embeddings' power at each frequency ``k = 1, ..., n // 2``. A representation built from a few
    frequencies has a few large shares.

    Args:
        x: shape ``(n, dim)`` with n >= 3, finite; row ``a`` embeds residue ``a``.

    Returns:
        Shares summing to 1, shape ``(n // 2,)``, float64; index ``k - 1`` is frequency k.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape or non-finite entries.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`

    Examples:
        >>> a = torch.arange(12, dtype=torch.float64) * 2 * torch.pi / 12
        >>> circle = torch.stack([a.cos(), a.sin(), torch.zeros(12, dtype=torch.float64)], dim=1)
        >>> [round(v, 4) for v in fourier_power(circle).tolist()]
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    x = _matrix("x", x, 3)
    power = (torch.fft.rfft(x - x.mean(dim=0), dim=0).abs() ** 2).sum(dim=1)[1:]
    if x.shape[0] % 2 == 0:
        power[-1] = power[-1] / 2  # the Nyquist term is real: count its power once
    return power / power.sum()


def fourier_plane(x: torch.Tensor, k: int) -> torch.Tensor:
    """The items of a cycle projected on the plane of their DFT at frequency ``k``.

    The plane is spanned by the real and imaginary parts of the DFT (orthonormalised). If the
    embeddings hold ``cos(2 pi k a / n + phase)`` patterns, residue ``a`` sits at angle
    ``2 pi k a / n`` of a circle in this plane.

    Args:
        x: shape ``(n, dim)`` with n >= 3, finite; row ``a`` embeds residue ``a``.
        k: the frequency, an int in ``[1, (n - 1) // 2]``.

    Returns:
        The coordinates, shape ``(n, 2)``, float64.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape, non-finite entries or ``k`` out of range.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    x = _matrix("x", x, 3)
    n = x.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= (n - 1) // 2:
        raise ValueError(f"k must be an int in [1, {(n - 1) // 2}], got {k!r}")
    centred = x - x.mean(dim=0)
    coef = torch.fft.fft(centred, dim=0)[k]
    basis, _ = torch.linalg.qr(torch.stack([coef.real, coef.imag], dim=1))
    return centred @ basis


def orderedness(x: torch.Tensor, stride: int = 2) -> float:
    """How monotonically items in number order (row ``i`` is number ``i``) advance along PC0.

    ``stride=1`` is the paper's definition (Nolte et al. 2024, Sec. 5.1): the fraction of
    consecutive pairs whose PC0 coordinates increase, ``(1/(M-1)) sum_i 1(e_i < e_{i+1})`` (the
    paper divides by ``M``, which caps it at ``(M-1)/M``), maximised over the two directions.
    ``stride=2`` is the authors' code: the same fraction on the even-indexed and the odd-indexed
    subsequences, averaged, so that an even/odd zig-zag along PC0 does not count as disorder.
    Random order gives about 0.5, perfect order 1.

    Args:
        x: shape ``(n, dim)`` with n >= 3, finite; row ``i`` embeds number ``i``.
        stride: 1 (the paper's definition) or 2 (the authors' code).

    Returns:
        The orderedness, in ``[0.5, 1]``.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape, non-finite entries or a stride other than 1 or 2.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`

    References:
        Nolte et al. 2024, Sec. 5.1.

    Examples:
        >>> line = torch.arange(10.0)[:, None] * torch.tensor([[1.0, 2.0]])
        >>> orderedness(line), orderedness(line, stride=1)
        (1.0, 1.0)
    """
    x = _matrix("x", x, 3)
    if isinstance(stride, bool) or stride not in (1, 2):
        raise ValueError(
            f"stride must be 1 (the paper) or 2 (the authors' code), got {stride!r}"
        )
    pc0 = principal_components(x).projected[:, 0]
    parts = [pc0] if stride == 1 else [pc0[0::2], pc0[1::2]]
    up = torch.stack([(p.diff() > 0).double().mean() for p in parts]).mean()
    down = torch.stack([(p.diff() < 0).double().mean() for p in parts]).mean()
    return float(torch.maximum(up, down))


def parity_ratio(x: torch.Tensor, numbers: torch.Tensor) -> float:
    """The parity split ``R_P = 2 d(even, odd) / (d(even, even) + d(odd, odd))`` of labelled items.

    ``d`` is the mean Euclidean distance over all distinct pairs (Nolte et al. 2024, Sec. 5.1;
    the authors' code keeps only the upper triangle of the even-odd block, here every cross pair
    counts). About 1: no split; > 1: even and odd items separate.

    Args:
        x: shape ``(n, dim)`` with n >= 4, finite.
        numbers: the items' integer labels, shape ``(n,)``, at least two even and two odd.

    Returns:
        R_P.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a wrong shape, non-finite entries, float labels or fewer than two even
            or two odd items.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`

    References:
        Nolte et al. 2024, Sec. 5.1.

    Examples:
        >>> n = torch.arange(8)
        >>> round(parity_ratio(torch.stack([n.double(), 5.0 * (n % 2)], dim=1), n), 4)
        1.7749
    """
    x = _matrix("x", x, 4)
    numbers = torch.as_tensor(numbers)
    if numbers.shape != x.shape[:1] or numbers.is_floating_point():
        raise ValueError(
            f"numbers must be integers of shape ({x.shape[0]},), "
            f"got {tuple(numbers.shape)} {numbers.dtype}"
        )
    even = x[numbers % 2 == 0]
    odd = x[numbers % 2 == 1]
    if len(even) < 2 or len(odd) < 2:
        raise ValueError("x needs at least two even and two odd items")

    def within(a: torch.Tensor) -> torch.Tensor:
        d = torch.cdist(a, a)
        return d.sum() / (len(a) * (len(a) - 1))

    return float(2 * torch.cdist(even, odd).mean() / (within(even) + within(odd)))


@dataclass
class Helix:
    """A helix fitted to points at ``t = 0, ..., 1`` by :func:`fit_helix`.

    ``r(t) = R [cos(2 pi f t + phi) u + sin(2 pi f t + phi) v] + P a t + r0`` (Nolte et al. 2024,
    eq. 2 = Kitouni thesis, eq. B.1).

    Args:
        radius: R, in the units of the points.
        frequency: f, turns over the points.
        phase: phi, in radians.
        pitch: P, the length along the axis from t = 0 to 1.
        axis: a, the unit axis, shape ``(3,)``.
        origin: r0, shape ``(3,)``.
        r2: the share of the points' variance the helix explains.
        curve: the helix at the points' t, shape ``(n, 3)``.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`

    References:
        Nolte et al. 2024, eq. 2; Kitouni thesis, eq. B.1.
    """

    radius: float
    frequency: float
    phase: float
    pitch: float
    axis: torch.Tensor
    origin: torch.Tensor
    r2: float
    curve: torch.Tensor


def _helix_curve(params: dict[str, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
    """Curves of a batch of helices ``(fits, n, 3)``; u, v as in the authors' code:
    ``v1 = (-a_1, a_0, 0) / |.|`` and ``v2 = a x v1``."""
    a = params["axis"] / params["axis"].norm(dim=-1, keepdim=True)
    u = torch.stack([-a[:, 1], a[:, 0], torch.zeros_like(a[:, 0])], dim=-1)
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    v = torch.linalg.cross(a, u)
    angle = 2 * torch.pi * params["frequency"][:, None] * t + params["phase"][:, None]
    radius = params["radius"][:, None, None]
    return (
        radius
        * (angle.cos()[..., None] * u[:, None] + angle.sin()[..., None] * v[:, None])
        + params["pitch"][:, None, None] * a[:, None] * t[:, None]
        + params["origin"][:, None]
    )


class _Helices(torch.nn.Module):
    """The helices of one :func:`fit_helix` run as a module: ``forward(t)`` is their curves."""

    def __init__(self, params: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.params = torch.nn.ParameterDict(
            {name: torch.nn.Parameter(p) for name, p in params.items()}
        )

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return _helix_curve(self.params, t)

    def loss(self, t: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """The mean squared distance of ``points`` from each helix, summed over the helices."""
        return ((self(t) - points) ** 2).sum(-1).mean(-1).sum()


def fit_helix(
    points: torch.Tensor,
    steps: int = 3000,
    lr: float = 0.02,
    frequencies: tuple[float, ...] = (-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3),
) -> tuple[Helix, train.History]:
    """Least-squares helix (:class:`Helix`) through ``points`` taken in order.

    The points are e.g. the first three PCs of the N embeddings. The fit is by Adam on the MSE as
    in the authors' code, started from every frequency in ``frequencies`` at once (the loss has
    many local minima in ``f``) with the axis along the points' first PC; the best fit is returned.
    The loop is :func:`physml.train.fit` (full batch, constant learning rate, on the device of
    ``points``).

    Args:
        points: float ``(n, 3)`` with ``n >= 5``, finite, in order along the curve.
        steps: Adam steps, ``>= 1``.
        lr: Adam learning rate.
        frequencies: the starting frequencies ``f`` (turns over the whole curve), at least one.

    Returns:
        The pair ``(helix, history)``, the best :class:`Helix` (float64, in the units of
        ``points``) and the :class:`physml.train.History` of the fit (its loss per step is the
        mean squared distance summed over the starting frequencies).

    Raises:
        TypeError: if ``points`` is not a tensor.
        ValueError: if ``points`` is not ``(n >= 5, 3)`` or not finite, ``steps`` is not a positive
            int, or ``frequencies`` is empty.

    References:
        Nolte et al. 2024, eq. 2; Kitouni thesis, eq. B.1.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    points = _matrix("points", points, 5)
    if points.shape[1] != 3:
        raise ValueError(f"points must have shape (n, 3), got {tuple(points.shape)}")
    positive_int("steps", steps)
    if not frequencies:
        raise ValueError("frequencies must hold at least one starting frequency")
    n, k = points.shape[0], len(frequencies)
    t = torch.linspace(0, 1, n, dtype=points.dtype)
    pca = principal_components(points)
    axis0 = pca.components[0]
    along = (points - pca.mean) @ axis0
    if along[-1] < along[0]:
        axis0, along = -axis0, -along
    pitch0 = float(along[-1] - along[0])
    start = pca.mean + along[0] * axis0
    spread = (points - pca.mean - along[:, None] * axis0).norm(dim=1).mean()
    params = {
        "radius": torch.full((k,), float(spread), dtype=points.dtype),
        "frequency": torch.tensor(frequencies, dtype=points.dtype),
        "phase": torch.zeros(k, dtype=points.dtype),
        "pitch": torch.full((k,), pitch0, dtype=points.dtype),
        "axis": axis0.repeat(k, 1),
        "origin": start.repeat(k, 1),
    }
    helices = _Helices(params)
    history = train.fit(
        helices,
        lambda model, tb, pb: model.loss(tb, pb),  # full batch: tb, pb = t, points
        (t, points),
        steps=steps,
        batch_size=n,
        lr=lr,
        schedule=None,
        device=points.device,
        desc=f"helix fit ({k} starts)",
    )
    params = helices.params
    with torch.no_grad():
        curves = _helix_curve(params, t)
        sse = ((curves - points) ** 2).sum(dim=(-1, -2))
        best = int(sse.argmin())
        sst = ((points - points.mean(dim=0)) ** 2).sum()
        a = params["axis"][best] / params["axis"][best].norm()
        radius, pitch = float(params["radius"][best]), float(params["pitch"][best])
        frequency, phase = (
            float(params["frequency"][best]),
            float(params["phase"][best]),
        )
        if radius < 0:  # (R, phi) and (-R, phi + pi) are the same curve
            radius, phase = -radius, phase + float(torch.pi)
        helix = Helix(
            radius,
            frequency,
            phase,
            pitch,
            a,
            params["origin"][best].clone(),
            float(1 - sse[best] / sst),
            curves[best],
        )
    return helix, history
