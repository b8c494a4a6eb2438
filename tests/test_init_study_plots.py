"""Tests of dl_helpers.init_study_plots: the study figure updates in place and blits right."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from figures import pixels  # noqa: E402

from dl_helpers import init_study_plots as isp  # noqa: E402
from dl_helpers.init_study import DEPTH_GRID, STUDY_ACTIVATIONS, VARIANCE_GRID, run_study  # noqa: E402
from dl_helpers.init_study_plots import (ACTIVATION_LABELS, SCHEME_LABELS, STUDY_GRIDS,  # noqa: E402
                                         StudyFigure, render_study, variance_label)

SMALL = {"width": 32, "batch": 32}


def _artists(fig: StudyFigure) -> int:
    return sum(len(ax.get_children()) for ax in fig.fig.axes) + len(fig.fig.axes)


def test_figure_updates_artists_in_place():
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 10, **SMALL))
    n_before = _artists(fig)
    line_obj = fig.lines["z_std"]
    y_before = line_obj.get_ydata().copy()
    ridge_before = fig.ridges[0].get_data().values.copy()
    fig.update(run_study(4.0, "relu", 20, **SMALL))
    assert fig.lines["z_std"] is line_obj
    assert _artists(fig) == n_before, "update must not add artists"
    assert len(line_obj.get_xdata()) == 20 and not np.allclose(line_obj.get_ydata()[:10],
                                                                y_before)
    assert not np.allclose(fig.ridges[0].get_data().values, ridge_before)
    assert fig.ax_hist.get_title().startswith("ReLU")
    with pytest.raises(TypeError, match="StudyResult"):
        fig.update({"depth": 3})


def test_lines_show_the_result():
    res = run_study(2.0, "tanh", 8, **SMALL)
    fig = StudyFigure()
    fig.update(res)
    np.testing.assert_allclose(fig.lines["z_std"].get_ydata(), np.sqrt(res.z_var))
    np.testing.assert_allclose(fig.lines["grad"].get_ydata(), res.grad_norm)
    np.testing.assert_allclose(fig.lines["dead"].get_ydata(), res.dead)
    np.testing.assert_array_equal(fig.lines["sat"].get_xdata(), np.arange(1, 9))


def test_blitted_redraw_equals_full_redraw():
    """The fast path (background + moving artists, log y-axes included) gives the pixels of a
    figure drawn from scratch."""
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 10, **SMALL))
    background = fig._background
    fig.update(run_study(8.0, "tanh", 10, **SMALL))    # other limits of the log panels: blit
    assert fig._background is background
    fresh = StudyFigure()
    fresh.update(run_study(8.0, "tanh", 10, **SMALL))
    assert np.array_equal(pixels(fig.png()), pixels(fresh.png()))
    fig.update(run_study(8.0, "tanh", 20, **SMALL))    # other depth: full redraw
    assert fig._background is not background


def test_log_limits_are_decades_around_the_data():
    lo, hi = isp._log_limits([0.3, 2.0])
    assert (lo, hi) == (1e-2, 1e1)
    assert isp._log_limits([1e-30, 1e10], [np.nan, 0.0]) == (1e-31, 1e11)  # floor at 1e-30
    assert isp._log_limits([np.inf]) == (1e-3, 1e3)


def test_ridges_hidden_for_shallow_nets():
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 3, **SMALL))
    visible = [p.get_visible() for p in fig.ridges]
    assert sum(visible) == 3 and visible[:3] == [True] * 3


def test_render_study_png_fits_a_laptop_screen():
    png = render_study(2.0, "relu", 5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    h, w, _ = pixels(png).shape
    assert w <= 900 and h <= 500
    assert render_study(0.25, "relu", 5) != png
    assert render_study(2.0, "relu", 5) == png        # same values, same picture


def test_readable_labels_and_grids():
    assert variance_label(2.0) == "2 (He)" and "LeCun" in variance_label(1.0)
    assert variance_label(0.5) == "0.5"
    assert set(STUDY_ACTIVATIONS) <= set(ACTIVATION_LABELS)
    assert SCHEME_LABELS["he_normal"] == "He-normal"
    assert SCHEME_LABELS["glorot_uniform"] == "Glorot-gleichverteilt"
    factors = [v for _, v in STUDY_GRIDS["variance_factor"]]
    assert set(factors) <= set(VARIANCE_GRID) and {1.0, 2.0, 16.0} <= set(factors)
    assert min(factors) == pytest.approx(2 ** -1.5)                  # ≈ the heuristic's 1/3
    assert [v for _, v in STUDY_GRIDS["activation"]] == list(STUDY_ACTIVATIONS)
    assert set(STUDY_GRIDS["depth"]) <= set(DEPTH_GRID) and max(STUDY_GRIDS["depth"]) == 50
    assert np.prod([len(v) for v in STUDY_GRIDS.values()]) <= 200    # pictures on the site
    assert "relu" not in [label for label, _ in STUDY_GRIDS["activation"]]
