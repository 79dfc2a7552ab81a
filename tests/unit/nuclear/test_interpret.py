"""physml.nuclear.interpret: basis search, orthogonalised terms, random bases, order-free scores."""

import numpy as np
import pytest
import sympy

from physml.nuclear import interpret, semf


def test_term_similarity_and_rms_are_order_free():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(50, 3))
    terms = {"a": c[:, 0] * 2 + 1, "b": rng.normal(size=50)}
    ref = interpret.term_similarity(c, terms)
    assert ref["a"][0] == pytest.approx(
        1.0
    )  # a term proportional to a column: |cos| = 1
    perm = rng.permutation(50)
    shuffled = interpret.term_similarity(
        c[perm], {k: v[perm] for k, v in terms.items()}
    )
    for k in ref:
        np.testing.assert_allclose(shuffled[k], ref[k], rtol=1e-12)
    r = rng.normal(size=50)
    assert semf.rms(r[perm]) == pytest.approx(semf.rms(r), rel=1e-14)


def test_basis_search_recovers_a_formula():
    from physml.nuclear import interpret

    z, n = np.meshgrid(np.arange(8, 60), np.arange(8, 80))
    z, n = z.ravel().astype(float), n.ravel().astype(float)
    a = z + n
    target = 15.0 * a - 17.0 * a ** (2 / 3) + 4.0
    found = interpret.basis_search(z, n, target, max_terms=2)
    assert set(found.terms) == {"A", "A^(2/3)"} and found.rms_path[-1] < 1e-6
    assert np.allclose(
        found.coefficients,
        [15.0, -17.0, 4.0] if found.terms[0] == "A" else [-17.0, 15.0, 4.0],
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="same length"):
        interpret.basis_search(z, n[:-1], target)


def test_orthogonalised_terms_tell_collinear_terms_apart():
    from physml.nuclear import interpret

    z, n = np.meshgrid(np.arange(8, 90), np.arange(8, 140))
    z, n = z.ravel().astype(float), n.ravel().astype(float)
    terms = interpret.term_vectors(z, n)
    raw = interpret.term_similarity(terms["volume"][:, None], terms)
    assert raw["surface"][0] > 0.95  # the raw terms cannot be told apart by the cosine
    basis = interpret.orthogonalised_terms(terms, ("volume", "surface", "coulomb"))
    q = np.stack(list(basis.values()), axis=1)
    assert np.allclose(q.T @ q, np.eye(3), atol=1e-9) and np.allclose(
        q.mean(0), 0, atol=1e-12
    )
    # a pure volume signal matches the first direction only; a pure surface signal has a part
    # the volume does not explain, which the second direction catches
    sim = interpret.term_similarity(
        np.stack([terms["volume"], terms["surface"]], 1), basis
    )
    assert sim["volume"][0] == pytest.approx(1.0) and sim["surface"][0] < 1e-9
    assert sim["surface"][1] > 0.01 and sim["coulomb"][0] < 1e-9
    with pytest.raises(ValueError, match="nothing left"):
        interpret.orthogonalised_terms(
            {"a": terms["volume"], "b": 2 * terms["volume"]}, ("a", "b")
        )
    with pytest.raises(ValueError, match="distinct"):
        interpret.orthogonalised_terms(terms, ("volume", "volume"))
    with pytest.raises(TypeError, match="order"):
        interpret.orthogonalised_terms(terms, ["volume"])


def test_random_basis_is_orthonormal_and_keeps_the_full_reconstruction():
    import torch

    from physml.nuclear import interpret
    from physml.representations import principal_components

    h = torch.randn(
        200, 12, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    pca = principal_components(h)
    control = interpret.random_basis(pca, h, generator=torch.Generator().manual_seed(3))
    c = control.components
    assert torch.allclose(c @ c.T, torch.eye(12, dtype=c.dtype), atol=1e-10)
    assert torch.allclose(control.mean + control.projected @ c, h, atol=1e-10)
    assert not torch.allclose(c.abs(), pca.components.abs(), atol=1e-2)
    with pytest.raises(ValueError, match="h must be"):
        interpret.random_basis(pca, h[:, :5])
    with pytest.raises(TypeError, match="generator"):
        interpret.random_basis(pca, h, generator=0)


def test_symbolic_fit_typesets_in_broken_lines():
    from physml.nuclear import interpret

    z = np.arange(8.0, 60.0)
    n = z + 4
    a = z + n
    target = 15.0 * a - 0.7 * z * (z - 1) / a ** (1 / 3) + 3.0 * np.sqrt(a) + 2.0
    found = interpret.basis_search(z, n, target, max_terms=3)
    tex = found.latex(r"B", "keV", per_line=2, digits=3)
    assert tex.startswith("\\begin{aligned}&B\\\\\n&= ") and tex.endswith(
        r"\ \mathrm{keV}\end{aligned}"
    )
    n_terms = len(sympy.Add.make_args(found.expression))  # A = N + Z expands: 5 terms
    assert (
        tex.count(r"\\") == 1 + (n_terms - 1) // 2
    )  # the left side, then two terms a line
    assert "15.0" in tex and "*" not in tex
    assert "0.015" in found.latex("B", "MeV", digits=3, scale=1e-3)  # keV to MeV
    with pytest.raises(ValueError, match="per_line"):
        found.latex("B", per_line=0)
    with pytest.raises(ValueError, match="scale"):
        found.latex("B", scale=0.0)
