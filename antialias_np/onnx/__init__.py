"""antialias_np in an ONNX graph: downsample's methods and interpolate's modes as ONNX models, and a checker for the
Resize nodes of exported models (the `onnx` extra: pip install 'antialias_np[onnx]').

    import numpy as np, onnx
    from antialias_np.onnx import downsample_model, check_model

    model = downsample_model((1, 3, 256, 256), np.float32, 0.25, "bicubic")   # input "x", output "y"
    onnx.save(model, "bicubic.onnx")
    for finding in check_model("exported.onnx"):                              # every Resize / Upsample node
        print(finding)                        # the torch call it equals, or why not, and the attributes to fix
    save_fixed("exported.onnx", "fixed.onnx")                                 # those attributes rewritten

    python -m antialias_np.onnx check exported.onnx [--fix fixed.onnx]

`import antialias_np.onnx` needs neither onnx nor onnxruntime; its functions import onnx when called. docs/onnx.md
has the operators each method becomes, how uint8 is rounded, and the differences measured on onnxruntime.
"""

from antialias_np.onnx.checker import ResizeFinding, check_model, fix_model, save_fixed
from antialias_np.onnx.models import DEFAULT_OPSET, downsample_model, interpolate_model

__all__ = ["DEFAULT_OPSET", "ResizeFinding", "check_model", "downsample_model", "fix_model", "interpolate_model",
           "save_fixed"]
