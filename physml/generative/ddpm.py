"""Denoising diffusion probabilistic models (DDPM): closed-form noising, ε-prediction, ancestral sampling (§5.5.1).

The forward process adds Gaussian noise in T steps, q(x_t | x_{t-1}) = N(√(1-β_t) x_{t-1}, β_t)
(eq. 5.79). With ᾱ_t = ∏_{i ≤ t} (1 - β_i) (the notes write β̄_t = 1 - ᾱ_t) any step is reached in
one go (eq. 5.80)::

    x_t = √ᾱ_t x₀ + √(1 - ᾱ_t) ε,      ε ~ N(0, 1),

so x_T ~ N(0, 1) once ᾱ_T ≈ 0. The posterior q(x_{t-1} | x_t, x₀) is Gaussian with mean
√ᾱ_{t-1} β_t/(1-ᾱ_t) x₀ + √(1-β_t)(1-ᾱ_{t-1})/(1-ᾱ_t) x_t and variance (1-ᾱ_{t-1}) β_t/(1-ᾱ_t)
(eq. 5.82 with the x_t coefficient corrected). A network ε_θ(x_t, t) learns the noise by
regression (eq. 5.88), ``L = ⟨|ε - ε_θ(√ᾱ_t x₀ + √(1-ᾱ_t) ε, t)|²⟩``, and the reverse chain samples
(eqs. 5.81, 5.90 with the ε coefficient corrected to β_t/√(1-ᾱ_t))::

    x_{t-1} = (x_t - β_t/√(1-ᾱ_t) ε_θ(x_t, t))/√(1-β_t) + σ_t z,      σ_t² = β_t,  z ~ N(0, 1).

Built with the Bayesian layer factory (``linear=physml.bayesian.bayes_linear()``) the network is
the B-DDPM of eq. 5.91. Used by "Diffusion and flow matching".
"""

from __future__ import annotations

import torch
from torch import nn

from physml._checks import positive_int, positive_number
from physml.generative.networks import TimeMLP
from physml.nn import LinearFactory


def linear_betas(
    n_steps: int, beta_first: float = 1e-4, beta_last: float = 0.02
) -> torch.Tensor:
    """β_t rising linearly from ``beta_first`` to ``beta_last`` over ``n_steps`` = T steps.

    The standard schedule is T = 1000 from 10⁻⁴ to 0.02 (the notes' 2·10⁻²(t-1)/T has β₁ = 0). For
    fewer steps scale both ends by 1000/T, which keeps Σβ_t, and so ᾱ_T ≈ e^{-Σβ}, about the same.

    Args:
        n_steps: T, an int ``>= 2``.
        beta_first: β_1, ``> 0``.
        beta_last: β_T, in ``[beta_first, 1)``.

    Returns:
        float64 tensor ``(n_steps,)``, dimensionless.

    Raises:
        ValueError: naming the argument, on ``n_steps < 2``, a non-positive β, or unless
            ``beta_first <= beta_last < 1``.

    References:
        Pawlowski & Plehn 2025, §5.5.1.

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """
    positive_int("n_steps", n_steps, minimum=2)
    lo, hi = (
        positive_number("beta_first", beta_first),
        positive_number("beta_last", beta_last),
    )
    if not lo <= hi < 1:
        raise ValueError(f"need beta_first <= beta_last < 1, got {lo!r} and {hi!r}")
    return torch.linspace(lo, hi, n_steps, dtype=torch.float64)


class DDPM(nn.Module):
    """A DDPM with noise schedule ``betas`` (length T) and a noise predictor ε_θ(x_t, t).

    The noise predictor is a :class:`physml.generative.networks.TimeMLP`.
    Points are ``(n, dim)`` float tensors; the buffers are float32. NaN in the points propagates
    through :meth:`diffuse`, :meth:`predict_noise` and :meth:`loss`; no check, as for a tensor op.
    With ``linear=physml.bayesian.bayes_linear()`` the network is Bayesian (the B-DDPM of eq. 5.91);
    built with the same seed it has the plain network's architecture and initial means.

    Args:
        betas: the noise schedule β_1..β_T, a 1-D tensor of at least 2 values in (0, 1)
            (:func:`linear_betas`).
        dim: dimension of the data, a positive int.
        hidden: width of the network's hidden layers, a positive int.
        depth: hidden layers of the network, a positive int.
        linear: layer factory of the network (:data:`physml.nn.LinearFactory`).

    Raises:
        ValueError: if ``betas`` is not a 1-D tensor of at least 2 values in (0, 1), or naming
            ``dim``, ``hidden`` or ``depth`` when out of range.
        TypeError: naming ``linear`` if it is not a layer factory.

    References:
        Pawlowski & Plehn 2025, §5.5.1, eqs. 5.79-5.91.

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    def __init__(
        self,
        betas: torch.Tensor,
        dim: int = 2,
        hidden: int = 64,
        depth: int = 3,
        *,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        super().__init__()
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.ndim != 1 or len(betas) < 2 or not ((betas > 0) & (betas < 1)).all():
            raise ValueError(
                "betas must be a 1-D tensor of at least 2 values in (0, 1)"
            )
        self.n_steps = len(betas)
        alpha_bar = torch.cumprod(1 - betas, dim=0)
        self.register_buffer("betas", betas.float())
        self.register_buffer("alpha_bar", alpha_bar.float())
        self.register_buffer(
            "alpha_bar_prev",
            torch.cat((torch.ones(1, dtype=torch.float64), alpha_bar[:-1])).float(),
        )
        self.net = TimeMLP(dim, hidden, depth, linear=linear)
        self.dim = dim

    def _index(self, t: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t)
        if t.dtype.is_floating_point or (t < 1).any() or (t > self.n_steps).any():
            raise ValueError(f"t must hold integer steps in 1..{self.n_steps}")
        return t.long() - 1

    def diffuse(
        self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        """x_t = √ᾱ_t x₀ + √(1-ᾱ_t) ε in closed form (eq. 5.80); ``t`` holds steps 1..T per point."""
        a = self.alpha_bar[self._index(t)].to(x0.dtype)[:, None]
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    def posterior(
        self, x0: torch.Tensor, xt: torch.Tensor, t: int
    ) -> tuple[torch.Tensor, float]:
        """Mean and variance of q(x_{t-1} | x_t, x₀) (eq. 5.82, corrected) for one step t ≥ 2."""
        i = int(self._index(torch.tensor(t)))
        if i == 0:
            raise ValueError("the posterior needs t >= 2")
        beta, a, a_prev = self.betas[i], self.alpha_bar[i], self.alpha_bar_prev[i]
        mean = (
            a_prev.sqrt() * beta / (1 - a) * x0
            + (1 - beta).sqrt() * (1 - a_prev) / (1 - a) * xt
        )
        return mean, float((1 - a_prev) * beta / (1 - a))

    def predict_noise(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """ε_θ(x_t, t), with the step fed to the network as t/T."""
        return self.net(xt, t.to(xt.dtype) / self.n_steps)

    def loss(self, x0: torch.Tensor) -> torch.Tensor:
        """The ε-regression loss of eq. 5.88 with t ~ U{1..T} and fresh noise (global torch RNG)."""
        t = torch.randint(1, self.n_steps + 1, (x0.shape[0],), device=x0.device)
        noise = torch.randn_like(x0)
        return (
            ((self.predict_noise(self.diffuse(x0, t, noise), t) - noise) ** 2)
            .sum(dim=1)
            .mean()
        )

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points by ancestral sampling from x_T ~ N(0, 1); all noise from ``generator``.

        Passing identically seeded generators gives common random numbers: the samples of two
        weight draws of a Bayesian DDPM then differ only through the weights.
        """
        positive_int("n", n)
        dev = self.betas.device
        x = torch.randn((n, self.dim), generator=generator).to(dev)
        for i in reversed(range(self.n_steps)):
            t = torch.full((n,), i + 1, device=dev)
            beta, a = self.betas[i], self.alpha_bar[i]
            x = (x - beta / (1 - a).sqrt() * self.predict_noise(x, t)) / (
                1 - beta
            ).sqrt()
            if i > 0:
                x = x + beta.sqrt() * torch.randn(
                    (n, self.dim), generator=generator
                ).to(dev)
        return x
