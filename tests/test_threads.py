"""Planes split among Numba's threads give the one-thread result, bit for bit."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import antialias_np as aa

BATCH = np.random.default_rng(0).random((4, 3, 96, 80)).astype(np.float32)


@pytest.mark.parametrize("method", aa.METHODS)
def test_threads_give_the_single_thread_result(method):
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = aa.downsample(BATCH, 0.25, method)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(aa.downsample(BATCH, 0.25, method), single)
    finally:
        numba.set_num_threads(threads)


def test_uint8_threads_give_the_single_thread_result():
    batch = np.round(BATCH * 255).astype(np.uint8)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = aa.interpolate(batch, size=(20, 30), mode="bicubic", antialias=True)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(aa.interpolate(batch, size=(20, 30), mode="bicubic", antialias=True), single)
    finally:
        numba.set_num_threads(threads)
