"""NumPy LSTM forward + backward (dl_helpers.rnn) against torch.nn.LSTM, side by side.

Batch 64, sequence length 100, input 32, hidden 128, float32, loss = Σ ⟨G, h_t⟩ with a fixed
random G (so both sides run the full BPTT over all steps). The NumPy side is the from-scratch
:func:`~dl_helpers.rnn.lstm_forward` / :func:`~dl_helpers.rnn.lstm_backward` (per step one
matmul for all four gates); the torch side is ``torch.nn.LSTM`` + autograd.

Fairness: both sides run on ONE thread (``dl_helpers.threads.one_thread``: NumPy's BLAS and
torch). The per-step matmuls (64 × 128 · 128 × 512) are too small to gain from
threads, and on a shared machine spinning BLAS threads cost more than they bring; the previous
settings are restored afterwards.
"""
from __future__ import annotations

import numpy as np
import torch

from dl_helpers.rnn import init_recurrent, lstm_backward, lstm_forward, params_to_torch
from dl_helpers.threads import one_thread

from ._common import Result, interleaved_ratio

N, T, D, H = 64, 100, 32, 128


def run() -> dict[str, Result]:
    rng = np.random.default_rng(0)
    params = init_recurrent("lstm", D, H, rng, dtype=np.float32)
    x = rng.normal(size=(N, T, D)).astype(np.float32)
    G = rng.normal(size=(N, T, H)).astype(np.float32)
    module = params_to_torch(params, "lstm", dtype=torch.float32)
    x_t = torch.tensor(x, requires_grad=True)
    G_t = torch.tensor(G)

    def numpy_pass():
        hs, cache = lstm_forward(x, None, None, *params)
        return lstm_backward(G, cache)

    def torch_pass():
        module.zero_grad()
        x_t.grad = None
        hs, _ = module(x_t)
        hs.backward(G_t)

    with one_thread():
        t_np, t_torch, ratio = interleaved_ratio(numpy_pass, torch_pass, repeats=7, warmup=2)
    return {
        "lstm_numpy_over_torch": Result(ratio, "ratio", 2.0),
        "lstm_numpy_seconds": Result(t_np, "s", 5.0),
        "lstm_torch_seconds": Result(t_torch, "s", 5.0),
    }


if __name__ == "__main__":  # python -m benchmarks.bench_rnn
    for name, r in run().items():
        print(f"{name}: {r.value:.3f} {r.unit} (goal <= {r.goal})")
