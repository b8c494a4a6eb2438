"""One training epoch of the same MLP in NumPy (dl_helpers) and in torch, side by side.

MLP 784-256-256-10, ReLU, softmax + categorical cross-entropy (fused logits gradient), plain
SGD, minibatches of 128, 10 000 random samples, float32 in both. Both sides run the loops of
:mod:`dl_helpers.training` (same minibatch order, same per-batch bookkeeping), so the ratio
measures the from-scratch forward/backward/update against torch's autograd + ``torch.optim``.

Fairness: torch gets exactly as many intra-op threads as NumPy's BLAS uses (read with
``threadpoolctl``); the previous torch setting is restored afterwards.
"""
from __future__ import annotations

import numpy as np
import torch
from threadpoolctl import threadpool_info

from dl_helpers.network import init_mlp, to_torch
from dl_helpers.optimizers import SGD
from dl_helpers.training import train, train_torch

from ._common import Result, interleaved_ratio

WIDTHS = [784, 256, 256, 10]
ACTIVATIONS = ["relu", "relu", "identity"]
N_SAMPLES, BATCH, LR = 10_000, 128, 0.01


def blas_threads() -> int:
    """Number of threads of NumPy's BLAS (1 if threadpoolctl finds none)."""
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts) if counts else 1


def _setup(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, WIDTHS[0])).astype(np.float32)
    y = rng.integers(0, WIDTHS[-1], size=N_SAMPLES)
    params = init_mlp(WIDTHS, rng, init="he_normal", dtype=np.float32)
    return X, y, params


def run() -> dict[str, Result]:
    X, y, params = _setup()
    old_threads = torch.get_num_threads()
    torch.set_num_threads(blas_threads())
    try:
        model = to_torch(params, ACTIVATIONS, dtype=torch.float32)

        def numpy_epoch():
            train(params, X, y, ACTIVATIONS, "cce_with_logits", SGD(LR), epochs=1,
                        batch_size=BATCH, seed=0, progress=False)

        def torch_epoch():
            train_torch(model, X, y, "cce_with_logits", SGD(LR), epochs=1, batch_size=BATCH,
                        seed=0, progress=False)

        t_np, t_torch, ratio = interleaved_ratio(numpy_epoch, torch_epoch, repeats=3, warmup=1)
    finally:
        torch.set_num_threads(old_threads)
    return {
        "mlp_epoch_numpy_over_torch": Result(ratio, "ratio", 1.5),
        "mlp_epoch_numpy_seconds": Result(t_np, "s", 30.0),
        "mlp_epoch_torch_seconds": Result(t_torch, "s", 30.0),
    }


if __name__ == "__main__":  # python -m benchmarks.bench_mlp
    print(f"BLAS threads: {blas_threads()}")
    for name, r in run().items():
        print(f"{name}: {r.value:.3f} {r.unit} (goal <= {r.goal})")
