"""An installed copy of the package works for a user who can write neither it, nor HOME, nor NUMBA_CACHE_DIR.

The package is copied into a folder made read-only, as site-packages is for a user who did not install it, and a
fresh Python runs downsample there with HOME and NUMBA_CACHE_DIR read-only too. Run as root, where permission bits
do not stop writes, the fresh Python runs without the capabilities that bypass them (setpriv), so it is refused
like any other user; it checks that first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import antialias_np as aa

REPOSITORY = Path(__file__).resolve().parents[1]
DROP_ROOT_POWERS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]

CHILD = """
import json, os, sys, tempfile, warnings
import numpy as np

read_only, out, temporary_folder = sys.argv[1:]
for folder in read_only.split(os.pathsep):
    try:
        open(os.path.join(folder, "probe"), "w").close()
        sys.exit(f"the test could not make {folder} read-only")
    except PermissionError:
        pass
tempfile.tempdir = temporary_folder
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import antialias_np
    frame = np.random.default_rng(0).random((3, 64, 48), dtype=np.float32)
    results = {method: antialias_np.downsample(frame, 0.25, method) for method in ("gaussian", "median")}
np.savez(out, **results)
print(json.dumps({"package": antialias_np.__file__, "warnings": [str(w.message) for w in caught]}))
"""


def read_only_tree(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@pytest.fixture
def sandbox():
    """A folder, readable by the fresh Python, removed after (made writable again first)."""
    folder = Path(tempfile.mkdtemp(prefix="antialias_np-install-"))
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


@pytest.mark.parametrize("temporary_folder_writable", [True, False], ids=["temporary-cache", "no-cache"])
def test_read_only_install_works_with_one_warning(sandbox, temporary_folder_writable):
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("run as root without setpriv: file permissions cannot be made to refuse writes")
        prefix = DROP_ROOT_POWERS
    site_packages, home, numba_cache, temporary, out = (
        sandbox / name for name in ("site-packages", "home", "numba-cache", "tmp", "out")
    )
    shutil.copytree(
        REPOSITORY / "antialias_np", site_packages / "antialias_np", ignore=shutil.ignore_patterns("__pycache__")
    )
    for folder in (home, numba_cache, temporary, out):
        folder.mkdir()
    read_only = [site_packages, home, numba_cache] + ([] if temporary_folder_writable else [temporary])
    for folder in read_only:
        read_only_tree(folder)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=str(site_packages), HOME=str(home), NUMBA_CACHE_DIR=str(numba_cache))

    done = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            CHILD,
            os.pathsep.join(map(str, read_only)),
            str(out / "results.npz"),
            str(temporary),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=sandbox,
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert Path(report["package"]).is_relative_to(site_packages)
    assert len(report["warnings"]) == 1
    assert "NUMBA_CACHE_DIR" in report["warnings"][0]
    cached = list(temporary.rglob("*.nbi"))
    assert bool(cached) == temporary_folder_writable
    frame = np.random.default_rng(0).random((3, 64, 48), dtype=np.float32)
    with np.load(out / "results.npz") as results:
        for method in ("gaussian", "median"):
            np.testing.assert_array_equal(results[method], aa.downsample(frame, 0.25, method))
