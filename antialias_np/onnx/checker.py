"""Which torch call each Resize (and Upsample) node of an ONNX model equals, and the attributes that give torch's
numbers where an exporter wrote others.

torch.nn.functional.interpolate(x, size or scale_factor, mode, align_corners, antialias) is, as a Resize from
opset 11 on (opset 18 for antialias):

    mode            Resize mode   coordinate_transformation_mode   other attributes
    nearest         nearest       asymmetric                       nearest_mode=floor
    nearest-exact   nearest       half_pixel                       nearest_mode=round_prefer_ceil
    bilinear        linear        half_pixel, or align_corners     antialias=True: antialias=1, exclude_outside=1
    bicubic         cubic         half_pixel, or align_corners     cubic_coeff_a=-0.75, exclude_outside=0;
                                                                   antialias=True: antialias=1, exclude_outside=1,
                                                                   cubic_coeff_a=-0.5 (Pillow's, as torch's)

pytorch_half_pixel is half_pixel except where an output side is 1 (it then reads input 0, torch reads the centre).
torch's exporters wrote: the TorchScript exporter (torch.onnx.export(..., dynamo=False)) the rows above without
antialias, which it cannot export; the dynamo exporter (onnxscript's torchlib) antialias=1 with exclude_outside=0
(up to onnxscript 0.7.0), cubic_coeff_a=-0.75 for antialiased bicubic (up to 0.6) and pytorch_half_pixel (up to
0.7.0). Those three are what `fix_model` rewrites, where the intent is known: exclude_outside and cubic_coeff_a on
antialiased nodes, pytorch_half_pixel on nodes that otherwise equal a torch call and may have an output side of 1.
Other differences are reported, not rewritten.

Even with these attributes, onnxruntime's Resize computes the same formulas in another order and with other
roundings than torch (docs/onnx.md gives the measured differences); `antialias_np.onnx.interpolate_model` gives
torch's numbers to the project's tolerances instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from antialias_np.onnx._onnx import require

if TYPE_CHECKING:
    import onnx

RESIZE_DEFAULTS = {
    "mode": "nearest",
    "coordinate_transformation_mode": "half_pixel",
    "nearest_mode": "round_prefer_floor",
    "cubic_coeff_a": -0.75,
    "exclude_outside": 0,
    "antialias": 0,
    "extrapolation_value": 0.0,
    "keep_aspect_ratio_policy": "stretch",
}
"""Resize's attributes when a node leaves them out (opset 11 to 23)."""

TORCH_MODE = {"linear": "bilinear", "cubic": "bicubic"}
HALF_PIXEL = ("half_pixel", "pytorch_half_pixel")


class ResizeFinding(NamedTuple):
    """What one Resize or Upsample node computes, against torch.nn.functional.interpolate.

    Attributes:
        node: where it is: the node's name (or op type and position), inside its graph's path.
        op_type: "Resize" or "Upsample".
        opset: the opset of the node's domain in the model.
        attributes: the attributes that decide its numbers, with the defaults of those it leaves out.
        torch_call: the torch call it equals (after `fixes`, if any), or None.
        differences: why it does not equal torch_call as it stands, attribute by attribute.
        fixes: the attributes, and their values, that give torch's numbers (what fix_model writes).
        notes: what the attributes cannot say: roundings of the runtime, uint8 inputs, sides of 1.
    """

    node: str
    op_type: str
    opset: int
    attributes: dict[str, object]
    torch_call: str | None
    differences: tuple[str, ...]
    fixes: dict[str, object]
    notes: tuple[str, ...]

    @property
    def equals_torch(self) -> bool:
        """The node equals torch_call as it stands."""
        return self.torch_call is not None and not self.differences

    def __str__(self) -> str:
        shown = ", ".join(f"{name}={value}" for name, value in self.attributes.items())
        lines = [f"{self.op_type} {self.node} (opset {self.opset}): {shown}"]
        if self.equals_torch:
            lines.append(f"  equals {self.torch_call}")
        for difference in self.differences:
            lines.append(f"  differs: {difference}")
        if self.fixes:
            rewritten = ", ".join(f"{name}={value}" for name, value in self.fixes.items())
            lines.append(f"  fix: {rewritten}; then equals {self.torch_call}")
        elif self.differences:
            lines.append("  no attribute fix: no torch call computes this")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


def check_model(model: onnx.ModelProto | str | os.PathLike[str]) -> list[ResizeFinding]:
    """Every Resize and Upsample node of `model` (its graph, subgraphs and functions): the torch call each equals,
    or why not, and the attributes that would make it equal.

    Args:
        model: an onnx.ModelProto, or the path of a .onnx file (read without its external data).

    Returns:
        One ResizeFinding per node, in graph order.

    Raises:
        ImportError: onnx is not installed (pip install 'antialias_np[onnx]').
        TypeError: model is neither a ModelProto nor a path.
        OSError, onnx.onnx_cpp2py_export.checker.ValidationError: the file cannot be read as a model.
    """
    return [finding for _, finding in _inspect(_loaded(model, external_data=False))]


def fix_model(model: onnx.ModelProto | str | os.PathLike[str]) -> tuple[onnx.ModelProto, list[ResizeFinding]]:
    """A copy of `model` with the attributes of each Resize node rewritten to give torch's numbers where check_model
    finds fixes (exclude_outside, cubic_coeff_a, coordinate_transformation_mode); the model itself is not changed.
    Returns (the copy, check_model's findings for `model`)."""
    onnx = require()
    copy = onnx.ModelProto()
    copy.CopyFrom(_loaded(model, external_data=True))
    findings = []
    for node, finding in _inspect(copy):
        for name, value in finding.fixes.items():
            kept = [attribute for attribute in node.attribute if attribute.name != name]
            del node.attribute[:]
            node.attribute.extend([*kept, onnx.helper.make_attribute(name, value)])
        findings.append(finding)
    return copy, findings


def save_fixed(model_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> list[ResizeFinding]:
    """fix_model on the file model_path, written to out_path (a new file: never the model's own); a model whose
    weights are external data gets them beside out_path, in out_path's name + '.data'."""
    onnx = require()
    if Path(out_path).resolve() == Path(model_path).resolve():
        raise ValueError(f"the fixed model must go to a new file, not over the model itself ({out_path})")
    fixed, findings = fix_model(model_path)
    external = any(tensor.data_location == onnx.TensorProto.EXTERNAL for tensor in _loaded(
        model_path, external_data=False).graph.initializer)
    onnx.save(fixed, out_path, save_as_external_data=external, location=Path(out_path).name + ".data")
    return findings


def _loaded(model: object, external_data: bool) -> onnx.ModelProto:
    onnx = require()
    if isinstance(model, onnx.ModelProto):
        return model
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be an onnx.ModelProto or a path, got {type(model).__name__}")
    return onnx.load(model, load_external_data=external_data)


def _inspect(model: onnx.ModelProto) -> Iterator[tuple[onnx.NodeProto, ResizeFinding]]:
    """(node, finding) for every Resize / Upsample node of the model's graph, its subgraphs and its functions."""
    onnx = require()
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)  # sizes made by Shape and Concat too
    except Exception:  # a model shape inference cannot follow: check it without the shapes
        inferred = model
    types = _value_types(inferred.graph)
    opsets = {opset.domain: opset.version for opset in model.opset_import}
    graphs = [("graph", model.graph, opsets)]
    graphs += [(f"function {function.name}", function, {o.domain: o.version for o in function.opset_import} or opsets)
               for function in model.functions]  # fmt: skip
    while graphs:
        path, graph, graph_opsets = graphs.pop(0)
        for position, node in enumerate(graph.node):
            where = f"{path} / {node.name or f'{node.op_type} #{position}'}"
            for attribute in node.attribute:
                subgraphs = [attribute.g] if attribute.HasField("g") else list(attribute.graphs)
                graphs += [(f"{where} / {attribute.name}", subgraph, graph_opsets) for subgraph in subgraphs]
            if node.domain in ("", "ai.onnx") and node.op_type in ("Resize", "Upsample"):
                yield node, _finding(node, where, graph_opsets.get("", graph_opsets.get("ai.onnx", 0)), types)


def _value_types(graph: onnx.GraphProto) -> dict[str, tuple[int, list[int | None] | None]]:
    """name -> (element type, shape as a list of ints or None) of the graph's typed values."""
    types: dict[str, tuple[int, list[int | None] | None]] = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        tensor = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim] \
            if tensor.HasField("shape") else None
        types[value.name] = (tensor.elem_type, dims)
    for initializer in graph.initializer:
        types[initializer.name] = (initializer.data_type, list(initializer.dims))
    return types


def _finding(
    node: onnx.NodeProto, where: str, opset: int, types: dict[str, tuple[int, list[int | None] | None]]
) -> ResizeFinding:
    onnx = require()
    given = {a.name: _text(onnx.helper.get_attribute_value(a)) for a in node.attribute}
    element, _ = types.get(node.input[0], (0, None))
    _, out_dims = types.get(node.output[0], (0, None))
    notes: list[str] = []
    if element in (onnx.TensorProto.UINT8, onnx.TensorProto.INT8) and given.get("mode", "nearest") != "nearest":
        notes.append("8-bit input: onnxruntime computes in float and rounds, where torch's uint8 kernels use "
                     "fixed-point weights: one level off in some outputs (docs/onnx.md)")
    if node.op_type == "Upsample" or opset < 11:
        return _opset_10_finding(given.get("mode", "nearest"), where, node.op_type, opset, notes)
    effective = {**RESIZE_DEFAULTS, **given}
    attributes = {name: effective[name] for name in RESIZE_DEFAULTS
                  if name in given or name in ("mode", "coordinate_transformation_mode")}  # fmt: skip
    if "axes" in given:
        attributes["axes"] = given["axes"]
    differences: list[str] = []
    fixes: dict[str, object] = {}
    if effective["mode"] == "nearest":
        call = _nearest_call(effective, differences)
        if call is not None:
            notes.append("onnxruntime computes the position as i / (out / in), torch as i * (in / out), each "
                         "rounded to float32: where that is within rounding of a whole number they can pick "
                         "neighbouring pixels (about 5% of the (in, out) size pairs measured, docs/onnx.md)")
    else:
        call = _filter_call(effective, differences, fixes)
    if call is not None and effective["coordinate_transformation_mode"] == "pytorch_half_pixel":
        if out_dims is None or any(n in (1, None) for n in out_dims[-2:]):  # an output side of 1, or unknown
            differences.append("coordinate_transformation_mode=pytorch_half_pixel reads input 0 for an output side "
                               "of 1, where torch reads the centre: half_pixel, the same for other sizes")
            fixes["coordinate_transformation_mode"] = "half_pixel"
    return ResizeFinding(where, node.op_type, opset, attributes, call, tuple(differences), fixes, tuple(notes))


def _opset_10_finding(mode: object, where: str, op_type: str, opset: int, notes: list[str]) -> ResizeFinding:
    """Upsample, and Resize before opset 11: asymmetric coordinates (x / scale), no other attributes."""
    attributes: dict[str, object] = {"mode": mode, "coordinates": "asymmetric (x / scale)"}
    if mode == "nearest":
        notes.append("onnxruntime rounds the position up when this node downsamples (opset 10's rule), torch "
                     "down: they differ for factors that are not 1/n")
        return ResizeFinding(where, op_type, opset, attributes, _call("nearest"), (), {}, tuple(notes))
    difference = (f"mode={mode} with asymmetric coordinates (the only ones before opset 11): torch's bilinear uses "
                  f"half_pixel or align_corners (a Resize from opset 11 with coordinate_transformation_mode="
                  f"half_pixel is F.interpolate(x, size, mode='bilinear'))")
    return ResizeFinding(where, op_type, opset, attributes, None, (difference,), {}, tuple(notes))


def _nearest_call(attributes: dict[str, object], differences: list[str]) -> str | None:
    """The torch nearest mode a nearest Resize equals, or None (with the reasons in differences)."""
    coordinates, rounding = attributes["coordinate_transformation_mode"], attributes["nearest_mode"]
    if coordinates == "asymmetric" and rounding == "floor":
        return _call("nearest")
    if coordinates in HALF_PIXEL and rounding == "round_prefer_ceil":
        return _call("nearest-exact")
    if coordinates in HALF_PIXEL and rounding == "round_prefer_floor":
        differences.append("nearest_mode=round_prefer_floor: torch's nearest-exact rounds halves up "
                           "(round_prefer_ceil); they differ where (i + 0.5) * in / out is whole, as in every "
                           "output when halving")
    else:
        differences.append(f"coordinate_transformation_mode={coordinates} with nearest_mode={rounding}: torch's "
                           f"nearest is asymmetric with floor, its nearest-exact half_pixel with round_prefer_ceil")
    return None


def _filter_call(attributes: dict[str, object], differences: list[str], fixes: dict[str, object]) -> str | None:
    """The torch call a linear or cubic Resize equals, after `fixes` for an antialiased one; or None. Reasons in
    differences."""
    mode, coordinates = attributes["mode"], attributes["coordinate_transformation_mode"]
    antialias, exclude_outside, a = attributes["antialias"], attributes["exclude_outside"], attributes["cubic_coeff_a"]
    if not isinstance(mode, str) or mode not in TORCH_MODE:  # isinstance: for the checkers, the same result
        differences.append(f"mode={mode} is not one of Resize's modes")
        return None
    if coordinates not in (*HALF_PIXEL, "align_corners"):
        differences.append(f"coordinate_transformation_mode={coordinates}: torch's {TORCH_MODE[mode]} uses "
                           f"half_pixel (align_corners=False) or align_corners")
        return None
    align_corners = coordinates == "align_corners"
    if antialias and align_corners:
        differences.append("antialias=1 with align_corners: not compared with torch's antialiased kernels, whose "
                           "windows follow the half-pixel centres")
        return None
    if antialias:
        if not exclude_outside:
            differences.append("exclude_outside=0 keeps the weights of taps outside the image in the filter's "
                               "sum; torch's antialias drops those taps and renormalises (exclude_outside=1)")
            fixes["exclude_outside"] = 1
        if mode == "cubic" and a != -0.5:
            differences.append(f"cubic_coeff_a={a}: torch's antialiased bicubic is Keys' cubic with a = -0.5 "
                               f"(Pillow's); -0.75 is its plain bicubic's")
            fixes["cubic_coeff_a"] = -0.5
        return _call(TORCH_MODE[mode], antialias=True)
    if mode == "cubic" and a != -0.75:
        differences.append(f"cubic_coeff_a={a}: torch's bicubic uses a = -0.75 without antialias, -0.5 with it")
    if mode == "cubic" and exclude_outside:
        differences.append("exclude_outside=1: torch's bicubic without antialias replicates the edge pixels "
                           "(exclude_outside=0)")
    if mode == "linear" and exclude_outside:
        differences.append("exclude_outside=1 with linear and antialias=0: onnxruntime refuses the node")
    return None if differences else _call(TORCH_MODE[mode], align_corners=align_corners)


def _call(mode: str, align_corners: bool = False, antialias: bool = False) -> str:
    """The torch call, as check reports it."""
    extra = (", align_corners=True" if align_corners else "") + (", antialias=True" if antialias else "")
    return f"F.interpolate(x, size, mode={mode!r}{extra})"


def _text(value: object) -> object:
    """An attribute value, bytes as str."""
    return value.decode() if isinstance(value, bytes) else value
