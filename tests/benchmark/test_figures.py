"""benchmark/figures.py: one colour per method in every figure."""

from __future__ import annotations

import pytest

import antialias_np as aa
from benchmark.figures import METHOD_COLOURS

matplotlib = pytest.importorskip("matplotlib")


def test_every_method_has_a_colour_of_its_own():
    assert list(METHOD_COLOURS) == [*aa.METHODS, *aa.EXTRA_METHODS]
    hexes = {matplotlib.colors.to_hex(colour) for colour in METHOD_COLOURS.values()}
    assert len(hexes) == len(METHOD_COLOURS) and "#000000" not in hexes  # black is the ideal's and the front's


def test_the_chart_has_a_panel_per_detector_naming_its_front(tmp_path):
    from matplotlib.text import Annotation

    from benchmark import pareto
    from benchmark.figures import error_time_chart

    methods = [*aa.METHODS, *aa.EXTRA_METHODS]
    times = {m: 0.01 * (i + 1) for i, m in enumerate(methods)}
    analytic = {m: 0.1 / (i + 1) for i, m in enumerate(methods)}  # the slower, the better: all on the front
    onet = {**analytic, "nearest": 1e-4}  # nearest beats every slower method
    rows = [{"method": m, "antialias_np_ms": times[m], "error_vs_baseline": analytic[m], "torch_ms": None,
             "study_ms": 1.0, "study_error": 0.05} for m in aa.METHODS]  # fmt: skip
    summary = pareto.summary({"analytic detector": analytic, "ONet": onet}, times)
    panels = error_time_chart(tmp_path / "chart.png", rows, "a CPU", summary).axes
    assert [ax.get_title() for ax in panels] == ["analytic detector", "ONet"]
    for ax, detector in zip(panels, summary["detectors"].values(), strict=True):
        assert ax.get_yscale() == "symlog"
        names = [text.get_text().split()[0] for text in ax.texts if isinstance(text, Annotation)]
        assert sorted(names) == sorted(detector["front"])
        cheapest = [text.get_text() for text in ax.texts if "cheapest" in text.get_text()]
        assert cheapest == [f"{detector['cheapest']} (cheapest below {summary['threshold']})"]
    assert summary["detectors"]["ONet"]["front"] == ["gaussian", "subsample", "nearest"]
    # every method's point at antialias_np's time, in its colour, on each panel
    for ax in panels:
        drawn = {tuple(c.get_offsets()[0]): matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections
                 if len(c.get_offsets()) == 1 and c.get_facecolor().size}  # fmt: skip
        errors = analytic if ax is panels[0] else onet
        for method in methods:
            assert drawn[(times[method], errors[method])] == matplotlib.colors.to_hex(METHOD_COLOURS[method])
