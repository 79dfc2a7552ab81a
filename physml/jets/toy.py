"""A numpy toy shower for unit tests that need jets without the generator.

Not physics for the book (the chapters use Pythia 8 through :mod:`physml.jets.generation`), only
jets with the right gross structure: a QCD jet is one hard parton (pT in [550, 650] GeV) split a
few times, softly and collinearly with angular ordering; a top jet is an exact
t -> b W -> b q q' decay (m_t = 173, m_W = 80.4, m_b = 4.8 GeV) boosted to pT in [550, 650] GeV,
each quark split once. Every final parton fragments into three massless constituents close to it.
So the top jets have a mass peak near m_t, one subjet pair near m_W, and a small tau_3/tau_2.
"""

from __future__ import annotations

import numpy as np
import torch

from physml._checks import positive_int
from physml.jets.sample import QCD, TOP, JetSample

__all__ = ["toy_jets"]

M_TOP, M_W, M_B = 173.0, 80.4, 4.8


def _boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Four-momenta ``p (n, k, 4)`` seen from a frame moving with ``-beta (n, 3)`` (to the lab)."""
    b2 = (beta**2).sum(-1, keepdims=True)[:, None]
    gamma = 1 / np.sqrt(1 - b2)
    bp = (beta[:, None] * p[..., 1:]).sum(-1, keepdims=True)
    energy = gamma * (p[..., :1] + bp)
    mom = p[..., 1:] + ((gamma - 1) * bp / b2 + gamma * p[..., :1]) * beta[:, None]
    return np.concatenate([energy, mom], -1)


def _two_body(
    m: float, m1: float, m2: float, n: int, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic decays ``m -> m1 m2`` at rest: the daughters' four-momenta, ``(n, 4)`` each."""
    p = np.sqrt((m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)) / (2 * m)
    cos, phi = rng.uniform(-1, 1, n), rng.uniform(-np.pi, np.pi, n)
    sin = np.sqrt(1 - cos**2)
    d = p * np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], -1)
    e1, e2 = np.sqrt(p**2 + m1**2), np.sqrt(p**2 + m2**2)
    return np.c_[np.full(n, e1), d], np.c_[np.full(n, e2), -d]


def _split(pt, x, y, theta, rng):
    """Split every parton ``(pt, x, y)`` (arrays ``(n, k)``) at opening angle ``theta``.

    The softer daughter takes ``z`` (soft-enhanced, at most 1/2); the pT-weighted position is kept.
    """
    z = 0.5 * rng.uniform(0, 1, pt.shape) ** 1.5
    psi = rng.uniform(-np.pi, np.pi, pt.shape)
    cx, cy = theta * np.cos(psi), theta * np.sin(psi)
    return (
        np.concatenate([(1 - z) * pt, z * pt], -1),
        np.concatenate([x + z * cx, x - (1 - z) * cx], -1),
        np.concatenate([y + z * cy, y - (1 - z) * cy], -1),
    )


def _fragment(pt, x, y, rng, n_frag: int = 3, width: float = 0.01):
    """Each parton into ``n_frag`` massless constituents (Dirichlet pT shares, Gaussian offsets)."""
    share = rng.dirichlet(np.ones(n_frag), pt.shape)
    pt = (pt[..., None] * share).reshape(pt.shape[0], -1)
    x = (x[..., None] + width * rng.normal(size=share.shape)).reshape(pt.shape)
    y = (y[..., None] + width * rng.normal(size=share.shape)).reshape(pt.shape)
    return pt, x, y


def _qcd(n: int, rng):
    pt = rng.uniform(550, 650, (n, 1))
    x, y = np.zeros((n, 1)), np.zeros((n, 1))
    theta = np.exp(rng.uniform(np.log(0.05), np.log(0.6), (n, 1)))
    for _ in range(3):  # three rounds of angular-ordered splitting: 8 partons
        pt, x, y = _split(pt, x, y, theta, rng)
        theta = np.repeat(theta, 2, -1) * rng.uniform(0.2, 0.7, (n, pt.shape[1]))
    return pt, x, y


def _top(n: int, rng):
    w, b = _two_body(M_TOP, M_W, M_B, n, rng)
    q1, q2 = _two_body(M_W, 0.0, 0.0, n, rng)
    q = _boost(np.stack([q1, q2], 1), w[:, 1:] / w[:, :1])
    quarks = np.concatenate([b[:, None], q], 1)  # top rest frame
    pt_top = rng.uniform(550, 650, n)  # along +x in the transverse plane, at eta = 0
    beta = np.c_[pt_top / np.hypot(pt_top, M_TOP), np.zeros(n), np.zeros(n)]
    lab = _boost(quarks, beta)
    pt = np.hypot(lab[..., 1], lab[..., 2])
    x = np.arcsinh(lab[..., 3] / pt)
    y = np.arctan2(lab[..., 2], lab[..., 1])
    theta = np.exp(rng.uniform(np.log(0.02), np.log(0.2), (n, 3)))
    return _split(pt, x, y, theta, rng)


def toy_jets(
    n_top: int,
    n_qcd: int,
    seed: int,
    n_constituents: int = 32,
    dtype: torch.dtype = torch.float32,
) -> JetSample:
    """Toy top and QCD jets for unit tests (numpy, seeded; see the module docstring).

    Args:
        n_top: top jets, an int >= 0.
        n_qcd: QCD jets, an int >= 0 (``n_top + n_qcd >= 1``).
        seed: seed of the ``np.random.default_rng`` that draws everything.
        n_constituents: constituents kept per jet, the hardest (a top jet has 18, a QCD jet 24;
            the rest is zero padding).
        dtype: floating dtype of the constituents.

    Returns:
        A :class:`~physml.jets.sample.JetSample` on the CPU, massless constituents
        ``(E, px, py, pz)`` in GeV, pT-descending, jets at ``|eta| < 1.5`` in random azimuth,
        the classes shuffled together.

    Raises:
        ValueError: if a count is negative or not an int, both are 0, or ``n_constituents`` < 1.

    References:
        Pawlowski and Plehn 2025, Sec. 3.2.3 (the top decay, eq. 3.42) and card C12 of the
        reproduction notes (a toy generator for quick tests).

    Examples:
        >>> s = toy_jets(3, 2, seed=0)
        >>> len(s), s.n_top, s.n_constituents
        (5, 3, 32)
    """
    positive_int("n_top", n_top, minimum=0)
    positive_int("n_qcd", n_qcd, minimum=0)
    positive_int("n_constituents", n_constituents)
    if n_top + n_qcd == 0:
        raise ValueError("n_top + n_qcd must be at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    rng = np.random.default_rng(seed)
    parts = [_fragment(*_top(n_top, rng), rng), _fragment(*_qcd(n_qcd, rng), rng)]
    width = max(p[0].shape[1] for p in parts)
    pad = [[np.pad(a, ((0, 0), (0, width - a.shape[1]))) for a in p] for p in parts]
    pt, x, y = (np.concatenate([pad[0][i], pad[1][i]]) for i in range(3))
    n = n_top + n_qcd
    eta0 = rng.uniform(-1.5, 1.5, (n, 1))
    phi0 = rng.uniform(-np.pi, np.pi, (n, 1))
    eta, phi = eta0 + x, phi0 + y
    p = np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1
    )
    p[pt == 0] = 0.0
    order = np.argsort(-pt, axis=1, kind="stable")[:, :n_constituents]
    p = np.take_along_axis(p, order[..., None], axis=1)
    if p.shape[1] < n_constituents:
        p = np.pad(p, ((0, 0), (0, n_constituents - p.shape[1]), (0, 0)))
    labels = np.r_[np.full(n_top, TOP), np.full(n_qcd, QCD)]
    perm = rng.permutation(n)
    return JetSample(
        torch.as_tensor(p[perm], dtype=dtype),
        torch.as_tensor(labels[perm], dtype=torch.int64),
    )
