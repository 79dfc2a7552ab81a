"""Autoencoder and variational autoencoder with a one-dimensional latent space.

The architecture of Pawlowski and Plehn, Sec. 4.3: one hidden layer of 256 units in the encoder and
one in the decoder, a latent dimension of 1 and a sigmoid output, reconstructing Ising
configurations mapped to {0, 1}. The VAE's encoder gives a mean and a log-variance; its loss is the
reconstruction cross-entropy plus the KL divergence to a unit Gaussian (the ELBO).
:class:`AutoencoderReplicas` and :class:`VariationalAutoencoderReplicas` train several independent
copies of either in one batched module, for statements that must hold from seed to seed.
:func:`fit` trains any of them on :func:`physml.train.fit` and :func:`latent` reads their latent
coordinates. Used by
:doc:`/book/phases/order-parameter-without-labels`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from physml import config, train
from physml._checks import finite, positive_int
from physml.nn import EnsembleLinear


class Autoencoder(nn.Module):
    """Encoder ``n_in -> hidden -> latent``, decoder ``latent -> hidden -> n_in`` (logits).

    Args:
        n_in: input pixels (L²).
        hidden: the width of the hidden layers.
        latent: the latent dimension.

    Raises:
        ValueError: if a size is not a positive int.
    """

    variational = False

    def __init__(self, n_in: int, hidden: int = 256, latent: int = 1) -> None:
        super().__init__()
        positive_int("n_in", n_in)
        positive_int("hidden", hidden)
        positive_int("latent", latent)
        out = 2 * latent if self.variational else latent
        self.encoder = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, out)
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, n_in)
        )
        self.latent_dim = latent

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent coordinate (the mean, for the VAE) of flattened inputs ``(n, n_in)``."""
        return self.encoder(x)[:, : self.latent_dim]

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction cross-entropy per input (summed over pixels, averaged over the batch)."""
        return (
            F.binary_cross_entropy_with_logits(
                self.decoder(self.encode(x)), x, reduction="sum"
            )
            / x.shape[0]
        )

    def reconstruction_loss(self, x: torch.Tensor) -> torch.Tensor:
        """Per-input reconstruction cross-entropy of the mean latent, shape ``(n,)``."""
        logits = self.decoder(self.encode(x))
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(
            dim=1
        )


class VariationalAutoencoder(Autoencoder):
    """The VAE: Gaussian encoder ``q(z|x)``, loss = reconstruction + ``KL(q(z|x) ‖ N(0, 1))``.

    Args:
        n_in: input pixels (L²).
        hidden: the width of the hidden layers.
        latent: the latent dimension.

    Raises:
        ValueError: if a size is not a positive int.
    """

    variational = True

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        mu, log_var = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
        rec = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="sum")
        kl = 0.5 * (mu**2 + log_var.exp() - 1.0 - log_var).sum()
        return (rec + kl) / x.shape[0]


def as_pixels(spins: torch.Tensor) -> torch.Tensor:
    """Ising spins ``(n, L, L)`` of ±1 as flattened pixels in {0, 1}, shape ``(n, L²)``.

    Args:
        spins: shape ``(n, L, L)``, values ±1.

    Returns:
        The pixels, shape ``(n, L²)``, float32.

    Raises:
        ValueError: on a wrong shape or a spin other than +1 or -1.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> as_pixels(torch.tensor([[[1.0, -1.0], [-1.0, 1.0]]])).tolist()
        [[1.0, 0.0, 0.0, 1.0]]
    """
    if not isinstance(spins, torch.Tensor) or spins.ndim != 3:
        raise ValueError(
            f"spins must be a tensor of shape (n, L, L), got {getattr(spins, 'shape', spins)!r}"
        )
    if not bool(((spins == 1) | (spins == -1)).all()):
        bad = spins[(spins != 1) & (spins != -1)].flatten()[:3].tolist()
        raise ValueError(f"spins must all be +1 or -1, got values such as {bad}")
    return (spins.reshape(spins.shape[0], -1).float() + 1.0) / 2.0


def _check_pixels(pixels: torch.Tensor) -> torch.Tensor:
    """``pixels`` if they are a tensor of finite values in [0, 1], the targets of the
    reconstruction cross-entropy (any other value makes the loss meaningless, silently)."""
    if not isinstance(pixels, torch.Tensor):
        raise TypeError(f"pixels must be a torch.Tensor, got {type(pixels).__name__}")
    finite("pixels", pixels)
    if bool(((pixels < 0) | (pixels > 1)).any()):
        raise ValueError(
            "pixels must lie in [0, 1] (Bernoulli targets of the cross-entropy); "
            "map ±1 spins with as_pixels"
        )
    return pixels


class AutoencoderReplicas(nn.Module):
    """``replicas`` independent autoencoders of the notes' architecture in one module.

    Each replica has the layers of :class:`Autoencoder`, held as batched products
    (:class:`physml.nn.EnsembleLinear`) and initialised like ``torch.nn.Linear``; input
    ``(replicas, n, n_in)``, each replica its own minibatch. The loss is the sum of the replicas'
    mean losses, so each replica's weights get the gradient of its own loss only: training them
    together is training them separately, with independent initialisations and minibatches.
    Repeats the chapter's comparison over several seeds; :class:`VariationalAutoencoderReplicas`
    holds VAEs instead, as :class:`VariationalAutoencoder` extends :class:`Autoencoder`.

    Args:
        n_in: input pixels (L²).
        replicas: the number of independent autoencoders.
        hidden: the width of the hidden layers.
        latent: the latent dimension.

    Raises:
        ValueError: if a size is not a positive int.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
    """

    #: Whether the encoder gives a mean and a log-variance (the VAE) or the latent itself.
    variational = False

    def __init__(
        self,
        n_in: int,
        replicas: int,
        hidden: int = 256,
        latent: int = 1,
    ) -> None:
        super().__init__()
        positive_int("n_in", n_in)
        positive_int("replicas", replicas)
        positive_int("hidden", hidden)
        positive_int("latent", latent)
        self.replicas, self.latent_dim, self.n_in = replicas, latent, n_in
        out = 2 * latent if self.variational else latent
        self.encoder = nn.Sequential(
            EnsembleLinear(replicas, n_in, hidden),
            nn.ReLU(),
            EnsembleLinear(replicas, hidden, out),
        )
        self.decoder = nn.Sequential(
            EnsembleLinear(replicas, latent, hidden),
            nn.ReLU(),
            EnsembleLinear(replicas, hidden, n_in),
        )

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(0).expand(self.replicas, -1, -1)
        if x.ndim != 3 or x.shape[0] != self.replicas or x.shape[-1] != self.n_in:
            raise ValueError(
                f"x must have shape (n, {self.n_in}) or ({self.replicas}, n, {self.n_in}), "
                f"got {tuple(x.shape)}"
            )
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent coordinate (the mean, for the VAE), shape ``(replicas, n, latent)``."""
        return self.encoder(self._check(x))[..., : self.latent_dim]

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Sum over replicas of each one's mean reconstruction cross-entropy."""
        x = self._check(x)
        return self._per_input(x, self.encoder(x), 0.0)

    def _per_input(self, x: torch.Tensor, z: torch.Tensor, kl) -> torch.Tensor:
        """(reconstruction cross-entropy of ``z``, summed, + ``kl``) / inputs per replica."""
        rec = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="sum")
        return (rec + kl) / x.shape[1]

    def reconstruction_loss(self, x: torch.Tensor) -> torch.Tensor:
        """Per-input reconstruction cross-entropy of the mean latent, shape ``(replicas, n)``."""
        x = self._check(x)
        logits = self.decoder(self.encode(x))
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(
            dim=-1
        )


class VariationalAutoencoderReplicas(AutoencoderReplicas):
    """``replicas`` independent VAEs of the notes' architecture in one module.

    The layers of :class:`VariationalAutoencoder` per replica, batched as in
    :class:`AutoencoderReplicas`: the encoder gives a mean and a log-variance, the loss is the
    reconstruction cross-entropy of a latent drawn from ``q(z|x)`` plus ``KL(q(z|x) ‖ N(0, 1))``
    (each replica its own noise, from torch's global generator), and ``encode`` returns the
    mean.

    Args:
        n_in: input pixels (L²).
        replicas: the number of independent VAEs.
        hidden: the width of the hidden layers.
        latent: the latent dimension.

    Raises:
        ValueError: if a size is not a positive int.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
    """

    variational = True

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Sum over replicas of each one's mean negative ELBO (reconstruction + KL)."""
        x = self._check(x)
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
        kl = 0.5 * (mu**2 + log_var.exp() - 1.0 - log_var).sum()
        return self._per_input(x, z, kl)


def fit(
    model: Autoencoder | AutoencoderReplicas,
    pixels: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> train.History:
    """Train (variational) autoencoders on ``(n, L²)`` pixels in [0, 1] with :func:`physml.train.fit`.

    An :class:`Autoencoder` trains on minibatches drawn from the rows; an
    :class:`AutoencoderReplicas` gives each replica its own minibatches: each replica draws an
    independent permutation of the rows from ``generator`` first, and a minibatch is a draw of
    rows of that ``(n, replicas)`` table.

    Args:
        model: an :class:`Autoencoder` (or :class:`VariationalAutoencoder`) or an
            :class:`AutoencoderReplicas` (or :class:`VariationalAutoencoderReplicas`).
        pixels: ``(n, L²)``, finite values in [0, 1] (:func:`as_pixels`).
        steps: optimiser steps (:func:`physml.train.fit`).
        batch_size: inputs per minibatch.
        lr: Adam's learning rate.
        generator: a CPU ``torch.Generator`` for the permutations and the minibatch order.
        device: where to train; ``None`` as in :func:`physml.train.fit`.

    Returns:
        The :class:`physml.train.History` of the training.

    Raises:
        TypeError: if ``model`` is neither an :class:`Autoencoder` nor an
            :class:`AutoencoderReplicas`.
        ValueError: on a wrong shape for the replicas, or NaN, inf or values outside [0, 1] in
            ``pixels``.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
    """
    if not isinstance(model, (Autoencoder, AutoencoderReplicas)):
        raise TypeError(
            "model must be an Autoencoder or AutoencoderReplicas, "
            f"got {type(model).__name__}"
        )
    _check_pixels(pixels)
    name = "VAE" if model.variational else "AE"
    if isinstance(model, Autoencoder):
        data, objective, desc = (pixels,), (lambda m, xb: m.loss(xb)), name
    else:
        if pixels.ndim != 2 or pixels.shape[1] != model.n_in:
            raise ValueError(
                f"pixels must have shape (n, {model.n_in}), got {tuple(pixels.shape)}"
            )
        n = pixels.shape[0]
        rows = torch.stack(
            [torch.randperm(n, generator=generator) for _ in range(model.replicas)],
            dim=1,
        )
        px = pixels.float().to(
            torch.device(device) if device is not None else config.device()
        )

        def objective(m, idx):  # idx: (batch, replicas) row indices, a column a replica
            return m.loss(px[idx.T])

        data, desc = (rows,), f"{model.replicas} {name} replicas"
    return train.fit(
        model,
        objective,
        data,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        device=device,
        desc=desc,
    )


@torch.no_grad()
def latent(
    model: Autoencoder | AutoencoderReplicas, pixels: torch.Tensor
) -> torch.Tensor:
    """The latent coordinate of each input (first latent dimension), on the CPU.

    Args:
        model: a trained :class:`Autoencoder` or :class:`AutoencoderReplicas`.
        pixels: ``(n, L²)``, finite values in [0, 1] (:func:`as_pixels`).

    Returns:
        The coordinates, shape ``(n,)`` for an :class:`Autoencoder`, ``(replicas, n)`` for an
        :class:`AutoencoderReplicas`.

    Raises:
        TypeError: if ``pixels`` is not a tensor.
        ValueError: on NaN, inf or values outside [0, 1].

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
    """
    _check_pixels(pixels)
    dev = next(model.parameters()).device
    model.eval()
    return model.encode(pixels.to(dev))[..., 0].cpu()
