"""Shared by the tests: arrays that hold ordinary values in layouts kernels must not trip on."""

from __future__ import annotations

import numpy as np

AWKWARD_LAYOUTS = ("read-only", "non-contiguous", "negative-stride", "fortran-order", "big-endian")


def awkward_layouts(x: np.ndarray) -> dict[str, np.ndarray]:
    """The values of x in each of AWKWARD_LAYOUTS."""
    read_only = x.copy()
    read_only.flags.writeable = False
    wide = np.zeros((*x.shape[:-1], 2 * x.shape[-1]), x.dtype)
    wide[..., ::2] = x
    return {
        "read-only": read_only,
        "non-contiguous": wide[..., ::2],
        "negative-stride": np.ascontiguousarray(x[..., ::-1, ::-1])[..., ::-1, ::-1],
        "fortran-order": np.asfortranarray(x),
        "big-endian": x.astype(x.dtype.newbyteorder(">")),
    }
