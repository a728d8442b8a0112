"""The sdist and the wheel hold what they should: built once with `python -m build`, then opened.

The sdist holds every file its tests need and they pass from it (a distribution's recipe builds from the sdist and
runs the tests there); the wheel holds the library and py.typed, not the tests or the study's harness; the metadata
is what an index shows. Skipped without the `build` package (pip install build); fails instead with
ANTIALIAS_NP_NO_SKIP=1.
"""

from __future__ import annotations

import email.parser
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from optional import unavailable

import antialias_np

REPOSITORY = Path(__file__).resolve().parents[1]
NOT_SHIPPED = ("__pycache__", ".nbi", ".nbc", ".pyc", "docs/_build", "docs/auto_examples", "_generated")
"""Caches and build outputs, never in a distribution."""



@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and wheel built from a copy of the repository's files, as a fresh clone builds them (a build in
    the working tree would also read the file list an earlier build left in antialias_np.egg-info)."""
    if importlib.util.find_spec("build") is None:
        unavailable("the build package is not installed (pip install build)")
    clone, out = tmp_path_factory.mktemp("clone"), tmp_path_factory.mktemp("dist")
    for name in repository_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / name, clone / name)
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(clone)], check=True,
                   capture_output=True, timeout=600)
    return out


def sdist_names(dist: Path) -> list[str]:
    (archive,) = dist.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        return [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]


def wheel_names(dist: Path) -> list[str]:
    (archive,) = dist.glob("*.whl")
    with zipfile.ZipFile(archive) as wheel:
        return wheel.namelist()


def repository_files(folder: str = ".") -> list[str]:
    """The repository's files under folder, as git lists them (tracked, or new and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", folder],
                            cwd=REPOSITORY, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the repository's file list is git's")
    return [name for name in listed.stdout.split("\0") if name and (REPOSITORY / name).is_file()]


def test_sdist_holds_the_tests_and_what_they_need(dist):
    names = set(sdist_names(dist))
    for needed in ("tests/conftest.py", "tests/helpers.py", "tests/fixtures/resample.npz", "bench.py",
                   "benchmark/data/onet.npz", "LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"):
        assert needed in names
    missing = [name for folder in ("tests", "benchmark", "antialias_np") for name in repository_files(folder)
               if name not in names]
    assert not missing, f"the sdist lacks {missing}"
    assert not [name for name in names if any(part in name for part in NOT_SHIPPED)]


def test_wheel_holds_the_library_and_py_typed_only(dist):
    names = wheel_names(dist)
    library = sorted(name for name in names if not name.startswith("antialias_np-"))
    package = Path(antialias_np.__file__).parent
    expected = sorted(path.relative_to(package.parent).as_posix() for path in package.rglob("*")
                      if "__pycache__" not in path.parts and (path.suffix == ".py" or path.name == "py.typed"))
    assert library == expected


def test_metadata_is_what_an_index_shows(dist):
    (archive,) = dist.glob("*.whl")
    with zipfile.ZipFile(archive) as wheel:
        (metadata_name,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(wheel.read(metadata_name).decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Version"] == antialias_np.__version__
    assert metadata["Author"] == "antialias_np developers"
    classifiers = metadata.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639: the expression alone
    assert metadata["Keywords"]
    assert metadata["Description-Content-Type"] == "text/markdown"


def test_tests_pass_from_the_unpacked_sdist(dist, tmp_path):
    """A quick subset that needs conftest.py, the saved torch outputs and the harness's data."""
    (archive,) = dist.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    (source,) = tmp_path.iterdir()
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_version.py",
         "tests/test_golden.py", "tests/benchmark/test_onet.py", "-k", "version or nearest or onet"],
        cwd=source, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    imported = subprocess.run([sys.executable, "-c", "import antialias_np; print(antialias_np.__file__)"],
                              cwd=source, capture_output=True, text=True)
    assert Path(imported.stdout.strip()).is_relative_to(source)  # the sdist's copy ran, not the repository's


def test_twine_finds_both_ready_for_an_index(dist):
    """twine check: the metadata is complete and the README renders as the index's project description."""
    if importlib.util.find_spec("twine") is None:
        unavailable("twine is not installed (pip install twine)")
    archives = sorted(str(path) for path in dist.iterdir())
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *archives],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2
