"""Speed of notebook 09's helpers (dl_helpers.architectures, dl_helpers.attention).

* ``architectures_summarize_ms``: the counters walk all six ImageNet architectures of the
  notebook (shapes, parameters, MACs of every layer). Goal 50 ms (the notebook does it often).
* ``attention_numpy_over_torch``: NumPy attention forward + backward vs. torch
  ``scaled_dot_product_attention`` + autograd, float64, ViT-B/16-like size (batch 4, 12 heads,
  197 tokens, d_k = 64), timed interleaved, both on one thread (BLAS and torch): on the shared
  2-core machine two threads per library only measure the other processes. Goal: at most 3× torch.
* ``gradient_flow_render_ms``: one picture of the interactive figure at its largest setting
  (50 blocks, both networks, autograd + drawing). Goal 1 s (the site precomputes every picture).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks._common import Result, interleaved_ratio, median_time  # noqa: E402
from dl_helpers.architectures import ARCHITECTURES, summarize  # noqa: E402
from dl_helpers.architectures_plots import render_gradient_flow  # noqa: E402
from dl_helpers.attention import attention_backward, attention_forward, attention_forward_torch  # noqa: E402
from dl_helpers.threads import one_thread  # noqa: E402


def _summarize_all():
    return [summarize(a.layers, a.input_shape).params for a in ARCHITECTURES.values()]


def run() -> dict[str, Result]:
    summarize_ms = 1e3 * median_time(_summarize_all, repeats=7)

    rng = np.random.default_rng(0)
    Q, K, V = (rng.normal(size=(4, 12, 197, 64)) for _ in range(3))
    dout = rng.normal(size=Q.shape)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    tdout = torch.tensor(dout)

    def numpy_step():
        out, cache = attention_forward(Q, K, V)
        return attention_backward(dout, cache)

    def torch_step():
        out = attention_forward_torch(tq, tk, tv)
        return torch.autograd.grad(out, (tq, tk, tv), tdout)

    with one_thread():
        _, _, ratio = interleaved_ratio(numpy_step, torch_step, repeats=5)

    def render():
        fig = render_gradient_flow(50, "tanh")
        fig.canvas.draw()

    render_ms = 1e3 * median_time(render, repeats=3)
    return {
        "architectures_summarize_ms": Result(summarize_ms, "ms", 50.0),
        "attention_numpy_over_torch": Result(ratio, "ratio", 3.0),
        "gradient_flow_render_ms": Result(render_ms, "ms", 1000.0),
    }
