"""Training many small models as one tensor program: an AdamW with one learning rate per member.

Every parameter handed to :class:`MemberAdamW` carries the ensemble member on its first axis
(as :class:`physml.nn.EnsembleLinear` does), and each member has its own learning rate and
weight decay. A whole hyperparameter grid (a phase diagram of learning) then trains in one
batched step instead of a Python loop over hundreds of models.

Used by :doc:`/book/learning/grokking-effective-theory` and
:doc:`/book/learning/grokking-beyond-the-toy`.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def _per_member(name: str, value: float | torch.Tensor, n: int) -> torch.Tensor:
    t = torch.as_tensor(value, dtype=torch.float32)
    if t.ndim == 0:
        t = t.expand(n)
    if t.shape != (n,):
        raise ValueError(
            f"{name} must be a number or a ({n},) tensor, got shape {tuple(t.shape)}"
        )
    if not torch.isfinite(t).all() or (t < 0).any():
        raise ValueError(f"{name} must be finite and >= 0")
    return t.clone()


class MemberAdamW:
    """AdamW (decoupled weight decay, bias-corrected moments) with per-member ``lr`` and decay.

    ``step()`` updates ``p[m] -= lr[m] * (m_hat / (sqrt(v_hat) + eps) + weight_decay[m] p[m])``
    for every member ``m`` at once; with equal settings it matches ``torch.optim.AdamW`` member
    by member (unit-tested). Weight decay 0 gives Adam.

    Args:
        params: parameters, each with the ensemble member on axis 0.
        n_members: the number of members.
        lr: the learning rate, a number or one per member, >= 0.
        weight_decay: the decoupled weight decay, a number or one per member, >= 0.
        betas: Adam's moment decay rates.
        eps: Adam's ε.

    Raises:
        ValueError: on no parameters, a parameter without ``n_members`` on axis 0, or a rate or
            decay that is negative, not finite or of the wrong shape.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`

    References:
        I. Loshchilov and F. Hutter, arXiv:1711.05101 (AdamW).
    """

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        n_members: int,
        lr: float | torch.Tensor = 1e-3,
        weight_decay: float | torch.Tensor = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("params is empty")
        for p in self.params:
            if p.shape[0] != n_members:
                raise ValueError(
                    f"every parameter must have {n_members} members on axis 0, "
                    f"got shape {tuple(p.shape)}"
                )
        self.n_members = n_members
        self.lr = _per_member("lr", lr, n_members)
        self.weight_decay = _per_member("weight_decay", weight_decay, n_members)
        self.betas, self.eps, self.t = betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        """Drop the gradients of every parameter."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One AdamW update of every member."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            shape = (-1,) + (1,) * (p.ndim - 1)
            lr = self.lr.to(p.device, p.dtype).view(shape)
            wd = self.weight_decay.to(p.device, p.dtype).view(shape)
            p.mul_(1 - lr * wd)
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            p.addcdiv_(m * (lr / c1), (v / c2).sqrt_().add_(self.eps), value=-1.0)
