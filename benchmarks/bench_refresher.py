"""Speed of notebook 00's step-size slider (dl_helpers.refresher, dl_helpers.refresher_plots).

* ``refresher_slider_compute_ms``: the numbers of one slider move -- ``difference_errors`` on
  the widget's 167 step sizes plus one forward and one central difference of σ.
* ``refresher_slider_move_ms``: a complete move as in the notebook: ``DifferenceFigure.update``
  (new x0, so the error curves are recomputed; only the moving artists are redrawn on the
  cached background) and ``png``. Goal 100 ms.
* ``refresher_compute_over_move``: the computation as a fraction of the whole move (timed
  interleaved, so machine load cancels); goal: drawing, not the maths, is what the user waits for.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

from benchmarks._common import Result, interleaved_ratio, median_time  # noqa: E402
from dl_helpers.activations import sigmoid  # noqa: E402
from dl_helpers.refresher import central_difference, difference_errors, forward_difference  # noqa: E402
from dl_helpers.refresher_plots import WIDGET_HS, DifferenceFigure  # noqa: E402


def _compute(x0: float = 1.0, h: float = 1e-3):
    e = difference_errors(sigmoid.f, sigmoid.derivative, x0, WIDGET_HS)
    return e, forward_difference(sigmoid.f, x0, h), central_difference(sigmoid.f, x0, h)


def run() -> dict[str, Result]:
    compute_ms = 1e3 * median_time(_compute, repeats=50, warmup=5)
    study = DifferenceFigure()              # as in the notebook (own figure, dpi 80)
    x0s = itertools.cycle([1.0, 0.5])      # alternate x0: every move recomputes the curves

    def move():
        study.update(-3.0, next(x0s))
        return study.png()

    t_move, _, ratio = interleaved_ratio(_compute, move, repeats=15)
    t_move = median_time(move, repeats=7)
    return {
        "refresher_slider_compute_ms": Result(compute_ms, "ms", 5.0),
        "refresher_slider_move_ms": Result(1e3 * t_move, "ms", 100.0),
        "refresher_compute_over_move": Result(ratio, "ratio", 0.05),
    }
