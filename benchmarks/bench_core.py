"""Speed of the small helpers that notebooks call in loops or behind sliders.

* ``core_cce_numpy_over_torch``: NumPy ``cce_with_logits`` + gradient vs ``F.cross_entropy``
  forward + backward (float64, batch 2048 × 10), timed interleaved; ratio NumPy / torch.
* ``core_perceptron_train``: online perceptron to convergence on 400 separable 2-D points.
* ``core_decision_boundary_redraw[_over_scatter]``: ``plot_decision_boundary`` on a 150 × 150
  grid plus an Agg canvas draw -- one slider move in notebook 01 -- absolute and relative to
  redrawing the bare scatter plot (load-independent).
* ``core_gradient_check_200``: central-difference gradient check of a 200-parameter loss.
* ``core_adam_step_2d``: one ``Adam.step`` on a 2-entry array (µs per call, median of batches
  of 2 000 calls) -- the inner loop of notebook 05's optimiser slider -- and
  ``core_adam_step_checks_share``: the share of that step spent in its input checks
  (``_check_trees``: structure, shapes, finite gradients), timed interleaved with the step.
  Goal 30 µs: one slider move runs up to 3 optimisers × 300 steps, and the steps should take
  at most about a quarter of the move's 100 ms budget (``bench_optimizers``).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from benchmarks._common import Result, interleaved_ratio, median_time  # noqa: E402
from dl_helpers.data import make_linearly_separable, make_moons  # noqa: E402
from dl_helpers.gradcheck import gradient_check  # noqa: E402
from dl_helpers.losses import cce_with_logits, cce_with_logits_grad  # noqa: E402
from dl_helpers.optimizers import Adam, _check_trees  # noqa: E402
from dl_helpers.perceptron import perceptron_predict, perceptron_train  # noqa: E402
from dl_helpers.plotting import plot_decision_boundary, scatter_classes  # noqa: E402
from dl_helpers.threads import one_thread  # noqa: E402


def _cce_ratio() -> float:
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(2048, 10))
    y = rng.integers(0, 10, 2048)
    Zt, yt = torch.tensor(Z), torch.tensor(y)

    def numpy_step():
        cce_with_logits(Z, y)
        cce_with_logits_grad(Z, y)

    def torch_step():
        t = Zt.clone().requires_grad_(True)
        F.cross_entropy(t, yt).backward()

    return interleaved_ratio(numpy_step, torch_step, repeats=15)[2]


def _perceptron_ms() -> float:
    X, y = make_linearly_separable(400, margin=0.2, labels="pm1", seed=1)
    return 1e3 * median_time(lambda: perceptron_train(X, y, max_epochs=1000), repeats=5)


def _redraw_ratio() -> tuple[float, float]:
    """(ms of one decision-boundary move, its ratio to redrawing a plain scatter of the data).

    The machine is shared, so the absolute time varies with load; the ratio, timed interleaved,
    is the stable figure: what the decision regions add on top of the unavoidable redraw.
    """
    X, y = make_moons(200, seed=0)
    y = 2 * y - 1
    res = perceptron_train(X, y, max_epochs=20)
    fig, ax = plt.subplots()

    def move():
        ax.clear()
        plot_decision_boundary(ax, lambda P: perceptron_predict(P, res.w, res.b), X, y, grid_size=150)
        fig.canvas.draw()

    def baseline():
        ax.clear()
        scatter_classes(ax, X, y)
        fig.canvas.draw()

    t_move, _, ratio = interleaved_ratio(move, baseline, repeats=7)
    plt.close(fig)
    return 1e3 * t_move, ratio


def _gradcheck_ms() -> float:
    rng = np.random.default_rng(0)
    A, y = rng.normal(size=(64, 20)), rng.integers(0, 10, 64)
    W = rng.normal(size=(20, 10))
    f = lambda w: cce_with_logits(A @ w, y)  # noqa: E731
    g = lambda w: A.T @ cce_with_logits_grad(A @ w, y)  # noqa: E731
    return 1e3 * median_time(lambda: gradient_check(f, g, W), repeats=3)


def _adam_step_us() -> tuple[float, float]:
    """(µs per Adam.step on 2 entries, share of the step spent in the input checks)."""
    opt = Adam(lr=0.1)
    p, g = np.array([1.0, 2.0]), np.array([0.1, 0.2])
    state = opt.init(p)
    n = 2000

    def steps():
        for _ in range(n):
            opt.step(p, g, state)

    def checks():
        for _ in range(n):
            _check_trees(p, g)

    t_step, t_check, _ = interleaved_ratio(steps, checks, repeats=9)
    return 1e6 * t_step / n, t_check / t_step


def run() -> dict[str, Result]:
    with one_thread():  # both sides on one thread (these sizes gain nothing from more)
        ratio = _cce_ratio()
    redraw_ms, redraw_ratio = _redraw_ratio()
    adam_us, checks_share = _adam_step_us()
    return {
        "core_cce_numpy_over_torch": Result(ratio, "ratio", 3.0),
        "core_perceptron_train_400": Result(_perceptron_ms(), "ms", 200.0),
        "core_decision_boundary_redraw_over_scatter": Result(redraw_ratio, "ratio", 2.0),
        "core_decision_boundary_redraw": Result(redraw_ms, "ms", 500.0),
        "core_gradient_check_200": Result(_gradcheck_ms(), "ms", 1000.0),
        "core_adam_step_2d": Result(adam_us, "us", 30.0),
        "core_adam_step_checks_share": Result(checks_share, "ratio", 0.2),
    }


if __name__ == "__main__":
    for k, r in run().items():
        print(f"{k}: {r.value:.2f} {r.unit} (goal {r.goal}) {'ok' if r.ok else 'TOO SLOW'}")
