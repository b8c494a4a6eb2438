"""Tests of dl_helpers.plotting (Agg backend): the pure grid function, drawing, the blitting base."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from dl_helpers.data import make_moons  # noqa: E402
from dl_helpers.plotting import (BlitFigure, check_index, class_cmap, decision_grid,  # noqa: E402
                                 new_figure, plot_decision_boundary, plot_history, plot_line,
                                 scatter_classes, use_style)


def test_decision_grid_is_pure_and_covers_data():
    X = np.array([[0.0, 0.0], [2.0, 1.0]])
    g = decision_grid(lambda P: P[:, 0] + 10 * P[:, 1], X, grid_size=5, padding=0.5)
    assert g.xx.shape == g.yy.shape == g.zz.shape == (5, 5)
    assert g.xx.min() == -0.5 and g.xx.max() == 2.5 and g.yy.max() == 1.5
    assert np.allclose(g.zz, g.xx + 10 * g.yy)


def test_decision_grid_bad_input():
    with pytest.raises(ValueError, match=r"\bX\b.*shape"):
        decision_grid(lambda P: P[:, 0], np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"predict.*one value per point"):
        decision_grid(lambda P: P, np.zeros((3, 2)))


def test_drawing_smoke():
    use_style()
    X, y = make_moons(60, seed=0)
    fig, axes = plt.subplots(1, 3)
    g = plot_decision_boundary(axes[0], lambda P: (P[:, 1] > 0.25).astype(int), X, y, grid_size=30)
    assert g.zz.shape == (30, 30)
    plot_decision_boundary(axes[1], lambda P: 1 / (1 + np.exp(-P[:, 1])), X, 2 * y - 1, proba=True,
                           grid_size=20)
    assert plot_line(axes[1], np.array([1.0, 0.0]), -0.5) is not None  # vertical line
    assert plot_line(axes[1], np.zeros(2), 0.0) is None
    plot_history(axes[2], {"train": np.ones(5), "test": np.ones(5)}, logy=True)
    scatter_classes(axes[2], X, y, legend=False)
    assert class_cmap(3).N == 3
    plt.close(fig)


class _Moving(BlitFigure):
    """A minimal live figure: one static line, one moving line."""

    def __init__(self, static_line: bool = True):
        fig, self.ax = new_figure(figsize=(3, 2), dpi=50)
        super().__init__(fig)
        if static_line:
            self.ax.plot([0, 1], [0, 1], color="k")
        self.ax.set(xlim=(0, 1), ylim=(0, 1))
        self.line = self.animate(self.ax.plot([], [], color="r")[0])

    def update(self, y, ylim=(0, 1)):
        self.line.set_data([0, 1], [y, y])
        self.ax.set_ylim(*ylim)
        self.redraw()


def _rgb(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_blit_figure_blits_and_redraws_fully_when_limits_change():
    fig = _Moving()
    fig.update(0.2)
    background = fig._background
    fig.update(0.7)                               # same limits: blitted on the old background
    assert fig._background is background
    fresh = _Moving()
    fresh.update(0.7)
    assert np.array_equal(_rgb(fig.png()), _rgb(fresh.png()))   # blit == full draw
    fig.update(0.7, ylim=(0, 2))                   # new limits: full redraw
    assert fig._background is not background
    fresh.update(0.2)
    assert not np.array_equal(_rgb(fig.png()), _rgb(fresh.png()))
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plt.get_fignums()) == 0            # no pyplot figure behind it


def test_animated_axis_changes_limits_without_full_redraw():
    """Allowed when everything that depends on that axis is animated (no static line)."""
    fig = _Moving(static_line=False)
    fig.animate(fig.ax.yaxis)
    fig.update(0.5)
    background = fig._background
    fig.update(1.5, ylim=(0, 2))
    assert fig._background is background
    fresh = _Moving(static_line=False)
    fresh.animate(fresh.ax.yaxis)
    fresh.update(1.5, ylim=(0, 2))
    assert np.array_equal(_rgb(fig.png()), _rgb(fresh.png()))


def test_check_index():
    assert check_index(np.int64(3), "step", 5) == 3
    with pytest.raises(TypeError, match="step"):
        check_index(1.0, "step", 5)
    with pytest.raises(ValueError, match=r"\[0, 5\]"):
        check_index(6, "step", 5)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(predict=None), TypeError, r"predict must be callable"),
    (dict(padding=-1.0), ValueError, r"\bpadding\b"),
    (dict(bounds=(1.0, 0.0, 0.0, 1.0)), ValueError, r"bounds must be .*x_min < x_max"),
    (dict(bounds=(0.0, 1.0)), ValueError, r"bounds must have shape \(4\)"),
    (dict(bounds=(0.0, 1.0, 0.0, np.nan)), ValueError, r"bounds contains NaN"),
])
def test_decision_grid_named_errors(kw, exc, match):
    args = dict(predict=lambda P: P[:, 0], X=np.zeros((3, 2))) | kw
    with pytest.raises(exc, match=match):
        decision_grid(args.pop("predict"), args.pop("X"), **args)


def test_plot_functions_check_before_drawing():
    fig, ax = plt.subplots()
    calls = []

    def predict(P):
        calls.append(P.shape)
        return P[:, 0]

    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        plot_decision_boundary(ax, predict, np.zeros((3, 2)), np.zeros(2))
    assert calls == []  # raised before the classifier was evaluated
    with pytest.raises(ValueError, match=r"\bb must have shape"):
        plot_line(ax, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"\btheta contains NaN"):
        plot_line(ax, np.ones(2), 0.0, theta=np.nan)
    line = plot_line(ax, np.array([1.0, 1.0]), np.float64(-1.0), x_range=(0.0, 1.0))
    assert np.allclose(line.get_ydata(), [1.0, 0.0])
    plt.close(fig)
