"""pytest configuration shared by all test files.

Tests run on two xdist workers on a 2-core machine: each worker uses one intra-op thread,
otherwise torch's and BLAS's thread pools oversubscribe the cores and tiny tensors get slow.
"""
import torch

torch.set_num_threads(1)
