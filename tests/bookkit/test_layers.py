"""bookkit sits beside physml: it imports physml, physml never imports it."""

import ast
import sys

from tests.helpers import ROOT, fresh_python, physml_modules


def test_no_physml_module_imports_bookkit():
    offenders = []
    for path in physml_modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.split(".")[0] == "bookkit"
            ]
    assert not offenders, f"physml imports the build tools: {offenders}"


def test_importing_physml_does_not_import_bookkit():
    code = "import sys, physml, physml.claims, physml.config; print('bookkit' in sys.modules)"
    assert fresh_python(code).strip() == "False"


#: The layers of physml, bottom to top; a module may import its own layer and those below it,
#: never one above (CONTRIBUTING.md, "Layers"). A new module must be placed here.
#: The shared blocks take three layers: the building blocks (networks among them: ``nn`` knows no
#: training and no Bayesian layer), then ``train`` with ``representations`` (its helix fit runs on
#: ``train.fit``), then ``bayesian`` (its ELBO fit uses ``train``; a network becomes Bayesian from
#: outside, through the ``linear=`` layer factory).
LAYERS = (
    ("_checks", "config"),
    ("stats", "nn", "claims", "plotting", "uncertainty"),
    ("train", "representations"),
    ("bayesian",),
    (
        "lattice",
        "flows",
        "generative",
        "learning",
        "nuclear",
        "phases",
        "lipschitz",
        "fits",
        "jets",
        "unfolding",
        "sequences",
        "integration",
        "amplitudes",
        "fieldtheory",
    ),
)


def _layer_of(module: str) -> int | None:
    top = module.split(".")[1] if module.count(".") else ""
    return next((i for i, names in enumerate(LAYERS) if top in names), None)


def test_physml_never_imports_upward():
    offenders, unplaced = [], []
    for module, path in physml_modules().items():
        if module == "physml":
            continue  # the package's start_chapter sits above every layer
        mine = _layer_of(module)
        if mine is None:
            unplaced.append(module)
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module == "physml":
                targets = [f"physml.{a.name}" for a in node.names]
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("physml.")
            ):
                targets = [node.module]
            for target in targets:
                theirs = _layer_of(target) if target.startswith("physml.") else None
                if theirs is not None and theirs > mine:
                    offenders.append(
                        f"{module} (layer {mine}) imports {target} (layer {theirs})"
                    )
    assert not unplaced, f"place these modules in a layer of LAYERS: {unplaced}"
    assert not offenders, f"physml imports upward: {offenders}"


def test_nn_sits_below_train_below_bayesian():
    """Bayesian networks by composition (issue 19): ``nn`` imports neither ``train`` nor ``bayesian``."""
    nn_layer, train_layer, bayes_layer = (
        _layer_of(f"physml.{m}") for m in ("nn", "train", "bayesian")
    )
    assert nn_layer < train_layer < bayes_layer
    imported = set()
    for node in ast.walk(ast.parse((ROOT / "physml" / "nn.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    assert not {
        n
        for n in imported
        if n.split(".")[:2] in (["physml", "train"], ["physml", "bayesian"])
    }


def _import_graph() -> dict[str, set[str]]:
    """physml's modules (package faces included) and the physml modules each imports.

    ``from physml.lattice import chains`` points at the module ``physml.lattice.chains``; a name
    that is not a module (``from physml.flows import TrivializingFlow``) at the package face that
    exports it; imports inside functions count too.
    """
    paths = physml_modules()

    def resolve(name: str) -> str | None:
        while name not in paths and "." in name:
            name = name.rsplit(".", 1)[0]
        return name if name in paths else None

    graph = {}
    for module, path in paths.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in paths
                    else node.module
                    for a in node.names
                ]
            else:
                continue
            targets |= {resolve(n) for n in names if n.split(".")[0] == "physml"}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def test_physml_has_no_import_cycle():
    """No chain of imports leads from a physml module back to itself (issue 19, "Done means").

    A cycle inside one layer passes the upward-import check but breaks on import order; this
    finds every strongly connected component of the import graph (Tarjan) and fails on any with
    more than one module.
    """
    graph = _import_graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"physml's imports go round in a circle: {cycles}"


def test_the_cycle_check_sees_a_cycle(monkeypatch):
    """The check above is not vacuous: a face re-exporting a module that imports the face back
    is a cycle."""
    graph = _import_graph()
    assert "physml.lattice.chains" in graph["physml.lattice"]
    assert "physml.stats" in graph["physml.lattice.observables"]
    graph["physml.lattice.chains"].add("physml.lattice")
    monkeypatch.setattr(sys.modules[__name__], "_import_graph", lambda: graph)
    try:
        test_physml_has_no_import_cycle()
    except AssertionError as err:
        assert "physml.lattice.chains" in str(err)
    else:  # pragma: no cover
        raise AssertionError("a cycle was not found")


def test_no_physml_module_uses_another_modules_private_name():
    """One set of argument checks (issue 19): a helper two modules need lives in ``physml._checks``
    (the private module shared by design), not as ``stats._helper`` called from elsewhere."""
    offenders = []
    for module, path in physml_modules().items():
        tree = ast.parse(path.read_text())
        bound = {}  # local name -> physml module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "physml"
            ):
                for a in node.names:
                    if a.name.startswith("_") and node.module != module:
                        offenders.append(
                            f"{module}: from {node.module} import {a.name}"
                        )
                    bound[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("physml"):
                        bound[a.asname or a.name.split(".")[0]] = a.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and bound[node.value.id] != "physml._checks"
            ):
                offenders.append(f"{module}: {node.value.id}.{node.attr}")
    assert not offenders, (
        f"physml modules use another module's private names (move the helper to "
        f"physml._checks or make it public): {sorted(set(offenders))}"
    )
