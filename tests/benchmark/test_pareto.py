"""benchmark/pareto.py: the Pareto front of error against time, and the cheapest method below a threshold."""

from __future__ import annotations

from benchmark import pareto

ERRORS = {"slow-exact": 0.0, "fast-rough": 0.05, "middle": 0.004, "dominated": 0.06, "tie": 0.004}
TIMES = {"slow-exact": 3.0, "fast-rough": 0.1, "middle": 0.5, "dominated": 0.2, "tie": 0.5}


def test_the_front_keeps_what_nothing_beats_on_both_fastest_first():
    # "dominated" is slower and worse than "fast-rough"; "middle" and "tie" are equal, so neither beats the other
    assert pareto.pareto_front(ERRORS, TIMES) == ["fast-rough", "middle", "tie", "slow-exact"]


def test_the_cheapest_below_the_threshold():
    assert pareto.cheapest_below(ERRORS, TIMES, 0.01) in ("middle", "tie")
    assert pareto.cheapest_below(ERRORS, TIMES, 0.1) == "fast-rough"
    assert pareto.cheapest_below(ERRORS, TIMES, 0.0) is None


def test_one_section_for_several_detectors():
    other = {m: 0.01 - e / 10 for m, e in ERRORS.items()}
    lines = pareto.markdown_lines(pareto.summary({"analytic": ERRORS, "other": other}, TIMES))
    table = [line for line in "\n".join(lines).splitlines() if line.startswith("| ")]
    assert table[0].split(" | ")[2:] == ["error (analytic)", "on the front (analytic)", "error (other)",
                                         "on the front (other) |"]
    assert [row.split(" | ")[0] for row in table[1:]] == ["| fast-rough", "| dominated", "| middle", "| tie",
                                                          "| slow-exact"]
    assert "Cheapest method with error < 0.01 (analytic): middle (0.500 ms)." in lines
    assert "Cheapest method with error < 0.01 (other): fast-rough (0.100 ms)." in lines
    assert pareto.markdown_lines(None) == []
