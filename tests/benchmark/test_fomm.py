"""FOMM's keypoint detector: golden outputs of a torch KPDetector with the same weights, input checks, the converter.

The golden outputs (tests/fixtures/fomm.npz, made by fomm_cases.py) come from torch running FOMM's architecture on
the weights random_state_dict(seed=0); the fixture keeps a checksum of those weights rather than the weights.
Keypoints and Jacobians must agree to 5e-6 (measured: 1.1e-6 and 4.8e-7; both are sums over 58 x 58 heatmaps of a
network whose float32 convolutions torch and BLAS sum in different orders). These tests never import torch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import antialias_np
from benchmark.fomm import KPDetector, random_state_dict
from benchmark.fomm.__main__ import kp_detector_arrays, main
from benchmark.fomm.detector import FRAMES_PER_BATCH

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "fomm.npz"
TOLERANCE = {"value": 5e-6, "jacobian": 5e-6}  # measured: 1.1e-6, 4.8e-7
REGENERATE = "python tests/fixtures/make_fixtures.py fomm"


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["cases"] = {case["id"]: case for case in json.loads(str(arrays["cases"]))}
    return arrays


@pytest.fixture(scope="module")
def detector() -> KPDetector:
    return KPDetector.from_state_dict(random_state_dict(seed=0))


@pytest.fixture(scope="module")
def frames(golden) -> np.ndarray:
    return golden["input/frames"]


def max_error(result: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(result.astype(np.float64) - expected)))


def test_random_state_dict_draws_the_fixture_weights(golden):
    """If this fails, every golden test below fails for that reason: the weights, not the detector, changed."""
    seed = golden["input/seed"].item()
    arrays = random_state_dict(seed)
    expected = golden["output/state_dict_checksum"]
    assert len(arrays) == len(expected), (
        f"random_state_dict({seed}) has {len(arrays)} arrays, the fixture {len(expected)}"
    )
    for (key, array), stored in zip(sorted(arrays.items()), expected.tolist(), strict=True):
        drawn = [float(np.abs(array, dtype=np.float64).sum()), float(array.flat[0]), float(array.flat[-1])]
        assert np.allclose(drawn, stored, rtol=1e-9, atol=0), (
            f"random_state_dict({seed}) no longer draws the fixture's {key!r} (sum |w|, first, last: {drawn}, "
            f"fixture {stored}), e.g. after a NumPy update; regenerate with `{REGENERATE}`"
        )


@pytest.mark.parametrize("output", ["value", "jacobian"])
def test_equals_torch(golden, detector, frames, output):
    result = detector(frames, method="gaussian")[output]
    expected = golden[f"output/{output}"]
    assert result.shape == expected.shape and result.dtype == np.float32
    error = max_error(result, expected)
    assert error <= TOLERANCE[output], f"{golden['cases'][output]['call']}: max abs error {error}"


@pytest.mark.parametrize("output", ["value", "jacobian"])
def test_network_equals_torch_on_torchs_downsampled_frames(golden, detector, output):
    """The network alone, so a failure here is not the `down` step's."""
    result = detector.predict_from_downsampled(golden["output/downsampled"])[output]
    error = max_error(result, golden[f"output/{output}"])
    assert error <= TOLERANCE[output], f"max abs error {error}"


def test_down_step_equals_torch(golden, frames):
    error = max_error(antialias_np.downsample(frames, 0.25, method="gaussian"), golden["output/downsampled"])
    assert error <= 2e-6, f"{golden['cases']['downsampled']['call']}: max abs error {error}"  # measured 7.2e-7


@pytest.mark.parametrize("method", antialias_np.METHODS)
def test_every_method_gives_finite_keypoints(detector, frames, method):
    """`method` picks the `down` step, and only it: the network on the method's own 64 x 64 image."""
    out = detector(frames, method=method)
    small = antialias_np.downsample(frames, 0.25, method=method)
    np.testing.assert_array_equal(out["value"], detector.predict_from_downsampled(small)["value"])
    assert out["value"].shape == (2, 10, 2) and out["value"].dtype == np.float32
    assert out["jacobian"].shape == (2, 10, 2, 2) and out["jacobian"].dtype == np.float32
    assert np.all(np.isfinite(out["value"])) and np.all(np.isfinite(out["jacobian"]))


@pytest.mark.parametrize("fill", [0.0, 1.0])
def test_flat_frames_give_finite_keypoints(detector, fill):
    out = detector(np.full((1, 3, 256, 256), fill, np.float32))
    assert np.all(np.isfinite(out["value"])) and np.all(np.isfinite(out["jacobian"]))


def test_frames_are_independent_of_their_batch(detector, frames):
    """A full batch of frames and one more (the network runs FRAMES_PER_BATCH at once) give what each gives alone."""
    batch = np.concatenate([frames] * FRAMES_PER_BATCH)[: FRAMES_PER_BATCH + 1]
    together = detector(batch)
    for i, frame in enumerate(batch):
        alone = detector(frame[None])
        for key in ("value", "jacobian"):
            assert max_error(together[key][i], alone[key][0]) <= 1e-6, (key, i)


def test_load_reads_an_npz_of_the_state_dict(tmp_path, detector, frames):
    path = tmp_path / "kp_detector.npz"
    np.savez(path, **random_state_dict(seed=0))
    loaded = KPDetector.load(path)(frames)
    expected = detector(frames)
    for key in ("value", "jacobian"):
        np.testing.assert_array_equal(loaded[key], expected[key])


def test_other_weights_give_other_keypoints(detector, frames):
    other = KPDetector.from_state_dict(random_state_dict(seed=1))
    assert max_error(other(frames)["value"], detector(frames)["value"]) > 0.01


def test_num_batches_tracked_is_ignored(frames, detector):
    arrays = random_state_dict(seed=0)
    arrays["predictor.encoder.down_blocks.0.norm.num_batches_tracked"] = np.array(1000)
    np.testing.assert_array_equal(KPDetector.from_state_dict(arrays)(frames)["value"], detector(frames)["value"])


def test_missing_key_is_named():
    arrays = random_state_dict(seed=0)
    del arrays["predictor.decoder.up_blocks.3.norm.running_var"]
    with pytest.raises(ValueError, match=r"'predictor\.decoder\.up_blocks\.3\.norm\.running_var'"):
        KPDetector.from_state_dict(arrays)


def test_wrong_shape_is_named():
    arrays = random_state_dict(seed=0)
    arrays["kp.weight"] = arrays["kp.weight"][:, :, 1:-1, 1:-1]
    with pytest.raises(ValueError, match=r"'kp\.weight' has shape \(10, 35, 5, 5\).*\(10, 35, 7, 7\)"):
        KPDetector.from_state_dict(arrays)


def test_unexpected_key_is_named():
    arrays = random_state_dict(seed=0)
    arrays["module.kp.weight"] = arrays["kp.weight"]
    with pytest.raises(ValueError, match=r"module\.kp\.weight"):
        KPDetector.from_state_dict(arrays)


def test_down_weight_must_be_fomms_gaussian():
    arrays = random_state_dict(seed=0)
    arrays["down.weight"] = np.full_like(arrays["down.weight"], 1 / 169)
    with pytest.raises(ValueError, match=r"down\.weight"):
        KPDetector.from_state_dict(arrays)


@pytest.mark.parametrize(
    ("frames", "error", "message"),
    [
        (np.zeros((1, 3, 256, 256), np.float64), TypeError, "float32"),
        (np.zeros((1, 3, 128, 128), np.float32), ValueError, r"\(N, 3, 256, 256\)"),
        (np.zeros((3, 256, 256), np.float32), ValueError, r"\(N, C, H, W\)"),
        (np.zeros((1, 256, 256, 3), np.float32), ValueError, r"\(N, 3, 256, 256\)"),
        ([[0.0]], TypeError, "numpy.ndarray"),
    ],
)
def test_bad_frames_are_refused(detector, frames, error, message):
    with pytest.raises(error, match=message):
        detector(frames)


def test_predict_from_downsampled_wants_64x64(detector, frames):
    with pytest.raises(ValueError, match=r"\(N, 3, 64, 64\)"):
        detector.predict_from_downsampled(frames)


def test_conversion_keeps_fomms_key_names():
    """A DataParallel checkpoint's 'module.' prefix goes, BatchNorm counters go, arrays become float32."""
    arrays = random_state_dict(seed=0)
    saved = {f"module.{key}": array.astype(np.float64) for key, array in arrays.items()}
    saved["module.predictor.encoder.down_blocks.0.norm.num_batches_tracked"] = np.array(7)
    converted = kp_detector_arrays(saved)
    assert converted.keys() == arrays.keys()
    assert all(converted[key].dtype == np.float32 for key in converted)
    np.testing.assert_array_equal(converted["kp.weight"], arrays["kp.weight"])


def test_convert_help_says_how_to_install_torch():
    command = [sys.executable, "-m", "benchmark.fomm", "convert", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "pip install torch==2.13.0" in " ".join(result.stdout.split())


def test_detector_and_converter_do_not_import_torch():
    code = "import sys, benchmark.fomm.__main__; print('torch' in sys.modules)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


def test_convert_without_torch_exits_with_status_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    checkpoint = tmp_path / "vox-cpk.pth.tar"
    checkpoint.write_bytes(b"not read")
    assert main(["convert", str(checkpoint), str(tmp_path / "kp_detector.npz")]) == 2
    assert "pip install torch==2.13.0" in capsys.readouterr().err
    assert not (tmp_path / "kp_detector.npz").exists()


def test_convert_of_a_missing_path_says_so_even_without_torch(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert main(["convert", str(tmp_path / "vox-cpk.pth.tar"), str(tmp_path / "kp_detector.npz")]) == 2
    error = capsys.readouterr().err
    assert "does not exist" in error and "torch" not in error
