"""Graph networks on jet constituents: a kNN graph, edge convolutions, a ParticleNet-like tagger.

Each constituent is a node; its edges go to its ``k`` nearest neighbours (:func:`knn`, pure
torch: ``torch.cdist`` and ``topk``, padding excluded). An edge convolution (:class:`EdgeConv`,
the notes' eqs. 3.63 and 3.65) updates every node with the mean over its neighbours of a network
of ``(x_i, x_j - x_i)``. :class:`ParticleNet` stacks such blocks, the first on the angular
distance from the jet axis and the later ones on a graph recomputed in the learned feature space
(a dynamic graph CNN), pools by averaging over the real particles and ends in a dense head.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3.2, eqs. 3.59-3.67;
    Wang et al., ACM Trans. Graph. 38 (2019) 146 (DGCNN); Qu and Gouskos, Phys. Rev. D 101
    (2020) 056019 (ParticleNet).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from physml._checks import positive_int
from physml.jets.inputs import FEATURES, constituent_batch, particle_features
from physml.jets.sample import JetSample

__all__ = ["EdgeConv", "ParticleNet", "knn"]


def knn(
    points: torch.Tensor, mask: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest real neighbours of every node (itself and padding excluded).

    Distances are Euclidean in the given coordinates, computed with ``torch.cdist`` (without the
    matrix-product shortcut, so a permutation of the nodes gives the same neighbours) and
    selected with ``topk``; no gradient flows through the choice of neighbours.

    Args:
        points: ``(n_jets, n_nodes, d)`` coordinates (e.g. ``(Delta eta, Delta phi)`` or learned
            features), floating point.
        mask: ``(n_jets, n_nodes)`` bool, True for a real node.
        k: neighbours per node, a positive int; where a jet has fewer than ``k + 1`` real nodes
            (or ``n_nodes <= k``) the missing ones are flagged invalid.

    Returns:
        The pair ``(index, valid)``, int64 ``(n_jets, n_nodes, k')`` neighbour indices and bool
        ``(n_jets, n_nodes, k')`` flags of real edges, ``k' = min(k, n_nodes - 1)`` (at least 1).

    Raises:
        ValueError: if ``k`` is not a positive int or the shapes disagree.
        TypeError: if ``points`` is not a floating-point tensor or ``mask`` not bool.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.2 (nearest-neighbour graph, l. 1425).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> x = torch.tensor([[[0.0], [1.0], [5.0], [0.0]]])
        >>> idx, ok = knn(x, torch.tensor([[True, True, True, False]]), 1)
        >>> idx[0, :, 0].tolist(), ok[0, :, 0].tolist()
        ([1, 0, 1, 0], [True, True, True, False])
    """
    positive_int("k", k)
    if not isinstance(points, torch.Tensor) or not points.is_floating_point():
        raise TypeError(
            "points must be a floating-point torch.Tensor (n_jets, n_nodes, d)"
        )
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool torch.Tensor (n_jets, n_nodes)")
    if points.ndim != 3 or mask.shape != points.shape[:2]:
        raise ValueError(
            "points must be (n_jets, n_nodes, d) and mask (n_jets, n_nodes), got "
            f"{tuple(points.shape)} and {tuple(mask.shape)}"
        )
    n = points.shape[1]
    k_eff = max(1, min(k, n - 1))
    with torch.no_grad():
        d = torch.cdist(points, points, compute_mode="donot_use_mm_for_euclid_dist")
        blocked = ~(mask[:, None, :] & mask[:, :, None])
        blocked = blocked | torch.eye(n, dtype=torch.bool, device=points.device)
        d = d.masked_fill(blocked, torch.inf)
        dist, index = d.topk(k_eff, dim=-1, largest=False)
    return index, torch.isfinite(dist)


class EdgeConv(nn.Module):
    """An edge convolution ``x'_i = mean_j h(x_i, x_j - x_i) + W x_i`` over the kNN edges.

    ``h`` is ``len(widths)`` linear layers on the edge feature ``(x_i, x_j - x_i)``, each
    followed by a layer norm and ReLU (a per-edge normalisation, so the padding of a batch never
    enters; ParticleNet uses batch norm). The mean runs over the real neighbours (eq. 3.65's
    ``mean_j[theta_diff (x_i - x_j) + theta_local x_i]`` is its one-layer linear case); a linear
    shortcut ``W x_i`` adds the input (the skip connection of Fig. 19). Padded nodes output 0.

    Args:
        n_in: input features per node, a positive int.
        widths: output widths of the edge network's layers, non-empty positive ints; the
            block outputs ``widths[-1]`` features per node.
        k: neighbours per node.

    Raises:
        ValueError: naming ``n_in``, ``k`` or ``widths`` when not positive ints (or empty).

    References:
        Pawlowski and Plehn (2025), eqs. 3.63 and 3.65; Wang et al. (2019), Qu and Gouskos
        (2020).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def __init__(self, n_in: int, widths: Sequence[int], k: int) -> None:
        positive_int("n_in", n_in)
        positive_int("k", k)
        widths = tuple(widths) if isinstance(widths, Sequence) else ()
        if not widths:
            raise ValueError("widths must be a non-empty sequence of positive ints")
        for w in widths:
            positive_int("widths", w)
        super().__init__()
        self.k = k
        layers: list[nn.Module] = []
        width = 2 * n_in
        for w in widths:
            layers += [nn.Linear(width, w), nn.LayerNorm(w), nn.ReLU()]
            width = w
        self.edge = nn.Sequential(*layers)
        self.shortcut = nn.Linear(n_in, width)
        self.n_out = width

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, points: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Update every node from its ``k`` nearest neighbours.

        Args:
            x: ``(n_jets, n_nodes, n_in)`` node features.
            mask: ``(n_jets, n_nodes)`` bool, True for a real node.
            points: ``(n_jets, n_nodes, d)`` coordinates of the kNN graph; ``None`` for ``x``
                itself (the dynamic graph in feature space).

        Returns:
            ``(n_jets, n_nodes, widths[-1])``, 0 at padding.

        Raises:
            TypeError, ValueError: as :func:`knn`.
        """
        index, valid = knn(x if points is None else points, mask, self.k)
        b, n, kk = index.shape
        neighbours = torch.gather(
            x[:, None, :, :].expand(b, n, n, x.shape[-1]),
            2,
            index[..., None].expand(b, n, kk, x.shape[-1]),
        )
        centre = x[:, :, None, :].expand_as(neighbours)
        h = self.edge(torch.cat([centre, neighbours - centre], dim=-1))
        weight = valid.to(h.dtype)[..., None]
        pooled = (h * weight).sum(2) / weight.sum(2).clamp_min(1)
        out = torch.relu(pooled + self.shortcut(x))
        return out * mask[..., None]


class ParticleNet(nn.Module):
    """A ParticleNet-like dynamic graph CNN: EdgeConv blocks, average pooling, dense head.

    The first block's graph uses the ``(Delta eta, Delta phi)`` distance; every later block
    recomputes it in the previous block's feature space. The node features are those of
    :func:`physml.jets.inputs.particle_features`. The pooled mean over the real particles goes
    through a dense layer of width ``head`` (ReLU) to one logit. The output is invariant under
    permutations of the constituents and under extra zero padding. :meth:`lite` and :meth:`full`
    give ParticleNet-Lite's and ParticleNet's widths.

    Args:
        blocks: one ``(k, widths)`` per EdgeConv block, e.g. ``((16, (64, 64, 64)), ...)``.
        head: width of the dense layer after pooling.

    Raises:
        ValueError: if ``blocks`` is empty or malformed, or a width or ``k`` or ``head`` is not
            a positive int, naming it.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.2, Fig. 19, l. 1452; Qu and Gouskos, Phys. Rev. D
        101 (2020) 056019.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def __init__(
        self,
        blocks: Sequence[tuple[int, Sequence[int]]] = (
            (7, (32, 32, 32)),
            (7, (64, 64, 64)),
        ),
        head: int = 128,
    ) -> None:
        positive_int("head", head)
        if not isinstance(blocks, Sequence) or not blocks:
            raise ValueError("blocks must be a non-empty sequence of (k, widths)")
        super().__init__()
        convs, width = [], len(FEATURES)
        for block in blocks:
            if not isinstance(block, Sequence) or len(block) != 2:
                raise ValueError(
                    f"blocks: each entry must be (k, widths), got {block!r}"
                )
            conv = EdgeConv(width, block[1], block[0])
            convs.append(conv)
            width = conv.n_out
        self.convs = nn.ModuleList(convs)
        self.head = nn.Sequential(nn.Linear(width, head), nn.ReLU(), nn.Linear(head, 1))

    @classmethod
    def lite(cls) -> ParticleNet:
        """ParticleNet-Lite's widths: k = 7, EdgeConv (32, 32, 32) and (64, 64, 64), head 128.

        Returns:
            A new :class:`ParticleNet`.
        """
        return cls(((7, (32, 32, 32)), (7, (64, 64, 64))), head=128)

    @classmethod
    def full(cls) -> ParticleNet:
        """ParticleNet's widths: k = 16, EdgeConv (64,) * 3, (128,) * 3, (256,) * 3, head 256.

        Returns:
            A new :class:`ParticleNet`.
        """
        return cls(
            ((16, (64, 64, 64)), (16, (128, 128, 128)), (16, (256, 256, 256))), head=256
        )

    def forward(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One logit per jet, ``(n_jets,)``, top > 0.

        Inputs, shapes and errors are every point-cloud tagger's (:mod:`physml.jets.inputs`).
        """
        constituents, mask = constituent_batch(constituents, mask)
        x = particle_features(constituents, mask)
        points = x[..., :2]
        for conv in self.convs:
            x = conv(x, mask, points)
            points = None
        weight = mask.to(x.dtype)[..., None]
        pooled = (x * weight).sum(1) / weight.sum(1)
        return self.head(pooled)[:, 0]
