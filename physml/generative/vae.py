"""A variational autoencoder as a generator (§5.1): the opening baseline of the generative chapters.

An encoder gives q(z | x) = N(μ(x), σ²(x)), a decoder p(x | z) = N(μ_d(z), σ_d²(z)), and the prior is
p(z) = N(0, 1). Training minimises the negative ELBO with a weight β_KL on the KL (eq. 5.13)::

    L = ⟨-log p(x | z)⟩_{z ~ q(z|x)} + β_KL KL[q(z | x), N(0, 1)],

with the closed-form Gaussian KL ½ Σ(μ² + σ² - 1 - log σ²) (eq. 5.12). Generation decodes z ~ N(0, 1)
and draws from the decoder's Gaussian. The Gaussian decoder smears sharp features: the chapter
measures this on the ring.

The losses and forward passes are tensor ops called at every training step: NaN or infinity in
``x`` propagate to NaN in :meth:`VAE.terms` and :meth:`VAE.loss` as torch does (no check, which
would cost a device sync per step); :func:`physml.train.fit` checks the training data once.

Used by :doc:`/book/generative/invertible-networks`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from physml._checks import non_negative_number, positive_int
from physml.nn import MLP


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL[N(μ, σ²) ‖ N(0, 1)] per point, summed over the latent dimensions (eq. 5.12).

    The closed form ½ Σ (μ² + σ² - 1 - log σ²), which is >= 0 and zero only at μ = 0, σ = 1.

    Args:
        mu: the encoder's means, float ``(n, latent)``.
        log_var: the encoder's log-variances log σ², float ``(n, latent)``.

    Returns:
        The KL divergence per point, ``(n,)``, in nats.

    Raises:
        ValueError: if ``mu`` and ``log_var`` differ in shape or are not 2-D.

    References:
        D. P. Kingma and M. Welling, arXiv:1312.6114, App. B; Pawlowski & Plehn 2025, eqs. 4.5
        and 5.12.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/particles/anomalies-and-the-normalised-autoencoder`

    Examples:
        >>> float(gaussian_kl(torch.zeros(1, 2), torch.zeros(1, 2))[0])
        0.0
    """
    if mu.ndim != 2 or mu.shape != log_var.shape:
        raise ValueError(
            "mu and log_var must both have shape (n, latent), got "
            f"{tuple(mu.shape)} and {tuple(log_var.shape)}"
        )
    return 0.5 * (mu**2 + torch.exp(log_var) - 1 - log_var).sum(dim=1)


class VAE(nn.Module):
    """A VAE with MLP encoder and decoder and a Gaussian decoder, trained on the β-weighted ELBO.

    Args:
        dim: the data dimension.
        latent: the latent dimension.
        hidden: the width of the MLPs' hidden layers.
        depth: the number of hidden layers of each MLP.
        beta_kl: the weight β_KL of the KL term (>= 0).

    Raises:
        ValueError: on a size that is not a positive int or a negative ``beta_kl``.

    Used in:
        - :doc:`/book/generative/invertible-networks`

    References:
        D. P. Kingma and M. Welling, arXiv:1312.6114; Pawlowski & Plehn 2025, eq. 5.13.
    """

    def __init__(
        self,
        dim: int = 2,
        latent: int = 2,
        hidden: int = 64,
        depth: int = 2,
        *,
        beta_kl: float = 1.0,
    ) -> None:
        super().__init__()
        self.dim, self.latent = positive_int("dim", dim), positive_int("latent", latent)
        self.beta_kl = non_negative_number("beta_kl", beta_kl)
        self.encoder = MLP(dim, 2 * latent, hidden=hidden, depth=depth)
        self.decoder = MLP(latent, 2 * dim, hidden=hidden, depth=depth)

    def terms(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The reconstruction term -log p(x | z) and the KL term per point (one z ~ q(z | x) each).

        ``x``: ``(n, dim)``; returns two ``(n,)`` tensors. A tensor op: NaN or inf in ``x``
        propagate to NaN in both terms of that point, as torch does (no check)."""
        mu, log_var = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        mean, log_sigma = self.decoder(z).chunk(2, dim=1)
        log_sigma = log_sigma.clamp(-7, 5)
        recon = (
            0.5 * ((x - mean) / torch.exp(log_sigma)) ** 2
            + log_sigma
            + 0.5 * math.log(2 * math.pi)
        ).sum(dim=1)
        return recon, gaussian_kl(mu, log_var)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """The negative ELBO with weight β_KL (eq. 5.13), averaged over the batch.

        A loss called at every step: NaN or inf in ``x`` make it NaN, as torch does (no check)."""
        recon, kl = self.terms(x)
        return (recon + self.beta_kl * kl).mean()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points: z ~ N(0, 1), then x ~ N(μ_d(z), σ_d²(z))."""
        positive_int("n", n)
        ref = next(self.parameters())
        z = torch.randn((n, self.latent), generator=generator, dtype=ref.dtype).to(
            ref.device
        )
        mean, log_sigma = self.decoder(z).chunk(2, dim=1)
        noise = torch.randn(mean.shape, generator=generator, dtype=ref.dtype).to(
            ref.device
        )
        return mean + torch.exp(log_sigma.clamp(-7, 5)) * noise
