"""Anomaly searches without a signal model: convolutional autoencoders on jet images and the
normalised autoencoder (Pawlowski and Plehn 2025, Sec. 4.2, eqs. 4.4-4.14, Figs. 25-28).

- :class:`JetAutoencoder`: the convolutional AE and VAE of the notes' Fig. 25 (5x5 convolutions,
  PReLU, average pooling 40 -> 20, nearest-neighbour upsampling), with a latent dimension of
  choice and, for the NAE, a spherical latent (z on the unit sphere).
- :func:`gaussian_filter`: the Gaussian smearing of the images that the NAE code applies.
- :func:`intensity_scale`: the constant that brings the unit-sum pixel intensities to order one
  (the mean of the images' largest pixel), by which the networks' inputs are divided.
- :func:`reconstruction_error`: the per-image MSE, the AE's anomaly score (eq. 4.4) and the NAE's
  energy (eq. 4.14).
- :func:`vae_loss`: the VAE loss (eq. 4.5), returning its KL term per image.
- :func:`langevin`: batched Langevin chains on any energy (eq. 4.12).
- :class:`NAESettings`, :func:`nae_negatives`, :func:`nae_loss`, :func:`train_nae`: the NAE
  phase, negatives by Langevin chains first in latent space and then in pixel space, and the
  loss of eqs. 4.9-4.11 as E(data) - E(negatives) with the energy-squared regulariser of the NAE
  code.
- :func:`train_autoencoder`: AE or VAE training through :func:`physml.train.fit`.

Images are ``(n, n_pixels, n_pixels)`` floats, as :func:`physml.jets.images.jet_image` makes them
(pixels summing to one per jet), divided by :func:`intensity_scale` before the networks see them.
The functions here move their inputs to the model's device; the scores of
:func:`reconstruction_error` with a ``batch_size`` come back on the CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from physml._checks import non_negative_number, positive_int, positive_number
from physml.generative.vae import gaussian_kl
from physml.train import History, fit

__all__ = [
    "JetAutoencoder",
    "gaussian_filter",
    "intensity_scale",
    "NAESettings",
    "langevin",
    "nae_loss",
    "nae_negatives",
    "reconstruction_error",
    "train_autoencoder",
    "train_nae",
    "vae_loss",
]

_CHAPTER = ":doc:`/book/particles/anomalies-and-the-normalised-autoencoder`"


def _images(name: str, images: torch.Tensor, n_pixels: int) -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or tuple(images.shape[1:]) != (n_pixels, n_pixels):
        raise ValueError(
            f"{name} must have shape (n, {n_pixels}, {n_pixels}), got {tuple(images.shape)}"
        )
    return images


def gaussian_filter(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Images smeared with a Gaussian of width ``sigma`` pixels (separable, zero padding).

    The NAE code smooths the jet images with σ = 2 pixels before training: the sparse pixels of
    one jet then overlap with those of similar jets, and the reconstruction error measures the
    jet's shape rather than which exact pixels it hit. The kernel is cut at 3σ and normalised,
    so the total intensity is kept up to what leaks over the image border.

    Args:
        images: ``(n, n_pixels, n_pixels)``, floating point.
        sigma: the width in pixels, > 0.

    Returns:
        The smoothed images, same shape, dtype and device.

    Raises:
        TypeError: if ``images`` is not a floating-point tensor.
        ValueError: on a wrong shape or a non-positive ``sigma``.

    References:
        Dillon, Favaro, Plehn, Sorrenson and Krämer, arXiv:2206.14225 (Sec. 3: Gaussian-filtered
        jet images).

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        >>> x = torch.zeros(1, 40, 40); x[0, 20, 20] = 1.0
        >>> y = gaussian_filter(x, 2.0)
        >>> round(float(y.sum()), 4), bool(y[0, 20, 20] < 0.1)
        (1.0, True)
    """
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a floating-point torch.Tensor")
    if images.ndim != 3:
        raise ValueError(
            f"images must have shape (n, n_pixels, n_pixels), got {tuple(images.shape)}"
        )
    sigma = positive_number("sigma", sigma)
    r = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=images.dtype, device=images.device)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    x = images[:, None]
    x = nn.functional.conv2d(x, k.view(1, 1, 1, -1), padding=(0, r))
    x = nn.functional.conv2d(x, k.view(1, 1, -1, 1), padding=(r, 0))
    return x[:, 0]


def intensity_scale(images: torch.Tensor) -> float:
    """The mean over the images of their largest pixel: the unit of pixel intensity.

    Jet images normalised to unit sum have pixels of order 1e-3 (1e-2 for the hardest pixel of
    a smoothed jet), so an AE's squared error starts near 1e-5 per pixel and its gradients are
    as small: with the usual learning rates the network barely moves from a nearly constant
    output. Dividing all images by one constant taken from the training set brings the pixels to
    order one without changing any image's shape or the ratios between jets (a per-image
    rescaling would remove the jet's pT spread over pixels, which is part of what the AE should
    reconstruct). Energies (squared errors) are then in units of this scale squared.

    Args:
        images: the training images ``(n, n_pixels, n_pixels)``, floating point, n >= 1.

    Returns:
        The scale, a positive float (divide every image, training and test, by it).

    Raises:
        TypeError: if ``images`` is not a floating-point tensor.
        ValueError: on a wrong shape, no images, or images whose largest pixels average to
            zero or less.

    References:
        Pawlowski and Plehn 2025, Sec. 1 (preprocessing inputs to order one, l. 410 of the
        notes: "a standard scaling would preprocess the data to a mean of zero and a standard
        deviation of one").

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        >>> x = torch.zeros(2, 4, 4); x[0, 1, 1] = 0.5; x[1, 2, 2] = 0.25
        >>> intensity_scale(x)
        0.375
    """
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a floating-point torch.Tensor")
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            "images must have shape (n, n_pixels, n_pixels) with n >= 1, "
            f"got {tuple(images.shape)}"
        )
    scale = float(images.flatten(1).max(1).values.double().mean())
    if not scale > 0:
        raise ValueError(f"the images' largest pixels average to {scale}, need > 0")
    return scale


def _device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


class JetAutoencoder(nn.Module):
    """The convolutional autoencoder (or VAE) of the notes' Fig. 25 for 40 x 40 jet images.

    Encoder: a 5x5 convolution to ``channels`` maps at full resolution, average pooling to
    half the side (40 -> 20), a second 5x5 convolution, flattening and two dense layers to the
    latent space (``2 * latent`` outputs for the VAE: means and log-variances). Decoder: the
    mirror image, with nearest-neighbour upsampling (20 -> 40) and a last 5x5 convolution to one
    map. Every hidden layer has a PReLU activation; the output is linear. With
    ``spherical=True`` the latent vector is normalised to unit length (the NAE's spherical
    latent, Fig. 27), and chains in latent space live on that sphere.

    Args:
        latent: the latent dimension (1 for the notes' Fig. 25, 3 for the NAE), a positive int.
        channels: feature maps per convolution, a positive int.
        hidden: nodes of the dense layer next to the latent space, a positive int.
        n_pixels: image side, an even positive int (40 in the notes).
        variational: a VAE (Gaussian encoder, :func:`vae_loss`) instead of a plain AE.
        spherical: normalise the latent vector to unit length (needs ``latent >= 2``; not with
            ``variational``).

    Input and output: images ``(n, n_pixels, n_pixels)`` (or ``(n, 1, ...)``), floating point;
    :meth:`forward` returns the reconstruction ``(n, n_pixels, n_pixels)`` from the latent mean.

    Raises:
        ValueError: naming the argument if a size is not a positive int, ``n_pixels`` is odd,
            or ``spherical`` is asked with ``latent < 2`` or with ``variational``.

    References:
        Pawlowski and Plehn 2025, Sec. 4.2.1 and Fig. 25; B. M. Dillon, T. Plehn, C. Sauer and
        P. Sorrenson, SciPost Phys. 11 (2021) 061 (the architecture); B. M. Dillon, L. Favaro,
        T. Plehn, P. Sorrenson and M. Krämer, arXiv:2206.14225 (the spherical latent).

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        >>> ae = JetAutoencoder(latent=3, spherical=True)
        >>> x = torch.rand(2, 40, 40)
        >>> ae(x).shape, ae.encode(x).norm(dim=1).round(decimals=4).tolist()
        (torch.Size([2, 40, 40]), [1.0, 1.0])
    """

    def __init__(
        self,
        latent: int = 1,
        channels: int = 8,
        hidden: int = 32,
        n_pixels: int = 40,
        *,
        variational: bool = False,
        spherical: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (
            ("latent", latent),
            ("channels", channels),
            ("hidden", hidden),
            ("n_pixels", n_pixels),
        ):
            positive_int(name, value)
        if n_pixels % 2:
            raise ValueError(f"n_pixels must be even, got {n_pixels}")
        if spherical and latent < 2:
            raise ValueError(f"spherical needs latent >= 2, got latent={latent}")
        if spherical and variational:
            raise ValueError("spherical and variational cannot both be set")
        self.latent, self.n_pixels = latent, n_pixels
        self.variational, self.spherical = bool(variational), bool(spherical)
        half = n_pixels // 2
        flat = channels * half * half

        def conv(n_in: int, n_out: int) -> nn.Conv2d:
            return nn.Conv2d(n_in, n_out, 5, padding=2)

        self.encoder = nn.Sequential(
            conv(1, channels),
            nn.PReLU(),
            nn.AvgPool2d(2),
            conv(channels, channels),
            nn.PReLU(),
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.PReLU(),
            nn.Linear(hidden, 2 * latent if variational else latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden),
            nn.PReLU(),
            nn.Linear(hidden, flat),
            nn.PReLU(),
            nn.Unflatten(1, (channels, half, half)),
            conv(channels, channels),
            nn.PReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            conv(channels, 1),
        )

    def project(self, z: torch.Tensor) -> torch.Tensor:
        """``z`` normalised to unit length for a spherical latent, else unchanged, ``(n, latent)``."""
        if self.spherical:
            return z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return z

    def encode_stats(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The VAE encoder's means and log-variances, two ``(n, latent)`` tensors.

        The images are moved to the model's device, and so are the results.

        Raises:
            ValueError: for a plain AE (``variational=False``) or images of the wrong shape.
        """
        if not self.variational:
            raise ValueError("encode_stats needs a variational autoencoder")
        x = _images("images", images, self.n_pixels).to(_device(self))
        mu, log_var = self.encoder(x[:, None]).chunk(2, dim=1)
        return mu, log_var.clamp(-15.0, 15.0)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The latent coordinates ``(n, latent)`` (the mean for the VAE, on the sphere if spherical).

        The images are moved to the model's device, and so are the results.

        Raises:
            TypeError, ValueError: for images that are not a float tensor of shape
                ``(n, n_pixels, n_pixels)``.
        """
        x = _images("images", images, self.n_pixels).to(_device(self))
        z = self.encoder(x[:, None])[:, : self.latent]
        return self.project(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(n, n_pixels, n_pixels)`` from latent points ``z`` of shape ``(n, latent)``.

        Raises:
            ValueError: if ``z`` is not of shape ``(n, latent)``.
        """
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent:
            raise ValueError(
                f"z must have shape (n, {self.latent}), got {tuple(getattr(z, 'shape', ()))}"
            )
        return self.decoder(z.to(_device(self)))[:, 0]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The reconstruction ``(n, n_pixels, n_pixels)`` of images, through the latent mean."""
        return self.decode(self.encode(images))


def reconstruction_error(
    model: nn.Module, images: torch.Tensor, *, batch_size: int | None = None
) -> torch.Tensor:
    """The per-image reconstruction error ``|x - f(x)|²``, averaged over the pixels.

    The AE's loss and anomaly score (eq. 4.4) and the NAE's energy (eq. 4.14): large means badly
    reconstructed, hence anomalous. Averaged over the pixels (as the NAE code does) rather than
    summed (as eq. 4.4 reads); the two differ by the constant ``n_pixels²``, which changes no AUC.

    Args:
        model: an autoencoder, ``model(images)`` returning the reconstruction of the same shape
            (a :class:`JetAutoencoder`).
        images: ``(n, n_pixels, n_pixels)``, floating point.
        batch_size: evaluate in chunks of this many images without gradients (for scoring large
            samples), each chunk moved to the model's device and its errors back to the CPU;
            ``None``: in one pass on the model's device, differentiable (for training and
            Langevin chains), the errors on that device.

    Returns:
        ``(n,)`` errors, in squared units of the images' pixels (the pixels of
        :func:`~physml.jets.images.jet_image` divided by :func:`intensity_scale` in the
        chapter).

    Raises:
        TypeError: if ``model`` is not a module or ``images`` not a float tensor.
        ValueError: on a wrong image shape or a ``batch_size`` that is not a positive int.

    References:
        Pawlowski and Plehn 2025, eqs. 4.4 and 4.14.

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> reconstruction_error(JetAutoencoder(), torch.zeros(3, 40, 40)).shape
        torch.Size([3])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a floating-point torch.Tensor")
    if images.ndim != 3:
        raise ValueError(
            f"images must have shape (n, n_pixels, n_pixels), got {tuple(images.shape)}"
        )
    device = _device(model)
    if batch_size is None:
        images = images.to(device)
        return ((images - model(images)) ** 2).flatten(1).mean(1)
    positive_int("batch_size", batch_size)

    def error(x: torch.Tensor) -> torch.Tensor:
        x = x.to(device)
        return ((x - model(x)) ** 2).flatten(1).mean(1).cpu()

    with torch.no_grad():
        return torch.cat([error(x) for x in images.split(batch_size)])


def vae_loss(
    model: JetAutoencoder,
    images: torch.Tensor,
    *,
    beta_kl: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The VAE loss of eq. 4.5 and its KL term per image.

    The decoder is a Gaussian of constant width, so ``-log p(x|z)`` is the reconstruction MSE
    (averaged over pixels, as :func:`reconstruction_error`) up to constants; one
    ``z ~ q(z|x) = N(μ, σ²)`` per image (reparametrised); the prior is ``N(0, 1)``, with the
    closed-form KL of :func:`physml.generative.vae.gaussian_kl`.

    Args:
        model: a :class:`JetAutoencoder` with ``variational=True``.
        images: ``(n, n_pixels, n_pixels)``, floating point.
        beta_kl: the weight β_KL of the KL term, >= 0.
        generator: CPU generator of the reparametrisation draw (torch's default if ``None``).

    Returns:
        A tuple ``(loss, kl)``, the scalar loss ⟨MSE + β_KL KL⟩ over the batch and the KL term per
        image ``(n,)`` in nats (>= 0 by construction), on the model's device (the images are
        moved there).

    Raises:
        TypeError: if ``model`` is not a :class:`JetAutoencoder`.
        ValueError: if ``model`` is not variational, on a negative ``beta_kl`` or a wrong image
            shape.

    References:
        Pawlowski and Plehn 2025, eq. 4.5; D. P. Kingma and M. Welling, arXiv:1312.6114.

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """
    if not isinstance(model, JetAutoencoder):
        raise TypeError(f"model must be a JetAutoencoder, got {type(model).__name__}")
    beta_kl = non_negative_number("beta_kl", beta_kl)
    mu, log_var = model.encode_stats(images)
    images = _images("images", images, model.n_pixels).to(mu.device)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device)
    z = mu + torch.exp(0.5 * log_var) * eps
    mse = ((images - model.decode(z)) ** 2).flatten(1).mean(1)
    kl = gaussian_kl(mu, log_var)
    return (mse + beta_kl * kl).mean(), kl


def langevin(
    energy: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    *,
    n_steps: int,
    step_size: float,
    noise: float,
    generator: torch.Generator | None = None,
    project: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Langevin Markov chains, all chains at once: ``x ← x - λ ∇E(x) + σ ε`` (eq. 4.12).

    With ``∇ log p = -∇E`` for ``p ∝ exp(-E)``. The chains sample ``exp(-E)`` exactly only when
    ``2λ = σ²`` and in the limits ``λ → 0`` and ``n_steps → ∞``; the NAE runs them off that
    relation, as a search for low-energy points rather than an exact sampler.

    Args:
        energy: maps a batch ``(n, ...)`` to energies ``(n,)``, differentiable in its input.
        x0: the chains' starting points ``(n, ...)``, floating point, one chain per row.
        n_steps: Langevin steps, a positive int.
        step_size: λ > 0, in units of x² per unit of energy.
        noise: σ >= 0, in units of x.
        generator: CPU generator of the noise ε (torch's default if ``None``).
        project: applied after every step (a projection onto the sphere, a clamp to a box),
            or ``None``.

    Returns:
        The chains' last states ``(n, ...)``, detached, same dtype and device as ``x0``.

    Raises:
        TypeError: if ``energy`` is not callable or ``x0`` not a float tensor.
        ValueError: on a non-positive ``n_steps`` or ``step_size``, a negative ``noise``, or an
            energy that does not return one value per chain.

    References:
        Pawlowski and Plehn 2025, eq. 4.12; G. O. Roberts and R. L. Tweedie, Bernoulli 2 (1996)
        341 (the unadjusted Langevin algorithm).

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        A standard normal in one dimension, ``E = x²/2``, with ``2λ = σ²``:

        >>> gen = torch.Generator().manual_seed(0)
        >>> x = langevin(lambda x: 0.5 * (x**2).sum(1), torch.zeros(4000, 1), n_steps=300,
        ...              step_size=0.02, noise=0.2, generator=gen)
        >>> round(float(x.std()), 1)
        1.0
    """
    if not callable(energy):
        raise TypeError("energy must be callable as energy(x) -> (n,) tensor")
    if not isinstance(x0, torch.Tensor) or not x0.is_floating_point():
        raise TypeError("x0 must be a floating-point torch.Tensor")
    positive_int("n_steps", n_steps)
    step_size = positive_number("step_size", step_size)
    noise = non_negative_number("noise", noise)
    x = x0.detach().clone()
    for _ in range(n_steps):
        x.requires_grad_(True)
        e = energy(x)
        if e.shape != x.shape[:1]:
            raise ValueError(
                f"energy must return one value per chain, shape ({x.shape[0]},), "
                f"got {tuple(e.shape)}"
            )
        (grad,) = torch.autograd.grad(e.sum(), x)
        eps = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
        x = (x.detach() - step_size * grad + noise * eps).detach()
        if project is not None:
            x = project(x).detach()
    return x


@dataclass(frozen=True)
class NAESettings:
    """The NAE phase's hyperparameters (after the AE pre-training).

    Args:
        steps: optimiser steps of the NAE phase.
        batch_size: data images per step, and as many negatives.
        lr: learning rate (AdamW, constant).
        latent_steps: Langevin steps in latent space per negative.
        latent_step_size: λ of the latent chains.
        latent_noise: σ of the latent chains.
        pixel_steps: Langevin steps in pixel space, started from the decoded latent samples.
        pixel_step_size: λ of the pixel chains.
        pixel_noise: σ of the pixel chains.
        gamma: weight of the regulariser γ ⟨E(data)² + E(negatives)²⟩ (0: none).
        negative_phase: whether the negatives enter the loss; ``False`` is the broken variant
            that reduces the NAE phase to more AE training.

    Raises:
        ValueError: naming the field, on a non-positive count, step size or learning rate, or a
            negative noise or ``gamma``.

    References:
        B. M. Dillon, L. Favaro, T. Plehn, P. Sorrenson and M. Krämer, arXiv:2206.14225 (latent
        steps 30 with λ = 100 and σ = 0.01, pixel steps 30 with λ = 50 and σ = 1e-4 on
        Gaussian-filtered images, lr 1e-5, batch 2048).

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """

    steps: int = 200
    batch_size: int = 128
    lr: float = 1e-4
    latent_steps: int = 10
    latent_step_size: float = 0.1
    latent_noise: float = 0.01
    pixel_steps: int = 10
    pixel_step_size: float = 1.0
    pixel_noise: float = 1e-4
    gamma: float = 1.0
    negative_phase: bool = True

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "latent_steps", "pixel_steps"):
            positive_int(name, getattr(self, name))
        for name in ("lr", "latent_step_size", "pixel_step_size"):
            positive_number(name, getattr(self, name))
        for name in ("latent_noise", "pixel_noise", "gamma"):
            non_negative_number(name, getattr(self, name))


def _check_nae(model: object, settings: object) -> None:
    """The NAE's argument checks: a spherical :class:`JetAutoencoder` and :class:`NAESettings`."""
    if not isinstance(model, JetAutoencoder):
        raise TypeError(f"model must be a JetAutoencoder, got {type(model).__name__}")
    if not isinstance(settings, NAESettings):
        raise TypeError(f"settings must be NAESettings, got {type(settings).__name__}")
    if not model.spherical:
        raise ValueError("model must have a spherical latent (spherical=True)")


def nae_negatives(
    model: JetAutoencoder,
    n: int,
    settings: NAESettings,
    *,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Negative samples of the NAE: Langevin chains in latent space, then in pixel space.

    The latent chains start uniformly on the sphere and run on ``E(decode(z))``, projected back
    to the sphere after each step; their decoded end points (clamped to non-negative pixels)
    start the pixel chains on ``E(x)``, clamped likewise. ``E`` is
    :func:`reconstruction_error`.

    Args:
        model: a spherical :class:`JetAutoencoder`.
        n: the number of chains, a positive int.
        settings: the chains' steps, step sizes and noises.
        generator: CPU generator of the starting points and the chains' noise.

    Returns:
        A tuple ``(z, x)``, the latent end points ``(n, latent)`` and the negatives
        ``(n, n_pixels, n_pixels)``, detached.

    Raises:
        TypeError: if ``model`` is not a :class:`JetAutoencoder` or ``settings`` not a
            :class:`NAESettings`.
        ValueError: if ``model`` is not spherical or ``n`` not a positive int.

    References:
        Pawlowski and Plehn 2025, Sec. 4.2.2, eq. 4.12 and Fig. 27; Dillon et al.,
        arXiv:2206.14225.

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """
    _check_nae(model, settings)
    positive_int("n", n)
    ref = next(model.parameters())
    z0 = torch.randn((n, model.latent), generator=generator, dtype=ref.dtype)
    z0 = model.project(z0.to(ref.device))
    z = langevin(
        lambda z: reconstruction_error(model, model.decode(z).clamp_min(0.0)),
        z0,
        n_steps=settings.latent_steps,
        step_size=settings.latent_step_size,
        noise=settings.latent_noise,
        generator=generator,
        project=model.project,
    )
    with torch.no_grad():
        x0 = model.decode(z).clamp_min(0.0)
    x = langevin(
        lambda x: reconstruction_error(model, x),
        x0,
        n_steps=settings.pixel_steps,
        step_size=settings.pixel_step_size,
        noise=settings.pixel_noise,
        generator=generator,
        project=lambda x: x.clamp_min(0.0),
    )
    return z, x


def nae_loss(
    model: nn.Module,
    images: torch.Tensor,
    negatives: torch.Tensor,
    *,
    gamma: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The NAE loss: ``⟨E⟩_data - ⟨E⟩_negatives + γ ⟨E_data² + E_negatives²⟩``.

    Its gradient in the network parameters is eq. 4.11, ``⟨∇E⟩_data - ⟨∇E⟩_model``, with the
    model expectation estimated on the negatives (samples of ``p_θ``); the γ term keeps the
    energies bounded (the NAE code's regulariser). Minimising it lowers the energy of the data
    and raises it where the model puts probability without data.

    Args:
        model: the autoencoder, whose :func:`reconstruction_error` is the energy.
        images: the data batch ``(n, n_pixels, n_pixels)``.
        negatives: the model samples ``(m, n_pixels, n_pixels)`` (:func:`nae_negatives`).
        gamma: the regulariser's weight, >= 0.

    Returns:
        A tuple ``(loss, e_data, e_negatives)``, the scalar loss and the energies ``(n,)`` and
        ``(m,)``.

    Raises:
        TypeError, ValueError: as :func:`reconstruction_error`, or on a negative ``gamma``.

    References:
        Pawlowski and Plehn 2025, eqs. 4.9-4.11 and 4.14; Dillon et al., arXiv:2206.14225;
        S. Yoon, Y.-K. Noh and F. C. Park, ICML 2021, arXiv:2105.05735 (the NAE).

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """
    gamma = non_negative_number("gamma", gamma)
    e_data = reconstruction_error(model, images)
    e_neg = reconstruction_error(model, negatives)
    loss = e_data.mean() - e_neg.mean()
    if gamma:
        loss = loss + gamma * ((e_data**2).mean() + (e_neg**2).mean())
    return loss, e_data, e_neg


def train_autoencoder(
    model: JetAutoencoder,
    images: torch.Tensor,
    *,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    beta_kl: float = 1.0,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> History:
    """Train an AE on the MSE (eq. 4.4) or a VAE on eq. 4.5 through :func:`physml.train.fit`.

    Args:
        model: a :class:`JetAutoencoder`, trained in place (a VAE if ``model.variational``).
        images: the training images ``(n, n_pixels, n_pixels)`` (one class: anomaly search
            without a signal model).
        steps: optimiser steps, a positive int.
        batch_size: images per step (drawn with replacement).
        lr: learning rate of AdamW (cosine schedule).
        beta_kl: the VAE's β_KL (ignored for a plain AE), >= 0.
        generator: CPU generator of the minibatch draws and the VAE's reparametrisation draws.
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).

    Returns:
        The :class:`~physml.train.History` of :func:`physml.train.fit`.

    Raises:
        TypeError: if ``model`` is not a :class:`JetAutoencoder`; as :func:`physml.train.fit`.
        ValueError: on a wrong image shape or a negative ``beta_kl``; as
            :func:`physml.train.fit`.

    References:
        Pawlowski and Plehn 2025, Sec. 4.2.1, eqs. 4.4-4.5; Dillon, Plehn, Sauer and Sorrenson,
        SciPost Phys. 11 (2021) 061.

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """
    if not isinstance(model, JetAutoencoder):
        raise TypeError(f"model must be a JetAutoencoder, got {type(model).__name__}")
    _images("images", images, model.n_pixels)
    non_negative_number("beta_kl", beta_kl)

    def loss_fn(m: JetAutoencoder, x: torch.Tensor) -> torch.Tensor:
        if m.variational:
            return vae_loss(m, x, beta_kl=beta_kl, generator=generator)[0]
        return reconstruction_error(m, x).mean()

    return fit(
        model,
        loss_fn,
        (images,),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        device=device,
        desc="VAE" if model.variational else "AE",
        progress=progress,
    )


def train_nae(
    model: JetAutoencoder,
    images: torch.Tensor,
    settings: NAESettings,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> History:
    """The NAE phase: train a pre-trained spherical AE on :func:`nae_loss` through ``fit``.

    Each step draws ``settings.batch_size`` data images and as many negatives
    (:func:`nae_negatives`, with the network as it stands) and takes one step on
    :func:`nae_loss`. With ``settings.negative_phase=False`` the negatives are left out (the
    loss is ⟨E⟩_data + γ⟨E_data²⟩): the broken variant, plain AE training continued.

    Args:
        model: a spherical :class:`JetAutoencoder`, pre-trained (:func:`train_autoencoder`),
            trained in place.
        images: the training images ``(n, n_pixels, n_pixels)``.
        settings: the NAE phase's :class:`NAESettings`.
        generator: CPU generator of the minibatches and the chains.
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).

    Returns:
        A :class:`~physml.train.History` with the loss per step and the series ``"e_data"`` and
        ``"e_negatives"`` (mean energies of each step's data and negatives, recorded at every
        step; ``e_negatives`` is NaN without the negative phase).

    Raises:
        TypeError: if ``model`` is not a :class:`JetAutoencoder` or ``settings`` not a
            :class:`NAESettings`.
        ValueError: if ``model`` is not spherical or the images have the wrong shape.

    References:
        Pawlowski and Plehn 2025, Sec. 4.2.2, eqs. 4.9-4.14; Dillon et al., arXiv:2206.14225.

    Used in:
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`
    """
    _check_nae(model, settings)
    _images("images", images, model.n_pixels)
    e_data: list[float] = []
    e_neg: list[float] = []

    def loss_fn(m: JetAutoencoder, x: torch.Tensor) -> torch.Tensor:
        if settings.negative_phase:
            _, negatives = nae_negatives(m, len(x), settings, generator=generator)
            loss, ed, en = nae_loss(m, x, negatives, gamma=settings.gamma)
            e_neg.append(float(en.detach().mean()))
        else:
            ed = reconstruction_error(m, x)
            loss = ed.mean() + settings.gamma * (ed**2).mean()
            e_neg.append(math.nan)
        e_data.append(float(ed.detach().mean()))
        return loss

    hist = fit(
        model,
        loss_fn,
        (images,),
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        schedule=None,
        generator=generator,
        device=device,
        desc="NAE",
        progress=progress,
    )
    return History(
        steps=hist.steps,
        loss=hist.loss,
        eval_steps=np.arange(1, hist.steps + 1),
        series={"e_data": np.array(e_data), "e_negatives": np.array(e_neg)},
    )
