"""The 2-D Ising model on an L x L periodic lattice: many independent chains in one tensor.

Energy (J = 1, no field) and Boltzmann weight::

    H(s) = - sum_<ij> s_i s_j,        p(s) ∝ exp(-H(s) / T)

:class:`IsingChains` holds ``n_chains`` configurations, each with its own temperature, on the
active device and updates them all at once:

- :meth:`IsingChains.sweep`: checkerboard Metropolis. The lattice is stored as its two
  sublattices (black, i + j even, and white), each a contiguous ``(n_chains, L, L/2)`` tensor, so
  a half sweep reads only the other colour and touches only its own: no masks, no wasted work.
- :meth:`IsingChains.wolff`: one Wolff cluster flip per chain. The cluster grows breadth-first,
  all chains and all frontier sites at once; every bond from a new cluster site to a neighbour of
  the same sign is tried once with probability 1 - exp(-2/T), which is Wolff's algorithm exactly.

Also here: per-configuration observables (:func:`magnetization`, :func:`energy`), exact
enumeration of small lattices (:func:`exact_moments`, the test reference) and Onsager's
critical temperature. Used by :doc:`/book/phases/neural-network-phase-transition` and
:doc:`/book/phases/order-parameter-without-labels`.
"""

from __future__ import annotations

import itertools
import math

import torch

from physml._checks import positive_int
from physml.lattice.chains import collect, per_chain, seeded_generator

#: Onsager's critical temperature of the square-lattice Ising model, 2 / ln(1 + sqrt 2).
T_C: float = 2.0 / math.log(1.0 + math.sqrt(2.0))


def _check_lattice(L: int, *, even: bool = False) -> int:
    positive_int("L", L, minimum=2)
    if even and L % 2:
        raise ValueError(f"L must be even for the checkerboard decomposition, got {L}")
    return L


def _check_spins(spins: torch.Tensor, *, values: bool = True) -> torch.Tensor:
    if not isinstance(spins, torch.Tensor):
        raise TypeError(f"spins must be a torch.Tensor, got {type(spins).__name__}")
    if spins.ndim != 3 or spins.shape[-1] != spins.shape[-2] or spins.shape[-1] < 2:
        raise ValueError(
            f"spins must have shape (n_chains, L, L) with L >= 2, got {tuple(spins.shape)}"
        )
    if spins.dtype == torch.bool or spins.is_complex():
        raise TypeError(f"spins must be a real tensor of +-1, got dtype {spins.dtype}")
    if values and not bool(((spins == 1) | (spins == -1)).all()):
        bad = spins[(spins != 1) & (spins != -1)].flatten()[:3].tolist()
        raise ValueError(f"spins must all be +1 or -1, got values such as {bad}")
    return spins


def magnetization(spins: torch.Tensor) -> torch.Tensor:
    """Magnetisation per site m = (1/L²) Σ s_i of each configuration.

    Args:
        spins: shape ``(n, L, L)``, values ±1.

    Returns:
        m, shape ``(n,)``, float32.

    Raises:
        TypeError: if ``spins`` is not a tensor.
        ValueError: on a wrong shape or values other than ±1.

    Examples:
        >>> magnetization(torch.ones(1, 4, 4)).tolist()
        [1.0]
    """
    s = _check_spins(spins)
    return s.float().mean(dim=(-2, -1))


def energy(spins: torch.Tensor) -> torch.Tensor:
    """Energy per site e = -(1/L²) Σ_<ij> s_i s_j of each configuration (each bond once).

    Args:
        spins: shape ``(n, L, L)``, values ±1.

    Returns:
        e (in units of the coupling J), shape ``(n,)``, float32.

    Raises:
        TypeError: if ``spins`` is not a tensor.
        ValueError: on a wrong shape or values other than ±1.

    Examples:
        >>> energy(torch.ones(1, 4, 4)).tolist()  # two bonds per site
        [-2.0]
    """
    s = _check_spins(spins).float()
    bonds = s * (torch.roll(s, 1, dims=-1) + torch.roll(s, 1, dims=-2))
    return -bonds.mean(dim=(-2, -1))


def split(spins: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The black (i + j even) and white sublattices of ``(n, L, L)`` spins, each ``(n, L, L/2)``.

    A layout operation: any real values are split (used for fields on the checkerboard too).

    Args:
        spins: shape ``(n, L, L)`` with an even L, any real values.

    Returns:
        ``(black, white)``, each ``(n, L, L/2)``.

    Raises:
        TypeError: if ``spins`` is not a tensor.
        ValueError: on a wrong shape or an odd L.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> s = torch.arange(16.0).view(1, 4, 4)
        >>> torch.equal(join(*split(s)), s)
        True
    """
    s = _check_spins(spins, values=False)
    _check_lattice(s.shape[-1], even=True)
    black = torch.empty(
        s.shape[0], s.shape[1], s.shape[2] // 2, dtype=s.dtype, device=s.device
    )
    white = torch.empty_like(black)
    black[:, 0::2], black[:, 1::2] = s[:, 0::2, 0::2], s[:, 1::2, 1::2]
    white[:, 0::2], white[:, 1::2] = s[:, 0::2, 1::2], s[:, 1::2, 0::2]
    return black, white


def join(black: torch.Tensor, white: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`split`: the full ``(n, L, L)`` lattice from its two sublattices.

    Args:
        black: the sites with i + j even, shape ``(n, L, L/2)``.
        white: the other sites, the same shape.

    Returns:
        The lattice, shape ``(n, L, L)``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
    """
    n, L, half = black.shape
    s = torch.empty(n, L, 2 * half, dtype=black.dtype, device=black.device)
    s[:, 0::2, 0::2], s[:, 1::2, 1::2] = black[:, 0::2], black[:, 1::2]
    s[:, 0::2, 1::2], s[:, 1::2, 0::2] = white[:, 0::2], white[:, 1::2]
    return s


def _neighbour_sum(other: torch.Tensor, out: torch.Tensor, black: bool) -> torch.Tensor:
    """Sum of the four neighbours (all of the other colour) of every site of one colour.

    In the ``(n, L, L/2)`` storage the up and down neighbours sit at the same half-row index; of
    the left and right ones, one sits at the same index and the other one column to the left
    (black sites on even rows, white sites on odd rows) or to the right. Slices, not rolls: the
    periodic wrap is written separately, so nothing is allocated.
    """
    torch.add(other[:, :-2], other[:, 2:], out=out[:, 1:-1])  # up + down
    torch.add(other[:, -1], other[:, 1], out=out[:, 0])
    torch.add(other[:, -2], other[:, 0], out=out[:, -1])
    out += other  # same column
    left, right = (
        (slice(0, None, 2), slice(1, None, 2))
        if black
        else (slice(1, None, 2), slice(0, None, 2))
    )
    out[:, left, 1:] += other[:, left, :-1]  # one column left
    out[:, left, 0] += other[:, left, -1]
    out[:, right, :-1] += other[:, right, 1:]  # one column right
    out[:, right, -1] += other[:, right, 0]
    return out


class IsingChains:
    """``n_chains`` independent Ising chains on L x L periodic lattices, one temperature each.

    The spins are stored as the two checkerboard sublattices (float ±1) on ``device``, with a
    generator on that device seeded by ``seed``, so a run is reproducible on a given device.

    Args:
        L: the lattice side, an even int.
        temperature: T (in units of the coupling, k_B = 1), a number or a 1-D tensor with one
            entry > 0 per chain.
        n_chains: the number of independent chains.
        start: ``"hot"`` (random spins) or ``"cold"`` (all +1).
        seed: seeds the chains' generator.
        device: where the chains live; ``None`` for :func:`physml.config.device`.

    Raises:
        ValueError: on an odd or non-positive ``L``, a bad ``n_chains``, a temperature that is
            not > 0 or of the wrong length, or an unknown ``start``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
    """

    def __init__(
        self,
        L: int,
        temperature,
        n_chains: int = 1,
        *,
        start: str = "hot",
        seed: int = 0,
        device: torch.device | str | None = None,
    ) -> None:
        self.L = _check_lattice(L, even=True)
        self.n_chains = positive_int("n_chains", n_chains)
        if start not in ("hot", "cold"):
            raise ValueError(f"start must be 'hot' or 'cold', got {start!r}")
        self.device, self.generator = seeded_generator(seed, device)
        self.temperature = per_chain(
            "temperature", temperature, n_chains, self.device, strictly_positive=True
        )
        shape = (n_chains, L, L // 2)
        if start == "cold":
            self.black = torch.ones(shape, device=self.device)
            self.white = torch.ones(shape, device=self.device)
        else:
            self.black = self._random_signs(shape)
            self.white = self._random_signs(shape)
        self._h = torch.empty(shape, device=self.device)
        self._u = torch.empty(shape, device=self.device)
        # Metropolis: accept a flip with probability exp(-ΔE/T), ΔE = 2 s h.
        self._minus_two_beta = (-2.0 / self.temperature).view(-1, 1, 1)
        self.sweeps = 0

    def _random_signs(self, shape) -> torch.Tensor:
        bits = torch.randint(0, 2, shape, generator=self.generator, device=self.device)
        return (2 * bits - 1).float()

    @property
    def spins(self) -> torch.Tensor:
        """The configurations as a ``(n_chains, L, L)`` float tensor of ±1 (a copy)."""
        return join(self.black, self.white)

    @spins.setter
    def spins(self, value: torch.Tensor) -> None:
        s = _check_spins(value)
        if tuple(s.shape) != (self.n_chains, self.L, self.L):
            raise ValueError(
                f"spins must have shape {(self.n_chains, self.L, self.L)}, got {tuple(s.shape)}"
            )
        self.black, self.white = (
            x.float().contiguous() for x in split(s.to(self.device))
        )

    def _half_sweep(
        self, spins: torch.Tensor, other: torch.Tensor, black: bool
    ) -> None:
        p = _neighbour_sum(other, self._h, black)
        p.mul_(spins).mul_(
            self._minus_two_beta
        ).exp_()  # acceptance exp(-ΔE/T), ΔE = 2 s h
        u = torch.rand(
            spins.shape, generator=self.generator, device=self.device, out=self._u
        )
        # Flip where u < p: the new spin is s * sign(u - p), with sign(0) = +1 (no flip). As
        # |s| = 1, that is copysign(s, s * (u - p)), computed in place without a mask.
        u.sub_(p).mul_(spins)
        torch.copysign(spins, u, out=spins)

    def sweep(self, n: int = 1) -> IsingChains:
        """``n`` checkerboard Metropolis sweeps (every site visited once per sweep). Returns self."""
        positive_int("n", n)
        for _ in range(n):
            self._half_sweep(self.black, self.white, black=True)
            self._half_sweep(self.white, self.black, black=False)
        self.sweeps += n
        return self

    def wolff(self, n: int = 1) -> torch.Tensor:
        """``n`` Wolff cluster flips in every chain; returns the mean cluster size per chain.

        The mean cluster size is an improved estimator of the susceptibility above T_c.
        """
        positive_int("n", n)
        s = self.spins
        p_add = (1.0 - torch.exp(-2.0 / self.temperature)).view(-1, 1, 1)
        sizes = torch.zeros(self.n_chains, device=self.device)
        for _ in range(n):
            cluster = wolff_cluster(s, p_add, self.generator)
            s = torch.where(cluster, -s, s)
            sizes += cluster.sum(dim=(-2, -1))
        self.spins = s
        return sizes / n

    def magnetization(self) -> torch.Tensor:
        """Magnetisation per site of each chain's current configuration."""
        return (
            self.black.sum(dim=(-2, -1)).add(self.white.sum(dim=(-2, -1))) / self.L**2
        )

    def energy(self) -> torch.Tensor:
        """Energy per site of each chain's current configuration."""
        h = _neighbour_sum(self.white, torch.empty_like(self.black), black=True)
        return -(self.black * h).sum(dim=(-2, -1)) / self.L**2


def wolff_cluster(
    spins: torch.Tensor, p_add: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One Wolff cluster per configuration, grown from a random seed site; a boolean mask.

    ``p_add`` = 1 - exp(-2/T), broadcastable to ``(n, 1, 1)``, in [0, 1] (not checked here, in the
    sampler's inner loop, where a check would cost a device sync per update: the samplers derive
    it from checked temperatures). Each bond between equal spins is
    opened with probability ``p_add`` (one independent draw per bond, made up front: Wolff's
    algorithm tries every bond at most once, so drawing it in advance changes nothing), and the
    cluster is the seed's connected component over open bonds. It grows breadth-first, every chain
    and every frontier site at once, until the last chain's cluster stops growing.

    Args:
        spins: shape ``(n, L, L)``, values ±1.
        p_add: 1 - exp(-2/T), broadcastable to ``(n, 1, 1)``, in [0, 1].
        generator: a generator on the spins' device; ``None`` for the global one.

    Returns:
        The cluster, a bool mask of shape ``(n, L, L)``.

    Raises:
        TypeError: if ``spins`` is not a tensor.
        ValueError: on a wrong shape or values other than ±1.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`

    References:
        U. Wolff, Phys. Rev. Lett. 62 (1989) 361.
    """
    s = _check_spins(spins)
    n, L, _ = s.shape
    dev = s.device
    # open[d][x]: the bond from x to its neighbour in direction d (right, down) is open
    right = (s == torch.roll(s, -1, dims=-1)) & (
        torch.rand(s.shape, generator=generator, device=dev) < p_add
    )
    down = (s == torch.roll(s, -1, dims=-2)) & (
        torch.rand(s.shape, generator=generator, device=dev) < p_add
    )
    # a site y joins from its left neighbour through right[y - x̂], from its right one through right[y]
    from_left, from_up = torch.roll(right, 1, dims=-1), torch.roll(down, 1, dims=-2)
    flat = torch.randint(0, L * L, (n,), generator=generator, device=dev)
    cluster = torch.zeros(n, L * L, dtype=torch.bool, device=dev)
    cluster[torch.arange(n, device=dev), flat] = True
    cluster = cluster.view(n, L, L)
    frontier = cluster.clone()
    while bool(frontier.any()):
        grown = torch.roll(frontier, 1, dims=-1) & from_left
        grown |= torch.roll(frontier, -1, dims=-1) & right
        grown |= torch.roll(frontier, 1, dims=-2) & from_up
        grown |= torch.roll(frontier, -1, dims=-2) & down
        frontier = grown & ~cluster
        cluster |= frontier
    return cluster


def exact_moments(L: int, temperatures) -> dict[str, torch.Tensor]:
    """Exact ``<e>, <e²>, <|m|>, <m²>, <m⁴>`` per site on an L x L periodic lattice, by enumeration.

    Sums over all 2^(L²) configurations (L <= 4) in float64; the reference of the sampler's
    tests. Bonds are counted as in :func:`energy`.

    Args:
        L: the lattice side, 2 <= L <= 4.
        temperatures: the temperatures T (k_B = J = 1), > 0.

    Returns:
        A dict of float64 tensors of shape ``(n_T,)`` with keys ``e``, ``e2``, ``abs_m``, ``m2``
        and ``m4``.

    Raises:
        ValueError: on L > 4 or a temperature that is not > 0.

    Examples:
        >>> round(float(exact_moments(2, [1e-3])["abs_m"][0]), 6)  # ordered at T -> 0
        1.0
    """
    _check_lattice(L)
    if L > 4:
        raise ValueError(
            f"exact enumeration is limited to L <= 4 (2^16 states), got L={L}"
        )
    t = torch.as_tensor(temperatures, dtype=torch.float64).reshape(-1)
    if not torch.all(t > 0):
        raise ValueError("temperatures must be > 0")
    states = torch.tensor(
        list(itertools.product((-1.0, 1.0), repeat=L * L)), dtype=torch.float64
    )
    s = states.view(-1, L, L)
    e = -(s * (torch.roll(s, 1, -1) + torch.roll(s, 1, -2))).sum(dim=(-2, -1)) / L**2
    m = s.mean(dim=(-2, -1))
    logw = -(e * L**2)[None, :] / t[:, None]
    w = torch.softmax(logw, dim=1)
    return {
        "e": w @ e,
        "e2": w @ e**2,
        "abs_m": w @ m.abs(),
        "m2": w @ m**2,
        "m4": w @ m**4,
    }


def sample(
    L: int,
    temperatures,
    chains_per_temperature: int,
    samples_per_chain: int,
    *,
    thermalization: int,
    spacing: int,
    wolff: int = 1,
    seed: int = 0,
    device: torch.device | str | None = None,
    desc: str = "Ising sampling",
    progress: bool | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Equilibrium Ising configurations at each temperature, from many independent chains at once.

    One update is a checkerboard Metropolis sweep followed by ``wolff`` Wolff cluster flips (the
    cluster flips decorrelate near T_c, where Metropolis alone slows down critically). Every chain
    thermalises for ``thermalization`` updates, then keeps a configuration every ``spacing``
    updates.

    Args:
        L: the lattice side, an even int.
        temperatures: the n_T temperatures T (k_B = 1), > 0.
        chains_per_temperature: independent chains at each temperature.
        samples_per_chain: configurations kept per chain.
        thermalization: updates discarded before the first kept configuration.
        spacing: updates between kept configurations.
        wolff: Wolff cluster flips per update (>= 0).
        seed: seeds the chains' generator.
        device: where the chains run; ``None`` for :func:`physml.config.device`.
        desc: the progress bar's label.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.

    Returns:
        ``(spins, T)``, spins of shape ``(n_T, chains, samples, L, L)`` (float ±1, on the CPU)
        and the temperatures, shape ``(n_T,)``, float32.

    Raises:
        ValueError: on a bad size, count or temperature (as :class:`IsingChains` and
            :func:`physml.lattice.chains.collect`).

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
    """
    temps = torch.as_tensor(temperatures, dtype=torch.float32).reshape(-1)
    positive_int("chains_per_temperature", chains_per_temperature)
    positive_int("wolff", wolff, minimum=0)
    n_T = temps.numel()
    chains = IsingChains(
        L,
        temps.repeat_interleave(chains_per_temperature),
        n_T * chains_per_temperature,
        seed=seed,
        device=device,
    )

    def update() -> None:
        chains.sweep()
        if wolff:
            chains.wolff(wolff)

    spins = collect(
        update,
        lambda: chains.spins.cpu().view(n_T, chains_per_temperature, L, L),
        thermalization=thermalization,
        samples_per_chain=samples_per_chain,
        spacing=spacing,
        desc=desc,
        progress=progress,
    )
    return spins, temps
