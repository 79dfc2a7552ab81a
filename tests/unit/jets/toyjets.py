"""Random physical jets for the tagger tests: massless constituents around a jet axis.

No generator is needed: each constituent gets a random pT, and (eta, phi) scattered around one
or three prong axes; the jets are zero-padded and ordered by decreasing pT like a JetSample.
"""

from __future__ import annotations

import torch

from physml.jets import JetSample
from physml.jets.inputs import n_parameters, tagger_loss
from physml.train import fit


def massless_from_values(pt, eta, phi):
    """Four-momenta (E, px, py, pz) in float64 of massless particles given as numbers or lists."""
    pt, eta, phi = (torch.as_tensor(v, dtype=torch.float64) for v in (pt, eta, phi))
    return torch.stack(
        [
            pt * torch.cosh(eta),
            pt * torch.cos(phi),
            pt * torch.sin(phi),
            pt * torch.sinh(eta),
        ],
        -1,
    )


def massless(pt, eta, phi):
    """Four-momenta (E, px, py, pz) of massless particles, shape (..., 4)."""
    px, py, pz = pt * torch.cos(phi), pt * torch.sin(phi), pt * torch.sinh(eta)
    return torch.stack([torch.sqrt(px**2 + py**2 + pz**2), px, py, pz], dim=-1)


def random_jets(
    n_jets: int = 6,
    n_slots: int = 12,
    n_min: int = 4,
    prongs: int = 1,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """(n_jets, n_slots, 4) jets with n_min..n_slots real constituents, pT-descending, padded."""
    g = torch.Generator().manual_seed(seed)
    pt = 5 + 100 * torch.rand(n_jets, n_slots, generator=g, dtype=dtype)
    axis_eta = torch.rand(n_jets, 1, generator=g, dtype=dtype) * 2 - 1
    axis_phi = torch.rand(n_jets, 1, generator=g, dtype=dtype) * 6 - 3
    prong = torch.randint(0, prongs, (n_jets, n_slots), generator=g)
    offsets = torch.tensor([[0.0, 0.0], [0.4, 0.1], [-0.2, 0.35]], dtype=dtype)[prong]
    spread = 0.05 * torch.randn(n_jets, n_slots, 2, generator=g, dtype=dtype)
    eta = axis_eta + offsets[..., 0] + spread[..., 0]
    phi = axis_phi + offsets[..., 1] + spread[..., 1]
    c = massless(pt, eta, phi)
    n_real = torch.randint(n_min, n_slots + 1, (n_jets,), generator=g)
    n_real[0] = n_slots  # one jet without padding
    keep = torch.arange(n_slots)[None, :] < n_real[:, None]
    c = c * keep[..., None]
    order = (pt * keep).argsort(dim=1, descending=True)
    return torch.gather(c, 1, order[..., None].expand_as(c))


def separable_sample(
    n_per_class: int = 128, n_slots: int = 12, seed: int = 0
) -> JetSample:
    """One-prong (QCD, 0) against three-prong (top, 1) toy jets, float32."""
    one = random_jets(n_per_class, n_slots, 6, prongs=1, seed=seed, dtype=torch.float32)
    three = random_jets(
        n_per_class, n_slots, 6, prongs=3, seed=seed + 1, dtype=torch.float32
    )
    labels = torch.cat([torch.zeros(n_per_class), torch.ones(n_per_class)]).long()
    return JetSample(torch.cat([one, three]), labels)


def loss_drops(
    model: torch.nn.Module, steps: int = 100, lr: float = 1e-2
) -> tuple[float, float]:
    """Mean loss of the first and the last 5 of a few fit steps on the separable toy."""
    assert n_parameters(model) > 0
    s = separable_sample()
    hist = fit(
        model,
        tagger_loss,
        (s.constituents, s.labels),
        steps=steps,
        batch_size=64,
        lr=lr,
        generator=torch.Generator().manual_seed(0),
        device="cpu",
        progress=False,
    )
    return float(hist.loss[:5].mean()), float(hist.loss[-5:].mean())


def permuted(c: torch.Tensor, seed: int = 1) -> torch.Tensor:
    """The jets with their slots (real and padding) in a random order per jet."""
    g = torch.Generator().manual_seed(seed)
    order = torch.stack(
        [torch.randperm(c.shape[1], generator=g) for _ in range(len(c))]
    )
    return torch.gather(c, 1, order[..., None].expand_as(c))


def padded(c: torch.Tensor, extra: int = 5) -> torch.Tensor:
    """The jets with ``extra`` more zero-padded slots."""
    return torch.nn.functional.pad(c, (0, 0, 0, extra))


def with_soft_particle(c: torch.Tensor, soft_pt: float) -> torch.Tensor:
    """The jets with one more particle of pT ``soft_pt`` GeV appended (eta 0.1, phi 0.2 off)."""
    axis = c.sum(1)
    phi = torch.atan2(axis[:, 2], axis[:, 1]) + 0.2
    eta = torch.asinh(axis[:, 3] / torch.hypot(axis[:, 1], axis[:, 2])) + 0.1
    soft = massless(torch.full_like(eta, soft_pt), eta, phi)
    return torch.cat([c, soft[:, None, :]], dim=1)


def collinear_split(c: torch.Tensor, z: float = 0.3) -> torch.Tensor:
    """The jets with their leading particle split into z and 1 - z of it (same direction)."""
    lead = c[:, 0]
    out = torch.cat([c, (1 - z) * lead[:, None, :]], dim=1)
    out[:, 0] = z * lead
    return out


def random_boost(seed: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A velocity with |beta| = 0.7 in a random direction."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(3, generator=g, dtype=dtype)
    return 0.7 * v / v.norm()
