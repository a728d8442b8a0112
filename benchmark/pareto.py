"""Which methods are worth their time: the Pareto front of keypoint error against time, per detector.

A method is on the front when no other method is at least as good on both (error and time) and better on one.
Everything takes plain dicts, {detector: {method: error}} and {method: ms}, so any detector's errors can be added.
"""

from __future__ import annotations

from benchmark.report import fmt, markdown_table

THRESHOLD = 0.01
"""The error below which a method counts as keeping the baseline's keypoints (a third of a 64-grid pixel, 0.032,
summed over ten keypoints)."""


def pareto_front(errors: dict[str, float], times: dict[str, float]) -> list[str]:
    """The methods of `errors` that no other one dominates (error <= and time <=, one of them <), fastest first."""
    def dominated(m: str) -> bool:
        return any(errors[o] <= errors[m] and times[o] <= times[m] and (errors[o], times[o]) != (errors[m], times[m])
                   for o in errors)  # fmt: skip

    return sorted((m for m in errors if not dominated(m)), key=lambda m: times[m])


def cheapest_below(errors: dict[str, float], times: dict[str, float], threshold: float = THRESHOLD) -> str | None:
    """The fastest method whose error is below `threshold`, or None."""
    good = [m for m in errors if errors[m] < threshold]
    return min(good, key=lambda m: times[m]) if good else None


def summary(errors_by_detector: dict[str, dict[str, float]], times: dict[str, float]) -> dict:
    """Per detector: its errors, its Pareto front and its cheapest method below THRESHOLD; and the times (ms)."""
    return {
        "times_ms": times,
        "threshold": THRESHOLD,
        "detectors": {
            name: {"errors": errors, "front": pareto_front(errors, times), "cheapest": cheapest_below(errors, times)}
            for name, errors in errors_by_detector.items()
        },
    }


def markdown_lines(result: dict | None) -> list[str]:
    """The "Pareto front" section of the study's output: every method by time, its error for each detector and
    whether it is on that detector's front; then each detector's cheapest method below the threshold."""
    if result is None:
        return []
    times, detectors = result["times_ms"], result["detectors"]
    header = ["method", "antialias_np ms"]
    for name in detectors:
        header += [f"error ({name})", f"on the front ({name})"]
    rows = []
    for method in sorted(times, key=times.get):
        row = [method, fmt(times[method], 3)]
        for detector in detectors.values():
            row += [fmt(detector["errors"][method], 4), "yes" if method in detector["front"] else ""]
        rows.append(row)
    lines = ["", "## Pareto front", "",
             "Every method's keypoint error against the baseline and its time per frame (the study's measures); on the "
             "front: no other method is as good on both and better on one.", "", markdown_table(header, rows), ""]
    for name, detector in detectors.items():
        cheapest = detector["cheapest"]
        found = "none" if cheapest is None else f"{cheapest} ({fmt(times[cheapest], 3)} ms)"
        lines.append(f"Cheapest method with error < {result['threshold']} ({name}): {found}.")
    return lines
