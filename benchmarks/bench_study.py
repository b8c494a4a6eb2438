"""Slider study (dl_helpers.init_study / widgets): cost of one slider move.

A "move" is what ``StudyWidget.update`` does after a slider step: recompute the study for the
new value (``run_study``), update the one figure in place and render it to the PNG that the
``ipywidgets.Image`` shows (blitted redraw + PNG encoding). The walk slides the variance factor
step by step over the grid (c = 0.25 … 8) for every activation of the dropdown, at width 256 /
batch 512; the result cache is cleared before each walk, so every move is a recomputation.

Reported (medians over the walk, goal ≤ 100 ms for a whole move):
* ``study_move_depth{L}_{threads}``      all moves;
* ``study_move_nonhomog_depth{L}_...``   only sigmoid/tanh/elu/gelu: for the positively
  homogeneous relu/leaky_relu a c-step only rescales one cached pass (exact, see
  ``init_study._homogeneous_stats``), so these are the full-price moves;
* ``..._compute``, ``..._draw``, ``..._png``: the three parts of a full-price move;
* ``study_move_prefetch_depth50``: the same walk through a real ``StudyWidget`` (values set
  as a user would, one control per move) with its idle-time prefetch on and ``GAP_S`` of
  idle time before every move (a student releasing the slider step by step; the other
  activations are queued after the sliders' direct neighbours, so a switch after only
  ``GAP_S`` may still be computing and counts as it is);
* ``study_move_prefetch_jumps_depth50``: jumps to random values of any control (variance,
  depth or activation; starting from tanh and from GELU) with ``JUMP_GAP_S`` of idle time
  before each, the first right after the widget was shown (``prefetch_idle``, which IPython
  calls when the cell has finished): the widget prefetches the whole slider rows and the
  other activations, nearest first, so after a pause a jump anywhere is served too;
* ``study_matmul_floor_depth50``: for comparison, the 149 matmuls of one pass alone (same
  shapes, two blocks in parallel, one BLAS thread each): what no rewrite of the elementwise
  work can go below. Its goal is what 100 ms leave after the measured redraw and PNG; where
  the floor exceeds it, a cold move (no idle time before it) cannot reach the goal on this
  machine, and only the prefetch makes the moves live.

Like the widget, a move redraws with BLAS single-threaded (``single_threaded_blas``).
"""
from __future__ import annotations

import random
import statistics
import threading
import time

import numpy as np

from benchmarks._common import Result
from dl_helpers.init_study import (HOMOGENEOUS, N_BLOCKS, STUDY_ACTIVATIONS, VARIANCE_GRID,
                                   _splits, clear_study_cache, run_study,
                                   single_threaded_blas, study_inputs, study_weights)
from dl_helpers.widgets import StudyFigure, StudyWidget

GOAL_MS = 100.0
GAP_S = 0.3  # idle time before each move of the prefetch walk
JUMP_GAP_S = 2.0  # idle time before each random jump


def _slider_walk() -> list[tuple[float, str]]:
    """A user's session: slide c over the grid (back and forth), then switch the activation."""
    values = VARIANCE_GRID[2:13]
    steps = []
    for i, act in enumerate(STUDY_ACTIVATIONS):
        steps += [(c, act) for c in (values if i % 2 == 0 else values[::-1])]
    return steps


def _walk(depth: int, num_threads: int | None) -> dict[str, list[float]]:
    clear_study_cache()
    fig = StudyFigure(title=False)  # as in StudyWidget
    fig.update(run_study(VARIANCE_GRID[0], "tanh", depth, num_threads=num_threads))
    fig.to_png()  # warm-up: weight draws, first full draw of the figure
    times: dict[str, list[float]] = {"move": [], "full": [], "compute": [], "draw": [],
                                     "png": []}
    for c, act in _slider_walk():
        t0 = time.perf_counter()
        result = run_study(c, act, depth, num_threads=num_threads)
        t1 = time.perf_counter()
        with single_threaded_blas():
            fig.update(result)
            fig.draw()
            t2 = time.perf_counter()
            fig.to_png(redraw=False)
            t3 = time.perf_counter()
        times["move"].append(t3 - t0)
        if act not in HOMOGENEOUS:
            times["full"].append(t3 - t0)
            times["compute"].append(t1 - t0)
            times["draw"].append(t2 - t1)
            times["png"].append(t3 - t2)
    return times


def _widget_walk(depth: int) -> dict[str, list[float]]:
    """The walk through StudyWidget with prefetch, GAP_S idle before each move."""
    clear_study_cache()
    steps = _slider_walk()
    w = StudyWidget(steps[0][0], steps[0][1], depth)
    times: dict[str, list[float]] = {"move": [], "full": []}
    for c, act in steps[1:]:
        time.sleep(GAP_S)
        control, value = ((w.activation, act) if act != w.activation.value
                          else (w.variance, c))
        t0 = time.perf_counter()
        control.value = value  # observe -> update (recompute, redraw, PNG) -> prefetch
        elapsed = time.perf_counter() - t0
        times["move"].append(elapsed)
        if act not in HOMOGENEOUS:
            times["full"].append(elapsed)
    clear_study_cache()  # also stops the last prefetch
    return times


def _jump_walk(depth: int, n_jumps: int = 8) -> list[float]:
    """Random jumps through StudyWidget with prefetch, JUMP_GAP_S idle before each."""
    clear_study_cache()
    rng = random.Random(6)
    times = []
    for act in ("tanh", "gelu"):
        w = StudyWidget(1.0, act, depth)
        w.prefetch_idle()  # what the IPython hook does when the widget's cell has finished
        for _ in range(n_jumps):
            time.sleep(JUMP_GAP_S)
            u = rng.random()
            control = w.variance if u < 0.5 else w.depth if u < 0.75 else w.activation
            values = [o[1] if isinstance(o, tuple) else o for o in control.options]
            value = rng.choice([v for v in values if v != control.value])
            t0 = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - t0)
    clear_study_cache()
    return times


def _matmul_floor(depth: int, repeats: int = 15) -> float:
    """Median seconds of the pass's matmuls alone: per block of rows, ``depth`` forward
    products, ``depth - 1`` δ products and ``depth`` products for ∂C/∂W_l (its share of the
    columns), the blocks in parallel threads with one BLAS thread each, as in run_study."""
    U = study_weights(depth).numpy()
    X = study_inputs()[0].numpy()
    m, d = X.shape
    rows, cols = _splits(m, N_BLOCKS), _splits(d, N_BLOCKS)  # the blocks of run_study

    def block(k: int) -> None:
        a = X[rows[k]]  # (rows, d): stands in for a_{l-1} and δ_{l+1}
        z, delta = np.empty_like(a), np.empty_like(a)
        grad = np.empty((d, cols[k].stop - cols[k].start), np.float32)
        for l in range(depth):
            np.matmul(a, U[l], out=z)  # z_l = a_{l-1} W_lᵀ
        for l in range(depth - 1):
            np.matmul(a, U[l], out=delta)  # δ_l ∝ δ_{l+1} W_{l+1}
        for l in range(depth):
            np.matmul(X.T, X[:, cols[k]], out=grad)  # δ_lᵀ a_{l-1}: whole batch, its columns

    times = []
    with single_threaded_blas():
        for _ in range(repeats):
            threads = [threading.Thread(target=block, args=(k,)) for k in range(N_BLOCKS)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run() -> dict[str, Result]:
    out = {}
    for depth in (50, 10):
        # 2 threads: the two blocks of the batch in parallel (run_study's default on ≥ 2
        # CPUs); 1 thread: one after the other (a one-core machine)
        for threads, tag in ((2, "2thr"), (1, "1thr")):
            t = {k: 1e3 * statistics.median(v) for k, v in _walk(depth, threads).items()}
            out[f"study_move_depth{depth}_{tag}"] = Result(t["move"], "ms", GOAL_MS)
            out[f"study_move_nonhomog_depth{depth}_{tag}"] = Result(t["full"], "ms", GOAL_MS)
            for part in ("compute", "draw", "png"):
                out[f"study_{part}_nonhomog_depth{depth}_{tag}"] = Result(t[part], "ms", GOAL_MS)
    t = {k: 1e3 * statistics.median(v) for k, v in _widget_walk(50).items()}
    out["study_move_prefetch_depth50"] = Result(t["move"], "ms", GOAL_MS)
    out["study_move_prefetch_nonhomog_depth50"] = Result(t["full"], "ms", GOAL_MS)
    out["study_move_prefetch_jumps_depth50"] = Result(
        1e3 * statistics.median(_jump_walk(50)), "ms", GOAL_MS)
    # goal of the floor: what the 100 ms leave for the computation after this run's
    # median redraw and PNG of a full-price move
    budget = GOAL_MS - sum(out[f"study_{part}_nonhomog_depth50_2thr"].value
                           for part in ("draw", "png"))
    out["study_matmul_floor_depth50"] = Result(1e3 * _matmul_floor(50), "ms", budget)
    return out
