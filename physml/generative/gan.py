"""A generative adversarial network (§5.2): the discriminator's equilibrium and the 2 log 2 it reaches.

A discriminator D(x) ∈ (0, 1) separates data from generated points with the loss (eq. 5.18)
L_D = -⟨log D(x)⟩_data - ⟨log(1 - D(x))⟩_gen, whose optimum is D_opt = p_data/(p_data + p_gen)
(eq. 5.19), where L_D = -2 JS(p_data, p_gen) + 2 log 2 (eq. 5.23). The generator G(z) minimises
L_G = -⟨log D(G(z))⟩ (eq. 5.21, the non-saturating form). At the Nash equilibrium p_gen = p_data,
D = 1/2 everywhere, L_D = 2 log 2 ≈ 1.386 and L_G = log 2 (eqs. 5.25-5.26).

:func:`discriminator_loss_at_optimum` evaluates eq. 5.23 by quadrature for two 1-D densities;
:func:`train` runs the alternating updates and records both losses and ⟨D⟩ on data and on
generated points. Used by "Invertible networks".
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch
from scipy.integrate import trapezoid
from torch import nn
from tqdm import tqdm

from physml._checks import finite, positive_int, positive_number
from physml.nn import MLP
from physml.train import History, progress_enabled


def discriminator_loss_at_optimum(
    p: np.ndarray, q: np.ndarray, x: np.ndarray
) -> tuple[float, float]:
    """L_D with D_opt = p/(p + q), and the Jensen-Shannon divergence JS(p, q), by trapezoid quadrature.

    ``p`` and ``q`` are two densities on the grid ``x``. Eq. 5.23 says the first equals
    -2 JS + 2 log 2.

    Args:
        p: the data density on the grid, float ``(n,)``, finite and ``>= 0``.
        q: the generator's density on the grid, float ``(n,)``, finite and ``>= 0``.
        x: the grid, float ``(n,)``, increasing, at least 2 points.

    Returns:
        The pair ``(loss, js)`` of Python floats, in nats.

    Raises:
        ValueError: if the arrays differ in shape or are not 1-D, hold NaN or inf, a density is
            negative somewhere, or the grid ``x`` is not increasing.

    References:
        Pawlowski & Plehn 2025, §5.2, eqs. 5.18-5.23.
    """
    p, q, x = (
        finite(name, np.asarray(a, dtype=float))
        for name, a in (("p", p), ("q", q), ("x", x))
    )
    if p.shape != x.shape or q.shape != x.shape or x.ndim != 1:
        raise ValueError("p, q and x must be 1-D arrays of the same length")
    for name, density in (("p", p), ("q", q)):
        if (density < 0).any():
            raise ValueError(f"{name} is a density: it must be >= 0 everywhere")
    if len(x) < 2 or not (np.diff(x) > 0).all():
        raise ValueError("x must be an increasing grid of at least 2 points")
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(p + q > 0, p / (p + q), 0.5)
        loss = -trapezoid(np.where(p > 0, p * np.log(d), 0.0), x) - trapezoid(
            np.where(q > 0, q * np.log(1 - d), 0.0), x
        )
        m = 0.5 * (p + q)
        js = 0.5 * trapezoid(
            np.where(p > 0, p * np.log(p / m), 0.0), x
        ) + 0.5 * trapezoid(np.where(q > 0, q * np.log(q / m), 0.0), x)
    return float(loss), float(js)


class GAN(nn.Module):
    """Generator G: R^latent → R^dim and discriminator D: R^dim → logit, both MLPs.

    Args:
        dim: dimension of the data, a positive int.
        latent: dimension of the latent z ~ N(0, 1), a positive int.
        hidden: width of both networks' hidden layers.
        depth: hidden layers of both networks.

    Raises:
        ValueError: naming ``dim`` or ``latent`` (or the MLPs' ``hidden``, ``depth``) when out of
            range.

    References:
        Pawlowski & Plehn 2025, §5.2.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """

    def __init__(
        self, dim: int = 2, latent: int = 2, hidden: int = 64, depth: int = 2
    ) -> None:
        super().__init__()
        self.dim, self.latent = positive_int("dim", dim), positive_int("latent", latent)
        self.generator = MLP(latent, dim, hidden=hidden, depth=depth)
        self.discriminator = MLP(dim, 1, hidden=hidden, depth=depth)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` generated points G(z), z ~ N(0, 1)."""
        positive_int("n", n)
        ref = next(self.parameters())
        z = torch.randn((n, self.latent), generator=generator, dtype=ref.dtype).to(
            ref.device
        )
        return self.generator(z)


def train(
    gan: GAN,
    data: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 2e-4,
    r1: float = 0.0,
    generator: torch.Generator | None = None,
    progress: bool | None = None,
) -> History:
    """Alternate one discriminator and one generator Adam step (β₁ = 0.5) per iteration.

    ``r1`` > 0 adds the zero-centred gradient penalty on the data,
    ``r1/2 · ⟨|∇ₓ logit D(x)|²⟩_data`` (Mescheder, Geiger & Nowozin 2018), to the discriminator
    loss. Without it, alternating gradient steps circle around the equilibrium instead of
    reaching it: the generator chases a discriminator that keeps overshooting, and a 1-D
    Gaussian comes out shifted and too narrow while ⟨D⟩ and L_D sit at their equilibrium values.

    Args:
        gan: the generator and discriminator, trained in place (on the CPU, like ``data``).
        data: ``(n, gan.dim)`` float training points.
        steps: iterations, each one discriminator and one generator step.
        batch_size: data points and latent draws per step (all data when ``>= n``).
        lr: Adam learning rate of both players.
        r1: weight of the R1 gradient penalty, ``>= 0`` (0: none).
        generator: CPU generator for minibatches and latent draws (seeded with 0 if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).

    Returns:
        :class:`physml.train.History` with an empty ``loss`` (two players, two objectives) and,
        at every iteration (``eval_steps = 0, ..., steps - 1``), the series ``"loss_d"`` (the
        cross-entropy L_D of eq. 5.18, without the penalty), ``"loss_g"`` (L_G, eq. 5.21),
        ``"d_data"`` and ``"d_generated"`` (the mean of D on the data batch and on the generated
        batch), each ``(steps,)`` float.

    Raises:
        TypeError: if ``gan`` is not a :class:`GAN`.
        ValueError: on a bad shape of ``data`` or NaN/inf in it, non-positive ``steps``,
            ``batch_size`` or ``lr``, or a negative ``r1``.

    References:
        Goodfellow et al. 2014; the notes' eqs. 5.18-5.26. Mescheder, Geiger & Nowozin 2018
        (the R1 penalty).

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """
    if not isinstance(gan, GAN):
        raise TypeError(
            f"gan must be a physml.generative.gan.GAN, got {type(gan).__name__}"
        )
    if not isinstance(data, torch.Tensor) or data.ndim != 2 or data.shape[1] != gan.dim:
        raise ValueError(f"data must be a torch.Tensor of shape (n, {gan.dim})")
    finite("data", data)
    positive_int("steps", steps)
    positive_int("batch_size", batch_size)
    positive_number("lr", lr)
    if (
        isinstance(r1, bool)
        or not isinstance(r1, (int, float))
        or not math.isfinite(r1)
        or r1 < 0
    ):
        raise ValueError(f"r1 must be a finite number >= 0, got {r1!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999))
    bce = nn.functional.binary_cross_entropy_with_logits
    rec: dict[str, list[float]] = {
        "loss_d": [],
        "loss_g": [],
        "d_data": [],
        "d_generated": [],
    }
    show = progress_enabled() if progress is None else progress
    full_batch = batch_size >= len(data)  # every row every step, as physml.train.fit
    for _ in tqdm(
        range(steps), desc="GAN", disable=not show, leave=False, file=sys.stderr
    ):
        real = (
            data
            if full_batch
            else data[torch.randint(0, len(data), (batch_size,), generator=gen)]
        )
        if r1:
            real = real.clone().requires_grad_(True)
        z = torch.randn((batch_size, gan.latent), generator=gen, dtype=data.dtype)
        fake = gan.generator(z)
        logit_real, logit_fake = (
            gan.discriminator(real),
            gan.discriminator(fake.detach()),
        )
        loss_d = bce(logit_real, torch.ones_like(logit_real)) + bce(
            logit_fake, torch.zeros_like(logit_fake)
        )
        objective_d = loss_d
        if r1:
            (grad,) = torch.autograd.grad(logit_real.sum(), real, create_graph=True)
            objective_d = loss_d + 0.5 * r1 * grad.pow(2).sum(dim=1).mean()
        opt_d.zero_grad(set_to_none=True)
        objective_d.backward()
        opt_d.step()
        logit_gen = gan.discriminator(fake)
        loss_g = bce(logit_gen, torch.ones_like(logit_gen))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        rec["loss_d"].append(loss_d.item())
        rec["loss_g"].append(loss_g.item())
        rec["d_data"].append(torch.sigmoid(logit_real).mean().item())
        rec["d_generated"].append(torch.sigmoid(logit_fake).mean().item())
    gan.eval()
    return History(
        steps=steps,
        eval_steps=np.arange(steps),
        series={k: np.asarray(v) for k, v in rec.items()},
    )


#: The discriminator loss at the Nash equilibrium, 2 log 2 (eq. 5.25).
EQUILIBRIUM_LOSS_D = 2 * math.log(2)
