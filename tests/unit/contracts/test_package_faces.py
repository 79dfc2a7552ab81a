"""Every physml subpackage has one face: its ``__init__`` re-exports the user-facing names with
``__all__`` and defines nothing itself (issue 19, "One clear house").

It lives in tests/unit/contracts/ because it is parametrised over every subpackage's face (the
``__init__`` modules), not a test of one module."""

import ast
import importlib
import inspect
import pkgutil

import pytest

import physml
from tests.helpers import ROOT, fresh_python

SUBPACKAGES = sorted(m.name for m in pkgutil.iter_modules(physml.__path__) if m.ispkg)
# The shared blocks at the top level; a module used by one part only lives in that part's subpackage.
TOP_LEVEL_MODULES = {
    "_checks",
    "bayesian",
    "claims",
    "config",
    "nn",
    "plotting",
    "representations",
    "stats",
    "train",
    "uncertainty",
}


def _submodules(sub):
    package = importlib.import_module(f"physml.{sub}")
    return [
        importlib.import_module(f"physml.{sub}.{m.name}")
        for m in pkgutil.iter_modules(package.__path__)
    ]


def test_the_subpackages_are_the_expected_ones():
    assert set(SUBPACKAGES) >= {
        "fits",
        "flows",
        "generative",
        "lattice",
        "learning",
        "lipschitz",
        "nuclear",
        "phases",
    }


def test_the_top_level_keeps_only_the_shared_blocks():
    modules = {m.name for m in pkgutil.iter_modules(physml.__path__) if not m.ispkg}
    assert modules == TOP_LEVEL_MODULES, (
        f"top-level modules beyond the shared blocks: {modules - TOP_LEVEL_MODULES}"
    )


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_all_exists_and_every_name_resolves(sub):
    package = importlib.import_module(f"physml.{sub}")
    names = getattr(package, "__all__", None)
    assert isinstance(names, list) and names, f"physml.{sub} has no __all__"
    assert len(names) == len(set(names)), f"physml.{sub}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(package, n)]
    assert not missing, f"physml.{sub}.__all__ names what it does not have: {missing}"


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_init_defines_nothing(sub):
    """Only a docstring, imports and ``__all__``; every re-exported function or class comes from a submodule."""
    path = ROOT / "physml" / sub / "__init__.py"
    body = ast.parse(path.read_text()).body
    for node in body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(
            node.value, ast.Constant
        )
        is_import = isinstance(node, (ast.Import, ast.ImportFrom))
        is_all = (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "__all__"
        )
        assert is_docstring or is_import or is_all, (
            f"{path.relative_to(ROOT)} line {node.lineno} defines something"
        )
    package = importlib.import_module(f"physml.{sub}")
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.ismodule(obj):
            assert obj.__name__ == f"physml.{sub}.{name}", (
                f"physml.{sub}.{name} is not its own submodule"
            )
        elif inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__module__.startswith(f"physml.{sub}."), (
                f"physml.{sub}.{name} is defined in {obj.__module__}"
            )


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_face_is_complete(sub):
    """The face names every submodule and every public class defined in them."""
    package = importlib.import_module(f"physml.{sub}")
    exported = set(package.__all__)
    missing = []
    for module in _submodules(sub):
        if module.__name__.rsplit(".", 1)[1] not in exported:
            missing.append(module.__name__)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and not name.startswith("_")
                and obj.__module__ == module.__name__
                and getattr(package, name, None) is not obj
            ):
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"physml.{sub} does not re-export {missing}"


def test_importing_physml_and_its_faces_does_not_import_bookkit():
    imports = "; ".join(f"import physml.{sub}" for sub in SUBPACKAGES)
    code = f"import sys, physml; a = 'bookkit' in sys.modules; {imports}; print(a, 'bookkit' in sys.modules)"
    assert fresh_python(code).split() == ["False", "False"]
