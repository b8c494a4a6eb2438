"""Slider study (dl_helpers.init_study / widgets): cost of one slider move.

A "move" = recompute the study for a new (variance factor, activation) at fixed depth and
redraw the one figure (artists updated in place, Agg draw). Reported: median over many moves
at width 256 / batch 512 for depth 50 (goal ≤ 100 ms) and depth 10, once with torch's default
thread count and once with one thread; separately the study computation alone and the PNG
encoding that the notebook display (``ipywidgets.Image``) and the static site add on top.
"""
from __future__ import annotations

import itertools
import statistics
import time

import torch

from benchmarks._common import Result
from dl_helpers.init_study import VARIANCE_GRID, run_study
from dl_helpers.widgets import StudyFigure

MOVES = 12
GOAL_MS = 100.0


def _moves(depth: int, num_threads: int | None) -> tuple[float, float]:
    fig = StudyFigure()
    grid = [VARIANCE_GRID[i] for i in (2, 4, 6, 7, 8, 10, 12)]
    combos = itertools.islice(itertools.cycle(
        itertools.product(grid, ("tanh", "relu", "sigmoid"))), MOVES + 2)
    move_times, compute_times, png_times = [], [], []
    for i, (c, act) in enumerate(combos):
        t0 = time.perf_counter()
        result = run_study(c, act, depth, num_threads=num_threads)
        tc = time.perf_counter()
        fig.update(result)
        fig.draw()
        t1 = time.perf_counter()
        fig.to_png()
        t2 = time.perf_counter()
        if i >= 2:  # warm-up: first draws of the weights and of the figure
            move_times.append(t1 - t0)
            compute_times.append(tc - t0)
            png_times.append(t2 - t1)
    med = statistics.median
    return 1e3 * med(move_times), 1e3 * med(compute_times), 1e3 * med(png_times)


def run() -> dict[str, Result]:
    out = {}
    default_threads = torch.get_num_threads()
    for depth in (50, 10):
        for threads, tag in ((None, f"{default_threads}thr"), (1, "1thr")):
            move, compute, png = _moves(depth, threads)
            out[f"study_move_depth{depth}_{tag}"] = Result(move, "ms", GOAL_MS)
            out[f"study_compute_only_depth{depth}_{tag}"] = Result(compute, "ms", GOAL_MS)
            if threads is None:
                out[f"study_png_encode_depth{depth}"] = Result(png, "ms", GOAL_MS)
    return out
