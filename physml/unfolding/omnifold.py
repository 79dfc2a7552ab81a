"""OmniFold: unbinned unfolding by iterated classifier reweighting (eqs. 6.7-6.12).

- :func:`run_omnifold`: the two-step iteration on paired simulation (x_parton, x_reco) and measured
  reco-level data, with weights D/(1 - D) from any classifier, weight clipping and
  per-iteration diagnostics.
- The classifiers, each a callable ``classifier(x0, w0, x1, w1) -> D`` that returns
  P(class 1 | x) at the points ``x0``: :class:`BoostedClassifier` (scikit-learn's histogram
  gradient boosting, the fast choice), :class:`MLPClassifier` (a torch network trained by
  :func:`physml.train.fit`) and :class:`HistogramClassifier` (the exact binned ratio, with which
  OmniFold is bin-wise IBU).

Used by :doc:`/book/unfolding/from-a-matrix-to-omnifold`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from physml import nn as pnn
from physml import train
from physml._checks import positive_int, positive_number, real_array

Classifier = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]

#: The classifier output is kept in [D_EPS, 1 - D_EPS] before D/(1 - D) is taken.
D_EPS = 1e-7


def _features(name: str, x) -> np.ndarray:
    arr = real_array(name, x, ndim=(1, 2), min_len=1)
    return arr[:, None] if arr.ndim == 1 else arr


@dataclass(frozen=True)
class BoostedClassifier:
    """Weighted histogram gradient boosting (scikit-learn), evaluated at the class-0 points.

    Deterministic: no early stopping, so no random validation split.

    Args:
        max_iter: boosting iterations, a positive int.
        learning_rate: the shrinkage, > 0.
        max_leaf_nodes: leaves per tree, an int >= 2.
        min_samples_leaf: the fewest events in a leaf, a positive int (large values keep the
            predicted D smooth at the training points it is evaluated on).

    Raises:
        ValueError: naming the field that is out of range.

    References:
        Ke et al. 2017 (LightGBM, the algorithm behind scikit-learn's histogram boosting).

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """

    max_iter: int = 100
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 200

    def __post_init__(self) -> None:
        positive_int("max_iter", self.max_iter)
        positive_number("learning_rate", self.learning_rate)
        positive_int("max_leaf_nodes", self.max_leaf_nodes, minimum=2)
        positive_int("min_samples_leaf", self.min_samples_leaf)

    def __call__(self, x0, w0, x1, w1) -> np.ndarray:
        """Train class 0 (``x0``, weights ``w0``) against class 1 (``x1``, ``w1``); D at ``x0``.

        Args:
            x0, x1: features, shape ``(n0,)``/``(n0, d)`` and ``(n1,)``/``(n1, d)``.
            w0, w1: event weights, shapes ``(n0,)`` and ``(n1,)``, >= 0.

        Returns:
            float64 array of shape ``(n0,)``: the classifier's P(class 1 | x) at ``x0``.
        """
        from sklearn.ensemble import HistGradientBoostingClassifier

        a, b = _features("x0", x0), _features("x1", x1)
        clf = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            early_stopping=False,
            random_state=0,
        )
        x = np.concatenate([a, b])
        y = np.concatenate([np.zeros(len(a)), np.ones(len(b))]).astype(np.int64)
        clf.fit(x, y, sample_weight=np.concatenate([w0, w1]))
        return clf.predict_proba(a)[:, 1].astype(np.float64)


@dataclass(frozen=True)
class MLPClassifier:
    """A small torch network trained with the weighted binary cross-entropy; D at class 0.

    Inputs are standardised with the class-0 mean and width. Trained on the CPU by
    :func:`physml.train.fit` (minibatches drawn with ``generator``).

    Args:
        hidden: width of the hidden layers, a positive int.
        depth: hidden layers, a positive int.
        steps: optimiser steps, a positive int.
        batch_size: events per step, a positive int.
        lr: the learning rate, > 0.
        generator: a CPU ``torch.Generator`` for the minibatches; ``None`` for a fresh one
            seeded with 0 (as :func:`physml.train.fit`). The initial weights come from torch's
            global generator, as every ``torch.nn.Linear``'s.

    Raises:
        ValueError: naming the field that is out of range.

    References:
        Andreassen et al. 2020, PRL 124, 182001 (OmniFold's classifiers are neural networks).

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """

    hidden: int = 32
    depth: int = 2
    steps: int = 600
    batch_size: int = 1024
    lr: float = 3e-3
    generator: torch.Generator | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        positive_int("hidden", self.hidden)
        positive_int("depth", self.depth)
        positive_int("steps", self.steps)
        positive_int("batch_size", self.batch_size)
        positive_number("lr", self.lr)

    def __call__(self, x0, w0, x1, w1) -> np.ndarray:
        """Train class 0 against class 1 with weights; return D at ``x0`` (see
        :meth:`BoostedClassifier.__call__`).

        Args:
            x0, x1: features, shape ``(n0,)``/``(n0, d)`` and ``(n1,)``/``(n1, d)``.
            w0, w1: event weights, shapes ``(n0,)`` and ``(n1,)``, >= 0.

        Returns:
            float64 array of shape ``(n0,)``.
        """
        a, b = _features("x0", x0), _features("x1", x1)
        mu, sd = a.mean(axis=0), a.std(axis=0) + 1e-12
        x = torch.as_tensor((np.concatenate([a, b]) - mu) / sd, dtype=torch.float32)
        y = torch.cat([torch.zeros(len(a)), torch.ones(len(b))])
        w = torch.as_tensor(np.concatenate([w0, w1]), dtype=torch.float32)
        w = w / w.mean()
        model = pnn.MLP(x.shape[1], 1, hidden=self.hidden, depth=self.depth)

        def loss(m, xb, yb, wb):
            logits = m(xb).squeeze(-1)
            return (
                wb * F.binary_cross_entropy_with_logits(logits, yb, reduction="none")
            ).mean()

        train.fit(
            model,
            loss,
            (x, y, w),
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            generator=self.generator,
            device="cpu",
            progress=False,
        )
        with torch.no_grad():
            d = torch.sigmoid(model(x[: len(a)]).squeeze(-1))
        return d.double().numpy()


@dataclass(frozen=True)
class HistogramClassifier:
    """The exact binned classifier: D = W1(bin) / (W0(bin) + W1(bin)) from the weighted counts.

    For one-dimensional features. With it, OmniFold's two steps are exactly iterative Bayesian
    unfolding with the same bins (:func:`physml.unfolding.binned.ibu`).

    Args:
        edges: increasing bin edges, shape ``(n_bins + 1,)``; values outside go to the first or
            last bin.

    Raises:
        ValueError: if ``edges`` has fewer than 2 entries or is not strictly increasing.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """

    edges: tuple[float, ...]

    def __post_init__(self) -> None:
        e = real_array("edges", list(self.edges), min_len=2)
        if not (np.diff(e) > 0).all():
            raise ValueError("edges must be strictly increasing")

    def bin(self, x) -> np.ndarray:
        """The bin index of each value.

        Args:
            x: shape ``(n,)`` or ``(n, 1)``, real.

        Returns:
            int64 array of shape ``(n,)`` in ``[0, n_bins)``.

        Raises:
            ValueError: if ``x`` has more than one feature.
        """
        a = _features("x", x)
        if a.shape[1] != 1:
            raise ValueError(f"x must have one feature, got {a.shape[1]}")
        e = np.asarray(self.edges)
        return np.clip(np.searchsorted(e, a[:, 0], side="right") - 1, 0, len(e) - 2)

    def __call__(self, x0, w0, x1, w1) -> np.ndarray:
        """D at ``x0`` from the weighted bin contents of both classes.

        Args:
            x0, x1: one feature, shapes ``(n0,)`` and ``(n1,)``.
            w0, w1: event weights, shapes ``(n0,)`` and ``(n1,)``, >= 0.

        Returns:
            float64 array of shape ``(n0,)``; 1/2 in a bin that neither class fills.
        """
        n = len(self.edges) - 1
        b0 = self.bin(x0)
        h0 = np.bincount(b0, weights=w0, minlength=n)
        h1 = np.bincount(self.bin(x1), weights=w1, minlength=n)
        tot = h0 + h1
        d = np.divide(h1, tot, out=np.full(n, 0.5), where=tot > 0)
        return d[b0]


@dataclass(frozen=True)
class OmniFoldResult:
    """The weights of every OmniFold iteration and its diagnostics.

    Args:
        weights: ν_n per simulated event, float64 of shape ``(iterations + 1, n_sim)``; row 0
            is ν_0 and the unfolded parton-level distribution after n iterations is the
            simulation's parton level weighted by ``weights[n]`` (eq. 6.12).
        step1_weights: ω_n (step 1, pulled to the parton level), shape ``(iterations, n_sim)``.
        diagnostics: one dict per iteration and step: ``iteration``, ``step`` (1 or 2),
            ``mean_ratio`` (the mean of the new weight over the old, 1 for a consistent
            classifier), ``max_weight``, ``ess_fraction`` ((Σw)²/(n Σw²), 1 for equal weights)
            and ``clipped_fraction`` (the share of events whose ratio was clipped).

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """

    weights: np.ndarray
    step1_weights: np.ndarray
    diagnostics: list[dict]


def _ratio(d: np.ndarray, n: int, clip: float | None) -> tuple[np.ndarray, float]:
    d = np.asarray(d, dtype=np.float64)
    if d.shape != (n,) or not np.isfinite(d).all():
        raise ValueError(
            f"the classifier must return {n} finite values of D, got shape {d.shape}"
        )
    d = np.clip(d, D_EPS, 1.0 - D_EPS)
    r = d / (1.0 - d)
    if clip is None:
        return r, 0.0
    clipped = (r > clip) | (r < 1.0 / clip)
    return np.clip(r, 1.0 / clip, clip), float(clipped.mean())


def _diag(iteration: int, step: int, new, old, clipped: float) -> dict:
    return {
        "iteration": iteration,
        "step": step,
        "mean_ratio": float(np.sum(new) / np.sum(old)),
        "max_weight": float(new.max() / new.mean()),
        "ess_fraction": float(new.sum() ** 2 / (len(new) * np.sum(new**2))),
        "clipped_fraction": clipped,
    }


def run_omnifold(
    gen_sim,
    reco_sim,
    reco_data,
    classifier: Classifier,
    iterations: int = 3,
    *,
    clip: float | None = 10.0,
    sim_weights=None,
    data_weights=None,
) -> OmniFoldResult:
    """Unfold ``reco_data`` with the paired simulation (``gen_sim``, ``reco_sim``) by OmniFold.

    Starting from ν_0 = the simulation's weights (eq. 6.7), each iteration n = 1, 2, ...

    1. trains ``classifier`` between the simulated reco events (weights ν_{n-1}, pushed) and the
       data (weights 1), and sets ω_n = ν_{n-1} D/(1 - D) (eq. 6.8);
    2. pulls ω_n to the parton level through the pairing (eq. 6.9) and trains ``classifier``
       between the simulated parton events with weights ω_n and with weights ν_{n-1}, setting
       ν_n = ν_{n-1} D/(1 - D) (eq. 6.10), a smooth function of the parton level, pushed back
       to the reco level (eq. 6.11).

    Before each training the two classes are scaled to the same total weight, so D/(1 - D)
    estimates the ratio of the normalised densities and ν keeps the simulation's total. The
    unfolded distribution is the simulation's parton level weighted by ν_n (eq. 6.12).

    Args:
        gen_sim: simulated parton-level events, shape ``(n_sim,)`` or ``(n_sim, d)``.
        reco_sim: the same events at reco level, shape ``(n_sim,)`` or ``(n_sim, d_reco)``.
        reco_data: measured events, shape ``(n_data,)`` or ``(n_data, d_reco)``.
        classifier: ``classifier(x0, w0, x1, w1) -> D`` at ``x0``: float64 ``(n0,)``, the
            probability of class 1 (:class:`BoostedClassifier`, :class:`MLPClassifier`,
            :class:`HistogramClassifier` or any callable of that form).
        iterations: the number of iterations, an int >= 0 (0 returns ν_0).
        clip: each ratio D/(1 - D) is clipped to ``[1/clip, clip]`` (``clip`` > 1); ``None``
            clips nothing (D itself is kept in ``[1e-7, 1 - 1e-7]``).
        sim_weights: initial simulation weights ν_0, shape ``(n_sim,)``, > 0; ``None`` for 1.
        data_weights: data weights, shape ``(n_data,)``, >= 0; ``None`` for 1.

    Returns:
        An :class:`OmniFoldResult`.

    Raises:
        TypeError: if ``classifier`` is not callable.
        ValueError: on shapes that do not match, non-finite inputs, negative ``iterations``,
            ``clip`` <= 1, non-positive weights, or a classifier output of the wrong shape or
            with NaN.

    References:
        Andreassen et al. 2020, PRL 124, 182001; Pawlowski & Plehn 2025, Sec. 6.1,
        eqs. 6.7-6.12.

    Used in:
        - :doc:`/book/unfolding/from-a-matrix-to-omnifold`
    """
    if not callable(classifier):
        raise TypeError("classifier must be callable as classifier(x0, w0, x1, w1)")
    gen = _features("gen_sim", gen_sim)
    reco = _features("reco_sim", reco_sim)
    data = _features("reco_data", reco_data)
    if len(gen) != len(reco):
        raise ValueError(
            f"gen_sim and reco_sim must pair the same events, got {len(gen)} and {len(reco)}"
        )
    if data.shape[1] != reco.shape[1]:
        raise ValueError(
            f"reco_data must have the features of reco_sim ({reco.shape[1]}), "
            f"got {data.shape[1]}"
        )
    positive_int("iterations", iterations, minimum=0)
    if clip is not None and not (positive_number("clip", clip) > 1.0):
        raise ValueError(f"clip must be > 1 or None, got {clip!r}")
    nu = _weights("sim_weights", sim_weights, len(gen), strict=True)
    w_data = _weights("data_weights", data_weights, len(data), strict=False)
    w_data = w_data * (nu.sum() / w_data.sum())
    weights, step1, diags = [nu], [], []
    for n in range(1, iterations + 1):
        r1, c1 = _ratio(classifier(reco, nu, data, w_data), len(gen), clip)
        omega = nu * r1
        diags.append(_diag(n, 1, omega, nu, c1))
        omega_n = omega * (nu.sum() / omega.sum())
        r2, c2 = _ratio(classifier(gen, nu, gen, omega_n), len(gen), clip)
        new = nu * r2
        diags.append(_diag(n, 2, new, nu, c2))
        nu = new
        step1.append(omega)
        weights.append(nu)
    return OmniFoldResult(
        weights=np.array(weights),
        step1_weights=np.array(step1).reshape(iterations, len(gen)),
        diagnostics=diags,
    )


def _weights(name: str, w, n: int, strict: bool) -> np.ndarray:
    if w is None:
        return np.ones(n)
    arr = real_array(name, w, ndim=(1,), min_len=1)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if (arr <= 0).any() if strict else ((arr < 0).any() or arr.sum() <= 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0, not all 0'}")
    return arr
