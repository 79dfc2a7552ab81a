"""physml.learning.ensemble: MemberAdamW matches torch's AdamW member by member."""

import torch

from physml.learning.ensemble import MemberAdamW


def test_member_adamw_matches_torch_adamw():
    torch.manual_seed(0)
    lrs, wds = torch.tensor([1e-3, 1e-2, 3e-2]), torch.tensor([0.0, 0.1, 1.0])
    w = torch.nn.Parameter(torch.randn(3, 4, 5))
    singles = [torch.nn.Parameter(w.detach()[m].clone()) for m in range(3)]
    opt = MemberAdamW([w], 3, lr=lrs, weight_decay=wds)
    ref = [
        torch.optim.AdamW([p], lr=float(lrs[m]), weight_decay=float(wds[m]))
        for m, p in enumerate(singles)
    ]
    target = torch.randn(3, 4, 5)
    for _ in range(5):
        opt.zero_grad()
        ((w - target) ** 3).sum().backward()
        opt.step()
        for m, (p, o) in enumerate(zip(singles, ref)):
            o.zero_grad()
            ((p - target[m]) ** 3).sum().backward()
            o.step()
    for m in range(3):
        assert torch.allclose(w.detach()[m], singles[m].detach(), atol=1e-6)
