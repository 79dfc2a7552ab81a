"""Conditional flow matching (CFM): a velocity field trained by regression, sampled by an ODE (§5.5.2).

A path from a data point x₀ (t = 0) to a latent r ~ N(0, 1) (t = 1) is the straight line
x(t) = (1 - t) x₀ + t r (eq. 5.95) with conditional velocity v = r - x₀ (eq. 5.97). A network
v_θ(x, t) regresses it (eq. 5.104)::

    L_CFM = ⟨|v_θ((1 - t) x₀ + t r, t) - (r - x₀)|²⟩,      t ~ U(0, 1),

and learns the marginal velocity whose flow dx/dt = v carries p_data into N(0, 1) (eqs. 5.92-5.99).
Sampling integrates from t = 1 back to t = 0 (eq. 5.107); here with a fixed-step RK4. Because the
map is an ODE flow it is invertible and has a likelihood (eqs. 5.108-5.109)::

    log p(x₀) = log N(r; 0, 1) + ∫₀¹ ∇·v_θ(x(t), t) dt,

with the divergence computed exactly by autograd (one backward pass per dimension; cheap in 2-D).
Built with the Bayesian layer factory (``linear=physml.bayesian.bayes_linear()``) and trained with
the KL weight c, the network is the B-CFM of eq. 5.105.
Used by "Diffusion and flow matching".
"""

from __future__ import annotations

import torch
from torch import nn

from physml._checks import finite, positive_int
from physml.flows.coupling import standard_normal_log_prob
from physml.generative.networks import TimeMLP
from physml.nn import LinearFactory


class CFM(nn.Module):
    """A conditional-flow-matching generator with a velocity field v_θ(x, t).

    The velocity field is a :class:`physml.generative.networks.TimeMLP`.
    Points are ``(n, dim)`` float tensors. NaN in the points propagates through :meth:`velocity`,
    :meth:`loss` and :meth:`integrate`; no check, as for a tensor op (:meth:`log_prob` checks).
    With ``linear=physml.bayesian.bayes_linear()`` the network is Bayesian (the B-CFM of
    eq. 5.105); built with the same seed it has the plain network's architecture and initial means.

    Args:
        dim: dimension of the data, a positive int.
        hidden: width of the network's hidden layers, a positive int.
        depth: hidden layers of the network, a positive int.
        linear: layer factory of the network (:data:`physml.nn.LinearFactory`).

    Raises:
        ValueError: naming ``dim``, ``hidden`` or ``depth`` when out of range.
        TypeError: naming ``linear`` if it is not a layer factory.

    References:
        Pawlowski & Plehn 2025, §5.5.2, eqs. 5.92-5.109.

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 64,
        depth: int = 3,
        *,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        super().__init__()
        self.dim = dim
        self.net = TimeMLP(dim, hidden, depth, linear=linear)

    def velocity(self, x: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
        """v_θ(x, t)."""
        return self.net(x, torch.as_tensor(t, dtype=x.dtype, device=x.device))

    def loss(self, x0: torch.Tensor) -> torch.Tensor:
        """L_CFM of eq. 5.104 with t ~ U(0, 1) and r ~ N(0, 1) (global torch RNG)."""
        t = torch.rand(x0.shape[0], 1, device=x0.device, dtype=x0.dtype)
        r = torch.randn_like(x0)
        xt = (1 - t) * x0 + t * r
        return ((self.velocity(xt, t[:, 0]) - (r - x0)) ** 2).sum(dim=1).mean()

    def integrate(
        self, x: torch.Tensor, t_start: float, t_end: float, n_steps: int
    ) -> torch.Tensor:
        """Solve dx/dt = v_θ(x, t) from ``t_start`` to ``t_end`` with ``n_steps`` RK4 steps."""
        positive_int("n_steps", n_steps)
        h = (t_end - t_start) / n_steps
        with torch.no_grad():
            for k in range(n_steps):
                t = t_start + k * h
                k1 = self.velocity(x, t)
                k2 = self.velocity(x + 0.5 * h * k1, t + 0.5 * h)
                k3 = self.velocity(x + 0.5 * h * k2, t + 0.5 * h)
                k4 = self.velocity(x + h * k3, t + h)
                x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x

    def sample(
        self, n: int, n_steps: int = 50, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``n`` points x₀ = r - ∫₀¹ v dt from r ~ N(0, 1) drawn with ``generator`` (eq. 5.107)."""
        positive_int("n", n)
        ref = next(self.parameters())
        r = torch.randn((n, self.dim), generator=generator, dtype=ref.dtype).to(
            ref.device
        )
        return self.integrate(r, 1.0, 0.0, n_steps)

    def _velocity_and_divergence(
        self, x: torch.Tensor, t: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            v = self.velocity(x, t)
            div = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
            for i in range(self.dim):
                div = (
                    div
                    + torch.autograd.grad(
                        v[:, i].sum(), x, retain_graph=i < self.dim - 1
                    )[0][:, i]
                )
        return v.detach(), div

    def log_prob(self, x0: torch.Tensor, n_steps: int = 50) -> torch.Tensor:
        """log p(x₀) by integrating x and ∫∇·v_θ dt from t = 0 to 1 with RK4 (eqs. 5.108-5.109).

        The support is the whole space. ``x0``: ``(n, dim)``, finite (NaN or inf raise
        ``ValueError``); :meth:`loss` and :meth:`integrate`, tensor ops called per step,
        propagate NaN as torch does.
        """
        positive_int("n_steps", n_steps)
        if x0.ndim != 2 or x0.shape[1] != self.dim:
            raise ValueError(
                f"x0 must have shape (n, {self.dim}), got {tuple(x0.shape)}"
            )
        finite("x0", x0)
        h = 1.0 / n_steps
        x, integral = (
            x0.detach(),
            torch.zeros(x0.shape[0], dtype=x0.dtype, device=x0.device),
        )
        for k in range(n_steps):
            t = k * h
            k1, d1 = self._velocity_and_divergence(x, t)
            k2, d2 = self._velocity_and_divergence(x + 0.5 * h * k1, t + 0.5 * h)
            k3, d3 = self._velocity_and_divergence(x + 0.5 * h * k2, t + 0.5 * h)
            k4, d4 = self._velocity_and_divergence(x + h * k3, t + h)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            integral = integral + h / 6 * (d1 + 2 * d2 + 2 * d3 + d4)
        return standard_normal_log_prob(x) + integral
