"""Jet images: pT-weighted histograms in (Delta eta, Delta phi), their preprocessing, the
Pearson correlation map and the average image of each class (Pawlowski and Plehn 2025,
Sec. 3.2.3, Figs. 12-14, eq. 3.47).

The pipeline runs on the constituents, vectorised over jets and constituents on the tensor's
device: :func:`jet_coordinates` puts each constituent at ``(Delta eta, Delta phi)`` from the jet
axis with its pT fraction as weight, :func:`preprocess` centres, rotates, flips and normalises
those planar coordinates, and :func:`pixelise` fills the histogram. :func:`jet_image` chains the
three.

Why preprocess the constituents and not the images: rotating a pixel image by an arbitrary angle
needs an interpolation that smears each deposit over neighbouring pixels, so it is neither exact
nor idempotent; rotating the constituents' coordinates is exact, and the pixelisation happens
once, after all the steps.

Pixel size: the notes quote the calorimeter cells of their data set, 0.04 in eta times 2.25
degrees (0.0393 rad) in phi. The images here use square pixels of 0.04 x 0.04: the rotation step
turns Delta eta into Delta phi, which is only a rotation of the image when both axes have the
same scale, and 40 pixels of 0.04 span exactly the anti-kT radius R = 0.8 on each side of the
axis. The 1.8% difference to 2.25 degrees is below anything the taggers resolve.

Image convention: ``images[k, i, j]`` is jet ``k``'s pixel at row ``i`` (Delta phi, increasing
upwards: draw with ``origin="lower"``) and column ``j`` (Delta eta, increasing to the right).
"12 o'clock" is +Delta phi, "the right half-plane" is +Delta eta.
"""

from __future__ import annotations

import torch

from physml._checks import positive_int, positive_number
from physml.jets.kinematics import delta_phi, eta, four_momentum, phi, pt
from physml.jets.sample import QCD, TOP, JetSample

__all__ = [
    "CENTRES",
    "PIXEL_SIZE",
    "as_constituents",
    "class_means",
    "jet_coordinates",
    "jet_image",
    "pearson_map",
    "pixelise",
    "preprocess",
]

PIXEL_SIZE = 0.04
"""The pixel size in Delta eta (and, here, Delta phi) of the notes' jet images (Sec. 3.2.3)."""

CENTRES = ("centroid", "leading")
"""The reference points :func:`preprocess` can centre a jet on."""


def as_constituents(
    x: JetSample | torch.Tensor, name: str = "sample_or_constituents"
) -> torch.Tensor:
    """The constituents of a :class:`~physml.jets.sample.JetSample`, or a checked tensor of them.

    The one argument check of the functions of ``physml.jets`` that take either.

    Args:
        x: a JetSample, or a tensor of shape ``(n_jets, n_constituents, 4)``, floating point,
            ``(E, px, py, pz)`` in GeV.
        name: the argument's name, for the messages.

    Returns:
        The tensor ``(n_jets, n_constituents, 4)`` itself (not copied).

    Raises:
        TypeError: naming ``name`` if ``x`` is neither a JetSample nor a floating-point tensor.
        ValueError: naming ``name`` if the tensor's shape is not ``(n_jets, n_constituents, 4)``.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    if isinstance(x, JetSample):
        return x.constituents
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a JetSample or a torch.Tensor, got {type(x).__name__}"
        )
    if x.ndim != 3 or x.shape[-1] != 4:
        raise ValueError(
            f"{name} must have shape (n_jets, n_constituents, 4), got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    return x


def _coordinates(name: str, coords) -> torch.Tensor:
    if not isinstance(coords, torch.Tensor) or not coords.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if coords.ndim != 3 or coords.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (n_jets, n_constituents, 3) "
            f"(Delta eta, Delta phi, weight), got {tuple(coords.shape)}"
        )
    return coords


def jet_coordinates(sample_or_constituents: JetSample | torch.Tensor) -> torch.Tensor:
    """Each constituent's ``(Delta eta, Delta phi, pT fraction)`` relative to the jet axis.

    The axis is the direction of the jet's four-momentum (the sum of its constituents). Padding
    entries get ``(0, 0, 0)``.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample`, or constituents of shape
            ``(n_jets, n_constituents, 4)``, floating point, ``(E, px, py, pz)`` in GeV.

    Returns:
        Shape ``(n_jets, n_constituents, 3)``, float64, on the input's device, holding
        Delta eta, Delta phi (radians, wrapped into ``[-pi, pi)``) and ``pT / sum pT`` (each
        jet's weights sum to 1; a jet without constituents keeps weight 0).

    Raises:
        TypeError: if the argument is neither a JetSample nor a floating-point tensor.
        ValueError: if the tensor is not of shape ``(n_jets, n_constituents, 4)``.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 and eq. 3.44 (Delta R in the (eta, phi) plane).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    c = as_constituents(sample_or_constituents).to(torch.float64)
    jet = four_momentum(c)
    weight = pt(c)
    real = weight > 0
    d_eta = torch.where(real, eta(c) - eta(jet)[:, None], torch.zeros_like(weight))
    d_phi = torch.where(
        real, delta_phi(phi(c), phi(jet)[:, None]), torch.zeros_like(weight)
    )
    total = weight.sum(-1, keepdim=True)
    frac = weight / torch.where(total > 0, total, torch.ones_like(total))
    return torch.stack([d_eta, d_phi, frac], dim=-1)


def preprocess(coords: torch.Tensor, centre: str = "centroid") -> torch.Tensor:
    """The notes' preprocessing of jet images, on the constituents' planar coordinates.

    Steps, per jet (Sec. 3.2.3, l. 1246):

    1. **centre**: shift so that the reference point sits at the origin: the pT-weighted
       centroid (``centre="centroid"``, the notes' "center of gravity") or the hardest
       constituent (``centre="leading"``, the notes' "dominant energy deposition", which puts
       the hard prong of a top jet, not the point between its prongs, at the centre);
    2. **rotate** so that the second prong points to 12 o'clock: the major principal axis of the
       pT-weighted second moments becomes the Delta phi axis, oriented so that the pT-weighted
       third moment along it is positive. Around the centroid the hard prong sits close and the
       softer second prong far out, so the skewness points at the second prong;
    3. **flip** Delta eta so that the pT-weighted third moment in Delta eta is >= 0: the first
       two prongs sit on the vertical axis, so the third prong (the third maximum), the deposit
       farthest off the axis, decides and ends in the right half-plane (a pT balance of the two
       half-planes would be decided by the hard prongs' small offsets from the axis instead);
    4. **normalise** the weights to unit sum.

    The result is a fixed point: a second pass changes the coordinates by rounding only
    (float64, so far below a pixel). The pixel rescaling of the notes' eq. 1.45 is left to the
    network's input layer.

    Args:
        coords: shape ``(n_jets, n_constituents, 3)``, floating point: Delta eta, Delta phi
            (radians) and a non-negative weight (e.g. from :func:`jet_coordinates`); weight 0
            marks padding.
        centre: ``"centroid"`` or ``"leading"``, the reference point of step 1.

    Returns:
        Shape ``(n_jets, n_constituents, 3)``, float64 on the input's device; padding stays
        ``(0, 0, 0)``.

    Raises:
        TypeError: if ``coords`` is not a floating-point tensor.
        ValueError: if its shape is not ``(n_jets, n_constituents, 3)``, a weight is negative,
            or ``centre`` is neither ``"centroid"`` nor ``"leading"``.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3, l. 1246 and Fig. 12; Kasieczka, Plehn, Russell and
        Schell, JHEP 05 (2017) 006 (DeepTop, ref. [7] of the notes).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    if centre not in CENTRES:
        raise ValueError(f"centre must be one of {CENTRES}, got {centre!r}")
    coords = _coordinates("coords", coords).to(torch.float64)
    w = coords[..., 2]
    if bool((w < 0).any()):
        raise ValueError("coords weights (last column) must be >= 0")
    total = w.sum(-1, keepdim=True)
    w = w / torch.where(total > 0, total, torch.ones_like(total))
    real = w > 0
    xy = coords[..., :2]
    # 1. centre on the pT centroid or on the hardest constituent
    if centre == "centroid":
        origin = (w[..., None] * xy).sum(-2, keepdim=True)
    else:
        origin = xy.gather(-2, w.argmax(-1)[:, None, None].expand(-1, 1, 2))
    xy = xy - origin
    # 2. rotate the principal axis to 12 o'clock, oriented by the third moment
    x, y = xy[..., 0], xy[..., 1]
    cxx, cyy, cxy = (w * x * x).sum(-1), (w * y * y).sum(-1), (w * x * y).sum(-1)
    theta = 0.5 * torch.atan2(
        2 * cxy, cxx - cyy
    )  # major axis angle from the Delta eta axis
    ex, ey = torch.cos(theta), torch.sin(theta)
    along = x * ex[:, None] + y * ey[:, None]
    skew = (w * along**3).sum(-1)
    sign = torch.where(skew < 0, -torch.ones_like(skew), torch.ones_like(skew))
    ex, ey = ex * sign, ey * sign
    # rotation taking (ex, ey) to (0, 1): x' = ey x - ex y, y' = ex x + ey y
    x, y = ey[:, None] * x - ex[:, None] * y, ex[:, None] * x + ey[:, None] * y
    # 3. flip so the third prong lies to the right: positive third moment in Delta eta
    x = torch.where(((w * x**3).sum(-1) < 0)[:, None], -x, x)
    zero = torch.zeros_like(x)
    return torch.stack(
        [torch.where(real, x, zero), torch.where(real, y, zero), w], dim=-1
    )


def pixelise(
    coords: torch.Tensor, n_pixels: int = 40, extent: float = 0.8
) -> torch.Tensor:
    """The weight-weighted 2D histogram of planar coordinates: one image per jet.

    Pixels are squares of side ``2 extent / n_pixels`` covering ``[-extent, extent)`` in both
    Delta eta and Delta phi; constituents outside the window are dropped, so each image sums to
    the weight inside the window. One ``index_add_`` for the whole batch, on the input's device.

    Args:
        coords: shape ``(n_jets, n_constituents, 3)``, floating point: Delta eta, Delta phi
            (radians) and weight (:func:`jet_coordinates` or :func:`preprocess`).
        n_pixels: pixels per side, a positive int (the notes: 40).
        extent: half-width of the window, radians, > 0 (default 0.8: pixels of 0.04).

    Returns:
        Shape ``(n_jets, n_pixels, n_pixels)``, the dtype of ``coords``; rows run over Delta phi
        (upwards), columns over Delta eta (see the module docstring).

    Raises:
        TypeError: if ``coords`` is not a floating-point tensor.
        ValueError: if its shape is wrong, or ``n_pixels`` / ``extent`` not positive.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (40 x 40 pixels of 0.04 in eta).

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    coords = _coordinates("coords", coords)
    positive_int("n_pixels", n_pixels)
    extent = positive_number("extent", extent)
    n_jets = coords.shape[0]
    size = 2 * extent / n_pixels
    col = torch.floor((coords[..., 0] + extent) / size).long()
    row = torch.floor((coords[..., 1] + extent) / size).long()
    w = coords[..., 2]
    inside = (col >= 0) & (col < n_pixels) & (row >= 0) & (row < n_pixels) & (w != 0)
    jet = torch.arange(n_jets, device=coords.device)[:, None].expand_as(col)
    flat = (jet * n_pixels + row) * n_pixels + col
    images = torch.zeros(
        n_jets * n_pixels * n_pixels, dtype=coords.dtype, device=coords.device
    )
    images.index_add_(0, flat[inside], w[inside])
    return images.reshape(n_jets, n_pixels, n_pixels)


def jet_image(
    sample_or_constituents: JetSample | torch.Tensor,
    n_pixels: int = 40,
    extent: float = 0.8,
    *,
    preprocessed: bool = True,
    centre: str = "centroid",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Jet images: pT-fraction histograms in (Delta eta, Delta phi), preprocessed or not.

    ``pixelise(preprocess(jet_coordinates(x)))``, or without :func:`preprocess` the raw image
    centred on the jet axis.

    Args:
        sample_or_constituents: a :class:`~physml.jets.sample.JetSample` or constituents
            ``(n_jets, n_constituents, 4)``, floating point, GeV.
        n_pixels: pixels per side (default 40, as in the notes).
        extent: half-width of the window in radians (default 0.8: pixels of 0.04).
        preprocessed: apply :func:`preprocess` (centre, rotate, flip, normalise) first.
        centre: the reference point of the preprocessing, as in :func:`preprocess`.
        dtype: the images' dtype (the coordinates are computed in float64).

    Returns:
        Shape ``(n_jets, n_pixels, n_pixels)`` of ``dtype``; each image sums to the jet's pT
        fraction inside the window (1 when the whole jet fits).

    Raises:
        TypeError, ValueError: as :func:`jet_coordinates` and :func:`pixelise`.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3, Fig. 12.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> from physml.jets.toy import toy_jets
        >>> jet_image(toy_jets(2, 2, seed=0)).shape
        torch.Size([4, 40, 40])
    """
    coords = jet_coordinates(sample_or_constituents)
    if preprocessed:
        coords = preprocess(coords, centre)
    return pixelise(coords, n_pixels, extent).to(dtype)


def _images_labels(
    images, y, name: str = "labels", *, scores: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Check ``images`` ``(n_jets, height, width)`` and one ``y`` per jet; ``y`` on their device.

    ``y`` are truth labels (integer, 0 QCD or 1 top, both present) or, with ``scores``, also a
    network's output (floating point, finite). ``name`` is ``y``'s argument name, for the messages.
    """
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a floating-point torch.Tensor")
    kind = "a" if scores else "an integer"
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be {kind} torch.Tensor, got {type(y).__name__}")
    if images.ndim != 3 or y.shape != images.shape[:1]:
        raise ValueError(
            f"images must have shape (n_jets, height, width) and {name} shape (n_jets,), "
            f"got {tuple(images.shape)} and {tuple(y.shape)}"
        )
    if y.is_floating_point():
        if not scores:
            raise TypeError(f"{name} must be {kind} torch.Tensor, got {y.dtype}")
        if not bool(torch.isfinite(y).all()):
            raise ValueError(f"{name} must be finite")
    else:
        if bool(((y != TOP) & (y != QCD)).any()):
            raise ValueError(f"{name} must be 0 (QCD) or 1 (top)")
        if not (bool((y == TOP).any()) and bool((y == QCD).any())):
            raise ValueError(f"{name} must contain both classes, top (1) and QCD (0)")
    return images, y.to(images.device)


def class_means(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The average image of each class (the notes' Fig. 12).

    Args:
        images: shape ``(n_jets, height, width)``, floating point.
        labels: shape ``(n_jets,)``, integer, 0 (QCD) or 1 (top), both present.

    Returns:
        Shape ``(2, height, width)``, the dtype of ``images``, ``means[QCD]`` and ``means[TOP]``.

    Raises:
        TypeError: if ``images`` is not floating point or ``labels`` not integer.
        ValueError: on mismatched shapes, labels other than 0/1, or a class missing.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3, Fig. 12.

    Used in:
        - :doc:`/book/particles/jets-as-images`
    """
    images, labels = _images_labels(images, labels)
    return torch.stack([images[labels == QCD].mean(0), images[labels == TOP].mean(0)])


def pearson_map(images: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel Pearson correlation ``r_ij`` between pixel intensity and ``y`` (eq. 3.47).

    ``r_ij = sum (x_ij - mean x_ij)(y - mean y) / sqrt(sum (x_ij - mean x_ij)^2 sum (y - mean y)^2)``
    over the images. In the notes (Fig. 14, after DeepTop) ``y`` is the network's signal
    probability: positive ``r_ij`` marks pixels that make the network say "top", negative ones
    pixels that make it say "QCD". With the truth label as ``y`` the map shows where the classes
    differ, whatever a network learned.

    Args:
        images: shape ``(n_jets, height, width)``, floating point.
        y: shape ``(n_jets,)``: a network's output (floating point, e.g. probabilities in
            ``[0, 1]``) or the truth labels (integer, 0 QCD or 1 top, both present).

    Returns:
        Shape ``(height, width)``, the dtype of ``images``, in ``[-1, 1]``; NaN where a pixel is
        the same in every image or ``y`` is constant (the correlation is undefined; it shows
        blank in a plot).

    Raises:
        TypeError: if ``images`` is not floating point or ``y`` not a tensor.
        ValueError: on mismatched shapes, integer labels other than 0/1 or a class missing, or
            a non-finite ``y``.

    References:
        Pawlowski and Plehn 2025, eq. 3.47 and Fig. 14; Kasieczka, Plehn, Russell and Schell,
        JHEP 05 (2017) 006.

    Used in:
        - :doc:`/book/particles/jets-as-images`
    """
    images, y = _images_labels(images, y, "y", scores=True)
    x = images.to(torch.float64)
    y = y.to(torch.float64)
    dx = x - x.mean(0)
    dy = (y - y.mean())[:, None, None]
    num = (dx * dy).sum(0)
    den = torch.sqrt((dx * dx).sum(0) * (dy * dy).sum())
    r = torch.where(den > 0, num / torch.where(den > 0, den, 1.0), torch.nan)
    return r.to(images.dtype)
