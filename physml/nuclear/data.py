"""Nuclear masses and charge radii from the evaluations shipped by the ``nucleardatapy`` package.

The tables are read from the installed package at run time and never copied into this
repository (their licence, CC BY-NC-ND 4.0, does not allow it):

- NUBASE2020 (Kondev et al., Chin. Phys. C 45, 030001 (2021)), the fixed-width file
  ``nucleardatapy/data/nuclei/masses/AME/2020_nubase_4.mas20.txt``: ground-state mass excesses,
  ``#`` marking values estimated from systematics rather than measured;
- the charge radii of Angeli and Marinova (At. Data Nucl. Data Tables 99, 69 (2013)),
  ``nucleardatapy/data/nuclei/radch/2013-Angeli.csv``.

Why ``nucleardatapy``: it ships both tables in one small wheel; ``pynucastro`` (BSD-3) ships the
same NUBASE2020 file but no charge radii.

Binding energies follow from the atomic mass excesses ``Delta``:
``B = Z Delta_H + N Delta_n - Delta`` (keV); separation energies and Q values from differences.

Used by :doc:`/book/nuclear/nuclear-masses-semf` (Kitouni thesis, chapter 5 and
appendix B; Nolte et al. 2024).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from physml._checks import finite

#: Mass excesses of the hydrogen atom and the neutron in keV (NUBASE2020).
DELTA_H = 7288.971064
DELTA_N = 8071.3181

NUBASE2020 = "data/nuclei/masses/AME/2020_nubase_4.mas20.txt"
ANGELI2013 = "data/nuclei/radch/2013-Angeli.csv"


def package_file(relative: str, package: str = "nucleardatapy") -> Path:
    """The path of a data file inside an installed package, found without importing it.

    Args:
        relative: the file's path inside the package, e.g. ``NUBASE2020``.
        package: the installed package's import name.

    Returns:
        The file's absolute ``pathlib.Path``.

    Raises:
        FileNotFoundError: saying what is missing, when the package is not installed or no longer
            has the file (a changed layout).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the package {package!r} is not installed: physml.nuclear reads "
            f"its data tables (pip install {package})"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"{package} is installed but has no {relative}: its file layout "
            "changed; physml.nuclear needs that table"
        )
    return path


def _number(field: str) -> tuple[float, bool]:
    text = field.strip()
    estimated = text.endswith("#")
    return float(text.rstrip("#")), estimated


def parse_nubase(lines: list[str] | str) -> pd.DataFrame:
    """Ground states from NUBASE-format lines (isomers and excited levels dropped).

    Comment lines start with ``#``.

    Args:
        lines: the file's lines, or its whole text.

    Returns:
        A DataFrame sorted by ``(Z, N)`` with columns ``Z, N, A, element, mass_excess`` (keV),
        ``mass_excess_unc`` (keV) and ``estimated`` (``True`` where the mass excess carries
        NUBASE's ``#``).

    Raises:
        ValueError: with its line number, for a malformed line (a NaN or infinite mass excess or
            uncertainty, or a negative uncertainty, included) or ``Z`` outside ``[0, A]``; and when
            two ground states share one ``(Z, N)``.

    References:
        Kondev et al., Chin. Phys. C 45, 030001 (2021) (NUBASE2020).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            a, z, state = int(line[0:3]), int(line[4:7]), int(line[7])
            if state != 0:
                continue
            excess, estimated = _number(line[18:31])
            unc, _ = _number(line[31:42])
            if not (np.isfinite(excess) and np.isfinite(unc) and unc >= 0):
                raise ValueError(
                    f"mass excess {excess!r} and uncertainty {unc!r} must be finite, "
                    "the uncertainty >= 0"
                )
            element = "".join(ch for ch in line[11:16] if ch.isalpha())
        except (ValueError, IndexError) as err:
            raise ValueError(
                f"NUBASE line {number} is malformed ({err}): {line[:45]!r}"
            ) from err
        if not 0 <= z <= a:
            raise ValueError(f"NUBASE line {number}: Z = {z} is not in [0, A = {a}]")
        rows.append((z, a - z, a, element, excess, unc, estimated))
    table = pd.DataFrame(
        rows,
        columns=[
            "Z",
            "N",
            "A",
            "element",
            "mass_excess",
            "mass_excess_unc",
            "estimated",
        ],
    )
    if table.duplicated(["Z", "N"]).any():
        raise ValueError("NUBASE lines hold two ground states for the same (Z, N)")
    return table.sort_values(["Z", "N"], ignore_index=True)


def load_nubase() -> pd.DataFrame:
    """NUBASE2020 ground states with binding energies, from the installed ``nucleardatapy``.

    The table of :func:`parse_nubase` with the columns of :func:`add_binding`.

    Returns:
        A DataFrame, one row per ground state, energies in keV.

    Raises:
        FileNotFoundError: if ``nucleardatapy`` or its NUBASE2020 file is missing
            (:func:`package_file`).

    References:
        Kondev et al., Chin. Phys. C 45, 030001 (2021) (NUBASE2020).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    text = package_file(NUBASE2020).read_text(encoding="utf-8", errors="strict")
    return add_binding(parse_nubase(text))


def add_binding(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``binding`` (keV, ``Z Delta_H + N Delta_n - Delta``) and ``binding_per_a``.

    Args:
        table: a DataFrame with ``Z``, ``N``, ``A`` and ``mass_excess`` (keV) columns
            (:func:`parse_nubase`).

    Returns:
        A new DataFrame with the two columns added, in keV.

    Raises:
        ValueError: if ``Z``, ``N`` or ``mass_excess`` hold NaN or inf, or ``Z``/``N`` are
            negative or ``A = Z + N`` is below 1.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    for column in ("Z", "N", "mass_excess"):
        finite(f"table[{column!r}]", table[column].to_numpy())
    if (
        (table["Z"] < 0).any()
        or (table["N"] < 0).any()
        or (table["Z"] + table["N"] < 1).any()
    ):
        raise ValueError("table['Z'] and table['N'] must be >= 0 with A = Z + N >= 1")
    out = table.copy()
    out["binding"] = out["Z"] * DELTA_H + out["N"] * DELTA_N - out["mass_excess"]
    out["binding_per_a"] = out["binding"] / out["A"]
    return out


def _shifted(
    table: pd.DataFrame, by_zn: pd.DataFrame, column: str, dz: int, dn: int
) -> np.ndarray:
    """``column`` of the nucleus ``(Z + dz, N + dn)`` for every row of ``table`` (NaN where it
    is missing), looked up in ``by_zn``, the table indexed by ``(Z, N)``."""
    index = pd.MultiIndex.from_arrays([table["Z"] + dz, table["N"] + dn])
    return by_zn[column].reindex(index).to_numpy()


def add_separation_and_q(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with separation energies and Q values in keV (eq. B.3 of the thesis).

    The columns added (NaN where a partner nucleus is missing):

    - ``s_n = B(Z, N) - B(Z, N-1)``, ``s_p = B(Z, N) - B(Z-1, N)``;
    - ``q_alpha = B(Z-2, N-2) + B(4He) - B(Z, N)``;
    - ``q_beta_minus = Delta(Z, N) - Delta(Z+1, N-1)``, ``q_ec = Delta(Z, N) - Delta(Z-1, N+1)``
      (atomic mass excesses, so electron masses cancel).

    Args:
        table: a NUBASE table (:func:`load_nubase`); ``binding`` is added first when missing.

    Returns:
        A new DataFrame with ``s_n, s_p, q_alpha, q_beta_minus, q_ec`` added, in keV.

    Raises:
        ValueError: if the table does not contain 4He exactly once (needed for ``q_alpha``).

    References:
        Kitouni thesis, eq. B.3.

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if "binding" not in table:
        table = add_binding(table)
    out = table.copy()
    b = out["binding"].to_numpy()
    he4 = out.loc[(out["Z"] == 2) & (out["N"] == 2), "binding"]
    if len(he4) != 1:
        raise ValueError("the table must contain 4He for Q_alpha")
    by_zn = out.set_index(["Z", "N"])
    out["s_n"] = b - _shifted(out, by_zn, "binding", 0, -1)
    out["s_p"] = b - _shifted(out, by_zn, "binding", -1, 0)
    out["q_alpha"] = _shifted(out, by_zn, "binding", -2, -2) + float(he4.iloc[0]) - b
    delta = out["mass_excess"].to_numpy()
    out["q_beta_minus"] = delta - _shifted(out, by_zn, "mass_excess", 1, -1)
    out["q_ec"] = delta - _shifted(out, by_zn, "mass_excess", -1, 1)
    return out


def load_charge_radii() -> pd.DataFrame:
    """Angeli-Marinova 2013 charge radii from the installed ``nucleardatapy``.

    Rows without a value (preliminary only) are dropped.

    Returns:
        A DataFrame with columns ``Z, N`` (int), ``radius`` and ``radius_unc`` (fm).

    Raises:
        ValueError: if the shipped table changed its columns.
        FileNotFoundError: if ``nucleardatapy`` or its file is missing (:func:`package_file`).

    References:
        Angeli and Marinova, At. Data Nucl. Data Tables 99, 69 (2013).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
    """
    raw = pd.read_csv(
        package_file(ANGELI2013),
        comment="#",
        header=None,
        names=["Z", "symbol", "N", "A", "radius", "radius_unc", "prelim", "prelim_unc"],
    )
    needed = {"Z", "N", "radius", "radius_unc"}
    if raw[list(needed)].isna().all().any():
        raise ValueError(
            "the Angeli 2013 table changed its columns: expected "
            "z,symbol,n,a,radius_val,radius_unc,..."
        )
    raw = raw.dropna(subset=["radius"])
    return (
        raw[["Z", "N", "radius", "radius_unc"]]
        .astype({"Z": int, "N": int})
        .reset_index(drop=True)
    )


def with_charge_radii(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``radius`` and ``radius_unc`` (fm) joined on ``(Z, N)`` (NaN where none).

    Args:
        table: a DataFrame with ``Z`` and ``N`` columns (:func:`load_nubase`).

    Returns:
        A new DataFrame with the two columns of :func:`load_charge_radii` added, in fm.

    References:
        Angeli and Marinova, At. Data Nucl. Data Tables 99, 69 (2013).

    Used in:
        - :doc:`/book/nuclear/nuclear-masses-semf`
    """
    return table.merge(load_charge_radii(), on=["Z", "N"], how="left")
