"""Numerical gradients by central differences and the gradient check (Folien Refresher, Skript §3).

For a scalar function f of an array x (any shape) the central difference

.. math:: \\frac{\\partial f}{\\partial x_j} \\approx \\frac{f(x + \\varepsilon e_j) - f(x - \\varepsilon e_j)}{2\\varepsilon}

has truncation error O(ε²) (the one-sided quotient only O(ε)) and a rounding error of about
u·|f|/ε with the machine precision u ≈ 1.1e−16. With ε = 1e−6 both are ≈ 1e−10 relative to the
gradient, so in float64 a correct analytic gradient agrees to a relative error far below 1e−7.

The relative error used here is the norm version

.. math:: \\operatorname{rel}(a, b) = \\frac{\\lVert a - b\\rVert_2}{\\lVert a\\rVert_2 + \\lVert b\\rVert_2},

which (unlike the elementwise ratio) does not blow up on entries where both gradients are ≈ 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import as_array, check_positive_float

__all__ = ["numerical_gradient", "rel_error", "gradient_check", "GradCheckResult", "GRADCHECK_TOL"]

#: Default tolerance of :func:`gradient_check` (the project's quality bar).
GRADCHECK_TOL = 1e-7


def _scalar(value, name: str = "f(x)") -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, {name} has shape {arr.shape}")
    return float(arr.reshape(()))


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable, ndarray -> float
        Scalar function of an array of ``x``'s shape. It receives a fresh copy of ``x`` with one
        entry shifted, so it may not rely on (or modify) the caller's array.
    x : array_like of any shape
        Point at which to differentiate (not modified).
    eps : float, default 1e-6
        Step ε of the central difference.

    Returns
    -------
    grad : ndarray of the same shape as ``x``
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x0 = as_array(x, "x")
    eps = check_positive_float(eps, "eps")
    grad = np.empty_like(x0)
    flat = grad.reshape(-1)
    for j in range(x0.size):
        xp = x0.copy()
        xp.reshape(-1)[j] += eps
        xm = x0.copy()
        xm.reshape(-1)[j] -= eps
        flat[j] = (_scalar(f(xp)) - _scalar(f(xm))) / (2.0 * eps)
    return grad


def rel_error(a, b) -> float:
    """Relative error ‖a − b‖ / (‖a‖ + ‖b‖) of two arrays of equal shape (0 if both are 0).

    Parameters
    ----------
    a, b : array_like of the same shape
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of :func:`gradient_check`.

    Attributes
    ----------
    numeric : ndarray         central-difference gradient, shape of x
    analytic : ndarray        the gradient under test, shape of x
    rel_error : float         :func:`rel_error` of the two
    tol : float               tolerance used for ``ok``
    """

    numeric: np.ndarray
    analytic: np.ndarray
    rel_error: float
    tol: float = GRADCHECK_TOL

    @property
    def ok(self) -> bool:
        """True if ``rel_error < tol``."""
        return self.rel_error < self.tol

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_abs_diff(self) -> float:
        """Largest absolute difference between numeric and analytic gradient."""
        return float(np.max(np.abs(self.numeric - self.analytic))) if self.numeric.size else 0.0


def gradient_check(f: Callable[[np.ndarray], float], grad_f: Callable[[np.ndarray], np.ndarray],
                   x, eps: float = 1e-6, tol: float = GRADCHECK_TOL) -> GradCheckResult:
    """Compare an analytic gradient with central differences.

    Parameters
    ----------
    f : callable, ndarray -> float
        Scalar function.
    grad_f : callable, ndarray -> ndarray
        Claimed gradient of ``f``; must return an array of ``x``'s shape.
    x : array_like of any shape
        Point of the check.
    eps : float, default 1e-6
        Finite-difference step.
    tol : float, default 1e-7
        Threshold for :attr:`GradCheckResult.ok`.

    Returns
    -------
    GradCheckResult
        With ``numeric``, ``analytic``, ``rel_error`` and ``ok``.

    Examples
    --------
    >>> res = gradient_check(lambda x: np.sum(x**3), lambda x: 3 * x**2, np.array([1.0, -2.0]))
    >>> res.ok
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not callable(grad_f):
        raise TypeError(f"grad_f must be callable, got {type(grad_f).__name__}")
    x0 = as_array(x, "x")
    eps = check_positive_float(eps, "eps")   # all checks before grad_f is evaluated
    tol = check_positive_float(tol, "tol")
    analytic = as_array(grad_f(x0.copy()), "grad_f(x)")
    if analytic.shape != x0.shape:
        raise ValueError(f"grad_f(x) must have the shape of x {x0.shape}, got {analytic.shape}")
    numeric = numerical_gradient(f, x0, eps)
    return GradCheckResult(numeric, analytic, rel_error(numeric, analytic), tol)
