"""dl_helpers.approximation_plots: the width figure of notebook 02 updates in place and blits right."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from figures import n_artists, pixels  # noqa: E402

from dl_helpers.approximation import least_squares_network  # noqa: E402
from dl_helpers.approximation_plots import WidthFitFigure, render_width_fit  # noqa: E402


def test_width_fit_figure():
    fig = WidthFitFigure()
    counts = n_artists(fig.fig)
    fit = least_squares_network("wave", 12, "relu", seed=0)
    fig.update(fit)
    assert np.array_equal(fig.fit_line.get_ydata(), fit.y_hat)
    assert np.array_equal(fig.target_line.get_ydata(), fit.y)
    assert np.allclose(fig.err_line.get_ydata(), np.abs(fit.y_hat - fit.y))
    assert fig.max_line.get_ydata()[0] == pytest.approx(fit.max_error)
    assert "12 Neuronen, 37 Parameter" in fig.title_f.get_text()
    background = fig._background
    fig.update(least_squares_network("wave", 64, "relu", seed=0))
    assert fig._background is background                  # same target: blitted
    fig.update(least_squares_network("bump", 64, "relu", seed=0))
    assert fig._background is not background              # new target: new y-range
    lo, hi = fig.ax_f.get_ylim()
    assert lo < 0 < 1 < hi
    assert n_artists(fig.fig) == counts


def test_width_fit_blit_equals_fresh_render():
    moved, fresh = WidthFitFigure(), WidthFitFigure()
    moved.update(least_squares_network("wave", 3, "tanh", seed=0))
    fit = least_squares_network("wave", 40, "tanh", seed=0)
    moved.update(fit)
    fresh.update(fit)
    assert np.array_equal(pixels(moved.png()), pixels(fresh.png()))


def test_width_fit_bad_input():
    with pytest.raises(TypeError, match="OneHiddenLayerFit"):
        WidthFitFigure().update(np.zeros(3))


def test_render_width_fit_same_values_same_picture():
    png = render_width_fit(8)
    render_width_fit(64, "tanh", "abs")
    assert render_width_fit(8) == png
    assert pixels(render_width_fit(16)).shape == pixels(png).shape
