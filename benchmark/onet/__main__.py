"""Convert facenet-pytorch's ONet weights into the .npz file that ONet.load reads, without torch:

    python -m benchmark.onet convert onet.pt onet.npz

onet.pt is facenet_pytorch/data/onet.pt of the facenet-pytorch wheel (pip download facenet-pytorch==2.6.0
--no-deps); benchmark/data/onet.npz, which the repository ships, was made this way (see benchmark/data/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from benchmark.commands import CommandError, check_input_file, convert_main, first_line, write_npz
from benchmark.onet.detector import ONet
from benchmark.torch_file import read_state_dict


def convert(state_dict_file: Path, out: Path) -> int:
    """Write the ONet arrays of the torch state dict file `state_dict_file` to the .npz `out`, as float32; return
    how many arrays it holds.

    Raises a CommandError: status 2 for a missing file, 1 for a file that is not ONet's state dict or an .npz that
    cannot be written.
    """
    check_input_file(state_dict_file, "state dict", "facenet-pytorch's onet.pt")
    try:
        arrays = {key: array.astype(np.float32) for key, array in read_state_dict(state_dict_file).items()}
    except Exception as error:  # an arbitrary file makes zipfile or pickle raise almost any type
        raise CommandError(f"{state_dict_file} is not a torch state dict file ({first_line(error)}); give "
                           f"facenet-pytorch's onet.pt", 1) from None  # fmt: skip
    try:
        ONet.from_state_dict(arrays)  # the state dict of another model fails here, naming the key
    except ValueError as error:
        raise CommandError(f"{state_dict_file} is not ONet's state dict: {first_line(error)}", 1) from None
    return write_npz(out, arrays, compressed=True)


def main(argv: list[str] | None = None) -> int:
    texts = (
        "MTCNN's ONet in NumPy: weight conversion.",
        "facenet-pytorch's onet.pt -> an .npz of float32 arrays (no torch needed)",
        "Read facenet-pytorch's ONet state dict (facenet_pytorch/data/onet.pt, a torch file) without torch and write "
        "its arrays, as float32 under the same keys, to an .npz for ONet.load. Exit status 2 for a usage error (a "
        "missing file), 1 for a file that is not ONet's state dict.",
    )
    return convert_main(argv, "python -m benchmark.onet", texts, ("state_dict", "facenet-pytorch's onet.pt"), convert)


if __name__ == "__main__":
    sys.exit(main())
