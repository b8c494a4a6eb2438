"""NumPy conv2d forward + backward (dl_helpers.conv, im2col + matmul) vs torch, side by side.

A realistic layer: batch 32, 32 -> 64 channels, 32×32 pixels, 3×3 kernel, padding 1, float32.
One step = forward, then the gradients of x, W and b for a fixed upstream gradient ``dout``
(NumPy: ``conv2d_backward``; torch: ``torch.autograd.grad`` through ``F.conv2d``).
Reported: time ratio NumPy / torch (goal <= 2) and the throughput of both in GFLOP/s, counting
2 flops per multiply-add for the three products (forward, dx, dW):
3 · 2 · N · H_out · W_out · C_out · C_in · K² = 3.62 GFLOP per step.

Fairness: torch gets exactly as many intra-op threads as NumPy's BLAS uses; timed alternately
(same machine load for both), median of the repeats.
"""
from __future__ import annotations

import numpy as np
import torch

from dl_helpers.conv import conv2d_backward, conv2d_forward, conv2d_forward_torch

from ._common import Result, interleaved_ratio
from .bench_mlp import blas_threads

N, C_IN, C_OUT, SIZE, K, PAD = 32, 32, 64, 32, 3, 1
FLOPS = 3 * 2 * N * SIZE * SIZE * C_OUT * C_IN * K * K     # output size = input size (P = 1)


def _setup(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, C_IN, SIZE, SIZE)).astype(np.float32)
    W = (rng.normal(size=(C_OUT, C_IN, K, K)) * np.sqrt(2.0 / (C_IN * K * K))).astype(np.float32)
    b = np.zeros(C_OUT, dtype=np.float32)
    dout = rng.normal(size=(N, C_OUT, SIZE, SIZE)).astype(np.float32)
    return x, W, b, dout


def run() -> dict[str, Result]:
    x, W, b, dout = _setup()
    old_threads = torch.get_num_threads()
    torch.set_num_threads(blas_threads())
    try:
        xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        dout_t = torch.tensor(dout)

        def numpy_step():
            _, cache = conv2d_forward(x, W, b, stride=1, padding=PAD)
            return conv2d_backward(dout, cache)

        def torch_step():
            out = conv2d_forward_torch(xt, Wt, bt, stride=1, padding=PAD)
            return torch.autograd.grad(out, (xt, Wt, bt), dout_t)

        t_np, t_torch, ratio = interleaved_ratio(numpy_step, torch_step, repeats=9, warmup=2)
    finally:
        torch.set_num_threads(old_threads)
    return {
        "conv2d_numpy_over_torch": Result(ratio, "ratio", 2.0),
        "conv2d_numpy_gflops": Result(FLOPS / t_np / 1e9, "GFLOP/s", float("inf")),
        "conv2d_torch_gflops": Result(FLOPS / t_torch / 1e9, "GFLOP/s", float("inf")),
    }


if __name__ == "__main__":  # python -m benchmarks.bench_conv
    print(f"BLAS threads: {blas_threads()}")
    for name, r in run().items():
        print(f"{name}: {r.value:.3f} {r.unit} (goal <= {r.goal})")
