"""benchmark/scorecard.py: the aliasing scorecard, checked against what is known in closed form."""

from __future__ import annotations

import json

import numpy as np
import pytest

import antialias_np as aa
from benchmark import method_pages, scorecard


@pytest.fixture(scope="module")
def result() -> dict:
    return scorecard.compute_scorecard(0.25)


@pytest.fixture(scope="module")
def card(result) -> dict:
    return {row["method"]: row for row in result["rows"]}


@pytest.mark.parametrize(("method", "width"), [("avgpool", 4), ("box5", 5)])
def test_a_box_s_response_is_its_dirichlet_kernel(method, width):
    f = scorecard.FREQUENCIES[1:]
    dirichlet = np.abs(np.sin(np.pi * width * f) / (width * np.sin(np.pi * f)))
    for axis in (-1, -2):
        gain, source = scorecard.response(method, 0.25, axis, f)
        assert source == "weight table"
        np.testing.assert_allclose(gain, dirichlet, rtol=0, atol=1e-12)  # measured 3.6e-15


def test_the_ideal_downsample_measured_on_sinusoids_is_the_brick_wall():
    """On frequencies whole in the sinusoid image (no leakage): 1 below the output's Nyquist frequency, 0 above
    and at it (its bin is dropped)."""
    f = np.arange(0, 65) / (scorecard.SINE_OUTPUTS * 4)
    gain = np.abs(scorecard.measured_response(lambda x: scorecard.ideal_downsample(x, 0.25), 0.25, f))
    np.testing.assert_allclose(gain, (f < 0.125).astype(float), rtol=0, atol=1e-12)  # measured 1.8e-15


@pytest.mark.parametrize("method", ["bicubic", "gaussian", "binomial"])
def test_sinusoids_measure_a_linear_method_s_table_response(method):
    """The measurement that stands in for the nonlinear methods' tables gives a linear method's table response."""
    table, _ = scorecard.response(method, 0.25, -1)
    measured = np.abs(scorecard.measured_response(lambda x: aa.downsample(x, 0.25, method), 0.25,
                                                  scorecard.FREQUENCIES))
    np.testing.assert_allclose(measured, table, rtol=0, atol=1e-12)  # measured 3.2e-15


def test_the_ideal_downsample_is_the_ideal_low_pass_subsampled():
    x = np.random.default_rng(0).random((3, 96, 120))
    for scale in (0.25, 1 / 3, 0.5):
        step = round(1 / scale)
        np.testing.assert_allclose(scorecard.ideal_downsample(x, scale),
                                   scorecard.low(x, scale)[..., ::step, ::step], rtol=0, atol=1e-13)


def test_the_ideal_row_is_perfect(card):
    ideal = card[scorecard.IDEAL]
    assert ideal["alias"] < 1e-20 and ideal["kept"] == pytest.approx(1, abs=1e-12)
    assert ideal["shift_change"] < 1e-12 and ideal["psnr_face"] == float("inf")


def test_subsample_aliases_the_whole_plate_above_nyquist(card):
    """The zone plate's energy is spread evenly over its 256^2 frequencies, of which 63^2 lie below the output's
    Nyquist frequency: subsampling folds the rest in, (256^2 - 63^2) / 63^2 = 15.5 times the band's energy."""
    assert card["subsample"]["alias"] == pytest.approx((256**2 - 63**2) / 63**2, rel=0.02)  # measured 15.6
    assert card["subsample"]["kept"] == pytest.approx(1, abs=1e-12)


def test_filters_alias_less_and_move_less_than_subsampling(card):
    for method in ("gaussian", "gaussian9", "bilinear", "binomial", "area"):
        assert card[method]["alias"] < card["subsample"]["alias"] / 10, method
        assert card[method]["shift_change"] < card["subsample"]["shift_change"] / 4, method
    assert card["binomial"]["alias"] < card["gaussian"]["alias"] < card["area"]["alias"]


def test_centres_and_the_shift_s_cost_in_psnr(card):
    for method in ("gaussian", "subsample", "box5", "gaussian7", "binomial"):
        assert card[method]["centre"] == pytest.approx(0, abs=1e-9), method
    for method in ("median", "bilateral"):  # measured on one sinusoid, which is not symmetric about every 4k
        assert card[method]["centre"] == pytest.approx(0, abs=1e-3), method  # measured 1.4e-4 (bilateral)
    for method in ("bilinear", "bicubic", "area", "lanczos"):
        assert card[method]["centre"] == pytest.approx(1.5, abs=1e-9), method
        assert card[method]["psnr_face"] < card["gaussian"]["psnr_face"] - 3, method


def test_nonlinear_methods_are_measured_and_say_so(card):
    for method in ("median", "bilateral"):
        assert card[method]["response_from"].startswith("measured (nonlinear")
    assert card["gaussian"]["response_from"] == "weight table"
    np.testing.assert_allclose(card["gaussian"]["response_width"], card["gaussian"]["response_height"], atol=1e-12)


def test_other_scales_and_a_method_that_refuses_one():
    result = scorecard.compute_scorecard(1 / 3, ("gaussian", "binomial", "area"))
    assert [row["method"] for row in result["rows"]] == ["gaussian", "area", scorecard.IDEAL]
    assert "power of 2" in result["refused"]["binomial"]
    assert "binomial refuses scale" in scorecard.scorecard_markdown(result)
    with pytest.raises(ValueError, match=r"\bscale\b"):
        scorecard.compute_scorecard(0.3)


def test_run_scorecard_writes_the_table_the_data_and_the_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    result = scorecard.run_scorecard(tmp_path)
    printed = capsys.readouterr().out
    assert (tmp_path / "scorecard.md").read_text().strip() == printed.strip()
    for method in (*aa.METHODS, *aa.EXTRA_METHODS, scorecard.IDEAL):
        assert f"| {method} |" in printed
    written = json.loads((tmp_path / "scorecard.json").read_text(), parse_constant=pytest.fail)  # no Infinity
    assert written["rows"][0]["method"] == "gaussian" and written["rows"][-1]["psnr_face"] is None
    assert result["figures"] == ["scorecard.png"] and (tmp_path / "scorecard.png").stat().st_size > 20000


def test_the_plot_gives_a_method_its_one_colour_in_both_panels(result, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.colors import to_hex

    from benchmark.figures import METHOD_COLOURS, response_chart

    panels = response_chart(tmp_path / "scorecard.png", result).axes
    colours = [{line.get_label().removesuffix(" (measured)"): to_hex(line.get_color()) for line in ax.get_lines()
                if not line.get_label().startswith("_")} for ax in panels]  # fmt: skip
    assert set(colours[0]) | set(colours[1]) == {*aa.METHODS, *aa.EXTRA_METHODS, scorecard.IDEAL}
    assert "gaussian" in colours[0] and "gaussian" in colours[1]  # the baseline, in both
    for panel in colours:
        for method, colour in panel.items():
            assert colour == to_hex("black" if method == scorecard.IDEAL else METHOD_COLOURS[method]), method


def test_gains_at_the_nyquist_frequency_are_taken_there_at_every_scale():
    """1/32 (the Nyquist frequency at 1/16) falls between the response grid's points: the ideal's brick wall must
    still read 1 at half of it and 0 at it, not the 0.5 an interpolation across the wall gives."""
    rows = {row["method"]: row for row in scorecard.compute_scorecard(1 / 16, ("box5",))["rows"]}
    assert rows[scorecard.IDEAL]["gain_half_nyquist"] == 1 and rows[scorecard.IDEAL]["gain_nyquist"] == 0
    weights = method_pages.weight_matrix("box5", 1 / 16, -1)[method_pages.CENTRAL_OUTPUT]
    exact = method_pages.frequency_response(weights, np.array([1 / 64, 1 / 32]))
    assert [rows["box5"]["gain_half_nyquist"], rows["box5"]["gain_nyquist"]] == pytest.approx(exact, abs=1e-12)
