"""The onnx package, imported on first use: `import antialias_np` (and this subpackage) never needs it."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str = "onnx") -> ModuleType:
    """Import onnx (or onnx.helper, onnxruntime, ...), or raise an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"antialias_np.onnx needs {module.split('.')[0]}, which is not installed: pip install 'antialias_np[onnx]'"
        ) from None
