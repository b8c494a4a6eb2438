"""Slider update of notebook 05: recompute GD/momentum/Adam trajectories and redraw (Agg).

One "move" is exactly what the notebook's widget callback does: ``compare_optimizers`` (three
trajectories of ``steps`` steps with the NumPy optimisers) + ``TrajectoryPlot.update`` (Agg:
cached background + the moved lines), then ``TrajectoryPlot.png`` (the bytes the
``ipywidgets.Image`` shows). The median over many moves (learning rate swept over a log grid,
as a student drags the slider) must stay below 100 ms; the figure with ``_incl_png`` adds the
PNG encoding the widget needs. A full redraw of the same figure
(``fig.canvas.draw()``, what a naive callback would do) is reported for comparison.

Notebook 05's ``torch.optim`` reference: the first use of a ``torch.optim`` optimiser class
imports ``torch._dynamo`` (measured in a fresh interpreter, one-time cost), which is why the
notebook and its checkers call torch.optim's functional kernels (``TorchOptimKernel``) instead;
the cost of a 100-step reference trajectory through the kernel is reported as well.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks._common import Result  # noqa: E402
from dl_helpers.landscapes import get_landscape  # noqa: E402
from dl_helpers.trajectories import (DEFAULT_HPARAMS, OPTIMIZER_LABELS,  # noqa: E402
                                     compare_optimizers, trajectory_torch)
from dl_helpers.optimizers_plots import TrajectoryPlot  # noqa: E402
from dl_helpers.optimizers import Adam  # noqa: E402

GOAL_MS = 100.0


def _moves(name: str, n_moves: int = 25) -> tuple[list[float], list[float]]:
    """Times of (recompute + Agg redraw) and of the PNG encoding, per move."""
    L = get_landscape(name)
    hp = dict(DEFAULT_HPARAMS[name])
    plot = TrajectoryPlot(L, OPTIMIZER_LABELS, steps=hp["steps"])
    plot.full_redraw()
    times, png_times = [], []
    for lr in hp["lr"] * np.logspace(-0.5, 0.3, n_moves):
        t0 = time.perf_counter()
        trajs = compare_optimizers(L, lr=float(lr), momentum=hp["momentum"], adam_lr=hp["adam_lr"],
                                   steps=hp["steps"])
        plot.update(trajs, note=f"lr = {lr:.2g}")
        t1 = time.perf_counter()
        plot.png()
        times.append(t1 - t0)
        png_times.append(time.perf_counter() - t1)
    plt.close(plot.fig)
    return times, png_times


def _full_redraw_ms(name: str, repeats: int = 5) -> float:
    plot = TrajectoryPlot(get_landscape(name), OPTIMIZER_LABELS)
    plot.full_redraw()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        plot.fig.canvas.draw()
        times.append(time.perf_counter() - t0)
    plt.close(plot.fig)
    return 1e3 * statistics.median(times)


def _first_torch_optim_use_s() -> float:
    """Seconds the first torch.optim.SGD construction + step adds in a fresh interpreter."""
    code = ("import time, torch\n"
            "x = torch.zeros(2, dtype=torch.float64, requires_grad=True)\n"
            "t = time.perf_counter()\n"
            "opt = torch.optim.SGD([x], lr=0.1); (x ** 2).sum().backward(); opt.step()\n"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _kernel_reference_ms() -> float:
    L = get_landscape("rosenbrock")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        trajectory_torch(Adam(lr=0.05), L.f_torch, L.x0, 100)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def run() -> dict[str, Result]:
    out = {}
    for name in ("rosenbrock", "quadratic"):
        steps = DEFAULT_HPARAMS[name]["steps"]
        times, png_times = _moves(name)
        ms = 1e3 * statistics.median(times)
        with_png = 1e3 * statistics.median([a + b for a, b in zip(times, png_times)])
        out[f"optimizers_slider_update_{name}_{steps}steps"] = Result(ms, "ms", GOAL_MS)
        out[f"optimizers_slider_update_{name}_{steps}steps_incl_png"] = Result(with_png, "ms", GOAL_MS)
    out["optimizers_full_redraw_for_comparison"] = Result(_full_redraw_ms("rosenbrock"), "ms", 1000.0)
    out["torch_reference_trajectory_kernel_100steps"] = Result(_kernel_reference_ms(), "ms", 200.0)
    out["torch_optim_class_first_use_for_comparison"] = Result(_first_torch_optim_use_s(), "s", 10.0)
    return out


if __name__ == "__main__":
    for k, r in run().items():
        print(f"{k}: {r.value:.1f} {r.unit} (goal {r.goal}) {'ok' if r.ok else 'TOO SLOW'}")
