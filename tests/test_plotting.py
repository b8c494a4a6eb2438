"""Tests of dl_helpers.plotting (Agg backend): the pure grid function and that drawing works."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dl_helpers.data import make_moons  # noqa: E402
from dl_helpers.plotting import (LiveFigure, class_cmap, decision_grid, plot_decision_boundary,  # noqa: E402
                                 plot_history, plot_line, scatter_classes, use_style)


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


def test_live_figure_redraw_reuses_one_figure():
    live = LiveFigure(ncols=2, figsize=(4, 2))
    n_before = len(plt.get_fignums())
    live.ax.plot([0, 1], [0, 1])
    live.redraw()
    live.redraw()
    assert len(plt.get_fignums()) == n_before and live.axes.shape == (2,)
    live.close()


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
