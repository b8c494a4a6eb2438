"""One thread for small problems: :func:`one_thread` limits NumPy's BLAS, OpenMP and torch together.

Why: the matrices of the notebooks' studies are small (a least-squares fit with a few hundred
columns, RNN steps with H = 16 … 32). Extra threads gain nothing there, and on a shared, busy
machine their spinning costs a lot (measured: a 150-step RNN training run took 368 s instead of
2–5 s; a width-slider move of notebook 02 up to a second instead of a few ms; the tiny VAE/GAN
models of notebooks 11/12 ran several times slower on two torch threads, and scikit-learn's
gradient boosting on a few thousand rows about 30 times slower with its OpenMP threads).
One thread also makes trained results independent of the reader's thread setting.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits

__all__ = ["one_thread"]


@contextmanager
def one_thread():
    """BLAS, OpenMP (e.g. scikit-learn) and torch on one thread inside the ``with`` block.

    The previous settings are restored afterwards.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(threads)
