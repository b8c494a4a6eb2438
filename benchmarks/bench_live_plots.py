"""Speed of the slider figures of notebooks 01 and 02 (dl_helpers.perceptron_plots, approximation_plots).

A move = the pure computation behind the slider + ``update`` (blitting only the moving
artists) + ``png`` (Pillow), exactly as in the notebooks. Goal 100 ms.

* ``perceptron_slider_move_ms``: notebook 01, one update of the perceptron rule per move;
* ``width_slider_move_ms``: notebook 02, ``least_squares_network`` (relu, wave) + redraw,
  alternating widths 32/128 (the slider's range ends at 128).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._common import Result, median_time  # noqa: E402
from dl_helpers.approximation import least_squares_network  # noqa: E402
from dl_helpers.data import make_linearly_separable  # noqa: E402
from dl_helpers.approximation_plots import WidthFitFigure  # noqa: E402
from dl_helpers.perceptron import perceptron_train  # noqa: E402
from dl_helpers.perceptron_plots import PerceptronStepFigure  # noqa: E402


def run() -> dict[str, Result]:
    X, y = make_linearly_separable(n_samples=40, margin=0.4, labels="pm1", seed=1)
    X = X + np.array([2.0, 1.0])
    res = perceptron_train(X, y, lr=1.0, max_epochs=100, mode="online")
    perc = PerceptronStepFigure(X, y, res)
    steps = itertools.cycle(range(res.n_updates + 1))

    def move_perceptron():
        perc.update(next(steps))
        return perc.png()

    fits = WidthFitFigure()
    widths = itertools.cycle([32, 128])

    def move_width():
        fits.update(least_squares_network("wave", next(widths), "relu", seed=0))
        return fits.png()

    return {
        "perceptron_slider_move_ms": Result(1e3 * median_time(move_perceptron, repeats=15), "ms", 100.0),
        "width_slider_move_ms": Result(1e3 * median_time(move_width, repeats=15), "ms", 100.0),
    }
