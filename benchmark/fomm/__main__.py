"""Convert FOMM's checkpoint into the .npz file that KPDetector.load reads:

    python -m benchmark.fomm convert vox-cpk.pth.tar kp_detector.npz

The checkpoint is a torch pickle, so this one step needs torch (pip install torch==2.13.0); the detector does not.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from benchmark.commands import CommandError, check_input_file, convert_main, first_line, write_npz
from benchmark.fomm.detector import KPDetector

TORCH_MISSING = (
    "reading a torch checkpoint needs torch, which is not installed: pip install torch==2.13.0 "
    "(only this conversion needs it; KPDetector.load reads the .npz without torch)"
)


def kp_detector_arrays(state_dict: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """FOMM's kp_detector state dict as float32 arrays under FOMM's key names.

    Strips the 'module.' prefix of a model saved from DataParallel and drops BatchNorm's num_batches_tracked
    counters, which evaluation does not use.
    """
    return {
        key.removeprefix("module."): np.asarray(array, dtype=np.float32)
        for key, array in state_dict.items()
        if not key.endswith("num_batches_tracked")
    }


def convert(checkpoint: Path, out: Path) -> int:
    """Write the `kp_detector` arrays of `checkpoint` to the .npz file `out`; return how many arrays it holds.

    Raises a CommandError: status 2 for a missing checkpoint or without torch, 1 for a file that is not FOMM's
    checkpoint or an .npz that cannot be written.
    """
    check_input_file(checkpoint, "checkpoint", "FOMM's checkpoint, e.g. vox-cpk.pth.tar")
    try:
        import torch
    except ImportError:
        raise CommandError(TORCH_MISSING, 2) from None
    # weights_only: FOMM's checkpoints hold only tensors, dicts and numbers, so nothing else need be unpickled.
    try:
        data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a file that is not its pickle (RuntimeError, ...)
        raise CommandError(
            f"{checkpoint} is not a torch checkpoint ({first_line(error)}); give FOMM's checkpoint, e.g. "
            f"vox-cpk.pth.tar", 1
        ) from None
    if not isinstance(data, Mapping) or "kp_detector" not in data:
        keys = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise CommandError(f"{checkpoint} has no 'kp_detector' entry (it has {keys}); give FOMM's checkpoint, "
                           f"e.g. vox-cpk.pth.tar", 1)
    try:
        arrays = kp_detector_arrays({key: tensor.numpy() for key, tensor in data["kp_detector"].items()})
        KPDetector.from_state_dict(arrays)  # a checkpoint of another model fails here, naming the key
    except (AttributeError, TypeError, ValueError) as error:
        raise CommandError(f"{checkpoint}'s kp_detector is not FOMM's vox-256 keypoint detector: "
                           f"{first_line(error)}", 1) from None
    return write_npz(out, arrays)


def main(argv: list[str] | None = None) -> int:
    texts = (
        "FOMM's keypoint detector in NumPy: weight conversion.",
        "extract the kp_detector weights of a FOMM checkpoint into an .npz (needs torch)",
        "Extract the kp_detector weights of a FOMM checkpoint (e.g. vox-cpk.pth.tar) into an .npz of float32 arrays "
        "under FOMM's key names, for KPDetector.load. Needs torch: pip install torch==2.13.0. Exit status 2 for a "
        "usage error (a missing checkpoint, no torch), 1 for a file that is not a checkpoint.",
    )
    source = ("checkpoint", "FOMM checkpoint, e.g. vox-cpk.pth.tar")
    return convert_main(argv, "python -m benchmark.fomm", texts, source, convert)


if __name__ == "__main__":
    sys.exit(main())
