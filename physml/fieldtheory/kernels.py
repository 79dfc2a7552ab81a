"""NNGP kernels written out, and ensembles of random finite-width networks.

A network with Gaussian weights (Pawlowski & Plehn 2025, eqs. 7.4 and 7.11),
``h0 = V x``, ``h(l) = W(l) phi(h(l-1))``, ``y = U phi(h(L))`` with
``V ~ N(0, sigma_v2 / N_dim)``, ``W ~ N(0, sigma_w2 / N_h)``, ``U ~ N(0, sigma_u2 / N_h)``, becomes a
Gaussian process as ``N_h -> infinity`` (Neal 1996; Williams 1997; Lee et al. 2018). Its kernel
follows from the input kernel (eq. 7.17) by one Gaussian integral per layer,
``E[phi(a) phi(b)]`` with ``(a, b)`` jointly normal, which is closed-form for

- ``"linear"``: ``phi(h) = h``, the integral is the covariance itself;
- ``"erf"``: ``(2/pi) arcsin(2 K12 / sqrt((1 + 2 K11)(1 + 2 K22)))`` (Williams 1997);
- ``"relu"``: the arc-cosine kernel of degree 1,
  ``sqrt(K11 K22) (sin t + (pi - t) cos t) / (2 pi)``, ``cos t = K12 / sqrt(K11 K22)``
  (Cho & Saul 2009, who write it without the factor 1/2).

:func:`network_kernels` draws an ensemble of random networks of finite width as one batched
tensor and returns each member's readout-averaged output covariance (eqs. 7.23-7.24);
:func:`network_outputs` returns the outputs themselves, with the readout drawn too.
"""

from __future__ import annotations

import math

import torch

from physml._checks import finite, positive_int, positive_number

__all__ = [
    "ACTIVATIONS",
    "activation_kernel",
    "connected_four_point",
    "four_point_theory",
    "input_kernel",
    "network_kernels",
    "network_outputs",
    "nngp_kernel",
]

#: The activations with a closed-form kernel.
ACTIVATIONS: tuple[str, ...] = ("linear", "erf", "relu")


def _activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return name


def _points(name: str, x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape (n_points, n_dim), got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    finite(name, x)
    return x


def input_kernel(
    x1: torch.Tensor, x2: torch.Tensor | None = None, sigma_v2: float = 1.0
) -> torch.Tensor:
    """The input kernel ``K0 = (sigma_v2 / N_dim) x1 x2^T`` of the read-in layer (eq. 7.17).

    Args:
        x1: inputs, shape ``(P1, N_dim)``, float.
        x2: inputs, shape ``(P2, N_dim)``; ``None`` for ``x1``.
        sigma_v2: the read-in weight variance times ``N_dim`` (eq. 7.11), > 0.

    Returns:
        ``(P1, P2)`` tensor, the covariance of the pre-activations ``h0 = V x``.

    Raises:
        TypeError: if ``x1`` or ``x2`` is not a floating-point tensor.
        ValueError: on a wrong shape, mismatched ``N_dim``, non-finite inputs or ``sigma_v2 <= 0``.

    References:
        Pawlowski & Plehn 2025, eq. 7.17.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> x = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
        >>> input_kernel(x)
        tensor([[1., 0.],
                [0., 1.]])
    """
    x1 = _points("x1", x1)
    x2 = x1 if x2 is None else _points("x2", x2)
    if x1.shape[1] != x2.shape[1]:
        raise ValueError(
            f"x1 and x2 must have the same N_dim, got {x1.shape[1]} and {x2.shape[1]}"
        )
    sigma_v2 = positive_number("sigma_v2", sigma_v2)
    return sigma_v2 / x1.shape[1] * x1 @ x2.T


def activation_kernel(
    k11: torch.Tensor, k22: torch.Tensor, k12: torch.Tensor, activation: str
) -> torch.Tensor:
    """``E[phi(a) phi(b)]`` for ``(a, b)`` jointly normal with variances ``k11, k22``, covariance ``k12``.

    Args:
        k11: the variance of ``a``, a tensor broadcastable with the others, >= 0.
        k22: the variance of ``b``, >= 0.
        k12: the covariance, broadcastable with them.
        activation: ``"linear"``, ``"erf"`` or ``"relu"``.

    Returns:
        The broadcast tensor of expectations (same dtype).

    Raises:
        ValueError: on an unknown activation or a negative variance.

    References:
        Williams 1997 (erf); Cho & Saul 2009, arc-cosine kernel of degree 1 (relu, times 1/2).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> one = torch.tensor(1.0)
        >>> round(float(activation_kernel(one, one, one, "relu")), 6)  # E[relu(h)^2] = 1/2
        0.5
        >>> round(float(activation_kernel(one, one, torch.tensor(0.0), "relu")), 6)  # 1/(2 pi)
        0.159155
    """
    _activation(activation)
    if bool((k11 < 0).any()) or bool((k22 < 0).any()):
        raise ValueError("k11 and k22 must be non-negative variances")
    if activation == "linear":
        return k12 + 0 * (k11 + k22)
    if activation == "erf":
        arg = 2 * k12 / torch.sqrt((1 + 2 * k11) * (1 + 2 * k22))
        return 2 / math.pi * torch.asin(arg.clamp(-1.0, 1.0))
    norm = torch.sqrt(k11 * k22)
    cos = torch.where(norm > 0, k12 / norm.clamp_min(1e-300), torch.ones_like(norm))
    theta = torch.acos(cos.clamp(-1.0, 1.0))
    return (
        norm * (torch.sin(theta) + (math.pi - theta) * torch.cos(theta)) / (2 * math.pi)
    )


def _propagate(
    k11: torch.Tensor,
    k22: torch.Tensor,
    k12: torch.Tensor,
    activation: str,
    sigma_w2: float,
    depth: int,
) -> torch.Tensor:
    # h(0) has covariance K0; each of the `depth` hidden layers maps K -> sigma_w2 E[phi phi].
    for _ in range(depth):
        k11, k22, k12 = (
            sigma_w2 * activation_kernel(k11, k11, k11, activation),
            sigma_w2 * activation_kernel(k22, k22, k22, activation),
            sigma_w2 * activation_kernel(k11, k22, k12, activation),
        )
    return activation_kernel(k11, k22, k12, activation)


def nngp_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    activation: str = "relu",
    *,
    sigma_v2: float = 1.0,
    sigma_w2: float = 1.0,
    sigma_u2: float = 1.0,
    depth: int = 0,
) -> torch.Tensor:
    """The infinite-width output kernel ``sigma_u2 K^psi`` of the network of eq. 7.4 (no noise).

    Args:
        x1: inputs, shape ``(P1, N_dim)``, float.
        x2: inputs, shape ``(P2, N_dim)``; ``None`` for ``x1``.
        activation: ``"linear"``, ``"erf"`` or ``"relu"``.
        sigma_v2: read-in weight variance times ``N_dim`` (eq. 7.11), > 0.
        sigma_w2: hidden weight variance times ``N_h``, > 0.
        sigma_u2: readout weight variance times ``N_h``, > 0.
        depth: the number ``L`` of hidden ``W`` layers (0: ``y = U phi(V x)``), >= 0.

    Returns:
        ``(P1, P2)`` tensor; add ``sigma_reg2`` on the training diagonal for ``K^y`` (eq. 7.23).

    Raises:
        TypeError, ValueError: on bad inputs, an unknown activation, a non-positive variance or a
            negative depth.

    References:
        Neal 1996; Williams 1997; Lee et al. 2018 (the layer recursion); Cho & Saul 2009.
        Pawlowski & Plehn 2025, eqs. 7.4, 7.11, 7.17, 7.23-7.24.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
        >>> nngp_kernel(x, activation="linear", sigma_v2=2.0)
        tensor([[1., 0.],
                [0., 1.]], dtype=torch.float64)
    """
    _activation(activation)
    depth = positive_int("depth", depth, minimum=0)
    sigma_w2 = positive_number("sigma_w2", sigma_w2)
    sigma_u2 = positive_number("sigma_u2", sigma_u2)
    same = x2 is None
    k12 = input_kernel(x1, x2, sigma_v2)
    d1 = input_kernel(x1, None, sigma_v2).diagonal()
    d2 = d1 if same else input_kernel(x2, None, sigma_v2).diagonal()
    k = _propagate(d1[:, None], d2[None, :], k12, activation, sigma_w2, depth)
    return sigma_u2 * k


def _phi(h: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "linear":
        return h
    if activation == "erf":
        return torch.erf(h)
    return torch.relu(h)


def _normal(
    shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    # N(0, 1) draws of like's dtype on the generator's device (the CPU for torch's default
    # and for start_chapter's generator), then moved to like's device: the same numbers
    # whatever device the computation runs on.
    dev = generator.device if generator is not None else torch.device("cpu")
    z = torch.randn(shape, generator=generator, dtype=like.dtype, device=dev)
    return z.to(like.device)


def _hidden(
    x: torch.Tensor,
    width: int,
    n_members: int,
    activation: str,
    sigma_v2: float,
    sigma_w2: float,
    depth: int,
    generator: torch.Generator | None,
) -> torch.Tensor:
    # (n_members, width, P) post-activations of the last hidden layer, all members at once,
    # on x's device (the weights are drawn on the generator's device and moved there).
    n_dim = x.shape[1]
    v = _normal((n_members, width, n_dim), x, generator)
    h = math.sqrt(sigma_v2 / n_dim) * v @ x.T
    for _ in range(depth):
        w = _normal((n_members, width, width), x, generator)
        h = math.sqrt(sigma_w2 / width) * w @ _phi(h, activation)
    return _phi(h, activation)


def _ensemble_args(
    x, width, n_members, activation, sigma_v2, sigma_w2, sigma_u2, depth, chunk
):
    x = _points("x", x)
    _activation(activation)
    positive_int("width", width)
    positive_int("n_members", n_members)
    positive_int("depth", depth, minimum=0)
    positive_int("chunk", chunk)
    for name, value in (
        ("sigma_v2", sigma_v2),
        ("sigma_w2", sigma_w2),
        ("sigma_u2", sigma_u2),
    ):
        positive_number(name, value)
    return x


def network_kernels(
    x: torch.Tensor,
    width: int,
    n_members: int,
    activation: str = "relu",
    *,
    sigma_v2: float = 1.0,
    sigma_w2: float = 1.0,
    sigma_u2: float = 1.0,
    depth: int = 0,
    chunk: int = 64,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Each random network's output covariance over its readout, ``sigma_u2 K^psi`` (eqs. 7.23-7.24).

    ``n_members`` networks of width ``N_h = width`` are drawn from the prior (eq. 7.11) as one
    batched tensor; the Gaussian readout ``U`` is integrated exactly, which leaves
    ``(sigma_u2 / N_h) sum_i psi_i(x_a) psi_i(x_b)`` per network. The members are drawn in
    blocks of ``chunk`` (a memory bound: each block is one batched product), in the order a single
    draw would take them.

    Args:
        x: inputs, shape ``(P, N_dim)``, float (float64 recommended).
        width: hidden width ``N_h``, >= 1.
        n_members: networks in the ensemble, >= 1.
        activation: ``"linear"``, ``"erf"`` or ``"relu"``.
        sigma_v2: read-in weight variance times ``N_dim`` (eq. 7.11), > 0.
        sigma_w2: hidden weight variance times ``N_h``, > 0.
        sigma_u2: readout weight variance times ``N_h``, > 0.
        depth: hidden ``W`` layers, >= 0.
        chunk: members per block, >= 1.
        generator: a CPU generator; ``None`` for torch's default. The weights are drawn on
            its device and moved to ``x``'s, so a CPU generator gives the same networks
            whatever device ``x`` is on.

    Returns:
        ``(n_members, P, P)`` tensor, dtype and device of ``x``.

    Raises:
        TypeError, ValueError: on bad inputs or settings (naming the argument).

    References:
        Pawlowski & Plehn 2025, eqs. 7.4, 7.11, 7.23-7.24; Neal 1996.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> x = torch.eye(2, dtype=torch.float64)
        >>> k = network_kernels(x, 8, 3, generator=torch.Generator().manual_seed(0))
        >>> tuple(k.shape)
        (3, 2, 2)
    """
    x = _ensemble_args(
        x, width, n_members, activation, sigma_v2, sigma_w2, sigma_u2, depth, chunk
    )
    blocks = []
    for start in range(0, n_members, chunk):  # memory blocks, each one batched draw
        m = min(chunk, n_members - start)
        psi = _hidden(x, width, m, activation, sigma_v2, sigma_w2, depth, generator)
        blocks.append(sigma_u2 / width * psi.transpose(1, 2) @ psi)
    return torch.cat(blocks)


def network_outputs(
    x: torch.Tensor,
    width: int,
    n_members: int,
    activation: str = "relu",
    *,
    sigma_v2: float = 1.0,
    sigma_w2: float = 1.0,
    sigma_u2: float = 1.0,
    depth: int = 0,
    chunk: int = 64,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Outputs ``y = U phi(...)`` of ``n_members`` random networks, readout drawn too (eq. 7.4).

    Args:
        x: inputs, shape ``(P, N_dim)``, float.
        width: hidden width ``N_h``, >= 1.
        n_members: networks in the ensemble, >= 1.
        activation: ``"linear"``, ``"erf"`` or ``"relu"``.
        sigma_v2: read-in weight variance times ``N_dim`` (eq. 7.11), > 0.
        sigma_w2: hidden weight variance times ``N_h``, > 0.
        sigma_u2: readout weight variance times ``N_h``, > 0.
        depth: hidden ``W`` layers, >= 0.
        chunk: members per block, >= 1.
        generator: a CPU generator; ``None`` for torch's default (drawn on its device, moved
            to ``x``'s).

    Returns:
        ``(n_members, P)`` tensor, dtype and device of ``x``.

    Raises:
        TypeError, ValueError: on bad inputs or settings (naming the argument).

    References:
        Pawlowski & Plehn 2025, eqs. 7.4 and 7.11.

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    x = _ensemble_args(
        x, width, n_members, activation, sigma_v2, sigma_w2, sigma_u2, depth, chunk
    )
    blocks = []
    for start in range(0, n_members, chunk):  # memory blocks, each one batched draw
        m = min(chunk, n_members - start)
        psi = _hidden(x, width, m, activation, sigma_v2, sigma_w2, depth, generator)
        u = _normal((m, 1, width), x, generator)
        blocks.append((math.sqrt(sigma_u2 / width) * u @ psi)[:, 0])
    return torch.cat(blocks)


def connected_four_point(
    kernels: torch.Tensor, average_inputs: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """The connected four-point function ``<y_a^4>_c`` of the outputs, from per-network kernels.

    With a Gaussian readout, ``<y_a^4> = 3 E[K_aa^2]`` over the rest of the weights, so the
    connected part is ``<y_a^4> - 3 <y_a^2>^2 = 3 Var(K_aa)``, estimated across the members
    (unbiased variance). The error is the standard error of the per-member squared deviations,
    which also holds for the average over inputs (whose members share their weights, so the
    inputs' errors are correlated).

    Args:
        kernels: ``(n_members, P, P)`` per-network output covariances (:func:`network_kernels`),
            ``n_members >= 4``.
        average_inputs: return the average over the ``P`` inputs instead of one value each.

    Returns:
        ``(value, error)``, tensors of shape ``(P,)``, or scalars with ``average_inputs``.

    Raises:
        TypeError: if ``kernels`` is not a floating-point tensor.
        ValueError: on a wrong shape, fewer than 4 members or non-finite entries.

    References:
        Pawlowski & Plehn 2025, eqs. 7.23-7.24 (``K^psi`` is an average over ``N_h`` neurons;
        the notes mention finite-width corrections only in words, Sec. 7.2.1; their
        ``phi^3 + phi^4`` vertices of eq. 7.2 come from the data average, not the width).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`
    """
    if not isinstance(kernels, torch.Tensor) or not kernels.is_floating_point():
        raise TypeError("kernels must be a floating-point torch.Tensor")
    if (
        kernels.ndim != 3
        or kernels.shape[1] != kernels.shape[2]
        or kernels.shape[0] < 4
    ):
        raise ValueError(
            f"kernels must have shape (n_members >= 4, P, P), got {tuple(kernels.shape)}"
        )
    finite("kernels", kernels)
    diag = kernels.diagonal(dim1=1, dim2=2)
    m = diag.shape[0]
    sq = (diag - diag.mean(0)).pow(2) * m / (m - 1)  # (n_members, P)
    if average_inputs:
        sq = sq.mean(1)
    return 3 * sq.mean(0), 3 * sq.std(0) / math.sqrt(m)


def four_point_theory(
    k0_diag: torch.Tensor, width: int, activation: str = "relu", sigma_u2: float = 1.0
) -> torch.Tensor:
    """``<y_a^4>_c = 3 sigma_u2^2 Var(phi(h)^2) / N_h`` for one hidden layer, ``h ~ N(0, K0_aa)``.

    Closed form for ``"linear"`` (``Var(h^2) = 2 K^2``) and ``"relu"`` (``5 K^2 / 4``); for ``"erf"``
    ``E[erf(h)^4]`` is a 1-D Gauss-Hermite sum (120 nodes; the integrand is smooth).

    Args:
        k0_diag: ``(P,)`` input-kernel diagonal ``K0_aa`` (eq. 7.17), >= 0.
        width: hidden width ``N_h``, >= 1.
        activation: ``"linear"``, ``"erf"`` or ``"relu"``.
        sigma_u2: readout variance, > 0.

    Returns:
        ``(P,)`` tensor, dtype of ``k0_diag``.

    Raises:
        TypeError, ValueError: on a non-tensor or negative ``k0_diag``, a bad width, activation or
            variance.

    References:
        Pawlowski & Plehn 2025, eqs. 7.23-7.24 (the notes do not write this 1/N_h term out).

    Used in:
        - :doc:`/book/learning/wide-networks-are-gaussian-processes`

    Examples:
        >>> four_point_theory(torch.tensor([1.0]), 3)  # 3 * (5/4) / 3
        tensor([1.2500])
    """
    if not isinstance(k0_diag, torch.Tensor) or not k0_diag.is_floating_point():
        raise TypeError("k0_diag must be a floating-point torch.Tensor")
    if bool((k0_diag < 0).any()):
        raise ValueError("k0_diag must be non-negative")
    width = positive_int("width", width)
    _activation(activation)
    sigma_u2 = positive_number("sigma_u2", sigma_u2)
    if activation == "linear":
        var = 2 * k0_diag**2
    elif activation == "relu":
        var = 1.25 * k0_diag**2
    else:
        import numpy as np

        z, w = np.polynomial.hermite_e.hermegauss(120)
        z = torch.tensor(z, dtype=k0_diag.dtype, device=k0_diag.device)
        w = torch.tensor(
            w / math.sqrt(2 * math.pi), dtype=k0_diag.dtype, device=k0_diag.device
        )
        e2 = torch.erf(torch.sqrt(k0_diag)[:, None] * z).pow(2)
        var = (e2.pow(2) * w).sum(1) - (e2 * w).sum(1).pow(2)
    return 3 * sigma_u2**2 * var / width
