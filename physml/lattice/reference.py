"""Published numbers for 2-D φ⁴ HMC and flow HMC: Tables 3-6 of the lecture notes' chapter 8.

Pawlowski and Plehn, "Physics and Machine Learning" (lecture notes, 2025), §8.5; the study is
arXiv:2302.08408. λ = 0.5 throughout and β is tuned so that ξ = L/4 (Table 3). The tables are
typed in here as printed, with the error in the last digits in parentheses, and parsed by
:func:`parse`; the column the notes label "M" is ``⟨|M|⟩``. Table 4's first column is printed as L/2
in the notes' text; the β values identify the rows as L = 6 ... 20.

- ``BETA``: Table 3, β by L.
- :func:`hmc` (Table 5) and :func:`flow_hmc` (Table 6, minimal network N_l = 1, k = 3): a dict of
  observables by L, each a :class:`physml.stats.Measurement` (value, error; it unpacks and indexes
  as a pair); ``steps`` and ``acceptance`` are exact numbers (error 0).
- ``MH_ACCEPTANCE``: Table 4, Metropolis acceptance of flow proposals at L and at 2L.
- ``Z_HMC``, ``Z_FHMC_GROWING_K``: the dynamic exponents of eq. 8.33, as
  :class:`physml.stats.Measurement`.

Used by :doc:`/book/lattice/hmc-critical-slowing-down` and :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

import re

from physml.stats import Measurement

LAMBDA = 0.5

BETA = {
    6: 0.537,
    8: 0.576,
    10: 0.601,
    12: 0.616,
    14: 0.626,
    16: 0.634,
    18: 0.641,
    20: 0.645,
    40: 0.667,
    80: 0.677,
}

SOURCE_TABLE3 = "Pawlowski & Plehn 2025, §8.5, Table 3"
SOURCE_TABLE4 = "Pawlowski & Plehn 2025, §8.5.1, Table 4"
SOURCE_TABLE5 = "Pawlowski & Plehn 2025, §8.5, Table 5 (HMC)"
SOURCE_TABLE6 = "Pawlowski & Plehn 2025, §8.5, Table 6 (FHMC, N_l = 1, k = 3)"
SOURCE_Z = "Pawlowski & Plehn 2025, §8.6, eq. 8.33"

COLUMNS = (
    "tau_m",
    "abs_m",
    "tau_abs_m",
    "chi0",
    "tau_chi0",
    "chi0_t",
    "tau_chi0_t",
    "steps",
    "acceptance",
)

_TABLE5 = """
6  11.439(94) 0.27545(12) 4.218(22) 0.604082(45) 1.3407(41) 0.168701(79) 3.953(20) 5 0.91
8  19.26(20)  0.26282(15) 7.087(47) 0.636218(46) 2.0910(79) 0.147630(92) 6.696(43) 6 0.91
10 31.03(40)  0.25907(19) 11.518(95) 0.663980(49) 3.284(15) 0.13964(11) 10.845(87) 6 0.88
12 46.21(73)  0.25362(22) 16.89(17) 0.684141(51) 4.583(25) 0.13247(13) 15.90(15) 6 0.86
14 59.8(11)   0.24714(24) 21.09(23) 0.699527(49) 5.367(31) 0.12576(13) 19.78(21) 8 0.91
16 77.9(15)   0.24368(28) 28.36(35) 0.713385(51) 6.930(45) 0.12175(15) 26.48(32) 8 0.89
18 100.4(16)  0.24436(22) 35.02(35) 0.727030(37) 8.493(44) 0.12087(12) 33.03(32) 10 0.92
20 122.8(22)  0.23818(23) 43.30(48) 0.735209(36) 10.011(56) 0.11562(12) 40.55(44) 10 0.91
40 570(21)    0.22642(46) 191.7(42) 0.792768(41) 36.88(38) 0.10217(22) 180.3(39) 14 0.91
80 2518(130)  0.20803(65) 888(29) 0.829350(31) 134.3(18) 0.08642(29) 827(26) 18 0.88
"""

_TABLE6 = """
6  9.69(14)  0.27561(23) 3.686(34) 0.604119(96) 1.5298(95) 0.16877(15) 3.627(34) 8 0.98
8  15.46(28) 0.26278(27) 5.739(65) 0.636246(94) 2.225(16) 0.14760(17) 5.605(63) 8 0.97
10 23.26(50) 0.25913(32) 8.53(12) 0.663968(95) 3.062(26) 0.13964(19) 8.25(11) 8 0.95
12 32.50(82) 0.25402(38) 12.14(20) 0.684240(96) 4.047(39) 0.13271(22) 11.60(18) 8 0.94
14 45.5(13)  0.24735(42) 15.84(29) 0.699595(94) 4.907(52) 0.12593(23) 15.07(27) 10 0.95
16 56.9(18)  0.24376(47) 20.37(41) 0.713427(94) 5.972(69) 0.12176(25) 19.35(38) 10 0.94
18 74.4(27)  0.24472(53) 26.40(60) 0.727035(96) 7.389(95) 0.12098(28) 24.97(56) 10 0.93
20 93.2(38)  0.23807(57) 32.28(81) 0.735258(95) 8.47(12) 0.11566(30) 30.27(74) 10 0.92
40 420(16)   0.22596(48) 143.5(33) 0.792708(43) 28.99(32) 0.10204(23) 134.6(30) 15 0.89
80 1965(165) 0.2077(11) 611(30) 0.829372(51) 97.3(21) 0.08638(46) 563(27) 25 0.87
"""

# Table 4: L -> (acceptance at L, acceptance at 2L); None where the notes give no number
# (L = 14 at 2L is printed as "< 1e-7").
MH_ACCEPTANCE = {
    6: (0.3, 0.2),
    8: (0.04, 0.001),
    10: (0.002, 0.00003),
    12: (0.002, 0.000007),
    14: (0.0001, None),
    16: (0.0001, None),
    18: (0.00007, None),
    20: (0.00004, None),
}

Z_HMC = Measurement(2.19, 0.04)
Z_FHMC_GROWING_K = Measurement(1.94, 0.06)

_NUMBER = re.compile(r"^(-?\d+)(?:\.(\d+))?(?:\((\d+)\))?$")


def parse(text: str) -> Measurement:
    """``"11.439(94)"`` -> 11.439 ± 0.094: a number with its error in the last printed digits.

    A number without parentheses gets error 0 (an exact setting such as a step count).

    Args:
        text: the printed number, e.g. ``"11.439(94)"``.

    Returns:
        A :class:`physml.stats.Measurement` (value, error), which unpacks as ``(value, error)``.

    Raises:
        TypeError: if ``text`` is not a str.
        ValueError: if it does not look like ``1.234(56)``.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> tuple(parse("11.439(94)")), tuple(parse("40"))
        ((11.439, 0.094), (40.0, 0.0))
        >>> f"{parse('570(21)'):g}"
        '570 ± 21'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    m = _NUMBER.match(text.strip())
    if not m:
        raise ValueError(f"text must look like 1.234(56), got {text!r}")
    whole, frac, err = m.groups()
    value = float(f"{whole}.{frac}" if frac else whole)
    if err is None:
        return Measurement(value, 0.0)
    decimals = len(frac) if frac else 0
    return Measurement(value, int(err) * 10.0**-decimals)


def _table(text: str) -> dict[int, dict[str, Measurement]]:
    rows = {}
    for line in text.strip().splitlines():
        fields = line.split()
        rows[int(fields[0])] = {
            c: parse(f) for c, f in zip(COLUMNS, fields[1:], strict=True)
        }
    return rows


_HMC = _table(_TABLE5)
_FLOW_HMC = _table(_TABLE6)


def hmc(L: int) -> dict[str, Measurement]:
    """Table 5 (HMC) at lattice size ``L``.

    Args:
        L: one of :func:`sizes`.

    Returns:
        A dict observable -> :class:`physml.stats.Measurement` (value, error).

    Raises:
        ValueError: if the table has no row ``L``.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, Table 5 (§8.5); arXiv:2302.08408.
    """
    return _row(_HMC, L, "Table 5")


def flow_hmc(L: int) -> dict[str, Measurement]:
    """Table 6 (flow HMC with the minimal network) at lattice size ``L``.

    Args:
        L: one of :func:`sizes`.

    Returns:
        A dict observable -> :class:`physml.stats.Measurement` (value, error).

    Raises:
        ValueError: if the table has no row ``L``.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, Table 6 (§8.5); arXiv:2302.08408.
    """
    return _row(_FLOW_HMC, L, "Table 6")


def _row(table: dict, L: int, name: str) -> dict[str, Measurement]:
    if L not in table:
        raise ValueError(f"{name} has no row L={L!r}; it has L in {sorted(table)}")
    return dict(table[L])


def sizes() -> list[int]:
    """The lattice sizes of Tables 3, 5 and 6.

    Returns:
        The sizes L, ascending.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
    """
    return sorted(BETA)
