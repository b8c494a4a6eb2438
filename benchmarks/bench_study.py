"""Slider study (dl_helpers.init_study / widgets): cost of one slider move.

A "move" = one slider step: recompute the study for the next grid value of c (or the next
activation) at fixed depth and redraw the one figure (artists updated in place; the static
part is blitted from a cached background; only panels whose axes changed -- typically a log
panel's limits -- are re-rendered in their own pixel region or restored from a per-panel
cache; Agg draw).
Reported: median over a slider walk of 32 moves at width 256 / batch 512 for depth 50
(goal ≤ 100 ms) and depth 10, with torch's default thread count and with one thread;
separately the study computation alone and the PNG step (re-blit + encoding) that the
notebook display (``ipywidgets.Image``) and the static site add on top.
"""
from __future__ import annotations

import statistics
import time

import torch

from benchmarks._common import Result
from dl_helpers.init_study import VARIANCE_GRID, run_study
from dl_helpers.widgets import StudyFigure

GOAL_MS = 100.0


def _slider_walk() -> list[tuple[float, str]]:
    """A user's session: slide c step by step over the grid, then switch the activation."""
    steps = []
    for act in ("tanh", "relu", "sigmoid"):
        values = VARIANCE_GRID[2:13]
        steps += [(c, act) for c in (values if len(steps) % 2 == 0 else values[::-1])]
    return steps


def _moves(depth: int, num_threads: int | None) -> tuple[float, float, float]:
    fig = StudyFigure()
    combos = _slider_walk()
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
        if i >= 1:  # warm-up: first draws of the weights and of the figure
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
