"""benchmark/method_pages.py: a learner's page per method, from the method's own impulse response."""

from __future__ import annotations

import numpy as np
import pytest

import antialias_np as aa
from benchmark import method_pages


def test_area_weights_are_a_box_of_four_centred_at_4k_plus_1_5():
    weights = method_pages.weight_matrix("area")
    k = method_pages.CENTRAL_OUTPUT
    np.testing.assert_allclose(weights[k, 4 * k : 4 * k + 4], 0.25)
    assert np.count_nonzero(weights[k]) == 4
    assert weights[k] @ np.arange(method_pages.WIDTH) == pytest.approx(4 * k + 1.5)


def test_gaussian_weights_are_fomm_s_kernel_summing_to_one():
    weights = method_pages.weight_matrix("gaussian")
    k = method_pages.CENTRAL_OUTPUT
    np.testing.assert_allclose(weights[k, 4 * k - 6 : 4 * k + 7], aa.gaussian_kernel(0.25), atol=1e-12)
    assert weights[k].sum() == pytest.approx(1)


def test_subsample_keeps_pixel_4k_and_passes_every_frequency():
    weights = method_pages.weight_matrix("subsample")
    k = method_pages.CENTRAL_OUTPUT
    assert np.flatnonzero(weights[k]).tolist() == [4 * k]
    frequencies = np.linspace(0, 0.5, 2001)
    gain = method_pages.frequency_response(weights[k], frequencies)
    np.testing.assert_allclose(gain, 1)
    assert method_pages.aliased_share(frequencies, gain) == pytest.approx(0.75, abs=1e-3)  # all above 1/8


def test_pages_are_written_for_every_method(tmp_path):
    pytest.importorskip("matplotlib")
    assert method_pages.main([str(tmp_path)]) == 0
    for method in aa.METHODS + aa.EXTRA_METHODS:
        text = (tmp_path / f"{method}.md").read_text()
        assert text.startswith(f"# {method}")
        if method not in method_pages.NONLINEAR:
            assert "sits at input position" in text
            assert (tmp_path / f"{method}.png").stat().st_size > 5000
