"""dl_helpers.optimizers_plots: the trajectory figure of notebook 05 blits right."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dl_helpers import landscapes as ls  # noqa: E402
from dl_helpers import trajectories as tj  # noqa: E402
from dl_helpers.optimizers import SGD, Adam  # noqa: E402
from dl_helpers.optimizers_plots import TrajectoryPlot, render_trajectories  # noqa: E402


def test_trajectory_plot_updates_existing_lines_and_blits_the_same_picture():
    L = ls.get_landscape("rosenbrock")
    plot = TrajectoryPlot(L, ["GD", "Adam"], steps=30)
    n_lines = len(plot.ax.lines)
    trajs = {"GD": tj.run_trajectory(SGD(lr=1e-3), L.f, L.grad, L.x0, 30),
             "Adam": tj.run_trajectory(Adam(lr=0.05), L.f, L.grad, L.x0, 30)}
    plot.update({"GD": trajs["GD"]})
    plot.update(trajs, note="lr = 0.001")       # fast path: background + lines
    fast = np.asarray(plot.fig.canvas.buffer_rgba()).astype(int)
    plot.full_redraw()                          # everything from scratch
    full = np.asarray(plot.fig.canvas.buffer_rgba()).astype(int)
    assert np.abs(fast - full).max() == 0
    assert len(plot.ax.lines) == n_lines
    assert np.array_equal(plot.lines["GD"].get_xydata(), trajs["GD"].path)
    png = plot.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    plot.update({"Adam": trajs["Adam"]})
    assert len(plot.lines["GD"].get_xdata()) == 0
    with pytest.raises(ValueError, match="unknown labels"):
        plot.update({"SGD": trajs["GD"]})


def test_trajectory_plot_still_works_after_plt_close():
    L = ls.get_landscape("saddle")
    plot = TrajectoryPlot(L, ["GD"], steps=20)
    plt.close("all")  # the notebook closes figures after display; updates must keep working
    plot.update({"GD": tj.run_trajectory(SGD(lr=0.1), L.f, L.grad, L.x0, 20)})
    assert plot.png()[:4] == b"\x89PNG"


def test_trajectory_plot_reports_divergence():
    L = ls.get_landscape("quadratic")
    plot = TrajectoryPlot(L, ["GD"], show_loss=False)
    plot.update({"GD": tj.run_trajectory(SGD(lr=0.5), L.f, L.grad, L.x0, 100)})
    assert "divergiert: GD" in plot.status.get_text()


def test_render_trajectories_same_values_same_picture():
    png = render_trajectories(0.1)
    render_trajectories(0.25)
    assert render_trajectories(0.1) == png and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert render_trajectories(0.1, landscape="saddle") != png
    with pytest.raises(ValueError, match="landscape"):
        render_trajectories(0.1, landscape="everest")


def test_render_trajectories_lr_factor_scales_the_default_lr():
    # the notebook's landscape slider: lr = lr_factor * DEFAULT_HPARAMS[landscape]["lr"]
    assert (render_trajectories(landscape="rosenbrock", lr_factor=2.0)
            == render_trajectories(2.0 * tj.DEFAULT_HPARAMS["rosenbrock"]["lr"], landscape="rosenbrock"))
    with pytest.raises(ValueError, match="lr_factor"):
        render_trajectories(landscape="rosenbrock", lr_factor=0.0)
