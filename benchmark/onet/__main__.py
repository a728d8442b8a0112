"""Convert facenet-pytorch's ONet weights into the .npz file that ONet.load reads, without torch:

    python -m benchmark.onet convert onet.pt onet.npz

onet.pt is facenet_pytorch/data/onet.pt of the facenet-pytorch wheel (pip download facenet-pytorch==2.6.0
--no-deps); benchmark/data/onet.npz, which the repository ships, was made this way (see benchmark/data/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from benchmark.commands import CommandError, CommandLineParser, check_input_file, first_line
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
    try:
        with open(out, "wb") as file:  # np.savez_compressed(path) would append .npz to any other name
            np.savez_compressed(file, **arrays)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {first_line(error)}; give a writable path for the .npz", 1) from None
    return len(arrays)


def main(argv: list[str] | None = None) -> int:
    parser = CommandLineParser(prog="python -m benchmark.onet", description="MTCNN's ONet in NumPy: weight conversion.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandLineParser)
    command = commands.add_parser(
        "convert",
        help="facenet-pytorch's onet.pt -> an .npz of float32 arrays (no torch needed)",
        description="Read facenet-pytorch's ONet state dict (facenet_pytorch/data/onet.pt, a torch file) without "
        "torch and write its arrays, as float32 under the same keys, to an .npz for ONet.load. Exit status 2 for a "
        "usage error (a missing file), 1 for a file that is not ONet's state dict.",
    )
    command.add_argument("state_dict", type=Path, help="facenet-pytorch's onet.pt")
    command.add_argument("out", type=Path, help="the .npz file to write")
    args = parser.parse_args(argv)
    try:
        count = convert(args.state_dict, args.out)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    print(f"wrote {count} arrays to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
