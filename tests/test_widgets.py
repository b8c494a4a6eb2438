"""Tests of dl_helpers.widgets: the study figure updates in place, the widget responds."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers import init_study, widgets
from dl_helpers.init_study import DEPTH_GRID, STUDY_ACTIVATIONS, VARIANCE_GRID, run_study
from dl_helpers.widgets import (StudyFigure, StudyWidget, nearest_grid_value, render_study_png,
                                variance_label)

SMALL = {"width": 32, "batch": 32}




def _artists(fig: StudyFigure) -> int:
    return sum(len(ax.get_children()) for ax in fig.fig.axes) + len(fig.fig.axes)


def test_figure_updates_artists_in_place():
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 10, **SMALL))
    fig.draw()
    n_before = _artists(fig)
    line_obj = fig.lines["z_std"]
    y_before = line_obj.get_ydata().copy()
    ridge_before = fig.ridges[0].get_data().values.copy()
    fig.update(run_study(4.0, "relu", 20, **SMALL))
    fig.draw()
    assert fig.lines["z_std"] is line_obj
    assert _artists(fig) == n_before, "update must not add artists"
    assert len(line_obj.get_xdata()) == 20 and not np.allclose(line_obj.get_ydata()[:10],
                                                                y_before)
    assert not np.allclose(fig.ridges[0].get_data().values, ridge_before)
    assert "relu" in fig.suptitle.get_text()


def test_blitted_redraw_equals_full_redraw():
    """The fast path (cached background + data artists) gives the same pixels as a full draw."""
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 10, **SMALL))
    fig.draw(full=True)
    state = fig._background_state
    fig.update(run_study(1.1, "tanh", 10, **SMALL))  # same depth, similar range: blit
    assert fig._axes_state == state
    fig.draw()
    fast = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
    fig.draw(full=True)
    full = np.asarray(fig.fig.canvas.buffer_rgba())
    assert np.array_equal(fast, full)
    # an axes change (other depth) forces a full draw with a new background
    fig.update(run_study(1.1, "tanh", 20, **SMALL))
    fig.draw()
    assert fig._background_state != state


def test_log_limits_are_sticky_decades():
    lo, hi = widgets._log_limits(None, [0.3, 2.0])
    assert np.isclose(np.log10(lo), np.round(np.log10(lo)))
    assert lo <= 0.15 and hi >= 4.0
    assert widgets._log_limits((lo, hi), [0.4, 1.5]) == (lo, hi)       # fits: kept
    assert widgets._log_limits((lo, hi), [1e-5, 1.0]) != (lo, hi)      # outside: new
    assert widgets._log_limits((1e-20, 1e20), [0.5, 1.0]) != (1e-20, 1e20)  # too loose
    wide = widgets._log_limits(None, [1e-30, 1e10])  # 40 decades: coarser lattice
    assert wide[0] <= 5e-31 and wide[1] >= 2e10


def test_ridges_hidden_for_shallow_nets():
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", 3, **SMALL))
    visible = [p.get_visible() for p in fig.ridges]
    assert sum(visible) == 3 and visible[:3] == [True] * 3


def test_widget_responds_to_programmatic_change():
    w = StudyWidget(1.0, "tanh", 10, **SMALL)
    line = w.figure.lines["grad"]
    y0 = line.get_ydata().copy()
    png0 = w.image.value
    assert png0[:4] == b"\x89PNG"
    w.variance.value = nearest_grid_value(2.0)
    assert w.figure.result.variance_factor == 2.0
    assert not np.allclose(line.get_ydata(), y0)
    assert w.image.value != png0 and w.image in w.widget.children
    w.activation.value = "relu"
    assert w.figure.result.activation == "relu"
    w.depth.value = 20
    assert len(w.figure.lines["grad"].get_xdata()) == 20
    w.buttons[0].click()  # LeCun/Glorot
    assert w.variance.value == 1.0


def test_widget_controls_and_grids():
    w = StudyWidget(0.3, "relu", 7, controls=("activation", "depth"), **SMALL)
    assert w.variance.value == nearest_grid_value(0.3)
    assert w.depth.value in DEPTH_GRID
    assert list(w.variance.options) == [(f"{v:.3g}", v) for v in VARIANCE_GRID] \
        or [v for _, v in w.variance.options] == list(VARIANCE_GRID)
    assert list(w.activation.options) == list(STUDY_ACTIVATIONS)
    with pytest.raises(ValueError, match="controls"):
        StudyWidget(controls=("speed",), **SMALL)
    with pytest.raises(ValueError, match="activation"):
        StudyWidget(activation="relu6", **SMALL)


def test_render_study_png():
    png = render_study_png(2.0, "relu", 5, **SMALL)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    other = render_study_png(0.25, "relu", 5, **SMALL)
    assert other != png
    assert widgets.VARIANCE_GRID is VARIANCE_GRID
    assert widgets.ACTIVATION_GRID == STUDY_ACTIVATIONS and widgets.DEPTH_GRID is DEPTH_GRID


def test_labels():
    assert "He" in variance_label(2.0) and "LeCun" in variance_label(1.0)
    assert variance_label(0.5) == "0.5"
    assert nearest_grid_value(1.9) == 2.0


def test_per_panel_redraw_equals_full_redraw():
    """A slider walk where only some panels' axes change (log limits, legend corner): the
    per-panel redraw (and the per-panel image cache) gives the pixels of a full draw."""
    fig, ref = StudyFigure(), StudyFigure()
    steps = [(c, "tanh", 10) for c in (0.25, 1.0, 4.0, 16.0, 4.0, 1.0)] + [(2.0, "relu", 10)]
    steps += [(c, "sigmoid", 50) for c in (0.5, 1.0, 2.0, 16.0)]
    strips = []  # log panels where only the y-limits changed: only the tick strip is redrawn
    redraw_y_strip = fig._redraw_y_strip
    fig._redraw_y_strip = lambda ax, region: (strips.append(ax), redraw_y_strip(ax, region))
    partial = 0
    for c, act, depth in steps:
        result = run_study(c, act, depth, **SMALL)
        before = fig._background_state
        fig.update(result)
        fig.draw()
        partial += before is not None and fig._background_state != before
        ref.update(result)
        ref.ax_std.set_ylim(fig.ax_std.get_ylim())
        ref.ax_grad.set_ylim(fig.ax_grad.get_ylim())
        ref._axes_state = fig._axes_state
        ref.draw(full=True)
        assert np.array_equal(np.asarray(fig.fig.canvas.buffer_rgba()),
                              np.asarray(ref.fig.canvas.buffer_rgba())), (c, act)
    assert fig._partial_ok and partial >= 1 and len(strips) >= 2


def test_notebook_style_does_not_change_the_study_figure():
    """StudyFigure pins matplotlib's default style: after plotting.use_style() (bigger font,
    grid) it draws the same pixels and keeps its per-panel redraw."""
    from dl_helpers.plotting import use_style

    result = run_study(2.0, "relu", 10, **SMALL)
    plain = StudyFigure()
    plain.update(result)
    png_plain = plain.to_png()
    use_style()  # tests/conftest.py restores the rcParams after the test
    styled = StudyFigure()
    styled.update(result)
    assert styled.to_png() == png_plain
    assert styled._partial_ok


def test_widget_prefetches_the_slider_values_nearest_first():
    """After a user move the widget queues the other slider values, nearest first (the next
    one in the direction of the move before the one behind); nothing before the first move,
    nothing with prefetch=False."""
    init_study.clear_study_cache()
    w = StudyWidget(1.0, "tanh", 10, **SMALL)
    assert init_study._PREFETCH is None
    i, j = VARIANCE_GRID.index(1.0), DEPTH_GRID.index(10)
    w.variance.value = VARIANCE_GRID[i - 1]  # one step down
    change = {"owner": w.variance, "old": 1.0, "new": VARIANCE_GRID[i - 1]}
    order = w.next_settings(change)
    assert order[:4] == [(VARIANCE_GRID[i - 2], "tanh", 10), (VARIANCE_GRID[i], "tanh", 10),
                         (VARIANCE_GRID[i - 1], "tanh", DEPTH_GRID[j + 1]),
                         (VARIANCE_GRID[i - 1], "tanh", DEPTH_GRID[j - 1])]
    # then the other activations at the current slider values, then the farther values
    others = [(VARIANCE_GRID[i - 1], act, 10) for act in STUDY_ACTIVATIONS if act != "tanh"]
    assert order[4:4 + len(others)] == others
    assert len(order) == len(set(order)) == (len(VARIANCE_GRID) - 1 + len(DEPTH_GRID) - 1
                                             + len(STUDY_ACTIVATIONS) - 1)
    running = init_study._PREFETCH
    assert running is not None and running.keys[0][:3] == order[0]
    running.thread.join()
    before = w.image.value
    w.variance.value = VARIANCE_GRID[i - 2]  # prefetched: served from the cache
    assert w.figure.result is init_study._RESULTS.get(running.keys[0])
    assert w.image.value != before
    assert w.next_settings({"owner": w.depth, "old": 10, "new": DEPTH_GRID[j + 1]})[0] \
        == (VARIANCE_GRID[i - 2], "tanh", DEPTH_GRID[j + 1])

    init_study.clear_study_cache()
    quiet = StudyWidget(1.0, "tanh", 10, prefetch=False, **SMALL)
    quiet.variance.value = VARIANCE_GRID[i + 1]
    assert init_study._PREFETCH is None


def test_widget_without_variance_slider_prefetches_depths_and_activations():
    w = StudyWidget(1.0, "sigmoid", 10, controls=("activation", "depth"), prefetch=False,
                    **SMALL)
    j = DEPTH_GRID.index(10)
    order = w.next_settings()
    assert order[:2] == [(1.0, "sigmoid", DEPTH_GRID[j + 1]), (1.0, "sigmoid", DEPTH_GRID[j - 1])]
    assert order[2:7] == [(1.0, act, 10) for act in STUDY_ACTIVATIONS if act != "sigmoid"]
    assert {s[2] for s in order[7:]} == set(DEPTH_GRID) - {10} - set(DEPTH_GRID[j - 1:j + 2])
    assert {s[0] for s in order} == {1.0} and len(order) == len(set(order)) == 7 + 5
    only_depth = StudyWidget(1.0, "sigmoid", 10, controls=("depth",), prefetch=False, **SMALL)
    assert {s[1] for s in only_depth.next_settings()} == {"sigmoid"}


@pytest.fixture
def ipython_shell():
    """A real (terminal-less) IPython shell as ``get_ipython()``, removed afterwards with the
    widget hooks it got."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    for event, hook in (("pre_run_cell", widgets._IdleHooks.before_cell),
                        ("post_run_cell", widgets._IdleHooks.after_cell)):
        if hook in shell.events.callbacks[event]:
            shell.events.unregister(event, hook)
    widgets._IdleHooks.widget = widgets._IdleHooks.shell = None
    init_study.clear_study_cache()
    InteractiveShell.clear_instance()


def _cached() -> int:
    return len(init_study._RESULTS._data)


def test_idle_prefetch_runs_between_cells_and_stops_when_a_cell_starts(ipython_shell,
                                                                         monkeypatch):
    """In IPython the widget shown last prefetches after every cell (kernel idle), and every
    cell start stops that prefetch before the cell's code runs. Cells in quick succession
    (a headless run) start none of its passes: it waits IDLE_DELAY_S first."""
    init_study.clear_study_cache()
    shell = ipython_shell
    shell.user_ns["w"] = w = StudyWidget(1.0, "tanh", 10, **SMALL)
    assert _cached() == 1 and init_study._PREFETCH is None  # nothing before it is shown
    monkeypatch.setattr(StudyWidget, "IDLE_DELAY_S", 30.0)  # "the next cell comes at once"
    shell.run_cell("w._ipython_display_()")  # what Jupyter does with a cell ending in `w`
    waiting = init_study._PREFETCH
    assert waiting is not None and waiting.thread.is_alive() and waiting.delay == 30.0
    shell.run_cell("import dl_helpers.init_study as s; during = s._PREFETCH")
    assert shell.user_ns["during"] is None  # stopped before the cell's code ran
    assert not waiting.thread.is_alive() and _cached() == 1  # within its delay: no pass
    init_study.stop_prefetch()

    monkeypatch.setattr(StudyWidget, "IDLE_DELAY_S", 0.0)
    shell.run_cell("pass")  # the kernel is idle after this cell: the prefetch runs
    init_study._PREFETCH.thread.join()
    expected = w.next_settings()
    assert _cached() == 1 + len(expected)
    before = w.image.value
    w.activation.value = "gelu"  # prefetched (an activation switch): served from the cache
    assert w.figure.result is init_study._RESULTS.get(
        init_study._study_key(1.0, "gelu", 10, SMALL["width"], SMALL["batch"], 0, "normal", 8))
    assert w.image.value != before


def test_idle_prefetch_follows_the_last_widget_and_respects_prefetch_false(ipython_shell):
    init_study.clear_study_cache()
    shell = ipython_shell
    shell.user_ns["a"] = StudyWidget(1.0, "tanh", 5, **SMALL)
    shell.user_ns["b"] = b = StudyWidget(2.0, "relu", 3, prefetch=False, **SMALL)
    shell.run_cell("a._ipython_display_(); b._ipython_display_()")
    init_study.stop_prefetch()
    assert widgets._IdleHooks.widget() is shell.user_ns["a"]  # b does not prefetch
    assert b.prefetch_idle() == 0
    b.variance.value = VARIANCE_GRID[3]  # b neither prefetches nor becomes the one followed
    assert init_study._PREFETCH is None
    shell.run_cell("pass")
    assert init_study._PREFETCH is not None  # a's values, after every cell
    init_study.stop_prefetch()


def test_moves_during_a_prefetch_restore_the_thread_settings():
    """Moves that stop a running prefetch leave torch's and BLAS's thread counts as they
    were (the pass and the redraw change them temporarily, from two threads)."""
    import torch
    from threadpoolctl import threadpool_info

    def settings():
        return torch.get_num_threads(), [i["num_threads"] for i in threadpool_info()
                                         if i["user_api"] == "blas"]

    init_study.clear_study_cache()
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        before = settings()
        w = StudyWidget(1.0, "tanh", 20, width=128, batch=256)
        for k in (4, 5, 9, 2):
            w.variance.value = VARIANCE_GRID[k]  # each move stops the last move's prefetch
        init_study.clear_study_cache()  # stops the last one
        assert settings() == before
    finally:
        torch.set_num_threads(threads)
