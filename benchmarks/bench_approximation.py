"""Speed of the UAT width slider (notebook 02): one update must take <= 100 ms."""
from __future__ import annotations

from dl_helpers.approximation import interpolating_network, least_squares_network

from ._common import Result, median_time


def run() -> dict[str, Result]:
    out = {}
    for act in ("relu", "sigmoid"):
        for width in (32, 128):          # the slider in notebook 02 goes up to n = 128
            t = median_time(lambda: least_squares_network("wave", width, act, seed=0), repeats=5)
            out[f"approximation.least_squares.{act}.n{width}"] = Result(1e3 * t, "ms", 100.0)
    t = median_time(lambda: interpolating_network("wave", 256, "relu"), repeats=5)
    out["approximation.interpolating.relu.n256"] = Result(1e3 * t, "ms", 100.0)
    return out
