"""Computations behind notebook 00 (Folien "Mathematischer Refresher", eqs (1)–(11)).

Pure functions, no plotting: the notebook's figures and sliders are thin layers on top.

* :func:`forward_difference`, :func:`central_difference` -- difference quotients of a scalar
  function R -> R (the limit in the partial derivative (7) taken at a finite step ``h``);
* :func:`difference_errors` -- their absolute errors against the exact derivative for many
  step sizes (the log-log "error vs. h" study: slopes O(h), O(h²) and the round-off floor);
* :func:`fitted_order` -- the slope of that log-log curve on a range of ``h``;
* :func:`unit_ball` -- boundary points of the unit ball {x in R² : ||x||_p = 1}.

Multivariate finite-difference gradients are *not* here: use
:func:`dl_helpers.gradcheck.numerical_gradient` and :func:`dl_helpers.gradcheck.rel_error`.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._validation import as_array, check_positive_float, check_positive_int

__all__ = ["forward_difference", "central_difference", "DifferenceErrors", "difference_errors",
           "fitted_order", "unit_ball"]


def _check_callable(f, name: str) -> None:
    if not callable(f):
        raise TypeError(f"{name} must be callable (a function R -> R), got {type(f).__name__}")


def forward_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float) -> np.ndarray:
    """Forward difference ``(f(x + h) - f(x)) / h``, the quotient inside the limit (7).

    Parameters
    ----------
    f : callable
        Scalar function applied elementwise, ndarray -> ndarray of the same shape.
    x : array_like of any shape
        Points at which the derivative is approximated.
    h : float
        Step size, > 0. Truncation error O(h) (first order).

    Returns
    -------
    ndarray of the same shape as ``x``.
    """
    _check_callable(f, "f")
    x = as_array(x, "x")
    h = check_positive_float(h, "h")
    return (np.asarray(f(x + h), dtype=np.float64) - np.asarray(f(x), dtype=np.float64)) / h


def central_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float) -> np.ndarray:
    """Central difference ``(f(x + h) - f(x - h)) / (2h)``; truncation error O(h²).

    Parameters and return value as in :func:`forward_difference`.
    """
    _check_callable(f, "f")
    x = as_array(x, "x")
    h = check_positive_float(h, "h")
    return (np.asarray(f(x + h), dtype=np.float64)
            - np.asarray(f(x - h), dtype=np.float64)) / (2.0 * h)


class DifferenceErrors(NamedTuple):
    """Absolute errors of the two difference quotients, one entry per step size.

    h : ndarray of shape (n_h,)        step sizes
    forward : ndarray of shape (n_h,)  |forward_difference(f, x, h) - f'(x)|
    central : ndarray of shape (n_h,)  |central_difference(f, x, h) - f'(x)|
    """

    h: np.ndarray
    forward: np.ndarray
    central: np.ndarray


def difference_errors(f: Callable, df: Callable, x: float, hs) -> DifferenceErrors:
    """Errors of forward and central differences of ``f`` at the point ``x`` for every ``h``.

    Parameters
    ----------
    f : callable
        Scalar function R -> R, applied elementwise to arrays.
    df : callable
        Its exact derivative f' (the reference).
    x : float
        The point.
    hs : array_like of shape (n_h,)
        Step sizes, all > 0 (e.g. ``np.logspace(-16, 0, 161)``).

    Returns
    -------
    DifferenceErrors
        For large ``h`` the forward error falls like h (slope 1 on a log-log plot) and the
        central error like h² (slope 2); for tiny ``h`` round-off in f(x ± h) dominates and
        the error grows again like eps/h.
    """
    _check_callable(f, "f")
    _check_callable(df, "df")
    x = float(as_array(x, "x", ndim=0))
    hs = as_array(hs, "hs", ndim=1)
    if hs.size == 0 or np.any(hs <= 0):
        raise ValueError("hs must be a non-empty 1-D array of step sizes > 0")
    exact = float(np.asarray(df(np.float64(x)), dtype=np.float64))
    xs = np.full_like(hs, x)
    # Evaluate f at x + h etc. directly (elementwise over h); same arithmetic as the helpers.
    f_plus = np.asarray(f(xs + hs), dtype=np.float64)
    f_minus = np.asarray(f(xs - hs), dtype=np.float64)
    f_0 = np.asarray(f(xs), dtype=np.float64)
    forward = (f_plus - f_0) / hs
    central = (f_plus - f_minus) / (2.0 * hs)
    return DifferenceErrors(hs.copy(), np.abs(forward - exact), np.abs(central - exact))


def fitted_order(h, err, h_min: float, h_max: float) -> float:
    """Least-squares slope of log10(err) over log10(h) for ``h_min <= h <= h_max``.

    A method with truncation error C·h^p has slope p on a log-log plot, so this estimates
    the order p (1 for forward, 2 for central differences) where truncation dominates.

    Parameters
    ----------
    h, err : array_like of shape (n_h,)
        Step sizes and errors (e.g. the fields of :class:`DifferenceErrors`).
    h_min, h_max : float
        Range used for the fit; it must contain at least two points with err > 0.
    """
    h = as_array(h, "h", ndim=1)
    err = as_array(err, "err", shape=(h.shape[0],))
    h_min = check_positive_float(h_min, "h_min")
    h_max = check_positive_float(h_max, "h_max")
    if h_min >= h_max:
        raise ValueError(f"h_min must be < h_max, got h_min={h_min}, h_max={h_max}")
    mask = (h >= h_min) & (h <= h_max) & (err > 0)
    if mask.sum() < 2:
        raise ValueError(f"need at least two points with err > 0 in [h_min, h_max] = "
                         f"[{h_min}, {h_max}], got {int(mask.sum())}")
    slope, _ = np.polyfit(np.log10(h[mask]), np.log10(err[mask]), 1)
    return float(slope)


def unit_ball(p: float, n_points: int = 401) -> np.ndarray:
    """Points on the boundary {x in R² : ||x||_p = 1} of the 2-D unit ball of the p-norm.

    Each direction u = (cos t, sin t) is rescaled to u / ||u||_p, so the curve is closed
    (first point = last point).

    Parameters
    ----------
    p : float
        p >= 1 (1: diamond, 2: circle, ``np.inf``: square).
    n_points : int
        Number of points, >= 5.

    Returns
    -------
    ndarray of shape (n_points, 2)
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"p must be a number >= 1 or np.inf, got {type(p).__name__}")
    if not (p >= 1):
        raise ValueError(f"p must be >= 1 (for p < 1 ||.||_p is not a norm), got {p}")
    n_points = check_positive_int(n_points, "n_points", minimum=5)
    t = np.linspace(0.0, 2.0 * np.pi, n_points)
    u = np.stack([np.cos(t), np.sin(t)], axis=1)
    norms = np.linalg.norm(u, ord=p, axis=1)
    pts = u / norms[:, None]
    pts[-1] = pts[0]  # close the curve exactly
    return pts
