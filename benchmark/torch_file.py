"""Read a torch state dict file (`torch.save(model.state_dict(), path)`) into NumPy arrays, without torch.

    arrays = read_state_dict("onet.pt")      # {"conv1.weight": float32 (32, 3, 3, 3), ...}

torch writes one of two formats, and both are read:

- the zip format (torch.save's default since torch 1.6): a zip archive holding `<name>/data.pkl`, the pickled
  dict, and `<name>/data/<key>`, the raw little-endian bytes of each storage;
- the legacy format (older torch, or `_use_new_zipfile_serialization=False`), e.g. facenet-pytorch's onet.pt: five
  pickles in a row (magic number, protocol version, system info, the dict, the list of storage keys), then each
  storage in that order as an int64 element count followed by its raw bytes.

In both, a tensor is pickled as a call `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`, and
a storage as a persistent id `("storage", storage type, key, location, numel)`. The unpickler here resolves only
those globals (and collections.OrderedDict, the dict a state dict is): any other global, the way a pickle runs
code, is refused. A tensor becomes the NumPy view of its storage at `offset` with `size` and `stride` (in
elements), copied.
"""

from __future__ import annotations

import collections
import os
import pickle
import struct
import zipfile
from collections.abc import Mapping
from typing import IO

import numpy as np

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
"""torch's storage types (pickled as globals torch.<name>) and the NumPy dtype of their elements."""
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001


class StorageType:
    """What the unpickler returns for the global torch.<name>Storage: its element dtype."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = np.dtype(STORAGE_DTYPES[name]).newbyteorder("<")


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The tensors of a torch state dict file as NumPy arrays, by key, in the file's order.

    Raises ValueError for a file that is neither of torch's formats, or that pickles anything but a dict of
    tensors (another global is named in the message).
    """
    with open(path, "rb") as file:
        if zipfile.is_zipfile(file):
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                result = _read_zip(archive)
        else:
            file.seek(0)
            result = _read_legacy(file)
    if not isinstance(result, dict) or not all(isinstance(v, np.ndarray) for v in result.values()):
        raise ValueError(f"{path} holds a {type(result).__name__}, not a state dict (a dict of tensors)")
    return dict(result)


class _Unpickler(pickle.Unpickler):
    """pickle.Unpickler that knows a state dict's few globals and refuses every other; a storage is
    `load_storage(storage_type, key, numel)` and a tensor `rebuild(storage, offset, size, stride, ...)`."""

    def __init__(self, file: IO[bytes], load_storage, rebuild=None):
        super().__init__(file)
        self.load_storage = load_storage
        self.rebuild = rebuild or _rebuild_tensor

    def find_class(self, module: str, name: str):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self.rebuild
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name)
        raise ValueError(f"the file pickles {module}.{name}, which a state dict of tensors does not hold")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid[0] == "storage" and isinstance(pid[1], StorageType)):
            raise ValueError(f"unknown persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel = pid[:5]
        return self.load_storage(storage_type, str(key), numel)


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    """torch._utils._rebuild_tensor_v2's arguments -> an array: `size` elements of `storage` from `offset`, with
    `stride` (all in elements)."""
    itemsize = storage.dtype.itemsize
    view = np.ndarray(tuple(size), storage.dtype, storage, offset * itemsize, tuple(s * itemsize for s in stride))
    return view.astype(storage.dtype.newbyteorder("="))  # a copy, in native byte order


def _read_zip(archive: zipfile.ZipFile):
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
    if len(pickles) != 1:
        raise ValueError(f"a zip archive with {len(pickles)} data.pkl files; torch's has one")
    prefix = pickles[0].removesuffix("data.pkl")
    if f"{prefix}byteorder" in archive.namelist() and archive.read(f"{prefix}byteorder") != b"little":
        raise ValueError("the file's tensors are big-endian; only little-endian files are read")

    def load_storage(storage_type: StorageType, key: str, numel: int) -> np.ndarray:
        return np.frombuffer(archive.read(f"{prefix}data/{key}"), storage_type.dtype, count=numel)

    with archive.open(pickles[0]) as file:
        return _Unpickler(file, load_storage).load()


def _read_legacy(file: IO[bytes]):
    try:
        magic_number, protocol_version = _Unpickler(file, None).load(), _Unpickler(file, None).load()
    except Exception:  # any bytes that do not begin with a pickle of numbers
        magic_number = protocol_version = None
    if magic_number != LEGACY_MAGIC_NUMBER or protocol_version != LEGACY_PROTOCOL_VERSION:
        raise ValueError("not a torch file: neither a zip archive nor a legacy torch header")
    system_info = _Unpickler(file, None).load()
    if not system_info.get("little_endian", False):
        raise ValueError("the file's tensors are big-endian; only little-endian files are read")
    storage_types: dict[str, StorageType] = {}

    def note_storage(storage_type: StorageType, key: str, numel: int) -> str:
        storage_types[key] = storage_type
        return key

    # The storages' bytes follow the pickles: each tensor is kept as its arguments until they are read.
    pending = _Unpickler(file, note_storage, rebuild=lambda *args: args).load()
    if not isinstance(pending, dict):
        return pending  # not a state dict: read_state_dict says so
    storages = {}
    for key in _Unpickler(file, None).load():
        (count,) = struct.unpack("<q", file.read(8))
        dtype = storage_types[key].dtype
        storages[key] = np.frombuffer(file.read(count * dtype.itemsize), dtype)
    return {name: _rebuild_tensor(storages[args[0]], *args[1:]) for name, args in pending.items()}


def check_state_dict(arrays: Mapping[str, np.ndarray], expected: Mapping[str, tuple[int, ...]], network: str) -> None:
    """Raise a ValueError naming the first key of `expected` missing from `arrays` or of another shape, or the keys
    `arrays` has beyond it; `network` names the model in the message (e.g. "facenet-pytorch's ONet")."""
    for key, shape in expected.items():
        if key not in arrays:
            raise ValueError(f"the state dict has no {key!r} ({network} has {len(expected)} arrays)")
        if np.shape(arrays[key]) != shape:
            raise ValueError(f"{key!r} has shape {np.shape(arrays[key])}, {network} has {shape}")
    unexpected = sorted(set(arrays) - set(expected))
    if unexpected:
        raise ValueError(f"the state dict has keys {network} does not: {unexpected}")
