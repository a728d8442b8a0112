"""MTCNN's ONet in NumPy: golden outputs of facenet-pytorch's ONet in torch with the shipped weights, the torch-free
reader of torch's files, the converter, the photo frames, the avgpool candidates.

The golden outputs (tests/fixtures/onet.npz, made by onet_cases.py with torch) are torch's ONet, with the same
layers as facenet-pytorch 2.6.0's and benchmark/data/onet.npz's weights, on five crops: three of the photo frames,
one mirrored, and noise. These tests never import torch: the reader parses the tiny state dict files that
onet_cases.py wrote with torch.save, in both of torch's formats.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import antialias_np as aa
from benchmark.avgpool_candidates import candidates
from benchmark.layers import max_pool2d_ceil
from benchmark.onet import ONet
from benchmark.onet.__main__ import main
from benchmark.onet.detector import WEIGHTS, parameter_shapes
from benchmark.onet_table import FACE_THRESHOLD
from benchmark.photo import FRAME_SIZE, lanczos_sample, photo_frames
from benchmark.torch_file import read_state_dict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY_FILES = ("tiny_state_dict.pt", "tiny_state_dict_legacy.pt")  # torch's zip format, its legacy format
TOLERANCE = {"value": 1e-6, "face_probability": 1e-8}  # measured: 3.6e-7, 1.3e-9


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "onet.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["cases"] = {case["id"]: case for case in json.loads(str(arrays["cases"]))}
    return arrays


@pytest.fixture(scope="module")
def onet() -> ONet:
    return ONet.load()


@pytest.mark.parametrize("output", ["value", "face_probability"])
def test_equals_torch(golden, onet, output):
    result = onet.predict_from_downsampled(golden["input/crops"])[output]
    expected = golden[f"output/{output}"]
    assert result.shape == expected.shape and result.dtype == np.float32
    error = float(np.max(np.abs(result.astype(np.float64) - expected)))
    assert error <= TOLERANCE[output], f"{golden['cases'][output]['call']}: max abs error {error}"


def test_faces_and_noise(golden, onet):
    """The photo's crops are faces, noise is not; the mirrored crop's left and right landmarks trade places."""
    out = onet.predict_from_downsampled(golden["input/crops"])
    assert np.all(out["face_probability"][:4] > 0.99) and out["face_probability"][4] < 0.01
    eyes, nose, mouth = out["value"][0, :2], out["value"][0, 2], out["value"][0, 3:]
    assert eyes[0, 0] < nose[0] < eyes[1, 0] and eyes[:, 1].max() < nose[1] < mouth[:, 1].min()
    mirrored = out["value"][3][[1, 0, 2, 4, 3]] * [-1, 1]  # x -> -x in [-1, 1] coordinates, left <-> right
    # ONet is trained, not built mirror-symmetric: within 0.1 (2.3 pixels of the 48 grid; measured 0.063).
    assert np.max(np.abs(mirrored - out["value"][0])) < 0.1


@pytest.mark.parametrize("name", TINY_FILES)
def test_reads_torch_files_without_torch(golden, name):
    """Dtypes, a transposed view, views at an offset of a shared storage, a 0-d tensor, a layer's state dict."""
    arrays = read_state_dict(FIXTURES / name)
    expected = {key.removeprefix("output/tiny/"): golden[key] for key in golden if key.startswith("output/tiny/")}
    assert list(arrays) == list(expected)  # the file's order
    for key, array in arrays.items():
        assert array.dtype == expected[key].dtype and array.flags.writeable, key
        np.testing.assert_array_equal(array, expected[key], err_msg=key)


def test_reader_refuses_other_globals(tmp_path):
    """A pickle that would call anything but a state dict's few globals (here os.system) is refused, not run."""
    path = tmp_path / "evil.pt"

    class Call:
        def __reduce__(self):
            import os

            return os.system, ("echo hacked",)

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"weight": Call()}, protocol=2))
    with pytest.raises(ValueError, match=r"pickles (posix|nt|os)\.system"):
        read_state_dict(path)


def test_reader_refuses_other_files():
    with pytest.raises(ValueError, match="not a torch file"):
        read_state_dict(WEIGHTS.parent / "README.md")


def test_onet_takes_facenet_pytorchs_keys():
    arrays = read_state_dict(FIXTURES / TINY_FILES[0])
    with pytest.raises(ValueError, match=r"no 'conv1\.weight'"):
        ONet.from_state_dict(arrays)
    with np.load(WEIGHTS) as data:
        weights = {key: data[key] for key in data.files}
    assert list(weights) == list(parameter_shapes())
    with pytest.raises(ValueError, match=r"'dense5\.weight' has shape \(256, 1151\)"):
        ONet.from_state_dict({**weights, "dense5.weight": weights["dense5.weight"][:, 1:]})
    with pytest.raises(ValueError, match="extra"):
        ONet.from_state_dict({**weights, "extra": weights["conv1.bias"]})


@pytest.mark.parametrize(
    ("crops", "error", "message"),
    [
        (np.zeros((1, 3, 48, 48), np.float64), TypeError, "float32"),
        (np.zeros((1, 3, 64, 64), np.float32), ValueError, r"\(N, 3, 48, 48\)"),
        ([[0.0]], TypeError, "numpy.ndarray"),
    ],
)
def test_bad_crops_are_refused(onet, crops, error, message):
    with pytest.raises(error, match=message):
        onet.predict_from_downsampled(crops)


def test_convert_writes_the_arrays_it_reads(monkeypatch, tmp_path, capsys):
    """The converter's path from a state dict to the .npz, fed the shipped arrays as if read from onet.pt."""
    with np.load(WEIGHTS) as data:
        weights = {key: data[key] for key in data.files}
    monkeypatch.setattr("benchmark.onet.__main__.read_state_dict", lambda path: weights)
    source = tmp_path / "onet.pt"
    source.write_bytes(b"read by the patched reader")
    assert main(["convert", str(source), str(tmp_path / "out.npz")]) == 0
    assert "wrote 21 arrays" in capsys.readouterr().out
    with np.load(tmp_path / "out.npz") as written:
        assert list(written.files) == list(weights)
        assert all(np.array_equal(written[key], weights[key]) for key in weights)


def test_convert_of_another_state_dict_says_so(tmp_path, capsys):
    assert main(["convert", str(FIXTURES / TINY_FILES[1]), str(tmp_path / "out.npz")]) == 1
    assert "not ONet's state dict" in capsys.readouterr().err and not (tmp_path / "out.npz").exists()
    assert main(["convert", str(tmp_path / "missing.pt"), str(tmp_path / "out.npz")]) == 2


def test_max_pool_ceil_mode_is_torchs():
    """Windows of 3, stride 2 over 8 pixels: starts 0, 2, 4, 6, the last covering pixels 6 and 7 only."""
    x = np.random.default_rng(0).random((2, 1, 8, 7)).astype(np.float32)
    out = max_pool2d_ceil(x, 3, 2)
    assert out.shape == (2, 1, 4, 3)  # ceil(5 / 2) + 1 = 4 rows; ceil(4 / 2) + 1 = 3 columns
    for i in range(4):
        for j in range(3):
            window = x[:, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
            np.testing.assert_array_equal(out[:, :, i, j], window.max(axis=(2, 3)))


def test_photo_frames_are_faces_to_onet(onet):
    """Seeded, deterministic, in [0, 1]; every baseline crop a face to ONet, above the study's threshold."""
    frames = photo_frames(6, seed=3)
    assert frames.shape == (6, 3, FRAME_SIZE, FRAME_SIZE) and frames.dtype == np.float32
    assert 0 <= frames.min() and frames.max() <= 1
    np.testing.assert_array_equal(frames, photo_frames(6, seed=3))
    assert np.abs(frames - photo_frames(6, seed=4)).mean() > 0.01
    out = onet.predict_from_downsampled(aa.downsample(frames, 0.25, "gaussian"))
    assert np.all(out["face_probability"] > FACE_THRESHOLD)
    assert np.ptp(out["value"], axis=0).max() > 0.01  # the face moves from frame to frame


def test_lanczos_sample_at_pixel_centres_returns_the_pixels():
    image = np.random.default_rng(0).random((2, 12, 10))
    y, x = np.mgrid[3:8, 2:7].astype(float)
    np.testing.assert_allclose(lanczos_sample(image, x, y), image[:, 3:8, 2:7], atol=1e-12)
    ramp = np.broadcast_to(np.arange(10.0), (1, 12, 10))  # between pixels, a constant stays constant ...
    assert np.allclose(lanczos_sample(np.ones((1, 12, 10)), x + 0.3, y + 0.6), 1)
    assert np.allclose(lanczos_sample(ramp, x + 0.5, y), x + 0.5, atol=0.01)  # ... and a ramp nearly a ramp
    with pytest.raises(ValueError, match="border"):
        lanczos_sample(image, x - 1, y)


@pytest.mark.parametrize("candidate", candidates(), ids=str)
def test_avgpool_candidates_make_the_study_size_and_centre_as_stated(candidate):
    """On a ramp in x, output pixel i away from the borders is the mean of the window: its centre 4i + centre."""
    ramp = np.broadcast_to(np.arange(256, dtype=np.float32), (1, 3, 256, 256)).copy()
    out = candidate(ramp)
    assert out.shape == (1, 3, 64, 64) and candidate(ramp[..., :192, :192]).shape == (1, 3, 48, 48)
    np.testing.assert_allclose(out[0, 0, 10, 2:-2], 4 * np.arange(2, 62) + candidate.centre, atol=1e-4)
