"""A small decoder-only transformer learning modular addition ``(a + b) mod p``.

The set-up of Kitouni thesis Sec. 6.4.2 (card K): the two operands are tokens with learnable
embeddings (no operation token), one or more pre-norm transformer blocks with causal
self-attention, the two output vectors concatenated into a linear classifier over the ``p``
residues. The embeddings train with Adam and no weight decay; the rest (the "decoder") has its
own learning rate and weight decay, and dropout inside the blocks.

:func:`train` (settings in :class:`TransformerSettings`) trains on the full training set every step
and records the accuracies and the effective dimension of the embeddings (:func:`physml.representations.effective_dimension`).

Used by :doc:`/book/learning/grokking-beyond-the-toy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from physml._checks import fraction as check_fraction
from physml._checks import non_negative_number, positive_int
from physml.representations import effective_dimension
from physml.train import History, progress_enabled


def modular_addition(
    p: int, fraction: float, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """All ``p**2`` ordered pairs ``(a, b)``, their labels ``(a + b) mod p`` and a random training mask.

    The mask holds ``round(fraction * p**2)`` pairs (at least one).

    Args:
        p: the modulus, ``>= 2``.
        fraction: the training set's share of the pairs, in ``(0, 1)``.
        generator: a CPU ``torch.Generator`` that draws the training set; None: torch's default
            generator.

    Returns:
        The triple ``(pairs, labels, train_mask)``, int64 ``(p**2, 2)``, int64 ``(p**2,)`` and
        bool ``(p**2,)``.

    Raises:
        ValueError: if ``p`` is not an int ``>= 2`` or ``fraction`` not in ``(0, 1)``.

    References:
        Kitouni thesis, Sec. 6.4.2; Power et al. 2022.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    positive_int("p", p, minimum=2)
    check_fraction("fraction", fraction, allow_one=False)
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    pairs = torch.stack([a.flatten(), b.flatten()], dim=1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    n_train = max(1, round(fraction * p * p))
    train_mask = torch.zeros(p * p, dtype=torch.bool)
    train_mask[torch.randperm(p * p, generator=generator)[:n_train]] = True
    return pairs, labels, train_mask


class ModularAdditionTransformer(nn.Module):
    """A decoder-only transformer classifying ``(a + b) mod p`` from the two operand tokens.

    Token embeddings ``(p, d_model)`` (normal with std ``embed_std``), a learned position
    embedding, ``n_layers`` pre-norm causal transformer blocks (``torch.nn.TransformerEncoderLayer``
    with GELU, ``n_heads`` heads, an MLP of width ``d_mlp``, ``dropout``), a final layer norm
    and a linear classifier on the two concatenated outputs. ``forward(pairs (n, 2))`` returns
    logits ``(n, p)``.

    Args:
        p: the modulus (vocabulary and classes), ``>= 2``.
        d_model: the width of the residual stream, a multiple of ``n_heads``.
        n_heads: attention heads per block.
        n_layers: transformer blocks, ``>= 1``.
        d_mlp: the width of each block's MLP; None: ``4 * d_model``.
        dropout: dropout probability inside the blocks, in ``[0, 1)``.
        embed_std: standard deviation of the normal initial token embeddings, ``> 0``.

    Raises:
        ValueError: naming the argument, on a non-positive size, ``p < 2``, ``d_model`` not
            divisible by ``n_heads``, ``dropout`` outside ``[0, 1)`` or ``embed_std <= 0``.

    References:
        Kitouni thesis, Sec. 6.4.2.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """

    def __init__(
        self,
        p: int,
        d_model: int = 128,
        n_heads: int = 4,
        n_layers: int = 1,
        d_mlp: int | None = None,
        dropout: float = 0.0,
        embed_std: float = 0.02,
    ) -> None:
        positive_int("p", p, minimum=2)
        positive_int("d_model", d_model)
        positive_int("n_heads", n_heads)
        positive_int("n_layers", n_layers)
        if d_model % n_heads:
            raise ValueError(
                f"d_model ({d_model}) must be divisible by n_heads ({n_heads})"
            )
        d_mlp = 4 * d_model if d_mlp is None else positive_int("d_mlp", d_mlp)
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        if not embed_std > 0:
            raise ValueError(f"embed_std must be > 0, got {embed_std!r}")
        super().__init__()
        self.p = p
        self.embed = nn.Embedding(p, d_model)
        nn.init.normal_(self.embed.weight, std=embed_std)
        self.position = nn.Parameter(torch.randn(2, d_model) * embed_std)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d_model,
                n_heads,
                d_mlp,
                dropout,
                activation="gelu",
                batch_first=True,
                norm_first=True,
            )
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.classifier = nn.Linear(2 * d_model, p)
        self.register_buffer(
            "causal", nn.Transformer.generate_square_subsequent_mask(2)
        )

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError(f"pairs must have shape (n, 2), got {tuple(pairs.shape)}")
        h = self.embed(pairs) + self.position
        for block in self.blocks:
            h = block(h, src_mask=self.causal, is_causal=True)
        return self.classifier(self.norm(h).flatten(1))

    def decoder_parameters(self) -> list[nn.Parameter]:
        """Every parameter except the token embeddings."""
        return [
            q for name, q in self.named_parameters() if not name.startswith("embed.")
        ]


@dataclass(frozen=True)
class TransformerSettings:
    """The settings of one :func:`train` run of the transformer (Kitouni thesis Sec. 6.4.2).

    Args:
        steps: full-batch optimiser steps.
        lr_embed: Adam learning rate of the token embeddings (no weight decay), ``>= 0``.
        lr_decoder: AdamW learning rate of everything else, ``>= 0``.
        wd_decoder: AdamW weight decay of everything else, ``>= 0``.
        eval_every: steps between recorded accuracies (and at the end).
        betas: Adam's ``(beta1, beta2)``, each in ``[0, 1)``.
        keep_embeddings: also record the token embeddings at every evaluation.

    Raises:
        ValueError: naming the field, on non-positive ``steps`` or ``eval_every``, a negative
            learning rate or weight decay, or ``betas`` outside ``[0, 1)``.
        TypeError: if ``keep_embeddings`` is not a bool.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """

    steps: int
    lr_embed: float = 1e-3
    lr_decoder: float = 1e-3
    wd_decoder: float = 0.0
    eval_every: int = 50
    betas: tuple[float, float] = (0.9, 0.98)
    keep_embeddings: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.keep_embeddings, bool):
            raise TypeError(
                f"keep_embeddings must be a bool, got {type(self.keep_embeddings).__name__}"
            )
        positive_int("steps", self.steps)
        positive_int("eval_every", self.eval_every)
        for name in ("lr_embed", "lr_decoder", "wd_decoder"):
            non_negative_number(name, getattr(self, name))
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}")


def train(
    model: ModularAdditionTransformer,
    pairs: torch.Tensor,
    labels: torch.Tensor,
    train_mask: torch.Tensor,
    settings: TransformerSettings,
) -> History:
    """Full-batch cross-entropy training of the transformer on the pairs in ``train_mask``.

    Embeddings by Adam (``settings.lr_embed``, no weight decay), everything else by AdamW
    (``settings.lr_decoder``, ``settings.wd_decoder``). Accuracies are measured in evaluation
    mode (without dropout).

    Args:
        model: the transformer, trained in place on the device of its embeddings.
        pairs: ``(n, 2)`` integer operands.
        labels: ``(n,)`` integer residues.
        train_mask: ``(n,)`` bool, the training pairs (the rest validates).
        settings: steps, learning rates, weight decay, recording interval, Adam betas.

    Returns:
        :class:`physml.train.History` with an empty ``loss`` and, at ``eval_steps = 0,
        eval_every, ..., steps``, the series ``"train_acc"``, ``"val_acc"`` and
        ``"effective_dim"`` of the token embeddings, each float ``(n_evals,)``; with
        ``settings.keep_embeddings`` also ``"embeddings"``, float ``(n_evals, p, d_model)`` (to
        look at the representation before and after generalisation).

    Raises:
        TypeError: if ``settings`` is not a :class:`TransformerSettings`.
        ValueError: if ``labels`` or ``train_mask`` do not have shape ``(n,)`` or the mask is
            not boolean.

    References:
        Kitouni thesis, Sec. 6.4.2 and Fig. 6.7; Power et al. 2022 (grokking).

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    if not isinstance(settings, TransformerSettings):
        raise TypeError(
            f"settings must be a transformer.TransformerSettings, got {type(settings).__name__}"
        )
    steps, eval_every, keep_embeddings = (
        settings.steps,
        settings.eval_every,
        settings.keep_embeddings,
    )
    n = pairs.shape[0]
    if (
        labels.shape != (n,)
        or train_mask.shape != (n,)
        or train_mask.dtype != torch.bool
    ):
        raise ValueError(
            f"labels and train_mask (bool) must have shape ({n},), got "
            f"{tuple(labels.shape)} and {train_mask.dtype} {tuple(train_mask.shape)}"
        )
    dev = model.embed.weight.device
    pairs, labels, train_mask = pairs.to(dev), labels.to(dev), train_mask.to(dev)
    opt = torch.optim.AdamW(
        [
            {
                "params": model.embed.parameters(),
                "lr": settings.lr_embed,
                "weight_decay": 0.0,
            },
            {
                "params": model.decoder_parameters(),
                "lr": settings.lr_decoder,
                "weight_decay": settings.wd_decoder,
            },
        ],
        betas=settings.betas,
    )
    x_train, y_train = pairs[train_mask], labels[train_mask]
    rec: dict[str, list] = {"steps": [], "train": [], "val": [], "dim": [], "emb": []}
    for step in tqdm(
        range(steps + 1),
        desc="transformer",
        disable=not progress_enabled(),
        leave=False,
    ):
        if step % eval_every == 0 or step == steps:
            model.eval()
            with torch.no_grad():
                ok = (model(pairs).argmax(dim=1) == labels).float()
            rec["steps"].append(step)
            rec["train"].append(float(ok[train_mask].mean()))
            rec["val"].append(float(ok[~train_mask].mean()))
            rec["dim"].append(effective_dimension(model.embed.weight))
            if keep_embeddings:
                rec["emb"].append(model.embed.weight.detach().cpu().numpy().copy())
            if step == steps:
                break
        model.train()
        loss = nn.functional.cross_entropy(model(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    series = {
        "train_acc": np.asarray(rec["train"]),
        "val_acc": np.asarray(rec["val"]),
        "effective_dim": np.asarray(rec["dim"]),
    }
    if keep_embeddings:
        series["embeddings"] = np.stack(rec["emb"])
    return History(steps=steps, eval_steps=np.asarray(rec["steps"]), series=series)
