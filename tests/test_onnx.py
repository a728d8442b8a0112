"""antialias_np.onnx on onnxruntime: every exported method equals torch's saved outputs and antialias_np (selections,
the median and uint8 bit for bit), and the checker finds and fixes the Resize attributes torch's exporters wrote.

Needs the `onnx` extra (onnx, onnxruntime); without it only the tests that the package imports without them run.
The exporter graphs are built with onnx.helper as torch's exporters make them (no torch needed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from conftest import FIXTURES, compare, tolerance

import antialias_np as aa
from antialias_np.methods import EXTRA_METHODS, METHODS
from antialias_np.onnx import checker, downsample_model, interpolate_model
from antialias_np.onnx.__main__ import main
from antialias_np.onnx.models import DTYPES, median_network

PHOTO = Path(__file__).resolve().parents[1] / "benchmark" / "data" / "astronaut_face.png"

MODEL_TOLERANCE = {
    np.dtype(np.float32): 1e-6,  # measured: 3.6e-7 (lanczos, bicubic) against antialias_np on [0, 1] images
    np.dtype(np.float64): 2e-15,  # measured: 4.4e-16 (bilateral; the tables' MatMul gave antialias_np's sums)
    np.dtype(np.uint8): 0.0,  # the same fixed point, exact sums, or float64 sums rounded alike
}
"""Largest difference between a model on onnxruntime and antialias_np: another summation order (a MatMul's)."""

RESIZE_TOLERANCE = 5e-5
"""onnxruntime's own Resize with torch's antialias attributes against antialias_np (so torch), float32 on [0, 1]
images: measured up to 1.2e-5 downsampling and 2.0e-5 upsampling (bicubic, 97 x 131 images); as torch's dynamo
exporter wrote it before (exclude_outside=0, cubic_coeff_a=-0.75), 0.019 to 0.23 off."""


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx")
    return pytest.importorskip("onnxruntime")


def run(ort, model, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def random_image(shape, dtype, seed: int = 0, nonfinite: bool = False) -> np.ndarray:
    """[0, 1] floats (with a NaN, an inf and a -inf if nonfinite) or uint8."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    x = rng.random(shape).astype(dtype)
    if nonfinite:
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, 3, replace=False)] = (np.nan, np.inf, -np.inf)
    return x


def photo(dtype) -> np.ndarray:
    """The astronaut's face, (224, 224, 3), as uint8 or as floats in [0, 1]."""
    image = iio.imread(PHOTO)
    return image if np.dtype(dtype) == np.uint8 else (image / 255).astype(dtype)


def assert_close(result: np.ndarray, expected: np.ndarray, dtype, exact: bool = False):
    error = compare(result, expected)
    assert error <= (0.0 if exact else MODEL_TOLERANCE[np.dtype(dtype)]), f"error {error}"


# ---------------------------------------------------------------------------------------------------------------
# Without the extra
# ---------------------------------------------------------------------------------------------------------------


def test_importing_needs_neither_onnx_nor_onnxruntime():
    code = ("import sys, antialias_np, antialias_np.onnx, antialias_np.onnx.checker, antialias_np.onnx.__main__; "
            "loaded = [m for m in ('onnx', 'onnxruntime') if m in sys.modules]; assert not loaded, loaded")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_without_onnx_an_error_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'antialias_np\[onnx\]'"):
        downsample_model((3, 16, 16), np.float32, 0.5, "bilinear")
    with pytest.raises(ImportError, match=r"pip install 'antialias_np\[onnx\]'"):
        checker.check_model(tmp_path / "model.onnx")
    assert main(["check", str(tmp_path / "model.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "antialias_np[onnx]" in err, err


def test_median_network_puts_the_middle_in_the_middle():
    """Checked on every 0/1 input up to 16 values (the 0-1 principle: a comparator network that selects the middle
    of every 0/1 input selects it of every input) and on random values for the 5 x 5 and 7 x 7 windows."""
    rng = np.random.default_rng(0)
    for n in [*range(1, 17), 25, 49]:
        if n <= 16:
            values = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
        else:
            values = rng.integers(0, 5, (4000, n))
        columns = list(values.T.astype(float))
        for low, high, keep_low, keep_high in median_network(n):
            smaller, larger = np.minimum(columns[low], columns[high]), np.maximum(columns[low], columns[high])
            columns[low], columns[high] = (smaller if keep_low else None), (larger if keep_high else None)
        assert np.array_equal(columns[n // 2], np.sort(values, axis=1)[:, n // 2]), n


# ---------------------------------------------------------------------------------------------------------------
# Models against torch's saved outputs and against antialias_np
# ---------------------------------------------------------------------------------------------------------------


def torch_cases():
    """The fixtures' downsample and interpolate cases (torch 2.13 outputs) on the dtypes models take."""
    with np.load(FIXTURES / "resample.npz") as data:
        for case in json.loads(str(data["cases"])):
            if case["function"] in ("downsample", "interpolate") and data[f"input/{case['input']}"].dtype in DTYPES:
                yield pytest.param(case, id=case["id"])


@pytest.mark.parametrize("case", list(torch_cases()))
def test_equals_torch(ort, case):
    with np.load(FIXTURES / "resample.npz") as data:
        x, expected = data[f"input/{case['input']}"], data[f"output/{case['id']}"]
    build = downsample_model if case["function"] == "downsample" else interpolate_model
    result = run(ort, build(x.shape, x.dtype, **case["kwargs"]), x)
    error = compare(result, expected)
    assert error <= tolerance(case["function"], case["kwargs"], expected.dtype), f"{case['call']}: error {error}"


LAYOUTS = {  # the model's shape (None and "N" dynamic), the image's, channel_axis
    "torch": ((None, 3, 45, 62), (2, 3, 45, 62), None),
    "channels-last": (("N", 45, 62, 3), (2, 45, 62, 3), -1),
    "plane": ((45, 62), (45, 62), None),
}


@pytest.mark.parametrize("method", METHODS + EXTRA_METHODS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_downsample_methods(ort, method, dtype, layout):
    if method == "bilateral" and dtype == np.uint8:
        pytest.skip("bilateral takes floats only")
    model_shape, shape, channel_axis = LAYOUTS[layout]
    scale = 0.25 if method == "binomial" else 1 / 3
    model = downsample_model(model_shape, dtype, scale, method, channel_axis=channel_axis)
    for x in (random_image(shape, dtype, nonfinite=True), photo(dtype)):
        axis = -1 if x.shape[-1] == 3 and x.ndim == 3 else channel_axis
        if x.ndim != len(model_shape) or (axis == -1) != (channel_axis == -1):
            model_x = downsample_model(x.shape, dtype, scale, method, channel_axis=axis)
        else:
            model_x = model
        assert_close(run(ort, model_x, x), aa.downsample(x, scale, method, channel_axis=axis), dtype,
                     exact=method in ("subsample", "nearest", "median"))


INTERPOLATE_CALLS = [
    dict(size=(13, 29), mode="nearest"),
    dict(scale_factor=2.3, mode="nearest"),
    dict(size=(17, 100), mode="nearest-exact"),
    dict(size=(13, 29), mode="bilinear"),
    dict(size=(90, 41), mode="bilinear", align_corners=True),
    dict(size=(13, 29), mode="bilinear", antialias=True),
    dict(scale_factor=(0.3, 1.7), mode="bilinear", antialias=True),
    dict(size=(90, 140), mode="bicubic"),
    dict(size=(13, 1), mode="bicubic", antialias=True),
    dict(scale_factor=0.3, mode="bicubic", antialias=True, recompute_scale_factor=True),
    dict(size=(13, 29), mode="lanczos", antialias=True),
    dict(size=(45, 70), mode="lanczos", antialias=True),
    dict(size=(13, 29), mode="area"),
]


@pytest.mark.parametrize("call", INTERPOLATE_CALLS, ids=lambda call: "-".join(map(str, call.values())))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_interpolate_modes(ort, call, dtype):
    for shape, channel_axis in (((2, 3, 45, 62), None), ((45, 62, 4), -1)):
        x = random_image(shape, dtype, nonfinite=True)
        model = interpolate_model(shape, dtype, **call, channel_axis=channel_axis)
        assert_close(run(ort, model, x), aa.interpolate(x, **call, channel_axis=channel_axis), dtype,
                     exact="nearest" in call["mode"])


@pytest.mark.parametrize(
    ("method", "scale", "options"),
    [
        *[("median", 0.5, dict(kernel_size=5, border_type=border)) for border in ("reflect", "replicate", "circular",
                                                                                  "constant")],
        ("median", 1 / 3, dict(kernel_size=(3, 7))),
        ("bilateral", 0.5, dict(color_distance_type="l2", border_type="constant")),
        ("bilateral", 0.25, dict(kernel_size=(3, 7), sigma_color=0.3, sigma_space=2.0, border_type="circular")),
        ("avgpool", 1 / 3, dict(kernel_size=(3, 5), padding=(1, 2))),
        ("gaussian", 1 / 8, {}),
        ("gaussian", 1.0, {}),
        ("binomial", 1 / 16, {}),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_method_options(ort, method, scale, options, dtype):
    if method == "bilateral" and dtype == np.uint8:
        pytest.skip("bilateral takes floats only")
    x = random_image((2, 3, 53, 47), dtype, seed=1, nonfinite=True)
    model = downsample_model(x.shape, dtype, scale, method, **options)
    assert_close(run(ort, model, x), aa.downsample(x, scale, method, **options), dtype, exact=method == "median")


def test_fixed_point_rounds_sums_below_zero_as_torch(ort):
    """A 0 / 255 checkerboard makes bicubic's negative lobes give sums below zero, which torch's shift floors and
    the model's Div truncates: both clamp to 0."""
    x = (np.indices((3, 40, 40)).sum(axis=0) % 2 * 255).astype(np.uint8)
    for size in ((13, 17), (95, 61)):
        for antialias in (False, True):
            model = interpolate_model(x.shape, np.uint8, size, mode="bicubic", antialias=antialias)
            expected = aa.interpolate(x, size, mode="bicubic", antialias=antialias)
            assert np.array_equal(run(ort, model, x), expected), (size, antialias)


def test_dynamic_batch_and_opsets(ort):
    import onnx

    for opset in (13, 17, 21):
        model = downsample_model((None, 3, 40, 36), np.float32, 0.5, "bicubic", opset=opset)
        assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
        assert model.ir_version == onnx.helper.find_min_ir_version_for(model.opset_import)
        for batch in (1, 3):
            x = random_image((batch, 3, 40, 36), np.float32)
            assert_close(run(ort, model, x), aa.downsample(x, 0.5, "bicubic"), np.float32)


def test_model_says_its_call_and_shapes(ort):
    model = downsample_model(("N", 64, 48, 3), np.uint8, 0.25, "median", channel_axis=-1, kernel_size=5)
    assert model.doc_string == "antialias_np.downsample(x, 0.25, 'median', kernel_size=5, channel_axis=-1)"
    (given,), (made,) = model.graph.input, model.graph.output
    dims = [[d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim] for value in (given, made)]
    assert (given.name, made.name, dims) == ("x", "y", [["N", 64, 48, 3], ["N", 16, 12, 3]])


def test_spliced_before_a_model(ort):
    """docs/onnx.md's recipe: the downsampler merged in front of a user's model (a 1 x 1 convolution here)."""
    from onnx import TensorProto, compose, helper, numpy_helper

    weight = np.random.default_rng(0).random((8, 3, 1, 1)).astype(np.float32)
    network = helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["image", "weight"], ["features"])], "network",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 8, 64, 64])],
        [numpy_helper.from_array(weight, "weight")]), opset_imports=[helper.make_opsetid("", 18)])
    resizer = downsample_model((1, 3, 256, 256), np.float32, 0.25, "bicubic", opset=18)
    resizer.ir_version = network.ir_version  # merge_models wants one IR version
    model = compose.merge_models(resizer, network, io_map=[("y", "image")], prefix1="downsample/")
    x = random_image((1, 3, 256, 256), np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = np.einsum("oc,nchw->nohw", weight[:, :, 0, 0], aa.downsample(x, 0.25, "bicubic"))
    assert compare(session.run(None, {"downsample/x": x})[0], expected) <= 2e-6  # measured 3.6e-7


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (((3, 16, 16), np.float16), TypeError, "float32, float64 or uint8"),
        (((3, 16, 16), np.int16), TypeError, "float32, float64 or uint8"),
        (((3, 16, 16), "image"), TypeError, "dtype must be a NumPy dtype"),
        (((3, 16, 16), None), TypeError, "dtype must be a NumPy dtype"),
        (((16,), np.float32), TypeError, "shape must be a tuple of 2 to 4 axes"),
        (((3, 0, 16), np.float32), ValueError, "ints >= 1"),
        (((3, None, 16), np.float32), ValueError, "H and W as ints"),
        (((3, 16, 16), np.float32, 0.5, "bilinear", None, 12), ValueError, "opset must be in"),
        (((3, 16, 16), np.float32, 0.5, "bilateral2"), ValueError, "method must be one of"),
        (((16, 16, 3), np.float32, 0.5), ValueError, "pass channel_axis=-1"),
        (((3, 16, 16), np.uint8, 0.5, "bilateral"), TypeError, "does not take integer images"),
    ],
)
def test_bad_arguments(ort, arguments, error, message):
    shape, dtype, *rest = arguments
    keywords = dict(zip(("scale", "method", "channel_axis", "opset"), rest, strict=False))
    with pytest.raises(error, match=message):
        downsample_model(shape, dtype, **keywords)


def test_bad_arguments_get_downsample_and_interpolate_messages(ort):
    for build, call in ((downsample_model, aa.downsample), (interpolate_model, aa.interpolate)):
        arguments = (0.3, "gaussian") if build is downsample_model else ((4, 4), None, "lanczos")
        with pytest.raises(ValueError) as expected:
            call(np.zeros((3, 16, 16), np.float32), *arguments)
        with pytest.raises(ValueError, match=re.escape(str(expected.value))):
            build((3, 16, 16), np.float32, *arguments)


# ---------------------------------------------------------------------------------------------------------------
# The checker, on graphs made the way torch's exporters make them
# ---------------------------------------------------------------------------------------------------------------


def exported_resize(attributes: dict, opset: int, shape=(1, 3, 64, 64), out=(16, 16), dtype=np.float32,
                    sizes="concat"):
    """A model of one Resize as torch's exporters write it: the sizes made by Shape(x)[:2] + the output size
    (sizes='concat', both exporters), or the input's scales as a constant (sizes='scales')."""
    from onnx import TensorProto, helper

    element = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    if sizes == "concat":
        nodes = [
            helper.make_node("Shape", ["x"], ["batch_and_channel"], start=0, end=2),
            helper.make_node("Constant", [], ["output_size"], value=helper.make_tensor("v", TensorProto.INT64, [2],
                                                                                       list(out))),
            helper.make_node("Concat", ["batch_and_channel", "output_size"], ["sizes"], axis=0),
            helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="node_Resize_0", **attributes),
        ]
    else:
        scales = [1.0, 1.0, *(o / n for o, n in zip(out, shape[-2:], strict=True))]
        nodes = [
            helper.make_node("Constant", [], ["scales"], value=helper.make_tensor("v", TensorProto.FLOAT, [4],
                                                                                  scales)),
            helper.make_node("Resize", ["x", "", "scales"], ["y"], **attributes),
        ]
    graph = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("x", element, shape)],
                              [helper.make_tensor_value_info("y", element, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


TORCHSCRIPT = {  # torch.onnx.export(..., dynamo=False): no antialias (it refuses to export it)
    "nearest": dict(mode="nearest", coordinate_transformation_mode="asymmetric", cubic_coeff_a=-0.75,
                    nearest_mode="floor"),
    "bilinear": dict(mode="linear", coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.75,
                     nearest_mode="floor"),
    "bicubic-align": dict(mode="cubic", coordinate_transformation_mode="align_corners", cubic_coeff_a=-0.75,
                          nearest_mode="floor"),
}
DYNAMO_BEFORE_FIXES = {  # onnxscript's torchlib up to 0.7.0 (0.6 for the bicubic coefficient)
    "bilinear-antialias": dict(mode="linear", coordinate_transformation_mode="pytorch_half_pixel",
                               cubic_coeff_a=-0.75, nearest_mode="floor", antialias=1),
    "bicubic-antialias": dict(mode="cubic", coordinate_transformation_mode="pytorch_half_pixel",
                              cubic_coeff_a=-0.75, nearest_mode="floor", antialias=1, exclude_outside=0),
}
DYNAMO_NOW = dict(mode="cubic", coordinate_transformation_mode="half_pixel", cubic_coeff_a=-0.5, nearest_mode="floor",
                  antialias=1, exclude_outside=1, keep_aspect_ratio_policy="stretch", extrapolation_value=0.0)
"""onnxscript 0.7.2's bicubic with antialias=True, every attribute written out, at opset 20."""


@pytest.mark.parametrize("name", TORCHSCRIPT)
def test_checker_reads_torchscript_exports(ort, name):
    (finding,) = checker.check_model(exported_resize(TORCHSCRIPT[name], 17, sizes="scales" if name == "nearest"
                                                     else "concat"))
    expected = {"nearest": "mode='nearest'", "bilinear": "mode='bilinear')",
                "bicubic-align": "mode='bicubic', align_corners=True"}[name]
    assert finding.equals_torch and expected in finding.torch_call and not finding.fixes, finding
    assert ("neighbouring pixels" in " ".join(finding.notes)) == (name == "nearest")


def test_checker_fixes_dynamo_antialias_exports(ort):
    bilinear, bicubic = (checker.check_model(exported_resize(attributes, 18))[0]
                         for attributes in DYNAMO_BEFORE_FIXES.values())
    assert bilinear.fixes == {"exclude_outside": 1} and not bilinear.equals_torch, bilinear
    assert bicubic.fixes == {"exclude_outside": 1, "cubic_coeff_a": -0.5}, bicubic
    assert bicubic.torch_call == "F.interpolate(x, size, mode='bicubic', antialias=True)"
    (now,) = checker.check_model(exported_resize(DYNAMO_NOW, 20))
    assert now.equals_torch and not now.fixes, now


@pytest.mark.parametrize("dtype", [np.float32, np.uint8], ids=str)
@pytest.mark.parametrize("name", DYNAMO_BEFORE_FIXES)
@pytest.mark.parametrize("out", [(16, 21), (1, 30), (90, 100)])
def test_fixed_export_equals_antialias_np_on_onnxruntime(ort, name, out, dtype):
    model = exported_resize(DYNAMO_BEFORE_FIXES[name], 18, shape=(1, 3, 61, 67), out=out, dtype=dtype)
    before = model.SerializeToString()
    fixed, findings = checker.fix_model(model)
    assert model.SerializeToString() == before  # the model itself is never changed
    assert ("coordinate_transformation_mode" in findings[0].fixes) == (1 in out)  # pytorch_half_pixel matters there
    x = random_image((1, 3, 61, 67), dtype)
    expected = aa.interpolate(x, out, mode=name.split("-")[0], antialias=True).astype(np.float64)
    as_exported, as_fixed = (np.abs(run(ort, graph, x) - expected).max() for graph in (model, fixed))
    # Upsampling, exclude_outside changes nothing for bilinear (its taps outside the image weigh 0 there)
    differs = out[0] < 61 or name.startswith("bicubic")
    if dtype == np.uint8:  # onnxruntime rounds its float sums: measured one level off in 0-1.2% of outputs
        assert as_fixed <= 1 and (as_exported >= 4 or not differs), (as_fixed, as_exported)  # measured: 6-59 levels
    else:
        assert as_fixed <= RESIZE_TOLERANCE and (as_exported > 1e-2 or not differs), (as_fixed, as_exported)
    assert all(finding.equals_torch for finding in checker.check_model(fixed))


def test_checker_reports_what_it_cannot_fix(ort):
    from onnx import TensorProto, helper

    default_nearest, = checker.check_model(exported_resize({"mode": "nearest"}, 18))
    assert default_nearest.torch_call is None and "round_prefer_floor" in default_nearest.differences[0]
    plain_cubic, = checker.check_model(exported_resize(dict(mode="cubic", exclude_outside=1, cubic_coeff_a=-0.5), 18))
    assert plain_cubic.torch_call is None and len(plain_cubic.differences) == 2 and not plain_cubic.fixes
    uint8_linear, = checker.check_model(exported_resize(TORCHSCRIPT["bilinear"], 17, dtype=np.uint8))
    assert uint8_linear.equals_torch and "8-bit input" in uint8_linear.notes[0]
    upsample = helper.make_graph(
        [helper.make_node("Upsample", ["x", "scales"], ["y"], mode=mode, name=mode) for mode in ("nearest", "linear")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, 2, 2])])
    nearest, linear = checker.check_model(helper.make_model(upsample, opset_imports=[helper.make_opsetid("", 9)]))
    assert nearest.equals_torch and linear.torch_call is None and "asymmetric" in linear.differences[0]


def test_checker_finds_nodes_in_subgraphs(ort):
    from onnx import TensorProto, helper

    inner = exported_resize(DYNAMO_BEFORE_FIXES["bilinear-antialias"], 18).graph
    branch = helper.make_graph(list(inner.node), "then", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                                                            None)])
    condition = helper.make_tensor("condition", TensorProto.BOOL, [], [True])
    graph = helper.make_graph([helper.make_node("If", ["condition"], ["out"], then_branch=branch, else_branch=branch)],
                              "main", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 64, 64])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], [condition])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    fixed, findings = checker.fix_model(model)
    assert [f.node for f in findings] == [f"graph / If #0 / {branch} / node_Resize_0" for branch in ("else_branch",
                                                                                                   "then_branch")]
    assert all(finding.equals_torch for finding in checker.check_model(fixed))


def test_check_command(ort, tmp_path, capsys):
    import onnx

    exported, fixed = tmp_path / "exported.onnx", tmp_path / "fixed.onnx"
    onnx.save(exported_resize(DYNAMO_BEFORE_FIXES["bicubic-antialias"], 18), exported)
    assert main(["check", str(exported)]) == 1
    out = capsys.readouterr().out
    assert "differs: exclude_outside=0" in out and "fix: exclude_outside=1, cubic_coeff_a=-0.5" in out, out
    assert main(["check", str(exported), "--fix", str(fixed)]) == 0 and main(["check", str(fixed)]) == 0
    assert "equals F.interpolate(x, size, mode='bicubic', antialias=True)" in capsys.readouterr().out
    for argv in (["check", str(exported), "--fix", str(exported)], ["check", str(tmp_path / "missing.onnx")]):
        before = exported.read_bytes()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("python -m antialias_np.onnx: error:"), err
        assert exported.read_bytes() == before
    done = subprocess.run([sys.executable, "-m", "antialias_np.onnx", "check", str(fixed)], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "1 equal a torch call" in done.stdout, done.stderr
