"""A synthetic heavy-flavour trigger: a faithful toy of the problem of the thesis's section 2.4.

The LHCb simulation behind the thesis's Figs 2.4-2.6 is not public. This toy reproduces the
physics the thesis describes with two features, Σp_T of the two tracks and the displacement
significance χ²_IP, as in the thesis's two-feature Fig. 2.4:

- signal: a b hadron (m = 5.28 GeV) with a falling p_T spectrum decays after a proper time
  t ~ Exp(τ = 1.5 ps); its tracks miss the primary vertex by an impact parameter of order c t
  (independent of the boost), measured with a p_T-dependent resolution;
- prompt background: tracks from the primary vertex, displaced only by resolution (small χ²_IP)
  and soft;
- material interactions: very large displacement but small p_T;
- fake tracks (after track-quality cuts, a small fraction): large p_T with random, moderate
  displacement.

Large displacement and large p_T are then more common in the background than in the signal at the
extremes, which is exactly what makes an unconstrained classifier reject long-lived signal.

:func:`decision_flips` and :func:`efficiency_difference` compare decisions on the same events (before
and after a calibration shift; one model against another).

Used by :doc:`/book/trustworthy/monotonic-lipschitz-trigger`.
"""

from __future__ import annotations

import math
import warnings

import torch

from physml import stats
from physml._checks import fraction as check_fraction
from physml._checks import finite, positive_int

C_MM_PER_PS = 0.29979  # c in mm / ps
TAU_B_PS = 1.5
FEATURES = ("log Σp_T [GeV]", "log χ²_IP")


def _gamma(
    shape: float, scale: float, n: int, g: torch.Generator | None
) -> torch.Tensor:
    # Sum of exponentials for integer shape (seeded through the generator).
    k = int(shape)
    return -scale * torch.log(torch.rand(n, k, generator=g)).sum(-1)


def _features(
    sum_pt: torch.Tensor, ip_mm: torch.Tensor, g: torch.Generator | None
) -> torch.Tensor:
    track_pt = sum_pt / 2
    sigma_ip = 0.015 + 0.030 / track_pt  # mm: 15 μm ⊕ multiple scattering
    measured = ip_mm + sigma_ip * torch.randn(ip_mm.shape[0], generator=g)
    chi2 = (measured / sigma_ip) ** 2
    return torch.stack([torch.log(sum_pt), torch.log(chi2 + 1e-3)], dim=-1)


def signal(
    n: int,
    tau_ps: float = TAU_B_PS,
    generator: torch.Generator | None = None,
    t_ps: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` heavy-flavour candidates: features (n, 2) and proper decay times t [ps].

    Args:
        n: the number of candidates.
        tau_ps: the lifetime of the exponential proper-time distribution, in ps (> 0).
        generator: a CPU ``torch.Generator``; ``None`` for the global one.
        t_ps: given proper times, shape ``(n,)``, finite and >= 0, in ps; ``None`` to draw them.

    Returns:
        ``(features, t_ps)``, features of shape ``(n, 2)`` (``FEATURES``, log Σp_T in GeV and
        log χ²_IP) and proper times ``(n,)`` in ps.

    Raises:
        ValueError: on ``n`` < 1, ``tau_ps`` not > 0, or ``t_ps`` of the wrong shape, with NaN,
            inf or a negative time.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    positive_int("n", n)
    if not tau_ps > 0:
        raise ValueError(f"tau_ps must be > 0, got {tau_ps!r}")
    if t_ps is None:
        t_ps = -tau_ps * torch.log(torch.rand(n, generator=generator))
    elif t_ps.shape != (n,):
        raise ValueError(f"t_ps must have shape ({n},), got {tuple(t_ps.shape)}")
    elif bool((finite("t_ps", t_ps) < 0).any()):
        raise ValueError("t_ps holds negative proper times")
    pt_b = 2.0 + _gamma(2, 2.5, n, generator)
    sum_pt = pt_b * (0.5 + 0.4 * torch.rand(n, generator=generator))
    angle = 0.1 + 0.9 * torch.rand(n, generator=generator)  # |sin| of the decay angle
    ip = C_MM_PER_PS * t_ps * angle
    return _features(sum_pt, ip, generator), t_ps


def background(
    n: int,
    generator: torch.Generator | None = None,
    fractions: tuple[float, float, float] = (0.90, 0.05, 0.05),
) -> torch.Tensor:
    """``n`` background candidates: prompt tracks, material interactions and fakes.

    Args:
        n: the number of candidates.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.
        fractions: the shares of prompt, material and fake candidates, >= 0, summing to 1.

    Returns:
        The features, shape ``(n, 2)`` (log Σp_T in GeV, log χ²_IP).

    Raises:
        ValueError: on a bad ``n`` or ``fractions``.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    positive_int("n", n)
    if (
        len(fractions) != 3
        or any(f < 0 for f in fractions)
        or not math.isclose(sum(fractions), 1.0)
    ):
        raise ValueError(
            f"fractions must be three non-negative numbers summing to 1, got {fractions}"
        )
    which = torch.multinomial(
        torch.tensor(fractions), n, replacement=True, generator=generator
    )
    sum_pt = torch.empty(n)
    ip = torch.empty(n)
    prompt, material, fake = which == 0, which == 1, which == 2
    sum_pt[prompt] = 1.0 + _gamma(2, 1.0, int(prompt.sum()), generator)
    ip[prompt] = 0.0
    sum_pt[material] = 0.8 + _gamma(2, 0.4, int(material.sum()), generator)
    ip[material] = 2.0 + 18.0 * torch.rand(int(material.sum()), generator=generator)
    sum_pt[fake] = 2.0 + _gamma(2, 3.0, int(fake.sum()), generator)
    ip[fake] = torch.exp(
        math.log(0.005)
        + math.log(60) * torch.rand(int(fake.sum()), generator=generator)
    )
    return _features(sum_pt, ip, generator)


def training_set(
    n_per_class: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Balanced training data: signal from :func:`signal`, background from :func:`background`.

    Args:
        n_per_class: candidates of each class.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(features, labels)`` of shapes ``(2n, 2)`` and ``(2n,)``, labels 1 (signal) then 0.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    xs, _ = signal(n_per_class, generator=generator)
    xb = background(n_per_class, generator=generator)
    x = torch.cat([xs, xb])
    y = torch.cat([torch.ones(n_per_class), torch.zeros(n_per_class)])
    return x, y


def log_uniform_times(
    n: int,
    lo_ps: float = 0.1,
    hi_ps: float = 100.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Proper times spread log-uniformly over [lo, hi] ps, long-lived (BSM-like) decays included.

    A probe of the efficiency at every lifetime.

    Args:
        n: the number of times.
        lo_ps: the lower end, in ps (> 0).
        hi_ps: the upper end, in ps (> lo_ps).
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        The times, shape ``(n,)``, in ps.

    Raises:
        ValueError: on a bad ``n`` or unless 0 < lo_ps < hi_ps.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    positive_int("n", n)
    if not 0 < lo_ps < hi_ps:
        raise ValueError(f"need 0 < lo_ps < hi_ps, got {lo_ps}, {hi_ps}")
    u = torch.rand(n, generator=generator)
    return torch.exp(math.log(lo_ps) + (math.log(hi_ps) - math.log(lo_ps)) * u)


def threshold_at_rate(background_scores: torch.Tensor, rate: float) -> float:
    """The threshold of the best cut that accepts at most a fraction ``rate`` of the background.

    The cut is ``score > threshold``; ``rate`` is the output bandwidth.

    With ``n`` background scores the cut may keep ``k = floor(rate n)`` of them; the threshold is
    the ``(k + 1)``-th largest score, the loosest real cut (so the highest signal efficiency) that
    keeps the rate: no interpolation between scores, which can let through more than ``rate``
    (``torch.quantile`` accepts 3 of 10 scores at ``rate = 0.25``). Tied scores at the threshold
    are all rejected, so ties can only lower the accepted fraction. Invariant to the order of the
    scores.

    Args:
        background_scores: the classifier's scores of background events, any shape (flattened).
        rate: the accepted fraction, in (0, 1).

    Returns:
        The threshold, a float.

    Raises:
        ValueError: if ``rate`` is not in (0, 1), or the scores are empty or hold NaN or inf.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> threshold_at_rate(torch.arange(10.0), 0.25)  # keeps 8 and 9, 2 of 10
        7.0
    """
    check_fraction("rate", rate, allow_one=False)
    s = finite(
        "background_scores",
        torch.as_tensor(background_scores).detach().to(torch.float64).reshape(-1),
    )
    n = s.numel()
    if n == 0:
        raise ValueError("background_scores is empty")
    k = min(
        math.floor(rate * n + 1e-9), n - 1
    )  # 1e-9: rate * n = 6000 must not round down to 5999
    return float(torch.kthvalue(s.cpu(), n - k).values)


def efficiency_in_bins(
    accepted: torch.Tensor, t_ps: torch.Tensor, edges: list[float]
) -> torch.Tensor:
    """Fraction of signal accepted in each bin ``[edges[i], edges[i+1])`` of proper time.

    A bin without events has no efficiency: NaN there, with a ``RuntimeWarning`` naming the bin.
    Invariant to the order of the events.

    Args:
        accepted: boolean decisions, one per event, shape ``(n,)``.
        t_ps: the events' proper times, shape ``(n,)``, finite, >= 0, in ps.
        edges: the bin edges in ps, increasing, at least 2.

    Returns:
        The efficiency per bin, shape ``(len(edges) - 1,)``, float64.

    Raises:
        TypeError: if ``accepted`` is not boolean.
        ValueError: on mismatched lengths, NaN, inf or negative times, or ``edges`` that are not
            an increasing sequence of at least 2 finite numbers.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> efficiency_in_bins(torch.tensor([True, False, True, True]),
        ...                    torch.tensor([0.5, 0.7, 2.0, 3.0]), [0.0, 1.0, 10.0]).tolist()
        [0.5, 1.0]
    """
    accepted = _accepted("accepted", torch.as_tensor(accepted).reshape(-1)).double()
    t_ps = torch.as_tensor(t_ps)
    if accepted.shape != t_ps.shape:
        raise ValueError("accepted and t_ps must have the same length")
    if bool((finite("t_ps", t_ps) < 0).any()):
        raise ValueError("t_ps holds negative proper times")
    e = finite("edges", torch.as_tensor(edges, dtype=torch.float64))
    if e.ndim != 1 or len(e) < 2 or not bool((e.diff() > 0).all()):
        raise ValueError(
            f"edges must be an increasing sequence of at least 2 numbers, got {edges!r}"
        )
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (t_ps >= a) & (t_ps < b)
        if not sel.any():
            warnings.warn(
                f"efficiency_in_bins: no event in the bin [{a}, {b}) of edges; its efficiency "
                "is NaN",
                RuntimeWarning,
                stacklevel=2,
            )
        out.append(
            accepted[sel].mean()
            if sel.any()
            else torch.tensor(float("nan"), dtype=torch.float64)
        )
    return torch.stack(out)


def _accepted(name: str, accepted) -> torch.Tensor:
    a = torch.as_tensor(accepted)
    if a.dtype != torch.bool:
        raise TypeError(
            f"{name} must be a boolean tensor (accepted or not), got dtype {a.dtype}"
        )
    if a.ndim != 1 or a.numel() == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D tensor, got shape {tuple(a.shape)}"
        )
    return a


def decision_flips(
    accepted_before: torch.Tensor, accepted_after: torch.Tensor
) -> tuple[float, float]:
    """Fractions of events whose decision flips: (rejected -> accepted, accepted -> rejected).

    Their sum is the flip fraction, their difference the change of the efficiency.

    Args:
        accepted_before: boolean decisions on n events, e.g. before a shift of the inputs.
        accepted_after: the decisions on the same events afterwards.

    Returns:
        ``(rejected -> accepted, accepted -> rejected)``, fractions of the n events.

    Raises:
        TypeError: if a decision tensor is not boolean.
        ValueError: on empty or mismatched decisions.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> decision_flips(torch.tensor([True, False, False, True]), torch.tensor([True, True, False, False]))
        (0.25, 0.25)
    """
    a = _accepted("accepted_before", accepted_before)
    b = _accepted("accepted_after", accepted_after)
    if a.shape != b.shape:
        raise ValueError(
            f"accepted_before and accepted_after must have the same shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    return float((~a & b).double().mean()), float((a & ~b).double().mean())


def efficiency_difference(
    accepted_a: torch.Tensor, accepted_b: torch.Tensor
) -> stats.Measurement:
    """eff(a) - eff(b) of two selections of the same events, with its paired error.

    The error is sqrt(var(a_i - b_i) / n): the two efficiencies are measured on the same events, so
    only the events on which the selections disagree contribute to it.

    Args:
        accepted_a: boolean decisions of selection a on n >= 2 events.
        accepted_b: the decisions of selection b on the same events.

    Returns:
        A :class:`physml.stats.Measurement` of eff(a) - eff(b).

    Raises:
        TypeError: if a decision tensor is not boolean.
        ValueError: on mismatched decisions or fewer than two events.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    a = _accepted("accepted_a", accepted_a).double()
    b = _accepted("accepted_b", accepted_b).double()
    if a.shape != b.shape:
        raise ValueError(
            f"accepted_a and accepted_b must have the same shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.numel() < 2:
        raise ValueError("need at least two events for an error")
    d = a - b
    return stats.Measurement(
        float(d.mean()), float(d.std(unbiased=True) / math.sqrt(d.numel()))
    )
