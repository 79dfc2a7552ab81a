"""The semi-empirical mass formula (SEMF) and the shell term: the physics baselines of the
nuclear chapter.

The liquid-drop binding energy (MeV, or keV with the coefficients scaled) is

    B(Z, N) = a_V A - a_S A^(2/3) - a_C Z (Z - 1) / A^(1/3) - a_A (N - Z)^2 / A + delta,

with the pairing term ``delta = +a_P / sqrt(A)`` for even-even, ``-a_P / sqrt(A)`` for odd-odd
and 0 for odd-A nuclei. :data:`TEXTBOOK` holds the textbook coefficients (a_V 15.75, a_S 17.8,
a_C 0.711, a_A 23.7, a_P 11.18 MeV); :func:`fit` refits them by linear least squares.

The shell term of the thesis (App. B) uses ``P = nu_N nu_Z / (nu_N + nu_Z)`` with ``nu`` the
distance of Z or N to the nearest magic number (2, 8, 20, 28, 50, 82, 126).

Used by :doc:`/book/nuclear/nuclear-masses-semf` (Kitouni thesis, chapter 5 and
appendix B; Nolte et al. 2024).
"""

from __future__ import annotations

import numpy as np

from physml._checks import finite

TERMS = ("volume", "surface", "coulomb", "asymmetry", "pairing")
SHELL_TERMS = ("shell_p", "shell_p2")
#: Textbook coefficients in MeV, in the order of ``TERMS``.
TEXTBOOK = np.array([15.75, 17.8, 0.711, 23.7, 11.18])
MAGIC = np.array([2, 8, 20, 28, 50, 82, 126])


def _zn(z: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proton and neutron numbers as float arrays: finite whole numbers >= 0 with A >= 1 (the
    pairing term reads their parity), else a ValueError naming the argument."""
    z, n = (
        finite("z", np.asarray(z, dtype=float)),
        finite("n", np.asarray(n, dtype=float)),
    )
    if z.shape != n.shape:
        raise ValueError(
            f"z and n must have the same shape, got {z.shape} and {n.shape}"
        )
    for name, x in (("z", z), ("n", n)):
        if (x != np.round(x)).any():
            raise ValueError(
                f"{name} must hold whole numbers (nucleon counts), got values such as "
                f"{x[x != np.round(x)].ravel()[:3].tolist()}"
            )
    if (z < 0).any() or (n < 0).any() or (z + n < 1).any():
        raise ValueError("z and n must be >= 0 with A = z + n >= 1")
    return z, n


def terms(z: np.ndarray, n: np.ndarray, shell: bool = False) -> np.ndarray:
    """The five SEMF terms with their signs, so that ``B = terms @ coefficients``.

    The columns are ``A``, ``-A^(2/3)``, ``-Z(Z-1)/A^(1/3)``, ``-(N-Z)^2/A`` and ``+-1/sqrt(A)``
    (0 for odd A); ``shell=True`` appends ``P`` and ``P^2`` (:func:`shell_p`).

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.
        shell: append the shell term's two columns.

    Returns:
        float64 array ``z.shape + (5,)`` (``+ (7,)`` with ``shell``), dimensionless.

    Raises:
        ValueError: if ``z`` or ``n`` is not finite, not whole, negative, or ``A < 1``, or
            their shapes differ.

    References:
        Kitouni thesis, chapter 5 and appendix B (the shell term).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    z, n = _zn(z, n)
    a = z + n
    parity = np.where(a % 2 == 1, 0.0, np.where(z % 2 == 0, 1.0, -1.0))
    columns = [
        a,
        -(a ** (2 / 3)),
        -z * (z - 1) / a ** (1 / 3),
        -((n - z) ** 2) / a,
        parity / np.sqrt(a),
    ]
    if shell:
        p = shell_p(z, n)
        columns += [p, p**2]
    return np.stack(columns, axis=-1)


def binding(
    z: np.ndarray, n: np.ndarray, coefficients: np.ndarray = TEXTBOOK
) -> np.ndarray:
    """SEMF binding energy in the units of ``coefficients`` (MeV for :data:`TEXTBOOK`).

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.
        coefficients: ``(5,)`` in the order of ``TERMS``, or ``(7,)`` with the shell term's two
            (as :func:`fit` returns them); MeV or keV.

    Returns:
        float64 array of the shape of ``z``, in the units of ``coefficients``.

    Raises:
        ValueError: if ``coefficients`` is not of shape ``(5,)`` or ``(7,)``, or ``z`` and ``n``
            are not valid nucleon numbers (:func:`terms`).

    References:
        Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    coefficients = np.asarray(coefficients, dtype=float)
    sizes = (len(TERMS), len(TERMS) + len(SHELL_TERMS))
    if coefficients.ndim != 1 or coefficients.shape[0] not in sizes:
        raise ValueError(
            f"coefficients must have shape ({sizes[0]},) or ({sizes[1]},), "
            f"got {coefficients.shape}"
        )
    return terms(z, n, shell=coefficients.shape[0] == sizes[1]) @ coefficients


def fit(z: np.ndarray, n: np.ndarray, b: np.ndarray, shell: bool = False) -> np.ndarray:
    """Least-squares SEMF coefficients for binding energies ``b``.

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.
        b: binding energies ``z.shape``, finite, in MeV or keV.
        shell: append the shell term's two coefficients (:func:`shell_p`).

    Returns:
        float64 ``(5,)`` (``(7,)`` with ``shell``) in the units of ``b``, in the order of
        ``TERMS`` (then ``SHELL_TERMS``).

    Raises:
        ValueError: if ``b`` is not finite (NaN or inf) or not of the shape of ``z``, if there are
            fewer nuclei than coefficients, or ``z`` and ``n`` are not valid nucleon numbers.

    References:
        Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    b = finite("b", np.asarray(b, dtype=float))
    x = terms(z, n, shell=shell)
    if b.shape != x.shape[:1]:
        raise ValueError(f"b must have shape {x.shape[:1]}, got {b.shape}")
    if len(b) < x.shape[1]:
        raise ValueError(
            f"need at least {x.shape[1]} nuclei to fit the SEMF, got {len(b)}"
        )
    coefficients, *_ = np.linalg.lstsq(x, b, rcond=None)
    return coefficients


def pseudo_data(z: np.ndarray, n: np.ndarray) -> np.ndarray:
    """SEMF pseudo-data, the textbook SEMF binding energy in keV at every ``(z, n)``.

    The clean control target of the thesis (App. B) and Nolte et al. (App. A).

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.

    Returns:
        float64 array of the shape of ``z``, keV.

    References:
        Kitouni thesis, appendix B; Nolte et al. 2024, appendix A.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    return 1000.0 * binding(z, n, TEXTBOOK)


#: The coefficients ``a1, a2, b`` (keV) printed with eq. 5 of Nolte et al. 2024 (App. G).
EQ5_COEFFICIENTS = (-88062.52, -171331.53, 95815.44)


def eq5_features(z: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The two features and the constant of the symbolic-regression formula.

    The features of Nolte et al. 2024 (eq. 5, = thesis eq. B.4) are
    ``(-0.09 + 1e-6 Z^2)(A + 2.5 sin(0.25 - 0.13 N + 0.2 Z))``, ``0.97^N`` and 1; the formula
    is ``features @ (a1, a2, b)`` in keV (:data:`EQ5_COEFFICIENTS`).

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.

    Returns:
        float64 array ``z.shape + (3,)``, dimensionless.

    Raises:
        ValueError: if ``z`` or ``n`` is not finite, not whole, negative, or ``A < 1``, or
            their shapes differ.

    References:
        Nolte et al. 2024, eq. 5 and appendix G; Kitouni thesis, eq. B.4.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    z, n = _zn(z, n)
    first = (-0.09 + 1e-6 * z**2) * (z + n + 2.5 * np.sin(0.25 - 0.13 * n + 0.2 * z))
    return np.stack([first, 0.97**n, np.ones_like(z)], axis=-1)


def magic_distance(x: np.ndarray) -> np.ndarray:
    """Distance of each proton or neutron number to the nearest magic number.

    The magic numbers are ``MAGIC`` (2, 8, 20, 28, 50, 82, 126).

    Args:
        x: proton or neutron numbers, any shape, finite and >= 0.

    Returns:
        float64 array of the shape of ``x``, in nucleons.

    Raises:
        ValueError: if ``x`` is not finite or has a negative entry.

    References:
        Kitouni thesis, appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    x = finite("x", np.asarray(x, dtype=float))
    if (x < 0).any():
        raise ValueError("x must hold nucleon numbers >= 0")
    return np.abs(x[..., None] - MAGIC).min(axis=-1)


def shell_p(z: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The valence factor ``P = nu_N nu_Z / (nu_N + nu_Z)`` (0 where both are magic).

    ``nu`` is the distance to the nearest magic number (:func:`magic_distance`).

    Args:
        z: proton numbers Z, any shape, whole numbers >= 0 (float or int).
        n: neutron numbers N, the shape of ``z``, whole numbers >= 0 with ``A = Z + N >= 1``.

    Returns:
        float64 array of the shape of ``z``, in nucleons.

    Raises:
        ValueError: if ``z`` or ``n`` is not finite, not whole, negative, or ``A < 1``, or
            their shapes differ.

    References:
        Kitouni thesis, appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    z, n = _zn(z, n)
    nz, nn = magic_distance(z), magic_distance(n)
    total = nz + nn
    return np.divide(nz * nn, total, out=np.zeros_like(total), where=total > 0)


def rms(residuals: np.ndarray) -> float:
    """Root mean square of ``residuals``.

    Args:
        residuals: any shape, non-empty and finite, in any units.

    Returns:
        A Python float in the units of ``residuals``.

    Raises:
        ValueError: if ``residuals`` is empty or not finite (NaN or inf).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    residuals = finite("residuals", np.asarray(residuals, dtype=float))
    if residuals.size == 0:
        raise ValueError("residuals is empty: the RMS of nothing is undefined")
    return float(np.sqrt(np.mean(residuals**2)))
