"""float16 values in Numba kernels, which have no float16 type: kernels read float16 images as their bits (uint16),
widen each value to float32 (`widened`) and write float32 results back as float16 bits (`narrowed`), through LLVM's
half type: the CPU's conversion instructions (F16C's vcvtph2ps / vcvtps2ph on x86-64, a vector of values at a
time), exact one way and rounded to nearest, ties to even, the other, as NumPy and torch convert (overflow to
infinities, NaN kept NaN). NumPy converts float16 one value at a time, many times slower, so the float16 plans
convert their images here (`contiguous_as`) or inside their kernels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba import prange, types
from numba.extending import overload

from antialias_np._kernels import plane_kernel
from antialias_np._simd import intrinsic

if TYPE_CHECKING:
    from numba.core.base import BaseContext
    from numba.core.typing import Context as TypingContext
    from numba.core.typing import Signature

    from antialias_np._simd import Codegen, IRValues

FLOAT16 = np.dtype(np.float16)
FLOAT32 = np.dtype(np.float32)


@intrinsic
def widened(typingctx: TypingContext, bits: types.Type) -> tuple[Signature, Codegen] | None:
    """The float32 value of a float16 given by its bits (a uint16): exact."""
    if bits != types.uint16:
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

    return types.float32(bits), codegen


@intrinsic
def narrowed(typingctx: TypingContext, value: types.Type) -> tuple[Signature, Codegen] | None:
    """The bits (a uint16) of a float32 value rounded to float16: to nearest, ties to even."""
    if value != types.float32:
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        return builder.bitcast(builder.fptrunc(args[0], ir.HalfType()), ir.IntType(16))

    return types.uint16(value), codegen


def stored(value: float, out: npt.NDArray[np.generic]) -> float | int:
    """A float32 result as an element of `out` holds it: float16 bits for uint16 arrays (float16 images seen as their
    bits), the value itself for float32 arrays. In Numba kernels only."""
    raise NotImplementedError("stored runs in Numba kernels only")


@overload(stored)
def _stored(value, out):  # type: ignore[no-untyped-def]  # unannotated: Numba compares its parameters (annotations too) with the implementations' lambdas
    if out.dtype == types.uint16:
        return lambda value, out: narrowed(value)
    return lambda value, out: value


def contiguous_as(x: npt.NDArray[Any], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """np.ascontiguousarray(x, dtype) for images (..., H, W), converted by the CPU's instructions from float16 to
    float32 and from float32 to float16 (the same values as NumPy's conversion)."""
    dtype = np.dtype(dtype)
    if {x.dtype, dtype} != {FLOAT16, FLOAT32}:
        return np.ascontiguousarray(x, dtype)
    source = np.ascontiguousarray(x)
    out = np.empty(source.shape, dtype)
    if source.size:
        rows = (-1, 1, source.shape[-1])  # each row a plane: the unit of work of a thread (_kernels.parallel_threads)
        planes, dest = source.reshape(rows), out.reshape(rows)
        if dtype == FLOAT32:
            _widen(planes.view(np.uint16), dest)
        else:
            _narrow(planes, dest.view(np.uint16))
    return out


@plane_kernel()
def _widen(planes: npt.NDArray[np.uint16], out: npt.NDArray[np.float32]) -> None:
    """out = the float32 values of the float16 bits in planes, (B, H, W) each."""
    for p in prange(planes.shape[0]):
        for i in range(planes.shape[1]):
            source, dest = planes[p, i], out[p, i]
            for j in range(source.shape[0]):
                dest[j] = widened(source[j])


@plane_kernel()
def _narrow(planes: npt.NDArray[np.float32], out: npt.NDArray[np.uint16]) -> None:
    """out = the float16 bits of the float32 values in planes rounded, (B, H, W) each."""
    for p in prange(planes.shape[0]):
        for i in range(planes.shape[1]):
            source, dest = planes[p, i], out[p, i]
            for j in range(source.shape[0]):
                dest[j] = narrowed(source[j])
