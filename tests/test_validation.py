"""Tests of dl_helpers._validation: every error names the argument."""
import numpy as np
import pytest

import torch

from dl_helpers._validation import (all_finite, as_array, as_float_array, check_choice,
                                   check_positive_float, check_positive_int, check_rng)


def test_as_array_converts_and_checks():
    a = as_array([1, 2, 3], "x")
    assert a.dtype == np.float64 and a.shape == (3,)
    assert as_array(np.zeros((2, 3)), "x", ndim=(1, 2)).shape == (2, 3)
    assert as_array(np.zeros((4, 2)), "x", shape=(None, 2)).shape == (4, 2)
    assert np.isnan(as_array([np.nan], "x", allow_nan=True)[0])
    assert as_array([], "x").size == 0


@pytest.mark.parametrize("value, kwargs, exc, match", [
    ("abc", {}, TypeError, r"^x must be array-like.*str"),
    (None, {}, TypeError, r"^x must be array-like.*NoneType"),
    ([[1, 2], [3]], {}, TypeError, r"^x must be array-like"),
    ({"a": 1}, {}, TypeError, r"^x must be array-like"),
    (np.zeros((2, 2)), {"ndim": 1}, ValueError, r"^x must have 1 dimension.*\(2, 2\)"),
    (np.zeros(3), {"ndim": (2, 3)}, ValueError, r"^x must have 2 or 3 dimension"),
    (np.zeros((3, 3)), {"shape": (None, 2)}, ValueError, r"^x must have shape \(n, 2\), got \(3, 3\)"),
    (np.zeros(3), {"shape": (3, 1)}, ValueError, r"^x must have shape \(3, 1\)"),
    ([1.0, np.nan], {}, ValueError, r"^x contains NaN or inf"),
    ([1.0, np.inf], {}, ValueError, r"^x contains NaN or inf"),
])
def test_as_array_errors_name_argument(value, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        as_array(value, "x", **kwargs)


def test_check_choice():
    assert check_choice("ReLU", "activation", ["relu", "tanh"]) == "relu"
    assert check_choice("a", "k", {"a": 1}) == "a"
    with pytest.raises(ValueError, match=r"unknown activation 'gelu6'; choose one of: relu, tanh"):
        check_choice("gelu6", "activation", ["relu", "tanh"])
    with pytest.raises(TypeError, match=r"^activation must be a string"):
        check_choice(1, "activation", ["relu"])


def test_check_positive_int():
    assert check_positive_int(3, "n") == 3
    assert check_positive_int(np.int64(0), "n", minimum=0) == 0
    with pytest.raises(ValueError, match=r"^n must be >= 1, got 0"):
        check_positive_int(0, "n")
    for bad in (True, 2.0, "3"):
        with pytest.raises(TypeError, match=r"^n must be an integer"):
            check_positive_int(bad, "n")


def test_check_positive_float():
    assert check_positive_float(2, "lr") == 2.0
    assert check_positive_float(0.0, "lr", allow_zero=True) == 0.0
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"^lr must be finite"):
            check_positive_float(bad, "lr")
    for bad in (False, "1", None):
        with pytest.raises(TypeError, match=r"^lr must be a number"):
            check_positive_float(bad, "lr")


def test_check_rng():
    rng = np.random.default_rng(0)
    assert check_rng(rng) is rng
    with pytest.raises(TypeError, match=r"^rng must be a numpy.random.Generator.*int"):
        check_rng(0)
    with pytest.raises(TypeError, match=r"^gen must be"):
        check_rng(np.random.RandomState(0), "gen")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_as_array_dtype_none_keeps_float_and_does_not_copy(dtype):
    x = np.arange(6, dtype=dtype).reshape(2, 3)
    out = as_array(x, "x", dtype=None)
    assert out is x                                   # valid float input passes through
    assert as_array(x, "x").dtype == np.float64       # the default still converts
    assert as_array([1, 2], "x", dtype=None).dtype == np.float64
    with pytest.raises(ValueError, match=r"^x contains NaN or inf"):
        as_array(np.array([1, np.nan], dtype=dtype), "x", dtype=None)


@pytest.mark.parametrize("n", [1, 2, 31, 32, 33, 1000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_matches_isfinite(n, dtype):
    rng = np.random.default_rng(n)
    a = rng.normal(size=n).astype(dtype)
    assert all_finite(a) and all_finite(a.reshape(1, -1)) and all_finite(a[::-1])
    big = np.full(n, np.finfo(dtype).max, dtype=dtype)   # finite, but the sum overflows
    assert all_finite(big)
    for bad in (np.nan, np.inf, -np.inf):
        b = a.copy()
        b[n // 2] = bad
        assert not all_finite(b)
        assert not all_finite(b.reshape(1, -1))
    mixed = big.copy()
    mixed[-1] = -np.inf                                   # inf hidden behind an overflowing sum
    assert not all_finite(mixed)
    assert all_finite(np.zeros((0, 3), dtype=dtype))


def test_as_float_array_tensors_dtype_and_errors():
    x32 = np.zeros((2, 3), dtype=np.float32)
    assert as_float_array(x32, "X", ndim=2) is x32
    assert as_float_array(torch.ones(2, 3, dtype=torch.float64), "X", ndim=2).dtype == np.float64
    assert as_float_array([[1, 2]], "X", ndim=2).dtype == np.float64
    with pytest.raises(ValueError, match=r"^X must have 2 dimension\(s\), got shape \(3,\) .*reshape"):
        as_float_array(np.zeros(3), "X", ndim=2)
    with pytest.raises(ValueError, match=r"^W must have 2 dimension\(s\), got shape \(3,\)$"):
        as_float_array(np.zeros(3), "W", ndim=2)
    with pytest.raises(ValueError, match=r"^X contains NaN or inf"):
        as_float_array([[np.inf]], "X", ndim=2)
    with pytest.raises(ValueError, match=r"^b contains NaN or inf"):
        as_float_array([np.nan], "b")
