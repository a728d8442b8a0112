"""Convert FOMM's checkpoint into the .npz file that KPDetector.load reads:

    python -m antialias_np.fomm convert vox-cpk.pth.tar kp_detector.npz

The checkpoint is a torch pickle, so this one step needs torch (pip install torch==2.13.0); the detector does not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from antialias_np.fomm.detector import KPDetector

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

    Without torch, prints how to install it and exits with status 2.
    """
    try:
        import torch
    except ImportError:
        print(TORCH_MISSING, file=sys.stderr)
        raise SystemExit(2) from None
    # weights_only: FOMM's checkpoints hold only tensors, dicts and numbers, so nothing else need be unpickled.
    data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if "kp_detector" not in data:
        raise ValueError(f"{checkpoint} has no 'kp_detector' entry; it has {sorted(data)}")
    arrays = kp_detector_arrays({key: tensor.numpy() for key, tensor in data["kp_detector"].items()})
    KPDetector.from_state_dict(arrays)  # a checkpoint of another model fails here, naming the key
    with open(out, "wb") as file:  # np.savez(path) would append .npz to any other name
        np.savez(file, **arrays)
    return len(arrays)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m antialias_np.fomm", description="FOMM's keypoint detector in NumPy: weight conversion."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "convert",
        help="extract the kp_detector weights of a FOMM checkpoint into an .npz (needs torch)",
        description="Extract the kp_detector weights of a FOMM checkpoint (e.g. vox-cpk.pth.tar) into an .npz "
        "of float32 arrays under FOMM's key names, for KPDetector.load. Needs torch: pip install torch==2.13.0.",
    )
    command.add_argument("checkpoint", type=Path, help="FOMM checkpoint, e.g. vox-cpk.pth.tar")
    command.add_argument("out", type=Path, help="the .npz file to write")
    args = parser.parse_args(argv)
    try:
        count = convert(args.checkpoint, args.out)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {count} arrays to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
