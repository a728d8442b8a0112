"""Batches split among threads give the one-thread result, bit for bit, and the thread setting is respected."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import antialias_np as aa
from antialias_np import _threads

BATCH = np.random.default_rng(0).random((4, 3, 96, 80)).astype(np.float32)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Split even small batches, so the test runs the threaded path quickly."""
    monkeypatch.setattr(_threads, "MIN_VALUES_PER_THREAD", 1)


@pytest.mark.parametrize("method", aa.METHODS)
def test_threads_give_the_single_thread_result(method, tiny_chunks):
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = aa.downsample(BATCH, 0.25, method)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(aa.downsample(BATCH, 0.25, method), single)
    finally:
        numba.set_num_threads(threads)


def test_uint8_threads_give_the_single_thread_result(tiny_chunks):
    batch = np.round(BATCH * 255).astype(np.uint8)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = aa.interpolate(batch, size=(20, 30), mode="bicubic", antialias=True)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(aa.interpolate(batch, size=(20, 30), mode="bicubic", antialias=True), single)
    finally:
        numba.set_num_threads(threads)


def test_chunks_follow_numbas_thread_count(monkeypatch, tiny_chunks):
    """over_planes makes one call per thread, over consecutive chunks that cover every plane once."""
    calls = []

    def kernel(planes, out):
        calls.append(len(planes))
        out[:] = planes

    planes = np.arange(10.0).reshape(10, 1, 1)
    monkeypatch.setattr(_threads, "get_num_threads", lambda: 3)
    out = _threads.over_planes(kernel, planes, out=np.empty_like(planes))
    assert sorted(calls) == [3, 3, 4]
    np.testing.assert_array_equal(out, planes)
    monkeypatch.setattr(_threads, "get_num_threads", lambda: 1)
    calls.clear()
    _threads.over_planes(kernel, planes, out=np.empty_like(planes))
    assert calls == [10]
