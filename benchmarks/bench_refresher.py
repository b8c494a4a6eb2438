"""Speed of the computation behind notebook 00's step-size slider (dl_helpers.refresher).

* ``refresher_slider_compute_ms``: one slider move's computation -- ``difference_errors`` on the
  widget's 167 step sizes plus one forward and one central difference of σ.
* ``refresher_compute_over_redraw``: that computation relative to redrawing the widget's two-panel
  figure on the Agg canvas (timed interleaved, so machine load cancels); goal: the computation
  is a small fraction of what the user waits for anyway.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from benchmarks._common import Result, interleaved_ratio, median_time  # noqa: E402
from dl_helpers.activations import sigmoid  # noqa: E402
from dl_helpers.refresher import central_difference, difference_errors, forward_difference  # noqa: E402

HS = np.logspace(-16, 0.5, 167)  # the widget's step-size grid


def _compute(x0: float = 1.0, h: float = 1e-3):
    e = difference_errors(sigmoid.f, sigmoid.derivative, x0, HS)
    return e, forward_difference(sigmoid.f, x0, h), central_difference(sigmoid.f, x0, h)


def _figure():
    fig = Figure(figsize=(10, 3.8))
    ax_f, ax_e = fig.subplots(1, 2)
    zz = np.linspace(-6, 6, 400)
    ax_f.plot(zz, sigmoid.f(zz))
    lines = [ax_f.plot([], [])[0] for _ in range(3)] + [ax_e.loglog([], [])[0] for _ in range(2)]
    ax_e.set(xlim=(1e-16, 10 ** 0.5), ylim=(1e-14, 1))
    return fig, lines


def run() -> dict[str, Result]:
    compute_ms = 1e3 * median_time(_compute, repeats=50, warmup=5)
    fig, lines = _figure()
    e, d_fwd, d_cen = _compute()
    span = np.array([-1.5, 3.5])

    def redraw():
        for line, slope in zip(lines[:3], (d_fwd, d_cen, sigmoid.derivative(1.0))):
            line.set_data(span, 0.73 + slope * (span - 1.0))
        lines[3].set_data(e.h, np.maximum(e.forward, 1e-20))
        lines[4].set_data(e.h, np.maximum(e.central, 1e-20))
        fig.canvas.draw()

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    _, _, ratio = interleaved_ratio(_compute, redraw, repeats=15)
    return {
        "refresher_slider_compute_ms": Result(compute_ms, "ms", 5.0),
        "refresher_compute_over_redraw": Result(ratio, "ratio", 0.05),
    }
