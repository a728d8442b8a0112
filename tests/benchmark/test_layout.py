"""The library apart from the study: the installed package holds only antialias_np, which never imports the
harness, and the harness uses only the library's public API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import antialias_np as aa

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(*paths: Path) -> dict[str, set[str]]:
    """Per Python file, each of `paths` or under it: the modules it imports (from X import y gives X.y as well as
    X)."""
    imports = {}
    for path in sorted(p for given in paths for p in ([given] if given.is_file() else given.rglob("*.py"))):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        imports[str(path.relative_to(ROOT))] = names
    return imports


def test_only_the_library_is_installed():
    packages = re.search(r"^packages = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.MULTILINE)[1]
    assert all(name.strip('" ').split(".")[0] == "antialias_np" for name in packages.split(",")), packages
    assert not list((ROOT / "antialias_np").glob("fomm/*.py")) and not (ROOT / "antialias_np" / "evaluate.py").exists()


def test_the_library_never_imports_the_harness():
    for path, names in imported_modules(ROOT / "antialias_np").items():
        assert not any(name.split(".")[0] in ("benchmark", "matplotlib") for name in names), path


PUBLIC_MODULES = ("frames", "dask", "onnx", "compile")
"""The library's modules that users import by name (documented on their own pages), beside the names in __all__."""


def test_the_harness_uses_only_the_public_api():
    public = {"antialias_np", *(f"antialias_np.{name}" for name in (*aa.__all__, *PUBLIC_MODULES))}
    files = imported_modules(ROOT / "benchmark", ROOT / "bench.py")  # not the whole clone: a venv may lie in it
    for path, names in files.items():
        private = {name for name in names if name.startswith("antialias_np") and name not in public
                   and not name.startswith(tuple(f"antialias_np.{module}." for module in PUBLIC_MODULES))}
        assert not private, f"{path} imports {private}"
