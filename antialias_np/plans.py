"""Plans: what every public function builds from its checked arguments, keeps, and runs.

A public function's path, the main road of every call:

    interpolate(x, ...)                     the public function (resample.py, pooling.py, methods.py, ...)
      apply(interpolate_plan, x, ...)       check the image (_checks.check_image), take a kept plan or build one:
        kept_plan(interpolate_plan, ...)      check the layout (_checks.check_layout), then
          layout_plan(interpolate_plan, ...)    interpolate_plan(image, *arguments): checks, tables, a Plan
      plan(x)                               run the kernel

A Plan is bound to one image shape and dtype (in torch layout, `_checks.ImageSpec`); for channels-last images it
is turned into a plan that takes them (`Plan.on_channels_last`). Kernels see images as a stack of planes
(B, H, W): `to_planes`, `from_planes`, `on_planes`, or (B, H, W * C) with channels interleaved:
`on_channel_planes`.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from antialias_np._checks import ImageSpec, check_image, check_layout


class Plan:
    """A method bound to one image shape and dtype: its arguments checked and its tables built once; calling it on
    an image of that shape and dtype only runs the kernel.

    Each kind of plan is a small class that names what it holds (its public attributes, which `repr` lists; the
    kernel's arguments, derived from them, are private) and what it runs (`__call__`), so a plan can be printed and
    a traceback names it.

    Channels last. A plan is built for images in torch layout, (..., C, H, W). `on_channels_last` gives the plan for
    images whose channels are the last axis, (..., H, W, C): a plan whose kernel reads such images as they are says
    so (`reads_channels_last`) and gets a copy of itself with `channels_last` set, which its `__call__` honours;
    any other plan is wrapped in ChannelsLastPlan (a transposed copy of the image and of the result).
    """

    channels_last: bool = False
    """Whether this plan takes images whose channels are the last axis, (..., H, W, C)."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reads_channels_last(self) -> bool:
        """Whether this plan's kernel reads channels-last images as they are (then `__call__` honours
        `channels_last`); plans whose kernel does override this."""
        return False

    def on_channels_last(self) -> Plan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        if not self.reads_channels_last():
            return ChannelsLastPlan(self)
        plan = copy.copy(self)
        plan.channels_last = True
        return plan

    def __repr__(self) -> str:
        held = {name: value for name, value in vars(self).items() if name[0] != "_"}
        if self.reads_channels_last():  # the layout it takes, set or the class's default
            held["channels_last"] = self.channels_last
        fields = ", ".join(f"{name}={_summary(value)}" for name, value in held.items())
        return f"{type(self).__name__}({fields})"


def _summary(value: object) -> str:
    """A short description of a plan's attribute: arrays by dtype and shape, functions by name."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return "(" + ", ".join(_summary(v) for v in value) + ")"
    if callable(value) and not isinstance(value, Plan):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


class ChannelsLastPlan(Plan):
    """A torch-layout plan run on channels-last images: channels moved before (H, W) and the result moved back, at
    the cost of a transposed copy of each (the plans that read channels last directly avoid it)."""

    channels_last = True

    def __init__(self, torch_layout: Plan):
        self.torch_layout = torch_layout

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.moveaxis(self.torch_layout(np.moveaxis(x, -1, -3)), -3, -1))


def to_planes(image: np.ndarray) -> np.ndarray:
    """View (..., H, W) as (B, H, W) planes (a copy only when the strides do not allow a view)."""
    return image.reshape((-1, *image.shape[-2:]))


def from_planes(planes: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Give (B, h, w) results the leading axes of the input `like`."""
    return planes.reshape(like.shape[:-2] + planes.shape[-2:])


def on_planes(
    kernel: Callable[..., None], x: np.ndarray, tables: tuple[object, ...], n_out: tuple[int, int], dtype: npt.DTypeLike
) -> np.ndarray:
    """Run kernel(planes, *tables, out) on x seen as (B, H, W) planes; give the (B, h, w) result x's leading axes."""
    planes = np.ascontiguousarray(to_planes(x))
    out = np.empty((planes.shape[0], *n_out), dtype)
    kernel(planes, *tables, out)
    return from_planes(out, x)


def on_channel_planes(
    kernel: Callable[..., None],
    x: np.ndarray,
    channels_last: bool,
    tables: tuple[object, ...],
    n_out: tuple[int, int],
    dtype: npt.DTypeLike,
) -> np.ndarray:
    """Run kernel(planes, C, *tables, out) on x seen as (B, H, W * C) planes of C interleaved channels: C = 1 in
    torch layout, and channels-last images, (..., H, W, C), are read as they are, without a transposed copy. The
    (B, h, w * C) result is given x's leading (and channel) axes."""
    channel_axes = 1 if channels_last else 0
    channels = x.shape[-1] if channels_last else 1
    leading = x.shape[: x.ndim - 2 - channel_axes]
    height, width = x.shape[x.ndim - 2 - channel_axes : x.ndim - channel_axes]
    planes = np.ascontiguousarray(x.reshape(math.prod(leading), height, width * channels))
    out = np.empty((planes.shape[0], n_out[0], n_out[1] * channels), dtype)
    if out.size:
        kernel(planes, channels, *tables, out)
    return out.reshape(*leading, *n_out, *x.shape[x.ndim - channel_axes :])


def layout_plan(build: Callable[..., Plan], image: ImageSpec, arguments: tuple[object, ...]) -> Plan:
    """build(image, *arguments) for an image described in torch layout (`_checks.check_layout`), turned into the
    plan for channels-last images where image.channels_last says so."""
    plan = build(image, *arguments)
    return plan.on_channels_last() if image.channels_last else plan


def apply(
    build: Callable[..., Plan], x: object, name: str, channel_axis: object, *arguments: object, checked: bool = False
) -> np.ndarray:
    """Check the image `x` (the caller's argument `name`), build its plan with build(spec, *arguments) in torch
    layout and run it in x's layout: the body of every public function. checked: refuse a layout that x's shape
    contradicts (downsample's rule), rather than read channel_axis=None as torch does (`check_channel_axis`).

    Plans depend only on the image's shape and dtype and on the arguments, so the last 256 are kept (`kept_plan`):
    a repeated call only runs the kernel. A call whose channel_axis and arguments are the very objects of a recent
    call with an image of the same shape and dtype (as literals in a loop are) takes that call's plan from
    `_recent_plans`, without computing kept_plan's key (the types of the arguments), which costs a good share of a
    small call's time. Arguments that cannot be hashed (lists, arrays) build a plan every time.
    """
    x = check_image(x, name)
    key = (build, x.shape, x.dtype, name, channel_axis, checked, arguments)
    try:
        recent = _recent_plans.get(key)
    except TypeError:  # an argument that cannot be hashed
        return layout_plan(build, check_layout(ImageSpec.of(x, name), channel_axis, checked), arguments)(x)
    if recent is not None and recent[0] is channel_axis and all(map(operator.is_, recent[1], arguments)):
        return recent[2](x)
    # type(...) is hashable: mypy reads type[object].__hash__ as the unbound method
    plan = kept_plan(*key, type(channel_axis), _types(arguments))  # type: ignore[arg-type]
    if len(_recent_plans) >= RECENT_PLANS:
        _recent_plans.clear()
    _recent_plans[key] = (channel_axis, arguments, plan.__call__)  # bound: called without a lookup on the class
    return plan(x)


RECENT_PLANS = 256
"""The most plans `_recent_plans` holds; it is emptied when full."""

_recent_plans: dict[tuple[object, ...], tuple[object, tuple[object, ...], Callable[[np.ndarray], np.ndarray]]] = {}
"""Plans (their bound __call__) by apply's key (build, shape, dtype, name, channel_axis, checked, arguments), each
with the channel_axis and arguments objects of the call that got it from kept_plan. Equal arguments of other types
(True for 1, 1.0 for 1) must not share a plan, so a call takes one only if its channel_axis and arguments are those
very objects."""


def forget_plans() -> None:
    """Empty the kept plans (kept_plan's and apply's), so that the next call of every function builds its plan."""
    kept_plan.cache_clear()
    _recent_plans.clear()


@functools.lru_cache(maxsize=256)
def kept_plan(
    build: Callable[..., Plan],
    shape: tuple[int, ...],
    dtype: np.dtype,
    name: str,
    channel_axis: object,
    checked: bool,
    arguments: tuple[object, ...],
    *argument_types: object,
) -> Plan:
    """The plan build(image, *arguments) for the image of this shape, dtype and layout (`layout_plan`), kept per key;
    a plan whose checks fail is not kept, so the error is raised on every call. The argument types are in the key
    because arguments that are equal need not be valid alike (scale=1 and scale=True; align_corners=1 and True)."""
    return layout_plan(build, check_layout(ImageSpec(shape, dtype, name), channel_axis, checked), arguments)


def _types(values: tuple[object, ...]) -> tuple[object, ...]:
    """The type of every item of values, nested as its tuples are."""
    return tuple([_types(value) if type(value) is tuple else type(value) for value in values])
