"""Reading a trained nuclear embedding network: its penultimate features against physics.

- :func:`penultimate`: the readout's input for the binding-energy rows, and its PCA;
- :func:`pc_contributions`: what each principal component adds to the binding prediction
  (keV), the vectors the papers compare with physics terms;
- :func:`term_vectors` and :func:`term_similarity`: the SEMF volume, surface, Coulomb,
  asymmetry and pairing terms and the shell term over the same nuclei, and the absolute cosine
  of the centred vectors (sign-free, as PC signs are arbitrary);
- :func:`orthogonalised_terms`: the terms made orthogonal in a given order (Gram-Schmidt on the
  centred vectors), so that the part of the surface term that the volume term does not explain
  can be told apart from the volume term (the raw terms all grow with A: ``|cos|`` > 0.95 between
  volume, surface and Coulomb);
- :func:`truncation_rms`: keep the first ``k`` PCs of the penultimate layer, run the readout,
  measure the binding RMS (Nolte et al., Fig. 4); :func:`random_basis` is its control, an
  orthonormal basis with no relation to the data;
- :func:`basis_search`: a small symbolic regression, best-subset least squares over a library of
  sympy expressions in Z and N (a pure-Python substitute for PySR, which needs a Julia download
  at run time).

Used by :doc:`/book/nuclear/nuclear-embeddings` (Kitouni thesis, chapter 5; Nolte et al. 2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import itertools
import math

import numpy as np
import sympy
import torch

from physml._checks import finite, positive_int
from physml.nuclear import semf
from physml.nuclear.embedding import MultiTaskData, NucleusNet
from physml.representations import PCA, principal_components


@torch.no_grad()
def penultimate(
    model: NucleusNet, data: MultiTaskData, task: str = "binding"
) -> tuple[np.ndarray, torch.Tensor, PCA]:
    """The rows of ``task``, the readout's input for them and its PCA.

    Args:
        model: a trained :class:`physml.nuclear.embedding.NucleusNet`.
        data: its multi-task dataset (:func:`physml.nuclear.embedding.multitask_data`).
        task: the task whose rows are read.

    Returns:
        The triple ``(mask, h, pca)``, a bool ndarray ``(len(data.rows),)`` selecting the task's
        rows, their penultimate features ``h`` float32 ``(rows, hidden)`` on the CPU, and the
        :class:`physml.representations.PCA` of ``h``.

    Raises:
        ValueError: if ``task`` is not one of ``data.tasks``.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    index = data.task_index(task)
    mask = data.rows["task"].to_numpy() == index
    device = next(model.parameters()).device
    z, n, t, _ = data.tensors(mask, device)
    h = model.features(z, n, t).cpu()
    return mask, h, principal_components(h)


@torch.no_grad()
def _readout_physical(
    model: NucleusNet, data: MultiTaskData, h: torch.Tensor, task: str
) -> np.ndarray:
    index = data.task_index(task)
    device = next(model.parameters()).device
    rows = torch.full((len(h),), index, dtype=torch.long, device=device)
    scaled = model.head(h.to(device=device, dtype=torch.float32), rows).cpu().numpy()
    return data.scaler.unscale(scaled, np.full(len(h), index))


def pc_contributions(
    model: NucleusNet, data: MultiTaskData, pca: PCA, k: int, task: str = "binding"
) -> np.ndarray:
    """The part of each row's prediction carried by each of the first ``k`` PCs.

    The part is ``score_i (R c_i) (high - low)`` for the PC ``c_i`` of the penultimate layer; the
    readout is linear, so the prediction is the mean's prediction plus the sum over all PCs.

    Args:
        model: a trained :class:`physml.nuclear.embedding.NucleusNet`.
        data: its multi-task dataset (:func:`physml.nuclear.embedding.multitask_data`).
        pca: the PCA of the task's penultimate features (:func:`penultimate`).
        k: how many leading PCs, ``>= 1``.
        task: the task whose readout is used.

    Returns:
        float64 ndarray ``(rows, k)`` in the task's physical units (keV, fm).

    Raises:
        ValueError: if ``k`` is not a positive int or ``task`` is not one of ``data.tasks``.

    References:
        Nolte et al. 2024 (the PC contributions compared with physics terms).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    positive_int("k", k)
    index = data.task_index(task)
    weight = model.readout.weight[index].detach().cpu().double()
    span = data.scaler.high[index] - data.scaler.low[index]
    scores = pca.projected[:, :k]
    return (scores * (pca.components[:k] @ weight)).cpu().numpy() * span


def term_vectors(z: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    """The textbook SEMF terms and the shell term at each nucleus, in keV.

    Each SEMF term carries its textbook coefficient (:data:`physml.nuclear.semf.TEXTBOOK`); the
    shell term is the code's ``-1.9 P + 0.14 P^2`` MeV (:func:`physml.nuclear.semf.shell_p`).

    Args:
        z: proton numbers ``(rows,)``, whole numbers >= 0.
        n: neutron numbers ``(rows,)``, whole numbers >= 0 with ``Z + N >= 1``.

    Returns:
        A dict from the names of ``physml.nuclear.semf.TERMS`` and ``"shell"`` to float64
        ``(rows,)`` in keV.

    References:
        Kitouni thesis, appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    parts = semf.terms(z, n) * semf.TEXTBOOK * 1000.0
    out = {name: parts[:, i] for i, name in enumerate(semf.TERMS)}
    p = semf.shell_p(z, n)
    out["shell"] = 1000.0 * (-1.9 * p + 0.14 * p**2)
    return out


def term_similarity(
    contributions: np.ndarray, terms: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """For each physics term, the absolute cosine with each column of ``contributions``.

    Both are centred, so this is the absolute Pearson correlation (sign-free, as PC signs are
    arbitrary). Invariant to the order of the rows (the same permutation applied to both).

    Args:
        contributions: float ``(rows, k)``, finite (:func:`pc_contributions`).
        terms: a dict from names to finite vectors ``(rows,)`` (:func:`term_vectors`,
            :func:`orthogonalised_terms`).

    Returns:
        A dict from each term's name to float64 ``(k,)`` in ``[0, 1]``.

    Raises:
        ValueError: on NaN or inf, a shape mismatch, or a constant column or term (its
            correlation is undefined; it is not 0).

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    c = finite("contributions", np.asarray(contributions, dtype=float))
    if c.ndim != 2:
        raise ValueError(f"contributions must be (rows, k), got shape {c.shape}")
    c = c - c.mean(axis=0)
    norms = np.linalg.norm(c, axis=0)
    if (norms == 0).any():
        raise ValueError(
            f"contributions columns {np.nonzero(norms == 0)[0].tolist()} are constant: "
            "their correlation with a term is undefined"
        )
    c = c / norms
    out = {}
    for name, vector in terms.items():
        v = finite(f"terms[{name!r}]", np.asarray(vector, dtype=float))
        if v.shape != c.shape[:1]:
            raise ValueError(
                f"term {name!r} has shape {v.shape}, expected {c.shape[:1]}"
            )
        v = v - v.mean()
        norm = np.linalg.norm(v)
        if norm == 0:
            raise ValueError(f"term {name!r} is constant: its correlation is undefined")
        out[name] = np.abs(c.T @ v) / norm
    return out


def orthogonalised_terms(
    terms: dict[str, np.ndarray], order: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The terms named in ``order``, centred and made orthonormal by Gram-Schmidt in that order.

    The first is the centred term itself (unit norm), each later one is what is left of it after
    removing its projection on the earlier ones. Pass the result to :func:`term_similarity`.

    Args:
        terms: a dict from names to finite vectors ``(rows,)`` (:func:`term_vectors`).
        order: the names to keep, in the order of the Gram-Schmidt.

    Returns:
        A dict from each name of ``order`` to float64 ``(rows,)`` of unit norm, dimensionless.

    Raises:
        TypeError: if ``order`` is not a tuple of names.
        ValueError: on an unknown or repeated name, vectors of different lengths, or a term that
            the earlier ones explain entirely (nothing left to compare).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if (
        not isinstance(order, tuple)
        or not order
        or not all(isinstance(t, str) for t in order)
    ):
        raise TypeError(f"order must be a non-empty tuple of term names, got {order!r}")
    unknown = [t for t in order if t not in terms]
    if unknown or len(set(order)) != len(order):
        raise ValueError(
            f"order must name distinct terms of {tuple(terms)}, got {order}"
        )
    basis: list[np.ndarray] = []
    out = {}
    for name in order:
        v = finite(f"terms[{name!r}]", np.asarray(terms[name], dtype=float))
        if v.ndim != 1 or (basis and v.shape != basis[0].shape):
            raise ValueError(
                f"term {name!r} must be a vector as long as the others, got shape {v.shape}"
            )
        v = v - v.mean()
        scale = np.linalg.norm(v)
        for q in basis:
            v = v - (v @ q) * q
        norm = np.linalg.norm(v)
        if not scale > 0 or norm <= 1e-9 * scale:
            raise ValueError(
                f"term {name!r} has nothing left after removing {tuple(out)}"
            )
        basis.append(v / norm)
        out[name] = basis[-1]
    return out


def random_basis(
    pca: PCA, h: torch.Tensor, *, generator: torch.Generator | None = None
) -> PCA:
    """The control of :func:`truncation_rms`, ``pca`` with a random orthonormal basis.

    The basis is the QR factor of a normal matrix drawn with ``generator``, of the size of
    ``pca``'s; ``h`` is projected on it, and ``ratio`` is kept only to keep the type.

    Args:
        pca: the PCA of the penultimate features (:func:`penultimate`).
        h: the features the PCA was fitted on, ``(rows, hidden)``, finite.
        generator: a CPU ``torch.Generator``; None: torch's default generator.

    Returns:
        A :class:`physml.representations.PCA` with ``pca``'s mean and ratio.

    Raises:
        TypeError: if ``generator`` is not a ``torch.Generator`` or None.
        ValueError: if ``h`` is not ``(rows, hidden)`` or not finite.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )
    dim = pca.components.shape[1]
    if h.ndim != 2 or h.shape[1] != dim:
        raise ValueError(f"h must be (rows, {dim}), got shape {tuple(h.shape)}")
    finite("h", h)
    q, _ = torch.linalg.qr(
        torch.randn(dim, dim, generator=generator, dtype=pca.components.dtype)
    )
    components = q.T[: pca.components.shape[0]]
    projected = (h.to(pca.mean.dtype) - pca.mean) @ components.T
    return PCA(pca.ratio, components, projected, pca.mean)


def truncation_rms(
    model: NucleusNet,
    data: MultiTaskData,
    pca: PCA,
    h: torch.Tensor,
    values: np.ndarray,
    ks: list[int],
    task: str = "binding",
) -> dict[int, float]:
    """RMS of the predictions when the penultimate features keep only their first ``k`` PCs.

    ``k = 0`` gives every row the mean feature.

    Args:
        model: a trained :class:`physml.nuclear.embedding.NucleusNet`.
        data: its multi-task dataset (:func:`physml.nuclear.embedding.multitask_data`).
        pca: the PCA of ``h`` (:func:`penultimate`) or its control (:func:`random_basis`).
        h: the penultimate features ``(rows, hidden)``, finite.
        values: the true values ``(rows,)`` in physical units, finite.
        ks: the numbers of PCs to keep, ints in ``[0, n_components]``.
        task: the task whose readout is used.

    Returns:
        A dict from each ``k`` to the RMS in the task's physical units (keV, fm).

    Raises:
        ValueError: if ``values`` or ``h`` is not finite, or a ``k`` is not an int in
            ``[0, n_components]``.

    References:
        Nolte et al. 2024, Fig. 4.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    values = finite("values", np.asarray(values, dtype=float))
    finite("h", h)
    out = {}
    for k in ks:
        if (
            isinstance(k, bool)
            or not isinstance(k, int)
            or not 0 <= k <= pca.components.shape[0]
        ):
            raise ValueError(
                f"ks must hold ints in [0, {pca.components.shape[0]}], got {k!r}"
            )
        kept = (
            pca.mean + pca.project(h, k) @ pca.components[:k]
            if k
            else pca.mean.expand_as(h)
        )
        out[k] = semf.rms(_readout_physical(model, data, kept, task) - values)
    return out


Z, N = sympy.symbols("Z N", positive=True)
A = Z + N
#: The candidate terms of :func:`basis_search`: the SEMF terms, the shell factor and simple
#: powers of Z, N and A.
LIBRARY = {
    "A": A,
    "A^(2/3)": A ** sympy.Rational(2, 3),
    "A^(1/3)": A ** sympy.Rational(1, 3),
    "Z(Z-1)/A^(1/3)": Z * (Z - 1) / A ** sympy.Rational(1, 3),
    "(N-Z)^2/A": (N - Z) ** 2 / A,
    "Z": Z,
    "N": N,
    "Z^2": Z**2,
    "N^2": N**2,
    "ZN": Z * N,
    "1/A": 1 / A,
    "sqrt(A)": sympy.sqrt(A),
    "A^2": A**2,
    "(N-Z)": N - Z,
    "|N-Z|/A": sympy.Abs(N - Z) / A,
}


@dataclass
class SymbolicFit:
    """A formula found by :func:`basis_search`.

    Args:
        terms: the names of the chosen library terms.
        coefficients: float64 ``(len(terms) + 1,)``, their coefficients with the constant last, in
            the units of the target.
        expression: the sympy expression in ``Z`` and ``N``.
        rms_path: the best RMS for 1, 2, ... terms, in the units of the target.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """

    terms: list[str]
    coefficients: np.ndarray
    expression: sympy.Expr
    rms_path: list[float]

    def latex(
        self,
        lhs: str,
        unit: str = "",
        per_line: int = 2,
        digits: int = 4,
        scale: float = 1.0,
    ) -> str:
        """The formula typeset for ``IPython.display.Math``: an ``aligned`` block with ``lhs`` on
        its own line, then ``= ...`` with ``per_line`` terms a line (a 200-character formula fits
        a 400 px phone), the expression times ``scale`` (e.g. ``1e-3`` for keV to MeV) with its
        coefficients to ``digits`` significant digits, ``unit`` (LaTeX text) after the last term.

        Raises:
            ValueError: if ``per_line`` or ``digits`` is not a positive integer, or ``scale`` is
                not a finite non-zero number.
        """
        positive_int("per_line", per_line)
        positive_int("digits", digits)
        if not (math.isfinite(scale) and scale != 0):
            raise ValueError(f"scale must be a finite non-zero number, got {scale!r}")
        expr = sympy.expand(
            self.expression * sympy.Float(scale),
            mul=False,
            power_exp=False,
            power_base=False,
            multinomial=False,
            log=False,
        )
        expr = expr.xreplace(
            {f: sympy.Float(f, digits) for f in expr.atoms(sympy.Float)}
        )
        parts = [sympy.latex(t) for t in sympy.Add.make_args(expr)]
        lines = []
        for i in range(0, len(parts), per_line):
            chunk = parts[i : i + per_line]
            text = " ".join(
                p if (j == 0 and i == 0) or p.startswith("-") else "+ " + p
                for j, p in enumerate(chunk)
            )
            lines.append(("&= " if i == 0 else "&\\quad ") + text)
        tail = f"\\ \\mathrm{{{unit}}}" if unit else ""
        return (
            f"\\begin{{aligned}}&{lhs}\\\\\n"
            + " \\\\\n".join(lines)
            + tail
            + "\\end{aligned}"
        )


def basis_search(
    z: np.ndarray,
    n: np.ndarray,
    target: np.ndarray,
    max_terms: int = 3,
    library: dict[str, sympy.Expr] | None = None,
) -> SymbolicFit:
    """Best-subset regression of ``target`` on library terms in Z and N.

    For each size up to ``max_terms``, the set of library terms whose least-squares fit (always
    with a constant) gives the smallest RMS of ``target``; every subset is tried (greedy selection
    fails on the strongly correlated SEMF terms). A pure-Python substitute for PySR.

    Args:
        z: proton numbers ``(rows,)``, finite.
        n: neutron numbers ``(rows,)``, finite.
        target: the values to fit ``(rows,)``, finite, in any units.
        max_terms: the largest number of terms, ``>= 1``.
        library: a dict from names to sympy expressions in ``Z`` and ``N``; None: :data:`LIBRARY`.

    Returns:
        A :class:`SymbolicFit` with the largest size's formula and the best RMS for each size.

    Raises:
        ValueError: if ``max_terms`` is not a positive int, an input is not finite, or ``z``, ``n``
            and ``target`` are not 1-D of one length.

    References:
        Nolte et al. 2024, eq. 5 (found there with PySR).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    positive_int("max_terms", max_terms)
    library = LIBRARY if library is None else library
    z, n = (
        finite("z", np.asarray(z, dtype=float)),
        finite("n", np.asarray(n, dtype=float)),
    )
    target = finite("target", np.asarray(target, dtype=float))
    if not (z.shape == n.shape == target.shape) or z.ndim != 1:
        raise ValueError("z, n and target must be 1-D arrays of the same length")
    columns = {
        name: np.broadcast_to(sympy.lambdify((Z, N), expr, "numpy")(z, n), z.shape)
        for name, expr in library.items()
    }
    ones = np.ones_like(z)
    path = []
    for size in range(1, min(max_terms, len(columns)) + 1):
        best = None
        for subset in itertools.combinations(columns, size):
            x = np.stack([columns[c] for c in subset] + [ones], axis=1)
            coef, *_ = np.linalg.lstsq(x, target, rcond=None)
            err = semf.rms(x @ coef - target)
            if best is None or err < best[0]:
                best = (err, list(subset), coef)
        path.append(best[0])
    _, chosen, coef = best
    expr = sum(sympy.Float(c, 6) * library[name] for c, name in zip(coef, chosen))
    expr = expr + sympy.Float(coef[-1], 6)
    return SymbolicFit(chosen, coef, expr, path)
