"""Time series of φ⁴ observables from any Markov chain sampler, and what chapter 8 reads off them.

- :func:`series`: run a batch of chains (HMC, flow HMC, ...) and record, after every trajectory,
  each chain's M = (1/V) Σ φ, (1/V) Σ φ², (1/V) Σ φ_t² (heat-kernel smoothed) and the chain's
  running mean of the zero-momentum correlator.
- :func:`summarize`: ``⟨|M|⟩``, χ₀ and χ₀,t with errors (independent chains: the error of a mean is
  the spread of the chain means), the integrated autocorrelation times ``τ_M``, ``τ_|M|``, ``τ_χ₀``, ``τ_χ₀,t``
  in trajectories (Wolff windowing, ½ + Σρ convention), the acceptance and ξ from a cosh fit.
- :func:`hmc_run`: :class:`physml.lattice.phi4.Phi4Chains` in chapter 8's parametrisation
  (β, λ, trajectory length 1), measured by :func:`series`.
- :func:`dynamic_exponent`: z of τ = a ξ^z + b (or a pure power law) by weighted least squares.

Used by :doc:`/book/lattice/hmc-critical-slowing-down` and :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from physml import stats
from physml._checks import positive_int, positive_number, real_array
from physml.lattice import correlators


@dataclass
class Series:
    """Per-trajectory observables of ``n_chains`` chains, as made by :func:`series`.

    Args:
        L: the lattice side.
        m: the magnetisation per site, shape ``(n_trajectories, n_chains)``.
        phi2: (1/V) Σ_x φ², the same shape (the estimator of χ₀).
        phi2_t: the smoothed (1/V) Σ_x φ_t², the same shape (χ₀,t).
        correlator: each chain's time average of the zero-momentum correlator, ``(n_chains, L)``.
        acceptance: each chain's acceptance rate, ``(n_chains,)`` (NaN for every chain where the
            sampler reports none; :func:`summarize` then gives no acceptance).
        extra: anything else a sampler records.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """

    L: int
    m: np.ndarray
    phi2: np.ndarray
    phi2_t: np.ndarray
    correlator: np.ndarray
    acceptance: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def n_trajectories(self) -> int:
        return self.m.shape[0]

    @property
    def n_chains(self) -> int:
        return self.m.shape[1]


def series(
    update: Callable[[], object],
    state: Callable[[], torch.Tensor],
    *,
    n_trajectories: int,
    thermalization: int,
    smoothing_t: float,
    acceptance: Callable[[], torch.Tensor] | None = None,
    desc: str = "trajectories",
    progress: bool | None = None,
) -> Series:
    """Run ``thermalization`` then ``n_trajectories`` updates, measuring the fields after each.

    The records stay on the chains' device until the end.

    Args:
        update: advances every chain by one trajectory.
        state: returns the chains' fields φ, shape ``(n_chains, L, L)`` (for flow HMC: the fields
            mapped back through the flow).
        n_trajectories: measured trajectories (>= 4).
        thermalization: discarded trajectories (>= 0).
        smoothing_t: the heat-kernel flow time of χ₀,t (> 0).
        acceptance: returns each chain's acceptance rate, read after the run; ``None`` for none.
        desc: the progress bar's label.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.

    Returns:
        A :class:`Series`.

    Raises:
        ValueError: on a bad count or flow time.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    from tqdm import tqdm

    from physml.train import progress_enabled

    positive_int("n_trajectories", n_trajectories, minimum=4)
    positive_int("thermalization", thermalization, minimum=0)
    positive_number("smoothing_t", smoothing_t)
    show = progress_enabled() if progress is None else progress
    for _ in tqdm(
        range(thermalization),
        desc=f"{desc} (thermalising)",
        disable=not show,
        leave=False,
    ):
        update()
    phi = state()
    n, L = phi.shape[0], phi.shape[-1]
    records = torch.empty(3, n_trajectories, n, dtype=phi.dtype, device=phi.device)
    corr = torch.zeros(n, L, dtype=phi.dtype, device=phi.device)
    for i in tqdm(range(n_trajectories), desc=desc, disable=not show, leave=False):
        update()
        with torch.no_grad():
            phi = state()
            records[0, i] = phi.mean(dim=(-2, -1))
            records[1, i] = (phi * phi).mean(dim=(-2, -1))
            records[2, i] = correlators.smoothed_phi2(phi, smoothing_t)
            corr += correlators.zero_momentum_correlator(phi)
    rec = records.cpu().numpy()
    acc = (
        acceptance().detach().cpu().numpy().astype(np.float64)
        if acceptance is not None
        else np.full(n, np.nan)
    )
    return Series(
        L=L,
        m=rec[0],
        phi2=rec[1],
        phi2_t=rec[2],
        correlator=(corr / n_trajectories).cpu().numpy(),
        acceptance=acc,
    )


def _chain_mean(x: np.ndarray) -> stats.Measurement:
    """Mean over chains of each chain's time average; error from the spread of the chain means."""
    per_chain = x.mean(axis=0)
    return stats.Measurement(
        float(per_chain.mean()), float(per_chain.std(ddof=1) / np.sqrt(per_chain.size))
    )


def _tau(x: np.ndarray) -> stats.Measurement:
    return stats.tau_int(x.T)


def summarize(s: Series, *, xi_y_min: int = 1) -> dict[str, stats.Measurement]:
    """Chapter 8's observables of one run (see the module docstring).

    Args:
        s: a :class:`Series` of at least two chains.
        xi_y_min: the smallest distance of the correlator's cosh fit.

    Returns:
        A dict of :class:`physml.stats.Measurement` with keys ``acceptance`` (only
        when the sampler reported one: an acceptance NaN for every chain gives no entry), ``abs_m``, ``chi0``, ``chi0_t``, ``tau_m``, ``tau_abs_m``, ``tau_chi0``, ``tau_chi0_t``
        (τ_int in trajectories) and ``xi`` (in lattice units).

    Raises:
        TypeError: if ``s`` is not a :class:`Series`.
        ValueError: with fewer than two chains, or an acceptance that is NaN for some chains only
            (``s.acceptance``: either every chain reports one or none does).

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    if not isinstance(s, Series):
        raise TypeError(f"s must be a Series, got {type(s).__name__}")
    if s.n_chains < 2:
        raise ValueError(
            "summarize needs at least two independent chains for its errors"
        )
    acc = np.asarray(s.acceptance, dtype=np.float64)
    missing = np.isnan(acc)
    out: dict[str, stats.Measurement] = {}
    if missing.any() and not missing.all():
        raise ValueError(
            f"s.acceptance is NaN for {int(missing.sum())} of {acc.size} chains: "
            "either every chain reports an acceptance or none does"
        )
    if not missing.any():
        out["acceptance"] = stats.Measurement(
            float(np.mean(acc)), float(np.std(acc, ddof=1) / np.sqrt(acc.size))
        )
    out.update(
        {
            "abs_m": _chain_mean(np.abs(s.m)),
            "chi0": _chain_mean(s.phi2),
            "chi0_t": _chain_mean(s.phi2_t),
            "tau_m": _tau(s.m),
            "tau_abs_m": _tau(np.abs(s.m)),
            "tau_chi0": _tau(s.phi2),
            "tau_chi0_t": _tau(s.phi2_t),
        }
    )
    out["xi"] = correlators.correlation_length(s.correlator, y_min=xi_y_min)
    return out


def hmc_run(
    L: int,
    beta: float,
    lam: float,
    *,
    n_steps: int,
    n_chains: int,
    n_trajectories: int,
    thermalization: int,
    smoothing_t: float,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> Series:
    """HMC of chapter 8's φ⁴ (eq. 8.1) in float64: trajectory length 1 in ``n_steps`` leapfrog steps.

    ``n_chains`` independent chains start from noise, thermalise and are measured by :func:`series`.

    Args:
        L: the lattice side.
        beta: the nearest-neighbour coupling β of eq. 8.1 (β = 2κ).
        lam: the quartic coupling λ.
        n_steps: leapfrog steps per trajectory (step size 1 / n_steps).
        n_chains: independent chains.
        n_trajectories: measured trajectories per chain.
        thermalization: discarded trajectories per chain.
        smoothing_t: the heat-kernel flow time of χ₀,t.
        seed: seeds the chains' generator.
        device: where the chains run; ``None`` for :func:`physml.config.device`.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.

    Returns:
        A :class:`Series`.

    Raises:
        ValueError: on a bad size, count or coupling.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, eq. 8.1 and Sec. 8.2.
    """
    from physml.lattice.phi4 import Phi4Chains, kappa_from_beta

    positive_int("n_steps", n_steps)
    chains = Phi4Chains(
        L,
        kappa_from_beta(beta),
        lam,
        n_chains,
        step_size=1.0 / n_steps,
        n_steps=n_steps,
        seed=seed,
        device=device,
        dtype=torch.float64,
    )
    return series(
        chains.trajectory,
        chains.state,
        n_trajectories=n_trajectories,
        thermalization=thermalization,
        smoothing_t=smoothing_t,
        acceptance=lambda: chains.acceptance,
        desc=f"HMC L={L}",
        progress=progress,
    )


@dataclass(frozen=True)
class ExponentFit:
    """τ = a ξ^z + b: the exponent with its error, the other parameters and the fit's χ²/dof.

    Returned by :func:`dynamic_exponent`.

    Args:
        z: the dynamic exponent with its error from the fit's covariance, a
            :class:`physml.stats.Measurement` (claimed whole; unpacks as ``(z, error)``).
        a: the amplitude, in units of τ.
        b: the offset, in units of τ (0 without one).
        chi2_dof: the fit's χ² per degree of freedom (NaN with none).

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
    """

    z: stats.Measurement
    a: float
    b: float
    chi2_dof: float


def dynamic_exponent(xi, tau, tau_err, *, offset: bool = True) -> ExponentFit:
    """Fit τ = a ξ^z + b (``offset``) or τ = a ξ^z, weighted by ``tau_err``.

    z's error comes from the covariance, not rescaled by χ²/dof (``absolute_sigma``), so it
    reflects the τ errors.

    Args:
        xi: correlation lengths, shape ``(n,)``, > 0.
        tau: autocorrelation times, shape ``(n,)``, > 0.
        tau_err: their errors, shape ``(n,)``, > 0.
        offset: fit the offset b (needs n >= 4).

    Returns:
        An :class:`ExponentFit`.

    Raises:
        ValueError: on unequal lengths, too few points, NaN or inf, or a value that is not > 0.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`

    Examples:
        >>> xi = np.array([2.0, 3.0, 4.0, 6.0])
        >>> fit = dynamic_exponent(xi, 0.5 * xi**2, 0.01 * xi**2, offset=False)
        >>> round(fit.z.value, 4), round(fit.a, 4)
        (2.0, 0.5)
    """
    from scipy.optimize import curve_fit

    x = real_array("xi", xi, min_len=3 if offset else 2)
    y = real_array("tau", tau, min_len=x.size)
    e = real_array("tau_err", tau_err, min_len=x.size)
    if not x.size == y.size == e.size:
        raise ValueError(
            f"xi, tau and tau_err must have equal lengths, got {x.size}, {y.size}, {e.size}"
        )
    if np.any(x <= 0) or np.any(y <= 0) or np.any(e <= 0):
        raise ValueError("xi, tau and tau_err must be positive")
    # Start from the pure power law through the log-log line.
    z0, loga = np.polyfit(np.log(x), np.log(y), 1)
    if offset:
        if x.size < 4:
            raise ValueError("a fit with an offset needs at least 4 points")
        popt, pcov = curve_fit(
            lambda xx, a, z, b: a * xx**z + b,
            x,
            y,
            p0=(np.exp(loga), z0, 0.0),
            sigma=e,
            absolute_sigma=True,
            maxfev=20000,
        )
        a, z, b = popt
        z_err = float(np.sqrt(pcov[1, 1]))
        model = a * x**z + b
    else:
        popt, pcov = curve_fit(
            lambda xx, a, z: a * xx**z,
            x,
            y,
            p0=(np.exp(loga), z0),
            sigma=e,
            absolute_sigma=True,
            maxfev=20000,
        )
        a, z = popt
        b = 0.0
        z_err = float(np.sqrt(pcov[1, 1]))
        model = a * x**z
    dof = x.size - (3 if offset else 2)
    chi2 = float(np.sum(((y - model) / e) ** 2))
    return ExponentFit(
        z=stats.Measurement(float(z), z_err),
        a=float(a),
        b=float(b),
        chi2_dof=chi2 / dof if dof > 0 else float("nan"),
    )
