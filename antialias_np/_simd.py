"""Vector code that Numba cannot express, written as LLVM IR intrinsics: the engine's block transposes, its rows
made a chunk at a time with the sums held in vector registers over every tap (fused multiply-adds for floats; for
uint8, torch's fixed point with two taps per multiply-add of 16-bit pairs, as torch's and Pillow-SIMD's AVX2 kernels
do), a scalar fused multiply-add, window sums added value by value in torch's pooling order, and the values every
n-th along a row that subsampling keeps.

Numba compiles loops to vector code by itself when every iteration does the same thing to consecutive values; it
has no vector shuffles, and keeps no vector in a register across a loop it cannot vectorise. What needs either is
written here, each with its plain formula in its docstring; the tests hold them to NumPy (tests/test_simd.py, and
the engine against its reference in tests/test_engine.py). Vector widths follow the CPU Numba compiles for:
512 bits with AVX-512, 256 otherwise, plain LLVM IR where a CPU lacks the x86 instructions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic as numba_intrinsic

from antialias_np._kernels import njit

if TYPE_CHECKING:  # Numba's and llvmlite's classes, for the reader: both libraries are untyped (Any to the checkers)
    from typing import TypeAlias

    from numba.core.base import BaseContext  # the target context: how Numba lowers code for the CPU
    from numba.core.typing import Context as TypingContext
    from numba.core.typing import Signature

    IRValues: TypeAlias = Sequence[ir.Value]
    Codegen: TypeAlias = Callable[[BaseContext, ir.IRBuilder, Signature, IRValues], ir.Value]
    """An intrinsic's code generator: the LLVM IR of one call, given its arguments' values."""

intrinsic: Callable[[Callable[..., tuple[Signature, Codegen] | None]], Any] = numba_intrinsic
"""numba.extending.intrinsic: it takes the typing function (the signature and code generator of a call, or None for
arguments it does not take) and gives what Numba code calls (Numba is untyped)."""

Value = TypeVar("Value", bound=np.generic)
"""The dtype of an array and of its copy."""

CACHE_LINE_BYTES = 64
"""The CPU cache line (x86-64 and most ARM cores): the unit in which memory is read and written."""


@njit(cache=True)
def _block_shape(itemsize: int) -> tuple[int, int]:
    """(rows, columns) of the blocks _transpose_block moves: 16 x 32 for 1-byte values (two 16 x 16 blocks side by
    side, one per 16-byte half of a 32-byte vector), 16 x 16 for 2- and 4-byte values, 8 x 8 for 8-byte ones.

    Measured against 8 x 8 blocks on a 256 x 768 plane: faster for uint16 and float32; float64 was slower with 16.
    """
    if itemsize == 1:
        return 16, 32
    side = 16 if itemsize <= 4 else 8
    return side, side


@intrinsic
def _transpose_block(
    typingctx: TypingContext, source: types.Type, dest: types.Type, i: types.Type, j: types.Type
) -> tuple[Signature, Codegen] | None:
    """dest[j:j+m, i:i+n] = source[i:i+n, j:j+m].T, (n, m) = _block_shape, for two C-contiguous 2-D arrays of one
    dtype; the caller keeps both blocks inside the arrays (nothing is checked).

    Written in LLVM IR because Numba has no vector shuffles. The n rows are loaded as n vectors, each made of m / n
    lanes of n values (the columns l n .. l n + n - 1 of the row in lane l). One round interleaves the values of
    vector k and vector k + n/2 lane by lane, the first halves into new vector 2k and the second halves into 2k + 1:
    a value at (vector v, place p in its lane) moves to (v, p) with the 2 log2(n) bits of "v p" rotated left by
    one, so after log2(n) rounds vector c holds, lane by lane, the columns l n + c: the transposed rows. Each round
    is one unpack instruction per pair of vectors (punpcklbw / punpckhbw and the like).
    """
    if not (
        isinstance(source, types.Array) and isinstance(dest, types.Array) and source.dtype == dest.dtype
        and source.ndim == dest.ndim == 2 and source.layout == dest.layout == "C"
    ):  # fmt: skip
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        array_type = signature.args[0]
        source_array, dest_array = (context.make_array(array_type)(context, builder, a) for a in args[:2])
        i, j = args[2:]
        n, m = _block_shape.py_func(array_type.dtype.bitwidth // 8)
        value = context.get_data_type(array_type.dtype)

        def pointer(array: ir.Value, row: ir.Value, column: ir.Value, row_offset: int, length: int) -> ir.Value:
            """A pointer to the `length` elements array[row + row_offset, column:column + length], as one vector."""
            index = [builder.add(row, row.type(row_offset)), column]
            item = cgutils.get_item_pointer(context, builder, array_type, array, index)
            return builder.bitcast(item, ir.VectorType(value, length).as_pointer())

        def indices(values: list[int]) -> ir.Constant:
            return ir.Constant(ir.VectorType(ir.IntType(32), len(values)), values)

        vectors = [builder.load(pointer(source_array, i, j, k, m), align=1) for k in range(n)]
        vectors = _interleaved(builder, vectors, n)
        for c, vector in enumerate(vectors):
            for lane in range(0, m, n):
                column = builder.shuffle_vector(vector, vector, indices(list(range(lane, lane + n))))
                builder.store(column, pointer(dest_array, j, i, lane + c, n), align=1)
        return context.get_dummy_value()

    return types.void(source, dest, types.intp, types.intp), codegen


def _interleaved(builder: ir.IRBuilder, vectors: list[ir.Value], n: int) -> list[ir.Value]:
    """The log2(n) rounds of _transpose_block on its n vectors of m values (m / n lanes of n values each): after
    them, vector c holds, lane by lane, column c of the lane's n x n block (for m = n: the n vectors transposed)."""
    m = vectors[0].type.count

    def interleave(half: int) -> ir.Constant:
        """Per lane, the values of that half of the lane of a and of b, alternately (b's numbered from m on)."""
        values = [lane + half * n // 2 + p + b for lane in range(0, m, n) for p in range(n // 2) for b in (0, m)]
        return ir.Constant(ir.VectorType(ir.IntType(32), m), values)

    for _ in range(n.bit_length() - 1):
        vectors = [
            builder.shuffle_vector(vectors[k], vectors[k + n // 2], interleave(half))
            for k in range(n // 2)
            for half in (0, 1)
        ]
    return vectors


@njit(cache=True)
def transpose_into(a: npt.NDArray[Any], out: npt.NDArray[Any]) -> None:
    """out[:] = a.T: n x m blocks with _transpose_block, then the rows and columns left over one by one.

    Plain loop: for i, j: out[j, i] = a[i, j]. Where a block writes less than a cache line to each row of `out`
    (1- and 2-byte values), the blocks go down a column of blocks before the next, so that each line of `out` is
    filled while it is in the cache (measured faster for uint8); otherwise they go along the rows (measured faster
    that way for float32 and float64).
    """
    n, m = _block_shape(a.itemsize)
    height, width = a.shape
    blocked_height, blocked_width = height - height % n, width - width % m
    down_columns = n * a.itemsize < CACHE_LINE_BYTES
    block_rows, block_columns = blocked_height // n, blocked_width // m
    outer, inner = (block_columns, block_rows) if down_columns else (block_rows, block_columns)
    for k in range(outer):
        for q in range(inner):
            block_row, block_column = (q, k) if down_columns else (k, q)
            _transpose_block(a, out, block_row * n, block_column * m)
    for i in range(blocked_height):
        for j in range(blocked_width, width):
            out[j, i] = a[i, j]
    for i in range(blocked_height, height):
        for j in range(width):
            out[j, i] = a[i, j]


@njit(cache=True)
def transposed(a: npt.NDArray[Value]) -> npt.NDArray[Value]:
    """a.T as a new C-contiguous array."""
    out = np.empty((a.shape[1], a.shape[0]), a.dtype)
    transpose_into(a, out)
    return out


def _sums_per_vector(context: BaseContext) -> int:
    """int32 sums per vector of fixed_point_wide_chunk: 16 (512 bits) with AVX-512BW, else 8."""
    return 16 if _has_feature(context, "avx512bw") else 8


def _has_feature(context: BaseContext, feature: str) -> bool:
    """Whether Numba compiles for a CPU with this feature (as LLVM names it: "avx2")."""
    features = getattr(context.codegen(), "_tm_features", "") or ""
    return f"+{feature}" in features.split(",")


@intrinsic
def fixed_point_wide_chunk_width(typingctx: TypingContext) -> tuple[Signature, Codegen]:
    """The uint8 values one fixed_point_wide_chunk call makes: 64 where the CPU has AVX-512BW, else 32."""

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        return context.get_constant(types.intp, 4 * _sums_per_vector(context))

    return types.intp(), codegen


def _fixed_point_chunk(sums_per_vector: Callable[[BaseContext], int]) -> Any:  # an intrinsic
    """The intrinsic fixed_point_chunk for vectors of sums_per_vector(Numba's target context) int32 sums."""

    @intrinsic
    def fixed_point_chunk(
        typingctx: TypingContext, source: types.Type, pair_index: types.Type, pair_weight: types.Type,
        pairs: types.Type, precision: types.Type, dest: types.Type, i: types.Type, x0: types.Type,
    ) -> tuple[Signature, Codegen] | None:
        """One chunk of 4 n values (n int32 sums per vector) of an output row of torch's uint8 resampling, from the
        taps two by two (`tap_pairs`):

            s[x] = 2^(p-1) + sum_{k < pairs} w_lo[k] * source[r0[k], x] + w_hi[k] * source[r1[k], x]
            dest[i, x] = clamp(s[x] >> p, 0, 255)        for x0 <= x < x0 + 4 n

        with (r0[k], r1[k]) = pair_index[i, k], the int16 weights w_lo, w_hi packed in the int32 pair_weight[i, k]
        and p = precision; s in int32, as torch. For 2-D C-contiguous uint8 source and dest; the caller keeps the
        chunk inside both rows (nothing is checked).

        The sums stay in registers over all the taps. Each pair of input rows is interleaved byte by byte, widened
        to 16 bits and multiplied by the pair of weights with one multiply-add of 16-bit pairs into 32-bit sums
        (pmaddwd; vpdpwssd where the CPU has it), as Pillow-SIMD and torch's AVX2 kernels do: two taps at once. On
        CPUs without AVX2 the same sums are written in plain LLVM IR.
        """
        if not (
            isinstance(source, types.Array) and isinstance(dest, types.Array)
            and source.dtype == dest.dtype == types.uint8 and source.layout == dest.layout == "C"
            and source.ndim == dest.ndim == 2
        ):  # fmt: skip
            return None

        def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
            source_type, index_type, weight_type, _, _, dest_type = signature.args[:6]
            source_array, index_array, weight_array, dest_array = (
                context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 1, 2, 5)
            )
            pairs, precision, i, x0 = args[3], args[4], args[6], args[7]
            n = sums_per_vector(context)
            int8, int16, int32 = ir.IntType(8), ir.IntType(16), ir.IntType(32)
            bytes_type, words_type = ir.VectorType(int8, 2 * n), ir.VectorType(int16, 2 * n)
            sums_type = ir.VectorType(int32, n)

            def indices(values: list[int]) -> ir.Constant:
                return ir.Constant(ir.VectorType(int32, len(values)), values)

            def splat(value: ir.Value) -> ir.Value:
                vector = builder.insert_element(ir.Constant(sums_type, None), value, int32(0))
                return builder.shuffle_vector(vector, vector, indices([0] * n))

            def item(array_type: types.Array, array: ir.Value, index: list[ir.Value]) -> ir.Value:
                return cgutils.get_item_pointer(context, builder, array_type, array, index)

            def pair_products(words: ir.Value, weights: ir.Value) -> ir.Value:
                """The int32 sums words[2k] * weights[2k] + words[2k + 1] * weights[2k + 1], k < n."""
                x86 = {16: "llvm.x86.avx512.pmaddw.d.512", 8: "llvm.x86.avx2.pmadd.wd"}
                if n == 16 or _has_feature(context, "avx2"):
                    function_type = ir.FunctionType(sums_type, [words_type, words_type])
                    pmaddwd = cgutils.get_or_insert_function(builder.module, function_type, x86[n])
                    return builder.call(pmaddwd, [words, weights])

                def widened(vector: ir.Value, first: int) -> ir.Value:
                    every_second = builder.shuffle_vector(vector, vector, indices(list(range(first, 2 * n, 2))))
                    return builder.sext(every_second, sums_type)

                products = [builder.mul(widened(words, k), widened(weights, k)) for k in (0, 1)]
                return builder.add(*products)

            precision32 = builder.trunc(precision, int32)
            rounding = splat(builder.shl(int32(1), builder.sub(precision32, int32(1))))
            sums = [cgutils.alloca_once_value(builder, rounding) for _ in range(4)]
            with cgutils.for_range(builder, pairs) as loop:
                k = loop.index
                weights = builder.bitcast(splat(builder.load(item(weight_type, weight_array, [i, k]))), words_type)
                for half in (0, 1):
                    x = builder.add(x0, x0.type(2 * n * half))
                    rows = []
                    for tap in (0, 1):
                        row = builder.load(item(index_type, index_array, [i, k, k.type(tap)]))
                        pointer = builder.bitcast(item(source_type, source_array, [row, x]), bytes_type.as_pointer())
                        rows.append(builder.load(pointer, align=1))
                    for quarter in (0, 1):
                        interleaved = indices([p + b for p in range(n * quarter, n * quarter + n) for b in (0, 2 * n)])
                        words = builder.zext(builder.shuffle_vector(*rows, interleaved), words_type)
                        total = sums[2 * half + quarter]
                        builder.store(builder.add(builder.load(total), pair_products(words, weights)), total)
            zero, largest = ir.Constant(sums_type, [0] * n), ir.Constant(sums_type, [255] * n)
            for half in (0, 1):
                clamped = []
                for quarter in (0, 1):
                    value = builder.ashr(builder.load(sums[2 * half + quarter]), splat(precision32))
                    value = builder.select(builder.icmp_signed("<", value, zero), zero, value)
                    clamped.append(builder.select(builder.icmp_signed(">", value, largest), largest, value))
                values = builder.trunc(builder.shuffle_vector(*clamped, indices(list(range(2 * n)))), bytes_type)
                pointer = item(dest_type, dest_array, [i, builder.add(x0, x0.type(2 * n * half))])
                builder.store(values, builder.bitcast(pointer, bytes_type.as_pointer()), align=1)
            return context.get_dummy_value()

        signature = types.void(source, pair_index, pair_weight, pairs, precision, dest, types.intp, types.intp)
        return signature, codegen

    return fixed_point_chunk


fixed_point_wide_chunk = _fixed_point_chunk(_sums_per_vector)
"""fixed_point_chunk on 512-bit vectors where the CPU has AVX-512BW (64 values; measured faster than two 256-bit
chunks, though not twice: the byte shuffles, not the products, limit the speed), else 256-bit."""

NARROW_FIXED_POINT_CHUNK = 32
"""The uint8 values of fixed_point_chunk_32: four 256-bit vectors of eight int32 sums."""

fixed_point_chunk_32 = _fixed_point_chunk(lambda context: NARROW_FIXED_POINT_CHUNK // 4)
"""fixed_point_chunk on 256-bit vectors: NARROW_FIXED_POINT_CHUNK values."""


@intrinsic
def fma(
    typingctx: TypingContext, a: types.Type, b: types.Type, c: types.Type
) -> tuple[Signature, Codegen] | None:
    """a * b + c rounded once, for three float32 or three float64 values (LLVM's llvm.fma: one FMA instruction)."""
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        value_type = context.get_data_type(signature.return_type)
        fma = builder.module.declare_intrinsic("llvm.fma", [value_type], ir.FunctionType(value_type, [value_type] * 3))
        return builder.call(fma, args)

    return a(a, a, a), codegen


def _lanes(context: BaseContext, dtype: types.Float) -> int:
    """Values of `dtype` (float32 or float64) per vector of weighted_chunk: 512 bits with AVX-512F, else 256."""
    bits = 512 if _has_feature(context, "avx512f") else 256
    lanes: int = bits // dtype.bitwidth
    return lanes


@intrinsic
def weighted_vector_width(typingctx: TypingContext, dest: types.Type) -> tuple[Signature, Codegen]:
    """The values of dest's dtype in one vector of `weighted_chunk` (a narrow chunk)."""

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        return context.get_constant(types.intp, _lanes(context, signature.args[0].dtype))

    return types.intp(dest), codegen


def _weighted_chunk(vectors: int) -> Any:  # an intrinsic
    """The intrinsic weighted_chunk for chunks of `vectors` vectors."""

    @intrinsic
    def weighted_chunk(
        typingctx: TypingContext, source: types.Type, index: types.Type, weight: types.Type, count: types.Type,
        dest: types.Type, i: types.Type, x0: types.Type,
    ) -> tuple[Signature, Codegen] | None:
        """One chunk of V vectors of L values (`weighted_vector_width` of dest) of a row of weighted sums of rows:

            dest[i, x] = sum_{t < count} weight[i, t] * source[index[i, t], x]        for x0 <= x < x0 + V L

        summed tap after tap from 0, each term by a fused multiply-add (one rounding per tap, as torch's AVX2 and
        AVX512 kernels sum). For float32 or float64 2-D C-contiguous
        dest and weights of its dtype, and source of that dtype or of integers (converted exactly where they fit the
        float's significand, as NumPy converts them); the caller keeps the chunk inside both rows (nothing is
        checked). The V sums stay in registers over all the taps. (x86 CPUs without FMA, made before 2013, compute
        llvm.fma by a library call: exact, and slow.)
        """
        if not (
            isinstance(source, types.Array) and isinstance(dest, types.Array) and isinstance(weight, types.Array)
            and dest.dtype in (types.float32, types.float64) and weight.dtype == dest.dtype
            and (source.dtype == dest.dtype or isinstance(source.dtype, types.Integer))
            and source.layout == dest.layout == "C" and source.ndim == dest.ndim == 2
        ):  # fmt: skip
            return None

        def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
            source_type, index_type, weight_type, _, dest_type = signature.args[:5]
            source_array, index_array, weight_array, dest_array = (
                context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 1, 2, 4)
            )
            count, i, x0 = args[3], args[5], args[6]
            lanes = _lanes(context, dest_type.dtype)
            vector_type = ir.VectorType(context.get_data_type(dest_type.dtype), lanes)
            source_vector_type = ir.VectorType(context.get_data_type(source_type.dtype), lanes)

            def item(array_type: types.Array, array: ir.Value, index: list[ir.Value]) -> ir.Value:
                return cgutils.get_item_pointer(context, builder, array_type, array, index)

            def vector_pointer(array_type: types.Array, array: ir.Value, row: ir.Value, v: int) -> ir.Value:
                pointer = item(array_type, array, [row, builder.add(x0, x0.type(v * lanes))])
                element = source_vector_type if array_type is source_type else vector_type
                return builder.bitcast(pointer, element.as_pointer())

            def as_float(values: ir.Value) -> ir.Value:
                if isinstance(source_type.dtype, types.Float):
                    return values
                convert = builder.sitofp if source_type.dtype.signed else builder.uitofp
                return convert(values, vector_type)

            name = f"llvm.fma.v{lanes}f{dest_type.dtype.bitwidth}"  # llvmlite does not name vector types
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vector_type, [vector_type] * 3), name)
            zero = ir.Constant(vector_type, [0.0] * lanes)
            sums = [cgutils.alloca_once_value(builder, zero) for _ in range(vectors)]
            with cgutils.for_range(builder, count) as loop:
                t = loop.index
                tap_weight = builder.load(item(weight_type, weight_array, [i, t]))
                single = builder.insert_element(ir.Constant(vector_type, None), tap_weight, ir.IntType(32)(0))
                every_lane = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes)
                w = builder.shuffle_vector(single, single, every_lane)
                row = builder.load(item(index_type, index_array, [i, t]))
                for v, total in enumerate(sums):
                    values = as_float(builder.load(vector_pointer(source_type, source_array, row, v), align=1))
                    builder.store(builder.call(fma, [w, values, builder.load(total)]), total)
            for v, total in enumerate(sums):
                builder.store(builder.load(total), vector_pointer(dest_type, dest_array, i, v), align=1)
            return context.get_dummy_value()

        return types.void(source, index, weight, count, dest, types.intp, types.intp), codegen

    return weighted_chunk


WIDE_CHUNK_VECTORS = 4
"""Vectors of sums in one weighted_wide_chunk: four independent chains of fused multiply-adds (one alone waits for
the latency of each)."""

weighted_wide_chunk = _weighted_chunk(WIDE_CHUNK_VECTORS)
"""weighted_chunk of four vectors (64 float32 values with AVX-512F)."""

weighted_vector = _weighted_chunk(1)
"""weighted_chunk of one vector."""


@intrinsic
def window_sums_vector(
    typingctx: TypingContext, plane: types.Type, first: types.Type, rows: types.Type, cols: types.Type,
    row_step: types.Type, tallest: types.Type, widest: types.Type, q0: types.Type, dest: types.Type,
) -> tuple[Signature, Codegen] | None:
    """One vector of L window sums (L = weighted_vector_width of dest), for windows of any outputs q:

        dest[q0 + l] = sum_{r < rows[q]} sum_{c < cols[q]} plane[first[q] + r row_step + c],   q = q0 + l, l < L

    each sum made from 0 by one addition per value, row by row and left to right (torch's pooling order). For a
    float32 or float64 1-D C-contiguous plane (a flat image of rows row_step apart) and dest of its dtype, int64
    first, rows and cols; tallest and widest at least every rows[q] and cols[q], widest at least 1. Lane l reads
    segments of S values (S = L / 2 where widest <= L / 2, else L) from first[q] + r' row_step + c0, for r' =
    min(r, rows[q] - 1), r < tallest rounded up to the rows per load, and c0 the multiples of S below widest (past a
    row's end that is the next row's start); the caller keeps these reads inside the plane (nothing is checked).

    Each lane's L / S segments (one from each of L / S window rows) make one vector; the L vectors are transposed in
    registers (the rounds of _transpose_block), which gives L vectors of one window column of one row each, added in
    order. The values outside a lane's window are masked to +0.0, which adds nothing to a sum that is never -0.0;
    loads that lie inside every lane's window (uniform windows, mostly) are added without masks.
    """
    if not (
        isinstance(plane, types.Array) and isinstance(dest, types.Array) and plane.dtype == dest.dtype
        and plane.dtype in (types.float32, types.float64) and plane.ndim == dest.ndim == 1
        and plane.layout == dest.layout == "C"
        and all(isinstance(a, types.Array) and a.dtype == types.int64 for a in (first, rows, cols))
    ):  # fmt: skip
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        plane_type, first_type, rows_type, cols_type = signature.args[:4]
        dest_type = signature.args[8]
        plane_array, first_array, rows_array, cols_array, dest_array = (
            context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 1, 2, 3, 8)
        )
        row_step, tallest, widest, q0 = args[4:8]
        lanes = _lanes(context, plane_type.dtype)
        value_type = context.get_data_type(plane_type.dtype)
        vector_type = ir.VectorType(value_type, lanes)
        int32 = ir.IntType(32)
        intp = q0.type

        def item(array_type: types.Array, array: ir.Value, index: ir.Value) -> ir.Value:
            return cgutils.get_item_pointer(context, builder, array_type, array, [index])

        def lane_values(array_type: types.Array, array: ir.Value) -> list[ir.Value]:
            return [builder.load(item(array_type, array, builder.add(q0, intp(lane)))) for lane in range(lanes)]

        def lane_vector(array_type: types.Array, array: ir.Value) -> tuple[ir.Value, ir.Value]:
            """The lanes' values of an int64 array as a vector of int32, and the smallest of them."""
            pointer = builder.bitcast(item(array_type, array, q0), ir.VectorType(intp, lanes).as_pointer())
            values = builder.load(pointer, align=1)
            smallest = cgutils.get_or_insert_function(builder.module, ir.FunctionType(intp, [values.type]),
                                                      f"llvm.vector.reduce.smin.v{lanes}i64")  # fmt: skip
            return builder.trunc(values, ir.VectorType(int32, lanes)), builder.call(smallest, [values])

        firsts, heights = lane_values(first_type, first_array), lane_values(rows_type, rows_array)
        height_vector, lowest = lane_vector(rows_type, rows_array)
        width_vector, narrowest = lane_vector(cols_type, cols_array)
        zero = ir.Constant(vector_type, [0.0] * lanes)
        total = cgutils.alloca_once_value(builder, zero)

        def concatenated(parts: list[ir.Value]) -> ir.Value:
            """One vector of the parts' values, in order (parts of equal length, a power of two of them)."""
            while len(parts) > 1:
                size = parts[0].type.count
                both = ir.Constant(ir.VectorType(int32, 2 * size), list(range(2 * size)))
                parts = [builder.shuffle_vector(parts[k], parts[k + 1], both) for k in range(0, len(parts), 2)]
            return parts[0]

        def add_loads(segment: int) -> None:
            """The sums over the windows for segments of `segment` values, L / segment window rows per load."""
            rows_per_load = lanes // segment
            segment_type = ir.VectorType(value_type, segment)
            row_loads = builder.sdiv(builder.add(tallest, intp(rows_per_load - 1)), intp(rows_per_load))
            blocks = builder.sdiv(builder.add(widest, intp(segment - 1)), intp(segment))
            with cgutils.for_range(builder, row_loads) as row_loop:
                r = builder.mul(row_loop.index, intp(rows_per_load))
                starts = []  # per lane and row of the load: the window row's first value, kept inside the window
                for first_value, height in zip(firsts, heights, strict=True):
                    for t in range(rows_per_load):
                        row = builder.add(r, intp(t))
                        kept = builder.select(builder.icmp_signed("<", row, height), row, builder.sub(height, intp(1)))
                        starts.append(builder.add(first_value, builder.mul(kept, row_step)))
                with cgutils.for_range(builder, blocks) as block_loop:
                    c0 = builder.mul(block_loop.index, intp(segment))
                    vectors = []
                    for lane in range(lanes):
                        parts = []
                        for t in range(rows_per_load):
                            pointer = item(plane_type, plane_array, builder.add(starts[lane * rows_per_load + t], c0))
                            parts.append(builder.load(builder.bitcast(pointer, segment_type.as_pointer()), align=1))
                        vectors.append(concatenated(parts))
                    columns = _interleaved(builder, vectors, lanes)
                    inside_all = builder.and_(
                        builder.icmp_signed("<=", builder.add(r, intp(rows_per_load)), lowest),
                        builder.icmp_signed("<=", builder.add(c0, intp(segment)), narrowest),
                    )
                    with builder.if_else(inside_all) as (whole, part):
                        with whole:
                            for column in columns:
                                builder.store(builder.fadd(builder.load(total), column), total)
                        with part:
                            for k, column in enumerate(columns):
                                t, c = divmod(k, segment)
                                row_inside = builder.icmp_signed("<", splat(builder.add(r, intp(t))), height_vector)
                                column_inside = builder.icmp_signed("<", splat(builder.add(c0, intp(c))), width_vector)
                                inside = builder.and_(row_inside, column_inside)
                                kept = builder.select(inside, column, zero)
                                builder.store(builder.fadd(builder.load(total), kept), total)

        def splat(value: ir.Value) -> ir.Value:
            vector = builder.insert_element(ir.Constant(ir.VectorType(int32, lanes), None), builder.trunc(value, int32),
                                            int32(0))  # fmt: skip
            return builder.shuffle_vector(vector, vector, ir.Constant(ir.VectorType(int32, lanes), [0] * lanes))

        with builder.if_else(builder.icmp_signed("<=", widest, intp(lanes // 2))) as (narrow, wide):
            with narrow:
                add_loads(lanes // 2)
            with wide:
                add_loads(lanes)
        dest_pointer = builder.bitcast(item(dest_type, dest_array, q0), vector_type.as_pointer())
        builder.store(builder.load(total), dest_pointer, align=1)
        return context.get_dummy_value()

    arguments = (plane, first, rows, cols, types.intp, types.intp, types.intp, types.intp, dest)
    return types.void(*arguments), codegen


def _strided_lanes(context: BaseContext, dtype: types.Type) -> int:
    """Values of `dtype` per vector of strided_vector: 512 bits with AVX-512F, else 256."""
    lanes: int = (512 if _has_feature(context, "avx512f") else 256) // dtype.bitwidth
    return lanes


@intrinsic
def strided_vector_width(typingctx: TypingContext, dest: types.Type) -> tuple[Signature, Codegen]:
    """The values of dest's dtype that one strided_vector call writes."""

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        return context.get_constant(types.intp, _strided_lanes(context, signature.args[0].dtype))

    return types.intp(dest), codegen


@intrinsic
def strided_vector(
    typingctx: TypingContext, source: types.Type, p: types.Type, r: types.Type, start: types.Type,
    step: types.Type, dest: types.Type, i: types.Type, j: types.Type,
) -> tuple[Signature, Codegen] | None:
    """One vector of L values (`strided_vector_width` of dest) picked every `step` values along a row:

        dest[p, i, j + k] = source[p, r, start + k step]        for 0 <= k < L

    for 3-D C-contiguous arrays of one integer or float dtype and a literal step; the caller keeps the L step
    values from source[p, r, start] inside the row (nothing is checked). The L step values are loaded whole and one
    shuffle keeps every step-th (a few permutes of whole vectors): Numba's own loop copies them one by one, or
    gathers them.
    """
    if not (
        isinstance(source, types.Array) and isinstance(dest, types.Array) and source.dtype == dest.dtype
        and isinstance(source.dtype, (types.Integer, types.Float)) and source.ndim == dest.ndim == 3
        and source.layout == dest.layout == "C" and isinstance(step, types.IntegerLiteral)
    ):  # fmt: skip
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        source_type, dest_type = signature.args[0], signature.args[5]
        source_array, dest_array = (context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 5))
        lanes, stride = _strided_lanes(context, dest_type.dtype), step.literal_value
        value = context.get_data_type(dest_type.dtype)
        read = cgutils.get_item_pointer(context, builder, source_type, source_array, [args[1], args[2], args[3]])
        values = builder.load(builder.bitcast(read, ir.VectorType(value, lanes * stride).as_pointer()), align=1)
        every_step = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [k * stride for k in range(lanes)])
        picked = builder.shuffle_vector(values, ir.Constant(values.type, None), every_step)
        write = cgutils.get_item_pointer(context, builder, dest_type, dest_array, [args[1], args[6], args[7]])
        builder.store(picked, builder.bitcast(write, ir.VectorType(value, lanes).as_pointer()), align=1)
        return context.get_dummy_value()

    return types.void(source, types.intp, types.intp, types.intp, step, dest, types.intp, types.intp), codegen


@intrinsic
def prefetch_line(
    typingctx: TypingContext, array: types.Type, row: types.Type, column: types.Type
) -> tuple[Signature, Codegen] | None:
    """Ask the CPU to bring the cache line holding array[row, column] (a 2-D array) into its L2 cache ahead of use
    (llvm.prefetch: prefetcht1 on x86): a hint, which never faults, even outside the array."""
    if not (isinstance(array, types.Array) and array.ndim == 2):
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        array_type = signature.args[0]
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, context.make_array(array_type)(context, builder, args[0]), args[1:]
        )
        byte_pointer = ir.IntType(8).as_pointer()
        arguments = [byte_pointer, ir.IntType(32), ir.IntType(32), ir.IntType(32)]
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), arguments), "llvm.prefetch.p0i8"
        )
        read, into_l2, data = (ir.IntType(32)(k) for k in (0, 2, 1))  # rw, locality (2: prefetcht1), cache type
        builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), read, into_l2, data])
        return context.get_dummy_value()

    return types.void(array, types.intp, types.intp), codegen


MAX_PERMUTED_TAPS = 5
"""The most taps per value of permuted_weighted_rows, for which it has code (upsampling.MAX_TAPS)."""


@intrinsic
def permuted_vector_width(typingctx: TypingContext, dest: types.Type) -> tuple[Signature, Codegen]:
    """The values of dest's dtype in one vector of `permuted_weighted_rows`: 16 float32 or 8 float64 where the CPU
    has AVX-512F; 0 elsewhere, where there is no such intrinsic (no two-vector permute of variable indices)."""

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        lanes = _lanes(context, signature.args[0].dtype) if _has_feature(context, "avx512f") else 0
        return context.get_constant(types.intp, lanes)

    return types.intp(dest), codegen


@intrinsic
def permuted_weighted_rows(
    typingctx: TypingContext, source: types.Type, first: types.Type, rows: types.Type, base: types.Type,
    lane_index: types.Type, lane_weight: types.Type, lane_count: types.Type, k: types.Type, dest: types.Type,
    x0: types.Type,
) -> tuple[Signature, Codegen] | None:
    """One vector of L values (`permuted_vector_width` of dest, never 0 here) of each of `rows` rows of weighted sums
    along the rows, each output value reading its own few values of a window of 2 L source values:

        dest[r, x0 + l] = sum_{t < lane_count[k, l]} lane_weight[k, t, l] * source[first + r, base + p[t, l]],
        p[t, l] = lane_index[k, t, l]

    for r < rows and l < L, summed tap after tap from 0, each term by a fused multiply-add (the order of
    `weighted_chunk`). For float32 or float64 2-D C-contiguous source and dest, lane_weight of their dtype, int32
    lane_index (each below 2 L) and lane_count (each at most MAX_PERMUTED_TAPS), whose 3-D and 2-D arrays are
    C-contiguous with L values on their last axis; the caller keeps the window and the vector inside the rows
    (nothing is checked).

    The window is loaded as two vectors and each tap's values are picked from them by one permute of variable indices
    (vpermi2ps / vpermi2pd): Numba compiles such a sum along a row, whose reads are not consecutive, to scalar code.
    The tables of the vector are loaded once for all the rows; the code is specialised by the vector's most taps, and
    lanes with fewer taps keep their sum by a select, where the vector has any.
    """
    if not (
        isinstance(source, types.Array) and isinstance(dest, types.Array) and source.dtype == dest.dtype
        and source.dtype in (types.float32, types.float64) and source.ndim == dest.ndim == 2
        and source.layout == dest.layout == "C" and isinstance(lane_weight, types.Array)
        and lane_weight.dtype == dest.dtype and lane_weight.ndim == 3
        and all(isinstance(a, types.Array) and a.dtype == types.int32 for a in (lane_index, lane_count))
    ):  # fmt: skip
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature, args: IRValues) -> ir.Value:
        source_type, index_type, weight_type, count_type, dest_type = (signature.args[k] for k in (0, 4, 5, 6, 8))
        source_array, index_array, weight_array, count_array, dest_array = (
            context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 4, 5, 6, 8)
        )
        first, rows, base, k, x0 = args[1], args[2], args[3], args[7], args[9]
        lanes = _lanes(context, dest_type.dtype)
        value_type = context.get_data_type(dest_type.dtype)
        vector_type = ir.VectorType(value_type, lanes)
        int32, intp = ir.IntType(32), x0.type
        lane_int_type = ir.VectorType(ir.IntType(dest_type.dtype.bitwidth), lanes)  # the permute's index type
        count_vector_type = ir.VectorType(int32, lanes)

        def vector_at(array_type: types.Array, array: ir.Value, index: list[ir.Value], element: ir.Type) -> ir.Value:
            pointer = cgutils.get_item_pointer(context, builder, array_type, array, index)
            return builder.bitcast(pointer, element.as_pointer())

        def declared(name: str, result: ir.Type, arguments: list[ir.Type]) -> ir.Function:
            return cgutils.get_or_insert_function(builder.module, ir.FunctionType(result, arguments), name)

        def permuted(low: ir.Value, index: ir.Value, high: ir.Value) -> ir.Value:
            """Lane l: value index[l] of low followed by high."""
            if _has_feature(context, "avx512f"):
                letter = "ps" if dest_type.dtype == types.float32 else "pd"
                permute = declared(f"llvm.x86.avx512.vpermi2var.{letter}.512", vector_type,
                                   [vector_type, lane_int_type, vector_type])  # fmt: skip
                return builder.call(permute, [low, index, high])
            # Where the CPU lacks it (permuted_vector_width is then 0 and no caller runs this), lane by lane.
            both = ir.Constant(ir.VectorType(int32, 2 * lanes), list(range(2 * lanes)))
            window = builder.shuffle_vector(low, high, both)
            picked = ir.Constant(vector_type, None)
            for lane in range(lanes):
                value = builder.extract_element(window, builder.extract_element(index, int32(lane)))
                picked = builder.insert_element(picked, value, int32(lane))
            return picked

        fma = declared(f"llvm.fma.v{lanes}f{dest_type.dtype.bitwidth}", vector_type, [vector_type] * 3)
        counts = builder.load(vector_at(count_type, count_array, [k, intp(0)], count_vector_type), align=1)
        most = builder.call(declared(f"llvm.vector.reduce.smax.v{lanes}i32", int32, [count_vector_type]), [counts])
        fewest = builder.call(declared(f"llvm.vector.reduce.smin.v{lanes}i32", int32, [count_vector_type]), [counts])
        uniform = builder.icmp_signed("==", most, fewest)
        zero = ir.Constant(vector_type, [0.0] * lanes)

        def rows_of(taps: int, masked: bool) -> None:
            """The rows' sums for vectors of at most `taps` taps, lanes with fewer kept by selects if `masked`."""
            tables = []
            for t in range(taps):
                index = builder.load(vector_at(index_type, index_array, [k, intp(t), intp(0)], count_vector_type),
                                     align=1)  # fmt: skip
                if lane_int_type != count_vector_type:
                    index = builder.sext(index, lane_int_type)
                weight = builder.load(vector_at(weight_type, weight_array, [k, intp(t), intp(0)], vector_type), align=1)
                inside = builder.icmp_signed("<", ir.Constant(count_vector_type, [t] * lanes), counts)
                tables.append((index, weight, inside))
            with cgutils.for_range(builder, rows) as loop:
                row = builder.add(first, loop.index)
                low, high = (
                    builder.load(vector_at(source_type, source_array, [row, column], vector_type), align=1)
                    for column in (base, builder.add(base, intp(lanes)))
                )
                total = zero
                for index, weight, inside in tables:
                    term = builder.call(fma, [weight, permuted(low, index, high), total])
                    total = builder.select(inside, term, total) if masked else term
                builder.store(total, vector_at(dest_type, dest_array, [loop.index, x0], vector_type), align=1)

        for taps in range(1, MAX_PERMUTED_TAPS + 1):
            with builder.if_then(builder.icmp_signed("==", most, int32(taps))):
                with builder.if_else(uniform) as (same, differing):
                    with same:
                        rows_of(taps, masked=False)
                    with differing:
                        rows_of(taps, masked=True)
        return context.get_dummy_value()

    arguments = (source, types.intp, types.intp, types.intp, lane_index, lane_weight, lane_count, types.intp, dest,
                 types.intp)  # fmt: skip
    return types.void(*arguments), codegen
