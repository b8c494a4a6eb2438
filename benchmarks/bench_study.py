"""Slider study of notebooks 06/07 (dl_helpers.init_study, init_study_plots): one slider move.

A cold move is what the slider does for a value it has never shown: ``run_study`` (draw the
weights, forward pass, δ-backward pass, statistics; nothing cached) + ``StudyFigure.update``
(blitted redraw, the log y-axes included) + ``png`` (Pillow). Measured on ONE core: BLAS and
torch limited to one thread here in the benchmark (``dl_helpers.threads.one_thread``);
``init_study`` itself sets no thread counts. The walk slides the variance factor over the grid
at depth 50 for every activation (medians over the walk).

The times are CPU times of the process (``time.process_time``; one thread, so this is the
wall time the move takes on an idle core). The course machine is shared by several jobs at
once, which stretches wall times by the load factor (``os.getloadavg``, printed); the wall
time is reported alongside (``..._wall``).

* ``study_cold_move_depth50_1thread``: the whole move, goal 100 ms;
* ``..._compute`` / ``..._draw`` / ``..._png``: its three parts;
* ``study_activation_switch_depth50_1thread``: a move to another activation (new histogram
  axis: a full redraw of the figure), goal 300 ms;
* ``study_pass_depth50_1thread`` (CPU) and ``study_pass_over_matmul_floor``: ``run_study``
  at depth 50 divided by the time of its 149 matrix products alone (same shapes, timed
  interleaved so machine load cancels): what drawing the weights, the elementwise work and
  the statistics add to the unavoidable arithmetic.
"""
from __future__ import annotations

import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from benchmarks._common import Result, interleaved_ratio, median_time  # noqa: E402
from dl_helpers.init_study import (DEFAULT_BATCH, DEFAULT_WIDTH, STUDY_ACTIVATIONS,  # noqa: E402
                                   VARIANCE_GRID, run_study)
from dl_helpers.init_study_plots import StudyFigure  # noqa: E402
from dl_helpers.threads import one_thread  # noqa: E402

GOAL_MS = 100.0
DEPTH = 50


def _walk() -> dict[str, list[float]]:
    fig = StudyFigure()
    fig.update(run_study(1.0, "tanh", DEPTH))
    fig.png()                                     # warm-up: first full draw
    times: dict[str, list[float]] = {"move": [], "compute": [], "draw": [], "png": [],
                                     "switch": [], "wall": []}
    for i, act in enumerate(STUDY_ACTIVATIONS):
        grid = VARIANCE_GRID[2:13] if i % 2 == 0 else VARIANCE_GRID[12:1:-1]
        for k, c in enumerate(grid):
            w0, t0 = time.perf_counter(), time.process_time()
            result = run_study(c, act, DEPTH)
            t1 = time.process_time()
            fig.update(result)
            t2 = time.process_time()
            fig.png()
            t3, w3 = time.process_time(), time.perf_counter()
            if k == 0 and i > 0:                  # the activation changed
                times["switch"].append(t3 - t0)
                continue
            for name, dt in (("move", t3 - t0), ("compute", t1 - t0), ("draw", t2 - t1),
                             ("png", t3 - t2), ("wall", w3 - w0)):
                times[name].append(dt)
    return times


def _matmul_floor():
    """The 149 matrix products of a depth-50 pass: L forward, L - 1 for δ, L for ∂C/∂W."""
    m, d = DEFAULT_BATCH, DEFAULT_WIDTH
    a, W, dW = torch.randn(m, d), torch.randn(DEPTH, d, d), torch.empty(d, d)
    z = torch.empty(m, d)

    def run():
        for l in range(DEPTH):
            torch.matmul(a, W[l].T, out=z)
        for l in range(DEPTH - 1):
            torch.matmul(a, W[l], out=z)
        for l in range(DEPTH):
            torch.matmul(a.T, a, out=dW)
    return run


def run() -> dict[str, Result]:
    with one_thread():
        times = _walk()
        _, _, ratio = interleaved_ratio(lambda: run_study(2.0, "tanh", DEPTH),
                                        _matmul_floor(), repeats=9)
        t_pass = median_time(lambda: run_study(2.0, "tanh", DEPTH), repeats=9, warmup=0,
                             clock=time.process_time)
    med = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    print(f"bench_study: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return {
        "study_cold_move_depth50_1thread": Result(med["move"], "ms", GOAL_MS),
        "study_cold_move_depth50_1thread_compute": Result(med["compute"], "ms", GOAL_MS),
        "study_cold_move_depth50_1thread_draw": Result(med["draw"], "ms", GOAL_MS),
        "study_cold_move_depth50_1thread_png": Result(med["png"], "ms", GOAL_MS),
        "study_cold_move_depth50_1thread_wall": Result(med["wall"], "ms", GOAL_MS),
        "study_activation_switch_depth50_1thread": Result(med["switch"], "ms", 3 * GOAL_MS),
        "study_pass_depth50_1thread": Result(1e3 * t_pass, "ms", GOAL_MS),
        "study_pass_over_matmul_floor": Result(ratio, "ratio", 4.0),
    }


if __name__ == "__main__":
    for k, r in run().items():
        print(f"{k}: {r.value:.1f} {r.unit} (goal {r.goal}) {'ok' if r.ok else 'TOO SLOW'}")
