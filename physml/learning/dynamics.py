"""Learning dynamics of two-layer networks: Saad-Solla order parameters, lazy and rich regimes.

- The teacher-student soft committee machine: a student ``sum_k g(w_k . x / sqrt N)`` learns a
  teacher ``sum_m g(B_m . x / sqrt N)`` from i.i.d. Gaussian inputs by online SGD
  (:func:`online_sgd`, seeds batched). For ``N -> infinity`` the overlaps ``Q = w w^T / N``,
  ``R = w B^T / N``, ``T = B B^T / N`` follow deterministic ODEs in the time ``alpha = steps / N``
  (Saad and Solla 1995; Biehl and Schwarze 1995), with closed-form Gaussian averages for
  ``g(x) = erf(x / sqrt 2)`` (:func:`order_parameter_rhs`, :func:`integrate`). For ReLU units the
  averages of the first-order term are closed-form too; the learning-rate-squared term is not,
  and the ReLU ODE here is the small-learning-rate limit (``lr -> 0``).
- The symmetric plateau (:func:`symmetric_plateau`) and its length (:func:`plateau_length`).
- Lazy versus rich: the diagonal linear network ``beta = u*u - v*v`` (Woodworth et al. 2020,
  :func:`diagonal_network`) against the minimum-l1 (:func:`min_l1`) and least-norm solutions,
  and the neural tangent kernel of a wide two-layer network trained at output scale ``alpha``
  (Chizat, Oyallon and Bach 2019, :func:`ntk_training`).

Used by :doc:`/book/learning/learning-dynamics-of-two-layer-networks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import solve_ivp
from scipy.optimize import linprog

from physml._checks import finite, positive_int, positive_number

__all__ = [
    "ACTIVATIONS",
    "OrderParameters",
    "diagonal_network",
    "fixed_point_eigenvalues",
    "generalisation_error",
    "i2",
    "i3",
    "i4",
    "integrate",
    "min_l1",
    "ntk_training",
    "online_sgd",
    "order_parameter_rhs",
    "plateau_length",
    "specialisation",
    "symmetric_plateau",
    "teacher_student",
]

#: Activations with closed-form averages, ``"erf"`` for ``erf(x / sqrt 2)`` and ``"relu"`` for
#: ``max(x, 0)``.
ACTIVATIONS = ("erf", "relu")


def _activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return name


def _covariance(C) -> np.ndarray:
    c = np.asarray(finite("C", np.asarray(C, dtype=np.float64)))
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"C must be a square matrix, got shape {c.shape}")
    if not np.allclose(c, c.T, atol=1e-10) or np.any(np.diag(c) < 0):
        raise ValueError(
            "C must be a symmetric covariance matrix (non-negative diagonal)"
        )
    return c


def i2(C, activation: str = "erf") -> np.ndarray:
    """``I2[a, b] = <g(u_a) g(u_b)>`` for a centred Gaussian vector ``u`` of covariance ``C``.

    Args:
        C: covariance matrix, shape ``(p, p)``, symmetric, float64.
        activation: ``"erf"`` (``g = erf(x / sqrt 2)``) or ``"relu"``.

    Returns:
        ``(p, p)`` float64 array.

    Raises:
        ValueError: on a non-square, non-symmetric or non-finite ``C`` or an unknown activation.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), appendix (erf); the arc-cosine kernel of
        degree 1 (ReLU), Cho and Saul 2009.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    c = _covariance(C)
    d = np.diag(c)
    if _activation(activation) == "erf":
        return 2 / np.pi * np.arcsin(c / np.sqrt(np.outer(1 + d, 1 + d)))
    norm = np.sqrt(np.outer(d, d))
    rho = np.clip(np.divide(c, norm, out=np.zeros_like(c), where=norm > 0), -1, 1)
    theta = np.arccos(rho)
    return norm / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * rho)


def i3(C, activation: str = "erf") -> np.ndarray:
    """``I3[a, b, c] = <g'(u_a) u_b g(u_c)>`` for a centred Gaussian ``u`` of covariance ``C``.

    Args:
        C: covariance matrix, shape ``(p, p)``, symmetric, float64.
        activation: ``"erf"`` or ``"relu"`` (``g' = Theta``, the step; Stein's lemma gives
            ``C_ab sqrt(C_cc (1 - rho^2)) / (2 pi sqrt C_aa) + C_bc (pi - theta) / (2 pi)`` with
            ``rho = cos theta = C_ac / sqrt(C_aa C_cc)``).

    Returns:
        ``(p, p, p)`` float64 array.

    Raises:
        ValueError: on a bad ``C`` or activation.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), appendix; Goldt et al., NeurIPS 2019,
        App. (erf).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    c = _covariance(C)
    d = np.diag(c)
    caa = d[:, None, None]
    cab = c[:, :, None]
    cac = c[:, None, :]
    cbc = c[None, :, :]
    ccc = d[None, None, :]
    if _activation(activation) == "erf":
        lam3 = (1 + caa) * (1 + ccc) - cac**2
        return 2 / np.pi / np.sqrt(lam3) * (cbc * (1 + caa) - cab * cac) / (1 + caa)
    norm = np.sqrt(caa * ccc)
    rho = np.clip(np.divide(cac, norm, out=np.zeros_like(norm), where=norm > 0), -1, 1)
    theta = np.arccos(rho)
    root = np.divide(
        np.sqrt(ccc * (1 - rho**2)),
        2 * np.pi * np.sqrt(caa),
        out=np.zeros_like(norm),
        where=caa > 0,
    )
    return cab * root + cbc * (np.pi - theta) / (2 * np.pi)


def i4(C) -> np.ndarray:
    """``I4[a, b, c, d] = <g'(u_a) g'(u_b) g(u_c) g(u_d)>`` for ``g = erf(x / sqrt 2)``.

    Args:
        C: covariance matrix, shape ``(p, p)``, symmetric, float64.

    Returns:
        ``(p, p, p, p)`` float64 array.

    Raises:
        ValueError: on a bad ``C``.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), appendix; Goldt et al., NeurIPS 2019, App.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    c = _covariance(C)
    d = np.diag(c)
    s = (slice(None),) + (None,) * 3
    one_a = 1 + d[s]
    one_b = 1 + d[None, :, None, None]
    one_c = 1 + d[None, None, :, None]
    one_d = 1 + d[None, None, None, :]
    cab = c[:, :, None, None]
    cac = c[:, None, :, None]
    cad = c[:, None, None, :]
    cbc = c[None, :, :, None]
    cbd = c[None, :, None, :]
    ccd = c[None, None, :, :]
    lam4 = one_a * one_b - cab**2
    lam0 = (
        lam4 * ccd
        - cbc * cbd * one_a
        - cac * cad * one_b
        + cab * cac * cbd
        + cab * cad * cbc
    )
    lam1 = lam4 * one_c - cbc**2 * one_a - cac**2 * one_b + 2 * cab * cac * cbc
    lam2 = lam4 * one_d - cbd**2 * one_a - cad**2 * one_b + 2 * cab * cad * cbd
    arg = np.clip(lam0 / np.sqrt(lam1 * lam2), -1, 1)
    return 4 / np.pi**2 / np.sqrt(lam4) * np.arcsin(arg)


def _blocks(Q, R, T) -> tuple[np.ndarray, int, int]:
    q = np.asarray(finite("Q", np.asarray(Q, dtype=np.float64)))
    r = np.asarray(finite("R", np.asarray(R, dtype=np.float64)))
    t = np.asarray(finite("T", np.asarray(T, dtype=np.float64)))
    if q.ndim != 2 or q.shape[0] != q.shape[1]:
        raise ValueError(f"Q must be a square (K, K) matrix, got shape {q.shape}")
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError(f"T must be a square (M, M) matrix, got shape {t.shape}")
    if r.shape != (q.shape[0], t.shape[0]):
        raise ValueError(
            f"R must have shape (K, M) = {(q.shape[0], t.shape[0])}, got {r.shape}"
        )
    return np.block([[q, r], [r.T, t]]), q.shape[0], t.shape[0]


def generalisation_error(Q, R, T, activation: str = "erf") -> float:
    """The generalisation error ``eps_g = <(student - teacher)^2> / 2`` from the overlaps.

    Args:
        Q: student-student overlaps ``w w^T / N``, shape ``(K, K)``.
        R: student-teacher overlaps ``w B^T / N``, shape ``(K, M)``.
        T: teacher-teacher overlaps ``B B^T / N``, shape ``(M, M)``.
        activation: ``"erf"`` or ``"relu"``.

    Returns:
        ``eps_g`` (a float, dimensionless).

    Raises:
        ValueError: on inconsistent shapes, non-finite overlaps or an unknown activation.

    References:
        Saad and Solla, Phys. Rev. Lett. 74, 4337 (1995).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    C, K, _ = _blocks(Q, R, T)
    s = np.r_[-np.ones(K), np.ones(C.shape[0] - K)]
    return float(0.5 * s @ i2(C, activation) @ s)


def order_parameter_rhs(
    Q, R, T, lr: float, activation: str = "erf"
) -> tuple[np.ndarray, np.ndarray]:
    """``(dQ/dalpha, dR/dalpha)`` of online SGD on the soft committee machine.

    With ``delta_i = g'(lambda_i) (sum_n g(nu_n) - sum_j g(lambda_j))``,
    ``dR_in = lr <delta_i nu_n>`` and
    ``dQ_ik = lr <delta_i lambda_k + delta_k lambda_i> + lr^2 <delta_i delta_k>``. For ReLU the
    ``lr^2`` term has no closed form and is left out (the ``lr -> 0`` limit).

    Args:
        Q: ``(K, K)`` student-student overlaps.
        R: ``(K, M)`` student-teacher overlaps.
        T: ``(M, M)`` teacher-teacher overlaps.
        lr: learning rate ``eta`` (positive) of the update ``w += lr / sqrt(N) delta x``.
        activation: ``"erf"`` or ``"relu"``.

    Returns:
        ``(dQ, dR)``, float64 arrays of shapes ``(K, K)`` and ``(K, M)``, per unit of
        ``alpha = steps / N``.

    Raises:
        ValueError: on bad overlaps, a non-positive learning rate or an unknown activation.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), the equations of motion; Biehl and Schwarze, J. Phys.
        A 28, 643 (1995); ReLU: Straat and Biehl, ESANN 2019.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    C, K, _ = _blocks(Q, R, T)
    lr = positive_number("lr", lr)
    s = np.r_[-np.ones(K), np.ones(C.shape[0] - K)]
    d_u = i3(C, activation) @ s  # <delta_a u_b>, (p, p)
    dR = lr * d_u[:K, K:]
    dQ = lr * (d_u[:K, :K] + d_u[:K, :K].T)
    if activation == "erf":
        dQ = dQ + lr**2 * np.einsum("abcd,c,d->ab", i4(C)[:K, :K], s, s)
    return dQ, dR


def fixed_point_eigenvalues(
    Q, R, T, lr: float, activation: str = "erf", step: float = 1e-6
) -> np.ndarray:
    """Eigenvalues of the Jacobian of the order-parameter flow at ``(Q, R)``.

    The flow's variables are the upper triangle of ``Q`` and all of ``R``; the Jacobian of
    :func:`order_parameter_rhs` is taken by central differences. At a fixed point, all real parts
    negative means the point attracts (the asymptotic phase of learning converges to it).

    Args:
        Q: ``(K, K)`` student-student overlaps (symmetric).
        R: ``(K, M)`` student-teacher overlaps.
        T: ``(M, M)`` teacher-teacher overlaps (constant).
        lr: learning rate.
        activation: ``"erf"`` or ``"relu"``.
        step: finite-difference step.

    Returns:
        ``(K (K + 1) / 2 + K M,)`` complex array of eigenvalues, per unit of ``alpha``, sorted by
        decreasing real part.

    Raises:
        ValueError: on bad overlaps, learning rate, step or activation.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), the asymptotic phase (linearised
        equations of motion near perfect learning).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    _, K, M = _blocks(Q, R, T)
    step = positive_number("step", step)
    iu = np.triu_indices(K)
    t = np.asarray(T, dtype=np.float64)

    def flow(y):
        q = np.zeros((K, K))
        q[iu] = y[: len(iu[0])]
        q = q + np.triu(q, 1).T
        dq, dr = order_parameter_rhs(
            q, y[len(iu[0]) :].reshape(K, M), t, lr, activation
        )
        return np.r_[dq[iu], dr.ravel()]

    y0 = np.r_[
        np.asarray(Q, dtype=np.float64)[iu], np.asarray(R, dtype=np.float64).ravel()
    ]
    eye = np.eye(y0.size)
    jac = np.array(
        [(flow(y0 + step * e) - flow(y0 - step * e)) / (2 * step) for e in eye]
    ).T
    ev = np.linalg.eigvals(jac)
    return ev[np.argsort(-ev.real)]


@dataclass(frozen=True)
class OrderParameters:
    """A trajectory of the overlaps (from the ODEs or measured on SGD runs).

    Args:
        alpha: times ``steps / N``, shape ``(n_times,)``.
        Q: ``(..., n_times, K, K)`` student-student overlaps.
        R: ``(..., n_times, K, M)`` student-teacher overlaps.
        eps: ``(..., n_times)`` generalisation errors.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """

    alpha: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    eps: np.ndarray


def integrate(
    Q0, R0, T, lr: float, alpha, activation: str = "erf", rtol: float = 1e-8
) -> OrderParameters:
    """Integrate the order-parameter ODEs with scipy's ``solve_ivp`` (LSODA).

    Args:
        Q0: ``(K, K)`` initial student-student overlaps.
        R0: ``(K, M)`` initial student-teacher overlaps.
        T: ``(M, M)`` teacher overlaps (constant).
        lr: learning rate.
        alpha: increasing times at which to report, shape ``(n_times,)``, starting at 0.
        activation: ``"erf"`` or ``"relu"``.
        rtol: relative tolerance of the solver (``atol = rtol / 100``).

    Returns:
        :class:`OrderParameters` at ``alpha``.

    Raises:
        ValueError: on bad overlaps, learning rate or times, or when the solver fails.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), the equations of motion.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    _, K, M = _blocks(Q0, R0, T)
    times = np.asarray(finite("alpha", np.asarray(alpha, dtype=np.float64)))
    if (
        times.ndim != 1
        or times.size < 2
        or times[0] != 0
        or np.any(np.diff(times) <= 0)
    ):
        raise ValueError("alpha must be increasing times starting at 0")
    t = np.asarray(T, dtype=np.float64)

    def rhs(_, y):
        q = y[: K * K].reshape(K, K)
        q = (q + q.T) / 2
        dq, dr = order_parameter_rhs(q, y[K * K :].reshape(K, M), t, lr, activation)
        return np.r_[dq.ravel(), dr.ravel()]

    y0 = np.r_[np.asarray(Q0, dtype=np.float64).ravel(), np.asarray(R0).ravel()]
    sol = solve_ivp(
        rhs,
        (0, times[-1]),
        y0,
        t_eval=times,
        method="LSODA",
        rtol=rtol,
        atol=rtol / 100,
    )
    if not sol.success:
        raise ValueError(f"the ODE solver failed: {sol.message}")
    q = sol.y[: K * K].T.reshape(-1, K, K)
    r = sol.y[K * K :].T.reshape(-1, K, M)
    eps = np.array([generalisation_error(a, b, t, activation) for a, b in zip(q, r)])
    return OrderParameters(times, q, r, eps)


def teacher_student(
    N: int,
    K: int,
    M: int,
    n_seeds: int,
    init_std: float,
    *,
    overlap: float = 0.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Teachers with orthonormal rows (``T = 1``) and random students, one pair per seed.

    Args:
        N: input dimension.
        K: student hidden units.
        M: teacher hidden units (``M <= N``).
        n_seeds: independent pairs.
        init_std: standard deviation of the student's weights, so that ``Q_ii ~ init_std^2``
            and ``R_in ~ init_std / sqrt(N)`` (a nearly symmetric start).
        overlap: added to student unit ``i``'s weights along teacher ``i`` (for ``i < min(K, M)``):
            ``R_ii`` starts near ``overlap``. 0 (default) keeps the start symmetric.
        generator: CPU torch generator.

    Returns:
        ``(W, B)``, float64 tensors of shapes ``(n_seeds, K, N)`` and ``(n_seeds, M, N)``.

    Raises:
        ValueError: on non-positive sizes, ``M > N`` or a non-positive ``init_std``.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    N, K, M = (positive_int(n, v) for n, v in (("N", N), ("K", K), ("M", M)))
    n_seeds = positive_int("n_seeds", n_seeds)
    init_std = positive_number("init_std", init_std)
    if M > N:
        raise ValueError(f"M must be at most N, got M = {M}, N = {N}")
    g = torch.randn(n_seeds, N, M, generator=generator, dtype=torch.float64)
    B = torch.linalg.qr(g).Q.transpose(1, 2) * math.sqrt(N)
    W = init_std * torch.randn(n_seeds, K, N, generator=generator, dtype=torch.float64)
    k = min(K, M)
    W[:, :k] += float(overlap) * B[:, :k]
    return W, B


def _g(x: torch.Tensor, activation: str) -> torch.Tensor:
    return torch.erf(x / math.sqrt(2)) if activation == "erf" else x.clamp_min(0)


def _dg(x: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "erf":
        return math.sqrt(2 / math.pi) * torch.exp(-x * x / 2)
    return (x > 0).to(x.dtype)


def online_sgd(
    W: torch.Tensor,
    B: torch.Tensor,
    lr: float,
    alpha_max: float,
    n_records: int,
    *,
    activation: str = "erf",
    chunk: int = 2048,
    generator: torch.Generator | None = None,
) -> OrderParameters:
    """Online SGD of soft committee students, one fresh Gaussian input per step, seeds batched.

    Each step draws ``x ~ N(0, 1_N)`` per seed and updates
    ``w_i += lr / sqrt(N) * g'(lambda_i) (sum_n g(nu_n) - sum_j g(lambda_j)) x`` with
    ``lambda = w x / sqrt N``, ``nu = B x / sqrt N``. The generalisation error is computed from
    the measured overlaps (:func:`generalisation_error`, the average over an infinite test set).

    Args:
        W: ``(n_seeds, K, N)`` float64 initial students (not modified).
        B: ``(n_seeds, M, N)`` float64 teachers.
        lr: learning rate.
        alpha_max: training time in units of ``N`` steps.
        n_records: overlaps are recorded at ``n_records`` evenly spaced times from 0 to
            ``alpha_max``.
        activation: ``"erf"`` or ``"relu"``.
        chunk: inputs drawn at once (memory ``chunk * n_seeds * N`` floats).
        generator: CPU torch generator.

    Returns:
        :class:`OrderParameters`, with ``Q``, ``R`` and ``eps`` of shape
        ``(n_seeds, n_records, ...)``.

    Raises:
        ValueError: on bad shapes, learning rate, times or activation.

    References:
        Saad and Solla, Phys. Rev. Lett. 74, 4337 (1995); Goldt et al., NeurIPS 2019.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    _activation(activation)
    if (
        W.ndim != 3
        or B.ndim != 3
        or W.shape[0] != B.shape[0]
        or W.shape[2] != B.shape[2]
    ):
        raise ValueError(
            f"W and B must be (n_seeds, K, N) and (n_seeds, M, N), got {tuple(W.shape)} "
            f"and {tuple(B.shape)}"
        )
    lr = positive_number("lr", lr)
    alpha_max = positive_number("alpha_max", alpha_max)
    n_records = positive_int("n_records", n_records, minimum=2)
    S, _, N = W.shape
    steps = round(alpha_max * N)
    at = np.unique(np.round(np.linspace(0, steps, n_records)).astype(int))
    # float32 for speed (the overlaps are sums of N terms; their relative rounding is ~1e-7)
    w = W.clone().to(torch.float32)
    b = B.to(torch.float32)
    T = (B @ B.transpose(1, 2) / N).to(torch.float64).numpy()
    scale = 1 / math.sqrt(N)
    qs, rs = [], []

    def record():
        w64 = w.to(torch.float64)
        qs.append((w64 @ w64.transpose(1, 2) / N).numpy())
        rs.append((w64 @ B.to(torch.float64).transpose(1, 2) / N).numpy())

    record()
    done, nxt = 0, 1
    while done < steps:
        n = min(chunk, steps - done, int(at[nxt]) - done)
        xs = torch.randn(n, S, N, 1, generator=generator)
        nus = (b @ xs).squeeze(-1) * scale  # (n, S, M)
        teach = _g(nus, activation).sum(-1)  # (n, S)
        for j in range(n):
            x = xs[j]
            lam = (w @ x).squeeze(-1) * scale  # (S, K)
            err = teach[j] - _g(lam, activation).sum(-1)
            delta = _dg(lam, activation) * err[:, None]
            w.addcmul_(delta[:, :, None], x.transpose(1, 2), value=lr * scale)
        done += n
        if done == at[nxt]:
            record()
            nxt += 1
    q, r = np.stack(qs, 1), np.stack(rs, 1)
    eps = np.array(
        [
            [
                generalisation_error(q[s, k], r[s, k], T[s], activation)
                for k in range(len(at))
            ]
            for s in range(S)
        ]
    )
    return OrderParameters(at / N, q, r, eps)


def symmetric_plateau(
    K: int, lr: float, q0: float = 0.3, alpha_max: float = 2_000.0
) -> tuple[float, float, float, float]:
    """The symmetric fixed point of the erf ODEs for ``K = M`` and ``T = 1``.

    Integrates the ODEs from an exactly symmetric start (``R_in = 0``, ``Q = q0 * 1``), which
    cannot leave the symmetric subspace, until it settles on its fixed point.

    Args:
        K: student and teacher hidden units (``K = M``).
        lr: learning rate.
        q0: initial ``Q_ii``.
        alpha_max: integration time.

    Returns:
        ``(eps, R, Q, C)``, the plateau's generalisation error, the common overlap ``R_in``,
        ``Q_ii`` and ``Q_ik`` (``i != k``).

    Raises:
        ValueError: on bad arguments.

    References:
        Saad and Solla, Phys. Rev. E 52, 4225 (1995), the symmetric phase.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    K = positive_int("K", K)
    q0 = positive_number("q0", q0)
    lr = positive_number("lr", lr)
    eye = np.eye(K)
    off = 1 - eye

    def rhs(_, y):
        r, q, c = y
        dq, dr = order_parameter_rhs(q * eye + c * off, np.full((K, K), r), eye, lr)
        # the symmetric subspace is invariant; averaging removes round-off that would leave it
        return [dr.mean(), np.diag(dq).mean(), (dq * off).sum() / max(K * (K - 1), 1)]

    sol = solve_ivp(
        rhs, (0, alpha_max), [0.0, q0, 0.0], method="LSODA", rtol=1e-10, atol=1e-12
    )
    if not sol.success:
        raise ValueError(f"the ODE solver failed: {sol.message}")
    r, q, c = sol.y[:, -1]
    eps = generalisation_error(q * eye + c * off, np.full((K, K), r), eye)
    return float(eps), float(r), float(q), float(c)


def plateau_length(alpha, eps, level: float, rel: float = 0.05) -> float:
    """The time the error spends within ``rel`` of a plateau ``level``.

    Args:
        alpha: ``(n_times,)`` increasing times.
        eps: ``(n_times,)`` generalisation errors.
        level: the plateau's error (positive).
        rel: relative half-width of the band around ``level``.

    Returns:
        The summed length of the intervals with ``|eps - level| <= rel * level`` (0 if none).

    Raises:
        ValueError: on mismatched shapes or a non-positive level or width.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    a = np.asarray(alpha, dtype=np.float64)
    e = np.asarray(eps, dtype=np.float64)
    if a.shape != e.shape or a.ndim != 1:
        raise ValueError(
            f"alpha and eps must be 1-d of one shape, got {a.shape}, {e.shape}"
        )
    level = positive_number("level", level)
    rel = positive_number("rel", rel)
    inside = np.abs(e - level) <= rel * level
    return float(np.sum(np.diff(a) * (inside[1:] & inside[:-1])))


def specialisation(R) -> np.ndarray:
    """How far each student unit has specialised: the largest minus the second largest ``R_in``.

    Args:
        R: ``(..., K, M)`` student-teacher overlaps, ``M >= 2``.

    Returns:
        ``(..., K)`` array, 0 in the symmetric phase and ``T_nn`` for a unit that learned one
        teacher unit.

    Raises:
        ValueError: when ``M < 2``.

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    r = np.sort(np.asarray(R, dtype=np.float64), axis=-1)
    if r.shape[-1] < 2:
        raise ValueError("R must have at least two teacher units (M >= 2)")
    return r[..., -1] - r[..., -2]


def diagonal_network(
    X: torch.Tensor,
    y: torch.Tensor,
    init_scales,
    lr: float,
    steps: int,
) -> torch.Tensor:
    """Gradient descent of diagonal linear networks ``beta = u*u - v*v``, one per initial scale.

    Minimises ``|X beta - y|^2 / (2 n)`` from ``u = v = init_scale * 1`` (so ``beta = 0``); the
    step for scale ``a`` is ``lr / max(1, a^2)`` (the curvature grows with ``a^2``).

    Args:
        X: ``(n, d)`` float64 design matrix.
        y: ``(n,)`` float64 targets.
        init_scales: ``(n_scales,)`` positive initial scales ``alpha``.
        lr: base learning rate.
        steps: gradient steps.

    Returns:
        ``(n_scales, d)`` float64 tensor of the final ``beta``.

    Raises:
        ValueError: on mismatched shapes, non-positive scales, learning rate or steps.

    References:
        Woodworth et al., "Kernel and rich regimes in overparametrized models", COLT 2020, the diagonal-network theorem
        (small ``alpha``: min-l1; large ``alpha``: min-l2).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    X = finite("X", X).to(torch.float64)
    y = finite("y", y).to(torch.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"X must be (n, d) and y (n,), got {tuple(X.shape)}, {tuple(y.shape)}"
        )
    a = torch.as_tensor(np.asarray(init_scales, dtype=np.float64))
    if a.ndim != 1 or torch.any(a <= 0):
        raise ValueError("init_scales must be a 1-d array of positive scales")
    lr = positive_number("lr", lr)
    steps = positive_int("steps", steps)
    n, d = X.shape
    u = a[:, None].repeat(1, d)
    v = u.clone()
    step = (lr / torch.clamp(a**2, min=1.0))[:, None]
    for _ in range(steps):
        grad = ((u * u - v * v) @ X.T - y) @ X / n  # (n_scales, d)
        u, v = u - step * 2 * u * grad, v + step * 2 * v * grad
    return u * u - v * v


def min_l1(X, y) -> np.ndarray:
    """The minimum-l1 interpolating solution ``argmin |beta|_1`` subject to ``X beta = y``.

    Solved as a linear program (``beta = p - m``, ``p, m >= 0``) with scipy's ``linprog``.

    Args:
        X: ``(n, d)`` design matrix, ``n < d``.
        y: ``(n,)`` targets.

    Returns:
        ``(d,)`` float64 array.

    Raises:
        ValueError: on mismatched shapes or when the program is infeasible.

    References:
        Chen, Donoho and Saunders, basis pursuit (1998).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape}, {y.shape}")
    d = X.shape[1]
    res = linprog(
        np.ones(2 * d),
        A_eq=np.hstack([X, -X]),
        b_eq=y,
        bounds=(0, None),
        method="highs",
    )
    if not res.success:
        raise ValueError(f"the linear program failed: {res.message}")
    return res.x[:d] - res.x[d:]


def _ntk(W: torch.Tensor, a: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Empirical NTK ``(n, n)`` of ``f(x) = a . relu(W x) / sqrt(m)``."""
    m = W.shape[0]
    pre = X @ W.T  # (n, m)
    act = pre.clamp_min(0)
    ind = (pre > 0).to(X.dtype) * a
    return (act @ act.T + (ind @ ind.T) * (X @ X.T)) / m


def ntk_training(
    X: torch.Tensor,
    y: torch.Tensor,
    width: int,
    scales,
    lr: float,
    steps: int,
    *,
    generator: torch.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``alpha (f(w) - f(w_0))`` with loss ``|alpha (f - f_0) - y|^2 / (2 n alpha^2)``.

    ``f(x) = a . relu(W x) / sqrt(m)`` with both layers trained by full-batch gradient descent
    (the same initialisation for every scale). Large ``alpha`` trains lazily (the weights and
    the tangent kernel barely move, by ``O(1 / alpha)``); small ``alpha`` trains richly.

    Args:
        X: ``(n, d)`` float64 inputs.
        y: ``(n,)`` float64 targets.
        width: hidden units ``m``.
        scales: ``(n_scales,)`` positive output scales ``alpha``.
        lr: learning rate.
        steps: gradient steps.
        generator: CPU torch generator for the initialisation.

    Returns:
        ``(relative_change, final_loss)``, arrays of shape ``(n_scales,)``, the relative change
        ``|K_T - K_0|_F / |K_0|_F`` of the tangent kernel on ``X`` and the final mean squared
        error ``|alpha (f - f_0) - y|^2 / (2 n)``.

    Raises:
        ValueError: on bad shapes, scales, width, learning rate or steps.

    References:
        Chizat, Oyallon and Bach, "On lazy training in differentiable programming", NeurIPS
        2019 (lazy training by the output scale); Jacot, Gabriel and Hongler, NeurIPS 2018 (the NTK).

    Used in:
        - :doc:`/book/learning/learning-dynamics-of-two-layer-networks`
    """
    X = finite("X", X).to(torch.float64)
    y = finite("y", y).to(torch.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"X must be (n, d) and y (n,), got {tuple(X.shape)}, {tuple(y.shape)}"
        )
    width = positive_int("width", width)
    lr = positive_number("lr", lr)
    steps = positive_int("steps", steps)
    alphas = np.asarray(scales, dtype=np.float64)
    if alphas.ndim != 1 or np.any(alphas <= 0) or not np.all(np.isfinite(alphas)):
        raise ValueError("scales must be a 1-d array of positive output scales")
    _n, d = X.shape
    W0 = torch.randn(width, d, generator=generator, dtype=torch.float64) / math.sqrt(d)
    a0 = torch.randn(width, generator=generator, dtype=torch.float64)
    K0 = _ntk(W0, a0, X)
    f0 = (X @ W0.T).clamp_min(0) @ a0 / math.sqrt(width)
    changes, losses = [], []
    for alpha in alphas:
        W = W0.clone().requires_grad_(True)
        a = a0.clone().requires_grad_(True)
        opt = torch.optim.SGD([W, a], lr=lr)
        for _ in range(steps):
            f = (X @ W.T).clamp_min(0) @ a / math.sqrt(width)
            loss = ((alpha * (f - f0) - y) ** 2).mean() / (2 * alpha**2)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            f = (X @ W.T).clamp_min(0) @ a / math.sqrt(width)
            losses.append(float(((alpha * (f - f0) - y) ** 2).mean() / 2))
            K = _ntk(W, a, X)
            changes.append(float(torch.linalg.norm(K - K0) / torch.linalg.norm(K0)))
    return np.array(changes), np.array(losses)
