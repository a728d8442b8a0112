"""Type checkers see the public API's real signatures, as a user who installed the package sees them.

The package is copied, as pip installs it, into a folder on PYTHONPATH (a stand-in for site-packages: mypy reads an
installed package only if it carries py.typed), and mypy --strict and pyright check a short user script there.
The checkers are optional (the `typing` extra); each test is skipped without its checker (fails, with
ANTIALIAS_NP_NO_SKIP=1). The package itself is checked by CI (`mypy` and `pyright` with pyproject.toml's settings);
here, that those settings treat Numba and the optional extras' libraries alike in both checkers.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from optional import unavailable

import antialias_np

PACKAGE = Path(antialias_np.__file__).parent
REPOSITORY = Path(__file__).resolve().parents[1]


USER_SCRIPT = """
import numpy as np
import antialias_np as aa

frame = np.zeros((3, 256, 256), np.float32)
small = aa.downsample(frame, 0.25, "gaussian")
reveal_type(aa.downsample)
reveal_type(aa.interpolate)
reveal_type(aa.METHODS)
reveal_type(small)
aa.downsample(frame, "0.25")  # a wrong type: the checker must say so
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A folder holding the user script and, in site/, a copy of the package as an installation holds it."""
    folder = tmp_path_factory.mktemp("typing")
    shutil.copytree(PACKAGE, folder / "site" / "antialias_np", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "user.py").write_text(USER_SCRIPT)
    return folder


def run_checker(command: list[str], folder: Path) -> str:
    environment = {**os.environ, "PYTHONPATH": str(folder / "site")}
    result = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)
    return result.stdout + result.stderr


def test_mypy_strict_sees_the_signatures(installed):
    if importlib.util.find_spec("mypy") is None:
        unavailable("mypy is not installed (pip install 'antialias_np[typing]')")
    output = run_checker([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user.py"], installed)
    assert "import-untyped" not in output, output
    # images are array-likes (numpy.typing.ArrayLike, which the checkers spell out as the protocols it joins)
    assert re.search(r'Revealed type is "def \(image: [^,]*_SupportsArray', output), output
    assert "channel_axis: int | None" in output, output
    assert re.search(r'Revealed type is "def \(x: [^,]*_SupportsArray', output), output  # interpolate
    assert 'Revealed type is "tuple[str, ...]"' in output, output
    assert 'Argument 2 to "downsample" has incompatible type "str"; expected "float' in output, output
    assert "Found 1 error in 1 file" in output, output


def test_pyright_sees_the_signatures(installed):
    pyright = shutil.which("pyright")
    if pyright is None:
        unavailable("pyright is not installed (pip install 'antialias_np[typing]')")
    output = run_checker([pyright, "user.py"], installed)
    assert re.search(r'Type of "aa.downsample" is "\(image: [^,]*_SupportsArray', output), output
    assert re.search(r'Type of "aa.interpolate" is "\(x: [^,]*_SupportsArray', output), output
    assert 'cannot be assigned to parameter "scale" of type "float' in output, output
    assert "1 error" in output, output


def test_the_installed_package_is_marked_typed():
    assert (PACKAGE / "py.typed").is_file()


def test_the_type_checkers_imports_are_the_lazy_names():
    """Each public name is imported under TYPE_CHECKING from the module __getattr__ loads it from, and is in __all__."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    guarded = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    imported = {alias.name: node.module.removeprefix("antialias_np.") for node in guarded.body
                for alias in node.names}
    assert imported == antialias_np._MODULE_OF
    assert sorted(antialias_np.__all__) == sorted(imported)


def _stub_exists(stubs: Path, module: str) -> bool:
    path = stubs / module.replace(".", "/")
    return path.with_suffix(".pyi").is_file() or (path / "__init__.pyi").is_file()


def test_pyright_sees_as_any_what_mypy_skips():
    """Numba, llvmlite and the optional extras' libraries are Any to both checkers whether installed or not, so that
    their results do not depend on the extras a venv holds: mypy skips them (pyproject.toml's overrides with
    follow_imports = "skip"), and pyright, which has no per-module setting, reads a stub of Any (typings/) for every
    one of them that the package imports by name."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11
    config = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    (skip,) = [override for override in config["tool"]["mypy"]["overrides"] if override.get("follow_imports") == "skip"]
    skipped = {name.removesuffix(".*") for name in skip["module"]}
    stubs = REPOSITORY / config["tool"]["pyright"]["stubPath"]
    imported = set()
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
                imported.add(node.module)
    untyped = {module for module in imported if module.split(".")[0] in skipped}
    assert {"numba", "av", "onnx", "tqdm"} <= untyped  # the scan finds them
    missing = sorted(module for module in untyped if not _stub_exists(stubs, module))
    assert not missing, f"no stub in {stubs} for {missing}: pyright would type them where they are installed"
    assert {path.parts[len(stubs.parts)].removesuffix(".pyi") for path in stubs.rglob("*.pyi")} <= skipped
