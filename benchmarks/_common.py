"""Shared timing utilities for the benchmarks."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Result:
    """One benchmark figure. ``ok`` is ``value <= goal`` (lower is better for all entries)."""

    value: float
    unit: str
    goal: float

    @property
    def ok(self) -> bool:
        return self.value <= self.goal

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "goal": self.goal, "ok": self.ok}


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1, *,
                clock: Callable[[], float] = time.perf_counter) -> float:
    """Median time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs
    (wall time; ``clock=time.process_time`` gives the CPU time of the process)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def interleaved_ratio(fn_a: Callable[[], object], fn_b: Callable[[], object],
                      repeats: int = 5, warmup: int = 1) -> tuple[float, float, float]:
    """Time a and b alternately (same machine load for both); return (t_a, t_b, t_a / t_b)."""
    for _ in range(warmup):
        fn_a(), fn_b()
    ta, tb = [], []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn_a(); ta.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); fn_b(); tb.append(time.perf_counter() - t0)
    a, b = statistics.median(ta), statistics.median(tb)
    return a, b, a / b
