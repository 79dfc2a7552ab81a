"""bookkit sits beside physml: it imports physml, physml never imports it."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_physml_module_imports_bookkit():
    offenders = []
    for path in sorted((ROOT / "physml").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "bookkit"]
    assert not offenders, f"physml imports the build tools: {offenders}"


def test_importing_physml_does_not_import_bookkit():
    code = "import sys, physml, physml.claims, physml.config; print('bookkit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
