"""The randomness convention (CONTRIBUTING.md, "generator vs seed"), checked on every public
callable's signature and on every draw in physml's source.

- A callable that draws takes ``generator: torch.Generator | None = None``.
- Only the callables in ``SEED_TAKERS`` take ``seed: int`` (samplers that draw on their own device,
  numpy resampling/test entry points, and the generator makers); none takes both.
- No public parameter is called ``rng``, ``g``, ``gen`` or ``random_state``.
- Every torch draw passes ``generator=``, except parameter initialisation in ``__init__`` and the
  training-time noise listed in ``TRAINING_NOISE``; nothing but ``config.seed_everything``
  seeds a global RNG; numpy draws only through ``np.random.default_rng``.

``PENDING`` lists the outliers left in files other work is rewriting; remove an entry when it is
fixed (the test fails on an entry that no longer applies, so the list cannot go stale).

It lives in contracts/ because it inspects every module of physml.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import physml

ROOT = Path(physml.__file__).resolve().parent

SEED_TAKERS = {
    # samplers that draw on the device they run on (lattice.chains.seeded_generator)
    "physml.lattice.ising.IsingChains.__init__": "device sampler",
    "physml.lattice.ising.sample": "device sampler",
    "physml.lattice.phi4.Phi4Chains.__init__": "device sampler",
    "physml.lattice.phi4.sample": "device sampler",
    "physml.lattice.measure.hmc_run": "device sampler",
    "physml.flows.trivializing.FlowHMC.__init__": "device sampler",
    "physml.flows.trivializing.proposal_log_weights": "device sampler",
    "physml.flows.trivializing.train_reverse_kl": "device sampler",
    "physml.lattice.van.train": "device sampler",
    "physml.lattice.van.evaluate": "device sampler",
    # numpy resampling and test entry points (np.random.default_rng / scikit-learn random_state)
    "physml.stats.bootstrap": "numpy resampling",
    "physml.stats.classifier_two_sample_auc": "numpy resampling",
    "physml.flows.trivializing.independence_metropolis": "numpy resampling",
    "physml.flows.trivializing.equilibrium_acceptance": "numpy resampling",
    "physml.nuclear.embedding.split_nuclei": "numpy resampling",
    "physml.jets.toy.toy_jets": "numpy test entry point",
    "physml.jets.taggers.fit_bdt": "numpy resampling",
    # vegas draws from numpy (its ran_array_generator, np.random.default_rng(seed).random)
    "physml.integration.reference.vegas_integral": "numpy resampling",
    # the event generator: Pythia takes integer seeds, one per chunk, derived from this one
    "physml.jets.generation.generate": "event generator",
    "physml.jets.generation.top_and_qcd": "event generator",
    # the makers
    "physml.config.seed_everything": "maker",
    "physml.lattice.chains.seeded_generator": "maker",
}

# Draws from torch's global generator inside a model's loss or forward during training (torch's
# dropout takes no generator either); (file relative to physml/, enclosing function).
TRAINING_NOISE = {
    ("generative/vae.py", "VAE.terms"),
    ("generative/cfm.py", "CFM.loss"),
    ("generative/ddpm.py", "DDPM.loss"),
    ("phases/autoencoders.py", "VariationalAutoencoder.loss"),
    ("phases/autoencoders.py", "VariationalAutoencoderReplicas.loss"),
}

# Outliers still to fix: (rule, where); empty since issue 19 fixed the last ones.
PENDING: set[tuple[str, str]] = set()

BAD_NAMES = {"rng", "g", "gen", "random_state", "random_seed"}
TORCH_DRAWS = {
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
    "rand_like",
    "randn_like",
    "randint_like",
}
INPLACE_DRAWS = {
    "normal_",
    "uniform_",
    "bernoulli_",
    "exponential_",
    "random_",
    "cauchy_",
    "log_normal_",
    "geometric_",
    "trunc_normal_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "orthogonal_",
}


def _public_callables():
    for info in pkgutil.walk_packages(physml.__path__, "physml."):
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{mod.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for meth, fn in vars(obj).items():
                    if (
                        meth == "__init__" or not meth.startswith("_")
                    ) and inspect.isfunction(fn):
                        yield f"{mod.__name__}.{name}.{meth}", fn


def signature_violations() -> set[tuple[str, str]]:
    out = set()
    for qual, fn in _public_callables():
        params = inspect.signature(fn).parameters
        for bad in BAD_NAMES & set(params):
            out.add(("signature", f"{qual}: parameter {bad!r}"))
        if "generator" in params:
            p = params["generator"]
            if str(p.annotation).replace(" ", "") not in (
                "torch.Generator|None",
                "Generator|None",
            ):
                out.add(("signature", f"{qual}: generator annotated {p.annotation!r}"))
            if p.default is not None:
                out.add(("signature", f"{qual}: generator has no default None"))
        if "seed" in params:
            if qual not in SEED_TAKERS:
                out.add(("signature", f"{qual}: takes seed"))
            if str(params["seed"].annotation) not in ("int", "<class 'int'>"):
                out.add(
                    (
                        "signature",
                        f"{qual}: seed annotated {params['seed'].annotation!r}",
                    )
                )
            if "generator" in params:
                out.add(("signature", f"{qual}: takes both seed and generator"))
    return out


class _Scan(ast.NodeVisitor):
    def __init__(self, rel: str) -> None:
        self.rel, self.stack, self.found, self.noise = rel, [], set(), set()

    def _scope(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Call(self, node: ast.Call) -> None:
        f, where = node.func, ".".join(self.stack)
        src = ast.unparse(f)
        kws = {k.arg for k in node.keywords}
        fn = self.stack[-1] if self.stack else ""
        maker = (self.rel, where) in {
            ("config.py", "seed_everything"),
            ("lattice/chains.py", "seeded_generator"),
        }
        if isinstance(f, ast.Attribute):
            if (
                src.startswith("torch.")
                and f.attr in TORCH_DRAWS
                and "generator" not in kws
            ):
                if (self.rel, where) in TRAINING_NOISE:
                    self.noise.add((self.rel, where))
                elif fn not in ("__init__", "reset_parameters"):
                    self.found.add(
                        ("source", f"{self.rel}:{where}: {src} without generator")
                    )
            elif (
                f.attr in INPLACE_DRAWS
                and "generator" not in kws
                and fn not in ("__init__", "reset_parameters")
            ):
                self.found.add(
                    ("source", f"{self.rel}:{where}: {src} without generator")
                )
            elif maker:
                pass  # config.seed_everything and chains.seeded_generator make the generators
            elif (
                ast.unparse(f.value) in ("np.random", "numpy.random")
                and f.attr != "default_rng"
            ):
                self.found.add(("source", f"{self.rel}:{where}: {src}"))
            elif f.attr in ("manual_seed", "seed", "manual_seed_all"):
                fresh = (
                    isinstance(f.value, ast.Call)
                    and ast.unparse(f.value.func) == "torch.Generator"
                )
                if not fresh:
                    self.found.add(("source", f"{self.rel}:{where}: {src}"))
        elif isinstance(f, ast.Name) and f.id in ("seed", "manual_seed"):
            self.found.add(("source", f"{self.rel}:{where}: {f.id}"))
        self.generic_visit(node)


def _scan_all() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    found, noise = set(), set()
    for path in sorted(ROOT.rglob("*.py")):
        scan = _Scan(path.relative_to(ROOT).as_posix())
        scan.visit(ast.parse(path.read_text()))
        found |= scan.found
        noise |= scan.noise
    return found, noise


def source_violations() -> set[tuple[str, str]]:
    return _scan_all()[0]


def test_signatures_follow_the_randomness_convention():
    found = signature_violations()
    assert found - PENDING == set(), sorted(found - PENDING)


def test_draws_follow_the_randomness_convention():
    found = source_violations()
    assert found - PENDING == set(), sorted(found - PENDING)


def test_pending_list_is_not_stale():
    found = signature_violations() | source_violations()
    assert PENDING - found == set(), (
        f"fixed: remove from PENDING {sorted(PENDING - found)}"
    )
    quals = {q for q, _ in _public_callables()}
    assert set(SEED_TAKERS) <= quals, (
        f"SEED_TAKERS names missing callables {sorted(set(SEED_TAKERS) - quals)}"
    )
    noise = _scan_all()[1]
    assert TRAINING_NOISE == noise, (
        f"TRAINING_NOISE entries without a draw: {sorted(TRAINING_NOISE - noise)}"
    )


def test_the_scan_catches_violations():
    code = """
import numpy as np, torch
def draw(n):
    torch.manual_seed(0)
    np.random.normal(size=n)
    return torch.randn(n)
class M:
    def __init__(self):
        self.w = torch.empty(3).uniform_()
    def forward(self, x):
        return torch.randn_like(x), torch.Generator().manual_seed(1)
"""
    scan = _Scan("x.py")
    scan.visit(ast.parse(code))
    msgs = sorted(m for _, m in scan.found)
    assert msgs == [
        "x.py:M.forward: torch.randn_like without generator",
        "x.py:draw: np.random.normal",
        "x.py:draw: torch.manual_seed",
        "x.py:draw: torch.randn without generator",
    ], msgs
