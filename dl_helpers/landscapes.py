"""2-D test functions for optimisers (Folien (16)–(17), (22), (55)–(61)).

A :class:`Landscape` bundles a function ``f : R^2 -> R`` with its analytic gradient and Hessian,
its torch twin ``f_torch`` (for ``torch.optim`` and autograd), the known minimiser and a plotting
window. Every ``f``/``grad`` is vectorised over leading axes, so the same code evaluates one point
``x`` of shape ``(2,)`` or a whole contour grid of shape ``(ny, nx, 2)``.

Available landscapes (``LANDSCAPES`` / :func:`get_landscape`):

* ``quadratic``  -- ill-conditioned quadratic ½ xᵀHx, H = R diag(λ₁, λ₂) Rᵀ (:func:`quadratic`);
* ``rosenbrock`` -- the banana valley (a − x)² + b(y − x²)² (:func:`rosenbrock`);
* ``saddle``     -- ½x² + ¼y⁴ − ½y²: a saddle at 0 between two minima (:func:`saddle`);
* ``beale``      -- Beale's function with its flat plateaus (:func:`beale`).

:func:`regression_landscape` turns a 1-D linear regression problem into a landscape over
θ = (w, b) and :func:`minibatch_gradient` gives the stochastic gradient of SGD.
:func:`contour_grid` evaluates a landscape for a contour plot.

The optimisers' paths on these landscapes are in :mod:`dl_helpers.trajectories`, the figures in
:mod:`dl_helpers.optimizers_plots`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from ._validation import (as_array, check_choice, check_positive_float, check_positive_int,
                          check_rng)

__all__ = [
    "Landscape", "LANDSCAPES", "get_landscape", "landscape_names",
    "quadratic", "quadratic_hessian", "rosenbrock", "saddle", "beale",
    "regression_landscape", "minibatch_gradient", "make_minibatch_grad", "contour_grid",
]

# --------------------------------------------------------------------------------------------
# Landscapes
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Landscape:
    """A 2-D test function with analytic derivatives.

    Attributes
    ----------
    name : str
    f : callable, ndarray (..., 2) -> ndarray (...)            function value
    grad : callable, ndarray (..., 2) -> ndarray (..., 2)      analytic gradient ∇f
    hessian : callable, ndarray (2,) -> ndarray (2, 2)         analytic Hessian ∇²f
    f_torch : callable, Tensor (2,) -> Tensor ()               the same f in torch
    x_min : ndarray of shape (2,)                              a global minimiser
    f_min : float                                              f(x_min)
    x0 : ndarray of shape (2,)                                 default start point
    xlim, ylim : tuple of float                                plotting window
    formula : str                                              LaTeX of f
    log_levels : bool                                          contours on a log scale (steep valleys)
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    hessian: Callable[[np.ndarray], np.ndarray]
    f_torch: Callable[[torch.Tensor], torch.Tensor]
    x_min: np.ndarray
    f_min: float
    x0: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    formula: str
    log_levels: bool = False

    def __call__(self, x):
        return self.f(_points(x))


def _vectorised(fn):
    """Mark a function of points (..., 2) as vectorised (run_trajectory evaluates a path at once)."""
    fn.vectorised = True
    return fn


def _xy(p: np.ndarray):
    """Coordinates of points (..., 2); Python floats for a single point (much faster in loops)."""
    if p.ndim == 1:
        x, y = p.tolist()
        return x, y
    return p[..., 0], p[..., 1]


def _pack(gx, gy) -> np.ndarray:
    """Inverse of :func:`_xy`: a (..., 2) array from the two components."""
    if isinstance(gx, float):
        return np.array([gx, gy])
    return np.stack([gx, gy], axis=-1)


def _points(x, name: str = "x") -> np.ndarray:
    if type(x) is np.ndarray and x.dtype == np.float64 and x.shape[-1:] == (2,):
        return x  # fast path: the optimiser loop calls this hundreds of times per slider move
    arr = as_array(x, name, allow_nan=True)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2) (points in the plane), got {arr.shape}")
    return arr


def quadratic_hessian(lambdas: Sequence[float] = (1.0, 10.0), angle: float = 0.0) -> np.ndarray:
    """H = R(angle) diag(λ₁, λ₂) R(angle)ᵀ, a symmetric positive definite (2, 2) matrix.

    Parameters
    ----------
    lambdas : pair of float > 0
        Eigenvalues of H (curvatures along the principal axes); κ = max/min is the condition number.
    angle : float
        Rotation of the principal axes in radians.
    """
    lam = as_array(lambdas, "lambdas", shape=(2,))
    if np.any(lam <= 0):
        raise ValueError(f"lambdas must be > 0 (a convex bowl), got {lam.tolist()}")
    if isinstance(angle, bool) or not isinstance(angle, (int, float, np.integer, np.floating)):
        raise TypeError(f"angle must be a number (radians), got {type(angle).__name__}")
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return rot @ np.diag(lam) @ rot.T


def quadratic(lambdas: Sequence[float] = (1.0, 10.0), angle: float = 0.0) -> Landscape:
    """Ill-conditioned quadratic f(x) = ½ xᵀHx with ∇f = Hx and ∇²f = H (minimum f(0) = 0).

    Gradient descent on it is the linear map x ← (I − ηH)x, so everything (stability limit,
    speed) is decided by the eigenvalues ``lambdas`` of H; see :func:`gd_stability_limit`.
    """
    H = quadratic_hessian(lambdas, angle)
    H_t = torch.tensor(H, dtype=torch.float64)

    @_vectorised
    def f(x):
        x = _points(x)
        return 0.5 * np.einsum("...i,ij,...j->...", x, H, x)

    def grad(x):
        return _points(x) @ H  # H is symmetric: (Hx)ᵀ = xᵀH

    def f_torch(x):
        return 0.5 * x @ H_t @ x

    lam = np.sort(np.asarray(lambdas, dtype=np.float64))
    return Landscape(
        name="quadratic", f=f, grad=grad, hessian=lambda x: H.copy(), f_torch=f_torch,
        x_min=np.zeros(2), f_min=0.0, x0=np.array([-2.0, 1.0]), xlim=(-2.5, 2.5), ylim=(-1.5, 1.5),
        formula=(r"\tfrac12\,x^\top H x,\ \lambda(H) = (%g, %g)" % (lam[0], lam[1])),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """Rosenbrock's valley f(x, y) = (a − x)² + b (y − x²)², minimum f(a, a²) = 0.

    The minimum lies in a long, curved, flat valley: easy to find, slow to follow.
    """
    a = float(as_array(a, "a", ndim=0))
    b = check_positive_float(b, "b")

    @_vectorised
    def f(p):
        p = _points(p)
        x, y = p[..., 0], p[..., 1]
        return (a - x) ** 2 + b * (y - x ** 2) ** 2

    def grad(p):
        x, y = _xy(_points(p))
        r = y - x * x
        return _pack(-2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r)

    def hessian(p):
        x, y = _points(p)
        return np.array([[2.0 - 4.0 * b * (y - x ** 2) + 8.0 * b * x ** 2, -4.0 * b * x],
                         [-4.0 * b * x, 2.0 * b]])

    def f_torch(p):
        return (a - p[0]) ** 2 + b * (p[1] - p[0] ** 2) ** 2

    return Landscape(
        name="rosenbrock", f=f, grad=grad, hessian=hessian, f_torch=f_torch,
        x_min=np.array([a, a * a]), f_min=0.0, x0=np.array([-1.5, 2.0]),
        xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
        formula=r"(%g - x)^2 + %g\,(y - x^2)^2" % (a, b), log_levels=True,
    )


def saddle() -> Landscape:
    """f(x, y) = ½x² + ¼y⁴ − ½y²: a saddle point at (0, 0), minima f(0, ±1) = −¼.

    Gradient descent started exactly on the line y = 0 converges to the saddle (∇f = 0 there,
    but it is no minimum); any tiny perturbation in y lets it escape to a minimum.
    """

    @_vectorised
    def f(p):
        p = _points(p)
        x, y = p[..., 0], p[..., 1]
        return 0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2

    def grad(p):
        x, y = _xy(_points(p))
        return _pack(x + 0.0, y * y * y - y)

    def hessian(p):
        _, y = _points(p)
        return np.array([[1.0, 0.0], [0.0, 3.0 * y ** 2 - 1.0]])

    def f_torch(p):
        return 0.5 * p[0] ** 2 + 0.25 * p[1] ** 4 - 0.5 * p[1] ** 2

    return Landscape(
        name="saddle", f=f, grad=grad, hessian=hessian, f_torch=f_torch,
        x_min=np.array([0.0, 1.0]), f_min=-0.25, x0=np.array([-1.8, 1e-3]),
        xlim=(-2.0, 2.0), ylim=(-1.6, 1.6), formula=r"\tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2",
    )


_BEALE_C = (1.5, 2.25, 2.625)


def beale() -> Landscape:
    """Beale's function Σ_{k=1}^{3} (c_k − x + x yᵏ)², c = (1.5, 2.25, 2.625); minimum f(3, ½) = 0."""

    @_vectorised
    def f(p):
        p = _points(p)
        x, y = p[..., 0], p[..., 1]
        return sum((c - x + x * y ** k) ** 2 for k, c in enumerate(_BEALE_C, start=1))

    def grad(p):
        x, y = _xy(_points(p))
        gx = gy = 0.0
        for k, c in enumerate(_BEALE_C, start=1):
            yk = y ** k
            r = c - x + x * yk
            gx = gx + 2.0 * r * (yk - 1.0)
            gy = gy + 2.0 * r * k * x * y ** (k - 1)
        return _pack(gx, gy)

    def hessian(p):
        x, y = _points(p)
        h = np.zeros((2, 2))
        for k, c in enumerate(_BEALE_C, start=1):
            r = c - x + x * y ** k
            rx, ry = y ** k - 1.0, k * x * y ** (k - 1)
            rxy = k * y ** (k - 1)
            ryy = k * (k - 1) * x * y ** (k - 2) if k >= 2 else 0.0
            h += 2.0 * np.array([[rx * rx, rx * ry + r * rxy], [rx * ry + r * rxy, ry * ry + r * ryy]])
        return h

    def f_torch(p):
        x, y = p[0], p[1]
        return sum((c - x + x * y ** k) ** 2 for k, c in enumerate(_BEALE_C, start=1))

    return Landscape(
        name="beale", f=f, grad=grad, hessian=hessian, f_torch=f_torch,
        x_min=np.array([3.0, 0.5]), f_min=0.0, x0=np.array([1.0, 1.4]),
        xlim=(-4.5, 4.5), ylim=(-4.5, 4.5),
        formula=r"\sum_{k=1}^{3} (c_k - x + x y^k)^2", log_levels=True,
    )


LANDSCAPES: dict[str, Landscape] = {
    "quadratic": quadratic(),
    "rosenbrock": rosenbrock(),
    "saddle": saddle(),
    "beale": beale(),
}


def landscape_names() -> list[str]:
    """Names accepted by :func:`get_landscape`."""
    return list(LANDSCAPES)


def get_landscape(name: str) -> Landscape:
    """Look up a default landscape by name (``quadratic``, ``rosenbrock``, ``saddle``, ``beale``)."""
    return LANDSCAPES[check_choice(name, "landscape", LANDSCAPES)]


# --------------------------------------------------------------------------------------------
# Linear regression as a 2-D landscape (SGD noise)
# --------------------------------------------------------------------------------------------
def _regression_data(x, y):
    x = as_array(x, "x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must have shape (m,) or (m, 1), got {x.shape}")
    y = as_array(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != x.shape:
        raise ValueError(f"y must have shape ({x.shape[0]},) like x, got {y.shape}")
    if x.size == 0:
        raise ValueError("x must contain at least one sample")
    return x, y


def regression_landscape(x, y) -> Landscape:
    """MSE of the line ŷ = w x + b as a function of θ = (w, b) (Skript §2: L = 1/(2m) Σ (ŷᵢ − yᵢ)²).

    Parameters
    ----------
    x : ndarray of shape (m,) or (m, 1)
    y : ndarray of shape (m,) or (m, 1)

    The loss is a quadratic in θ with Hessian (1/m) Σ (xᵢ, 1)ᵀ(xᵢ, 1); its minimiser is the
    least-squares line.
    """
    x, y = _regression_data(x, y)
    m = x.size
    A = np.stack([x, np.ones_like(x)], axis=1)            # (m, 2): rows (x_i, 1)
    H = A.T @ A / m                                       # Hessian, (2, 2)
    c = A.T @ y / m                                       # (2,)
    y2 = float(y @ y) / m
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    x_t, y_t = torch.tensor(x), torch.tensor(y)

    @_vectorised
    def f(theta):  # ½ θᵀHθ − cᵀθ + ½ mean(y²), the expanded 1/(2m) Σ (w xᵢ + b − yᵢ)²
        theta = _points(theta, "theta")
        return 0.5 * np.einsum("...i,ij,...j->...", theta, H, theta) - theta @ c + 0.5 * y2

    def grad(theta):
        return _points(theta, "theta") @ H - c

    def f_torch(theta):
        return 0.5 * torch.mean((theta[0] * x_t + theta[1] - y_t) ** 2)

    span = 2.0
    return Landscape(
        name="regression", f=f, grad=grad, hessian=lambda theta: H.copy(), f_torch=f_torch,
        x_min=theta_star, f_min=float(f(theta_star)), x0=theta_star + np.array([-1.5, 1.5]),
        xlim=(theta_star[0] - span, theta_star[0] + span),
        ylim=(theta_star[1] - span, theta_star[1] + span),
        formula=r"\frac{1}{2m}\sum_i (w x_i + b - y_i)^2", log_levels=True,
    )


def minibatch_gradient(theta, x, y, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """Stochastic gradient of the regression MSE on a random minibatch (Folien (84): mean over B).

    Draws ``batch_size`` distinct sample indices with ``rng`` and returns
    ∇_θ 1/(2B) Σ_{i∈B} (w xᵢ + b − yᵢ)² = 1/B Σ_{i∈B} (w xᵢ + b − yᵢ)(xᵢ, 1), shape (2,).
    Its expectation over the draw is the full-batch gradient; ``batch_size = m`` gives it exactly.
    """
    theta = as_array(theta, "theta", shape=(2,))
    x, y = _regression_data(x, y)
    batch_size = check_positive_int(batch_size, "batch_size")
    if batch_size > x.size:
        raise ValueError(f"batch_size must be <= number of samples {x.size}, got {batch_size}")
    rng = check_rng(rng)
    idx = rng.choice(x.size, size=batch_size, replace=False)
    r = theta[0] * x[idx] + theta[1] - y[idx]
    return np.array([np.mean(r * x[idx]), np.mean(r)])


def make_minibatch_grad(x, y, batch_size: int, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """A ``grad_f(theta)`` for :func:`dl_helpers.trajectories.run_trajectory` that draws a fresh minibatch on every call."""
    x, y = _regression_data(x, y)
    check_positive_int(batch_size, "batch_size")
    check_rng(rng)
    return lambda theta: minibatch_gradient(theta, x, y, batch_size, rng)


def contour_grid(landscape: Landscape, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid ``(X, Y, F)`` of shape (n, n) over the landscape's window, for ``ax.contour``."""
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
    n = check_positive_int(n, "n", minimum=2)
    xs = np.linspace(*landscape.xlim, n)
    ys = np.linspace(*landscape.ylim, n)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, landscape.f(np.stack([X, Y], axis=-1))
