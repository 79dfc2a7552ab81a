"""physml.flows.benchmark: zuko's NSF on a box and the flow comparison table."""

import math

import pytest
import torch

from physml.flows import benchmark, coupling


def test_zuko_on_box_is_a_normalised_density_inside_the_box():
    torch.manual_seed(0)
    flow = benchmark.ZukoOnBox(2, 0.0, 1.0, scale=1.0, transforms=1, hidden=(8,))
    # the untrained density integrates to 1 over the unit square (midpoint rule, 60 x 60 cells;
    # scale 1 keeps the mass away from the edges, where the grid is coarse)
    c = (torch.arange(60) + 0.5) / 60
    grid = torch.stack(torch.meshgrid(c, c, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        integral = float(flow.log_prob(grid).exp().mean())
        x = flow.sample(500)
    assert integral == pytest.approx(1.0, abs=0.05)
    assert x.shape == (500, 2) and bool(((x > 0) & (x < 1)).all())


def test_zuko_on_box_scale_enters_the_jacobian():
    torch.manual_seed(0)
    a = benchmark.ZukoOnBox(2, scale=1.0, transforms=1, hidden=(8,))
    b = benchmark.ZukoOnBox(2, scale=2.0, transforms=1, hidden=(8,))
    b.load_state_dict(a.state_dict())
    x = torch.full((1, 2), 0.5)  # logit 0: u / scale = 0 for both
    with torch.no_grad():
        diff = float(a.log_prob(x) - b.log_prob(x))
    assert diff == pytest.approx(2 * math.log(2.0), abs=1e-5)


def test_zuko_on_box_rejects_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        benchmark.ZukoOnBox(scale=0.0)
    with pytest.raises(ValueError, match="dim"):
        benchmark.ZukoOnBox(dim=0)


def test_compare_tabulates_each_flow():
    gen = torch.Generator().manual_seed(1)
    train = torch.rand(256, 2, generator=gen) * 0.98 + 0.01
    test = torch.rand(128, 2, generator=gen) * 0.98 + 0.01
    torch.manual_seed(2)
    flows = {
        "affine": coupling.CouplingFlow(2, 2, 8, bounds=(0.0, 1.0)),
        "nsf": benchmark.ZukoOnBox(2, transforms=1, hidden=(8,)),
    }
    table = benchmark.compare(flows, train, test, steps=3, batch_size=64, generator=gen)
    assert list(table.index) == ["affine", "nsf"]
    assert list(table.columns) == [
        "test NLL",
        "W1(x)",
        "params",
        "ms/step",
        "µs/sample",
    ]
    assert table.loc["affine", "params"] == sum(
        p.numel() for p in flows["affine"].parameters()
    )
    assert table["test NLL"].abs().lt(5).all() and table["W1(x)"].between(0, 1).all()


def test_compare_rejects_bad_arguments():
    x = torch.rand(8, 2)
    with pytest.raises(ValueError, match="flows"):
        benchmark.compare({}, x, x, steps=1, batch_size=4)
    with pytest.raises(ValueError, match="steps"):
        benchmark.compare(
            {"a": coupling.CouplingFlow(2, 1, 4)}, x, x, steps=0, batch_size=4
        )
