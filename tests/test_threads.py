"""dl_helpers.threads.one_thread: BLAS and torch on one thread inside, restored afterwards."""
from __future__ import annotations

import pytest
import torch
from threadpoolctl import threadpool_info

from dl_helpers.threads import one_thread


def _blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_one_thread_limits_blas_and_torch_and_restores():
    before_torch, before_blas = torch.get_num_threads(), _blas_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
        assert all(n == 1 for n in _blas_threads())
    assert torch.get_num_threads() == before_torch
    assert _blas_threads() == before_blas


def test_one_thread_restores_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with one_thread():
            raise RuntimeError("inside")
    assert torch.get_num_threads() == before
