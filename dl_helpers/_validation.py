"""Input checks shared by all modules.

Every public helper validates its arguments *before* computing and raises a
``TypeError``/``ValueError`` whose message names the offending argument, the
expected shape or the allowed values.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["as_array", "as_float_array", "all_finite", "check_choice", "check_positive_int",
           "check_positive_float", "check_rng"]

#: Up to this many entries :func:`all_finite` sums a Python list (no NumPy call overhead).
_SMALL = 32


def all_finite(a: np.ndarray) -> bool:
    """True if no entry of the float array ``a`` is NaN or ±inf (cheaper than ``isfinite``).

    One reduction instead of ``np.isfinite`` + ``all`` (no temporary boolean array): a sum is
    finite iff no entry is NaN/inf -- unless it overflows, and only then are the entries
    themselves examined. Arrays of up to 32 entries (2-D optimiser trajectories, slider
    callbacks) are summed as a Python list, which costs a fraction of a NumPy call.
    """
    if a.size <= _SMALL:
        if math.isfinite(sum((a if a.ndim == 1 else a.ravel()).tolist())):
            return True
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # resolved below
            if math.isfinite(a.sum()):
                return True
    return bool(np.all(np.isfinite(a)))


def as_array(
    x,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype=np.float64,
    allow_nan: bool = False,
) -> np.ndarray:
    """Convert ``x`` to a float array and check it.

    Parameters
    ----------
    x : array_like
        The value to convert.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape : tuple of (int or None), optional
        Expected shape; ``None`` entries match any length.
    dtype : numpy dtype or None
        Target dtype (default float64). ``None`` keeps a floating dtype (float32 stays float32,
        so studies and benchmarks in float32 are not silently upcast) and converts anything
        else to float64.
    allow_nan : bool
        If False (default), NaN or inf raise a ``ValueError``.

    Returns
    -------
    ndarray
        ``x`` itself (no copy) if it already is an ndarray of the requested dtype.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        if dtype is None:
            arr = np.asarray(x)
            if arr.dtype.kind != "f":
                arr = arr.astype(np.float64)
        else:
            arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of numbers ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {arr.shape}"
            )
    if shape is not None:
        ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
        if not ok:
            pretty = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {pretty}, got {arr.shape}")
    if not allow_nan and arr.size and not all_finite(arr):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def as_float_array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Array of a floating dtype (float32 stays float32, everything else becomes float64).

    :func:`as_array` with ``dtype=None``; additionally accepts torch tensors (converted to
    NumPy) and, for ``name == "X"`` with one dimension too few, hints at ``reshape(1, -1)``.
    Without ``ndim`` the check of :func:`as_array` is used unchanged.
    """
    if hasattr(x, "detach") and hasattr(x, "numpy"):   # a torch.Tensor (torch is not imported here)
        x = x.detach().cpu().numpy()
    if ndim is None:
        return as_array(x, name, dtype=None)
    arr = as_array(x, name, dtype=None, allow_nan=True)
    if arr.ndim != ndim:
        hint = " (a single sample x: use x.reshape(1, -1))" if name == "X" and arr.ndim == 1 else ""
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}{hint}")
    if arr.size and not all_finite(arr):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_choice(value, name: str, choices: Iterable[str] | Mapping) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive), else raise ValueError."""
    options = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of: {', '.join(options)}; got {value!r}")
    key = value.lower()
    if key not in options:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(options)}")
    return key


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_positive_float(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is finite and > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value}")
    return v


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """Require an explicit ``numpy.random.Generator`` (no hidden global seeding)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng
