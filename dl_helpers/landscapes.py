"""2-D test functions for optimisers and the trajectory of an optimiser on them (Folien (16)–(17), (22), (55)–(61)).

A :class:`Landscape` bundles a function ``f : R^2 -> R`` with its analytic gradient and Hessian,
its torch twin (for ``torch.optim`` and autograd), the known minimiser and a plotting window.
Every ``f``/``grad`` is vectorised over leading axes, so the same code evaluates one point
``x`` of shape ``(2,)`` or a whole contour grid of shape ``(ny, nx, 2)``.

Available landscapes (``LANDSCAPES`` / :func:`get_landscape`):

* ``quadratic``  -- ill-conditioned quadratic ½ xᵀHx, H = R diag(λ₁, λ₂) Rᵀ (:func:`quadratic`);
* ``rosenbrock`` -- the banana valley (a − x)² + b(y − x²)² (:func:`rosenbrock`);
* ``saddle``     -- ½x² + ¼y⁴ − ½y²: a saddle at 0 between two minima (:func:`saddle`);
* ``beale``      -- Beale's function with its flat plateaus (:func:`beale`).

:func:`regression_landscape` turns a 1-D linear regression problem into a landscape over
θ = (w, b) and :func:`minibatch_gradient` gives the stochastic gradient of SGD.

:func:`run_trajectory` runs any optimiser of :mod:`dl_helpers.optimizers` (functional API
``state = opt.init(params)``, ``params, state = opt.step(params, grads, state)``) and returns
the path and the losses; :func:`trajectory_torch` does the same with ``torch.optim``'s update
(the class, or its functional kernel via :class:`TorchOptimKernel`) and autograd, which is how
the notebook shows that both agree step for step.
:func:`compare_optimizers` runs GD, momentum and Adam from one start (the computation behind
the notebook's slider, start values in ``DEFAULT_HPARAMS``).
:func:`gd_stability_limit`, :func:`momentum_stability_limit`, :func:`taylor_decrease` and
:func:`adam_step_ratio` are the small analytic facts the notebook verifies numerically;
:func:`contour_grid` evaluates a landscape for a contour plot. The figures are in
:mod:`dl_helpers.optimizers_plots`; Adam without bias correction is
:class:`dl_helpers.optimizers.AdamNoBiasCorrection`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .optimizers import SGD, Adam
from ._validation import (as_array, check_choice, check_positive_float, check_positive_int,
                          check_rng)

__all__ = [
    "Landscape", "Trajectory", "LANDSCAPES", "get_landscape", "landscape_names",
    "quadratic", "quadratic_hessian", "rosenbrock", "saddle", "beale",
    "regression_landscape", "minibatch_gradient", "make_minibatch_grad",
    "run_trajectory", "trajectory_torch", "TorchOptimKernel", "compare_optimizers",
    "OPTIMIZER_LABELS", "DEFAULT_HPARAMS", "gd_stability_limit", "momentum_stability_limit",
    "taylor_decrease", "adam_step_ratio", "contour_grid",
]

#: an iterate whose norm exceeds this bound counts as diverged (the run stops there)
DIVERGENCE_NORM = 1e6


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
    """A ``grad_f(theta)`` for :func:`run_trajectory` that draws a fresh minibatch on every call."""
    x, y = _regression_data(x, y)
    check_positive_int(batch_size, "batch_size")
    check_rng(rng)
    return lambda theta: minibatch_gradient(theta, x, y, batch_size, rng)


# --------------------------------------------------------------------------------------------
# Trajectories
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trajectory:
    """Iterates of an optimiser.

    Attributes
    ----------
    path : ndarray of shape (n + 1, 2)     x⁽⁰⁾ … x⁽ⁿ⁾ (n = steps, or fewer if it diverged)
    losses : ndarray of shape (n + 1,)     f(x⁽ᵗ⁾)
    diverged : bool                        True if ‖x‖ exceeded ``DIVERGENCE_NORM`` or became NaN
    """

    path: np.ndarray
    losses: np.ndarray
    diverged: bool = False

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]


def _check_steps_x0(x0, steps):
    x0 = as_array(x0, "x0", shape=(2,))
    steps = check_positive_int(steps, "steps", minimum=0)
    return x0, steps


def run_trajectory(optimizer, f: Callable, grad_f: Callable, x0, steps: int) -> Trajectory:
    """Run ``steps`` optimiser steps from ``x0`` on ``f`` and record the path.

    Parameters
    ----------
    optimizer : object with ``init(params) -> state`` and ``step(params, grads, state) ->
        (params, state)`` on a parameter tree, here one ndarray of shape (2,)
        (:mod:`dl_helpers.optimizers`: ``SGD``, ``Adam``, …). Any object with this functional
        interface works.
    f : callable, ndarray (2,) -> float
        Evaluated once on the whole path if it is a Landscape's (vectorised) ``f``.
    grad_f : callable, ndarray (2,) -> ndarray (2,)
        Exact or stochastic gradient (see :func:`make_minibatch_grad`).
    x0 : ndarray of shape (2,)
    steps : int >= 0

    Returns
    -------
    Trajectory
        Stops early (``diverged=True``) once an iterate leaves the ball of radius
        ``DIVERGENCE_NORM`` or is not finite; that iterate is the last one recorded.
    """
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "step")):
        raise TypeError("optimizer must provide init(params) and step(params, grads, state), "
                        f"e.g. dl_helpers.optimizers.SGD; got {type(optimizer).__name__}")
    if not callable(f) or not callable(grad_f):
        raise TypeError("f and grad_f must be callables taking an ndarray of shape (2,)")
    x0, steps = _check_steps_x0(x0, steps)
    path = np.empty((steps + 1, 2))
    path[0] = x0
    params = x0.copy()  # a single ndarray is a valid parameter tree (cheaper than a list)
    state = optimizer.init(params)
    n, diverged = steps, False
    bound = DIVERGENCE_NORM ** 2
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            params, state = optimizer.step(params, np.asarray(grad_f(params), dtype=np.float64), state)
            params = np.asarray(params, dtype=np.float64)
            path[t] = params
            if not params @ params <= bound:  # also catches NaN
                n, diverged = t, True
                break
        path = path[: n + 1]
        losses = np.asarray(f(path), dtype=np.float64) if getattr(f, "vectorised", False) else \
            np.array([f(p) for p in path], dtype=np.float64)
    if losses.shape != (n + 1,):
        losses = np.array([f(p) for p in path], dtype=np.float64)
    return Trajectory(path, losses, diverged)


class TorchOptimKernel:
    """``torch.optim``'s own update rule for a :mod:`dl_helpers.optimizers` ``SGD`` or ``Adam``,
    run through the functional kernels :func:`torch.optim.sgd.sgd` / :func:`torch.optim.adam.adam`.

    These are the functions that ``torch.optim.SGD.step`` / ``torch.optim.Adam.step`` call
    internally, with the same state (momentum buffer; ``exp_avg``, ``exp_avg_sq``, step count)
    and the same arithmetic. The classes themselves import ``torch._dynamo`` the first time an
    optimiser is built or stepped, a one-time cost of 2–5 s on the course machine (measured:
    2.1 s for the first ``torch.optim.Adam`` step in a fresh process, 0.4 ms for SGD after it);
    the kernels do not. That import cost is why the public classes are not used here. ``tests/test_landscapes.py`` checks that kernel and class give identical iterates.

    Parameters
    ----------
    optimizer : dl_helpers.optimizers.SGD or Adam (exactly these classes; AdamW and other
        subclasses are rejected)
    params : list of float tensors with ``requires_grad=True``

    ``step()`` updates ``params`` in place from their ``.grad`` (like ``torch.optim``). Should
    the functional signature differ in another torch version (``TypeError`` in the first step),
    the kernel falls back to the class from ``optimizer.torch_optimizer`` (same result, slower
    first use).
    """

    def __init__(self, optimizer, params):
        if type(optimizer) not in (SGD, Adam):
            raise TypeError("optimizer must be a dl_helpers.optimizers.SGD or Adam, "
                            f"got {type(optimizer).__name__}")
        params = list(params)
        if not params or not all(isinstance(p, torch.Tensor) and p.requires_grad for p in params):
            raise TypeError("params must be a non-empty list of tensors with requires_grad=True")
        self.optimizer, self.params = optimizer, params
        self._torch_opt = None   # the torch.optim class, only if the functional call fails
        self._steps_done = 0
        if isinstance(optimizer, SGD):
            self._buffers = [None] * len(params)
        else:
            step_dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
            self._exp_avgs = [torch.zeros_like(p) for p in params]
            self._exp_avg_sqs = [torch.zeros_like(p) for p in params]
            self._max_sqs = [torch.zeros_like(p) for p in params] if optimizer.amsgrad else []
            self._steps = [torch.zeros((), dtype=step_dtype) for _ in params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        if any(p.grad is None for p in self.params):
            raise ValueError("every parameter needs a .grad before step() (call backward first)")
        if self._torch_opt is None:
            try:
                self._functional_step()
            except TypeError:
                if self._steps_done:
                    raise
                self._torch_opt = self.optimizer.torch_optimizer(self.params)
        if self._torch_opt is not None:
            self._torch_opt.step()
        self._steps_done += 1

    @torch.no_grad()
    def _functional_step(self) -> None:
        from torch.optim import adam as adam_module  # the modules, not the classes Adam/SGD
        from torch.optim import sgd as sgd_module

        o = self.optimizer
        grads = [p.grad for p in self.params]
        if isinstance(o, SGD):
            sgd_module.sgd(self.params, grads, self._buffers, foreach=False,
                           weight_decay=o.weight_decay, momentum=o.momentum, lr=o.lr,
                           dampening=o.dampening, nesterov=o.nesterov, maximize=False)
        else:
            adam_module.adam(self.params, grads, self._exp_avgs, self._exp_avg_sqs, self._max_sqs,
                             self._steps, foreach=False, amsgrad=o.amsgrad, beta1=o.betas[0],
                             beta2=o.betas[1], lr=o.lr, weight_decay=o.weight_decay, eps=o.eps,
                             maximize=False)


def trajectory_torch(optimizer, f_torch: Callable, x0, steps: int) -> Trajectory:
    """The same as :func:`run_trajectory`, but with ``torch.optim``'s update and autograd.

    Parameters
    ----------
    optimizer : dl_helpers.optimizers.SGD or Adam, or callable list[Tensor] -> torch.optim.Optimizer
        An ``SGD``/``Adam`` object runs ``torch.optim``'s functional kernel with its
        hyperparameters (:class:`TorchOptimKernel`, cheap); a factory such as
        ``lambda p: torch.optim.Adam(p, lr=0.1)`` builds the ``torch.optim`` class itself.
    f_torch : callable, Tensor (2,) -> Tensor ()       (``Landscape.f_torch``)
    x0 : ndarray of shape (2,)
    steps : int >= 0

    Computation in float64. Stops like :func:`run_trajectory` when the iterate diverges.
    """
    if not callable(f_torch):
        raise TypeError("f_torch must be a callable Tensor (2,) -> Tensor ()")
    if type(optimizer) not in (SGD, Adam) and not callable(optimizer):
        raise TypeError("optimizer must be a dl_helpers SGD/Adam or a callable make_optimizer, "
                        f"got {type(optimizer).__name__}")
    x0, steps = _check_steps_x0(x0, steps)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    if type(optimizer) in (SGD, Adam):
        opt = TorchOptimKernel(optimizer, [x])
    else:
        opt = optimizer([x])
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError("make_optimizer must return a torch.optim.Optimizer, "
                            f"got {type(opt).__name__}")
    path = [x0.copy()]
    losses = []
    diverged = False
    for _ in range(steps):
        opt.zero_grad()
        loss = f_torch(x)
        loss.backward()
        losses.append(loss.item())
        opt.step()
        xn = x.detach().numpy().copy()
        path.append(xn)
        if not (np.isfinite(xn).all() and xn @ xn <= DIVERGENCE_NORM ** 2):
            diverged = True
            break
    with torch.no_grad():
        losses.append(f_torch(x).item())
    return Trajectory(np.array(path), np.array(losses), diverged)


#: labels of :func:`compare_optimizers` (and of the notebook's slider plot)
OPTIMIZER_LABELS = ("GD", "Momentum", "Adam")

#: hyper-parameters that give instructive pictures on each landscape (slider start values)
DEFAULT_HPARAMS: dict[str, dict] = {
    "quadratic": dict(lr=0.18, momentum=0.5, adam_lr=0.1, steps=100, loss_ylim=(1e-12, 1e2)),
    "rosenbrock": dict(lr=1e-3, momentum=0.9, adam_lr=0.05, steps=300, loss_ylim=(1e-6, 1e2)),
    "saddle": dict(lr=0.1, momentum=0.7, adam_lr=0.05, steps=150, loss_ylim=(1e-12, 1e1)),
    "beale": dict(lr=1e-2, momentum=0.7, adam_lr=0.1, steps=300, loss_ylim=(1e-8, 1e2)),
}


def compare_optimizers(landscape: Landscape, *, lr: float, momentum: float, adam_lr: float,
                       betas: tuple[float, float] = (0.9, 0.999), steps: int = 300,
                       x0=None) -> dict[str, Trajectory]:
    """GD, heavy-ball momentum and Adam from the same start (the computation behind the slider).

    Parameters
    ----------
    landscape : Landscape
    lr : float > 0                learning rate η of GD and of momentum (Folien (22), (55))
    momentum : float in [0, 1)    β of momentum (Folie (55))
    adam_lr : float > 0           η of Adam (Folie (61)); a step *length*, so on another scale than lr
    betas : (β₁, β₂)              Adam's decay rates (Folien (57)–(58))
    steps : int
    x0 : ndarray of shape (2,), optional   default ``landscape.x0``

    Returns
    -------
    dict
        ``{"GD": Trajectory, "Momentum": Trajectory, "Adam": Trajectory}``
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
    momentum = check_positive_float(momentum, "momentum", allow_zero=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    x0 = landscape.x0 if x0 is None else x0
    opts = {"GD": SGD(lr=lr), "Momentum": SGD(lr=lr, momentum=momentum),
            "Adam": Adam(lr=adam_lr, betas=tuple(betas))}
    return {k: run_trajectory(o, landscape.f, landscape.grad, x0, steps) for k, o in opts.items()}


# --------------------------------------------------------------------------------------------
# Analytic facts checked in the notebook
# --------------------------------------------------------------------------------------------
def _spd(H, name="H") -> np.ndarray:
    H = as_array(H, name, ndim=2)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {H.shape}")
    if not np.allclose(H, H.T, rtol=1e-12, atol=1e-12):
        raise ValueError(f"{name} must be symmetric (a Hessian)")
    lam = np.linalg.eigvalsh(H)
    if lam[-1] <= 0:
        raise ValueError(f"{name} must have a positive eigenvalue, got eigenvalues {lam.tolist()}")
    return lam


def gd_stability_limit(H) -> float:
    """Largest stable learning rate of gradient descent on ½ xᵀHx: η < 2 / λ_max(H).

    GD is x ← (I − ηH)x; along the eigenvector of λ the error is multiplied by (1 − ηλ) per
    step, which shrinks iff |1 − ηλ| < 1 ⇔ 0 < η < 2/λ. The largest λ sets the limit.
    """
    return 2.0 / float(_spd(H)[-1])


def momentum_stability_limit(H, beta: float) -> float:
    """Stability limit of heavy-ball momentum (Folien (55)–(56)) on ½ xᵀHx: η < 2(1 + β) / λ_max.

    Per eigenvalue λ the iteration x_{t+1} = x_t − ηλ x_t + β(x_t − x_{t−1}) has the
    characteristic polynomial r² − (1 + β − ηλ) r + β; both roots lie inside the unit circle
    iff 0 ≤ β < 1 and 0 < ηλ < 2(1 + β).
    """
    beta = check_positive_float(beta, "beta", allow_zero=True)
    if beta >= 1:
        raise ValueError(f"beta must be in [0, 1), got {beta}")
    return 2.0 * (1.0 + beta) / float(_spd(H)[-1])


def taylor_decrease(landscape: Landscape, x, etas) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change of f after one GD step of size η, exact and from the Taylor expansions (Folien (16)–(17)).

    Parameters
    ----------
    landscape : Landscape
    x : ndarray of shape (2,)
    etas : ndarray of shape (k,)

    Returns
    -------
    actual : ndarray (k,)          f(x − η g) − f(x), g = ∇f(x)
    first_order : ndarray (k,)     −η ‖g‖²                      (Folie (17))
    second_order : ndarray (k,)    −η ‖g‖² + ½ η² gᵀ∇²f(x) g    (exact for a quadratic)
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
    x = as_array(x, "x", shape=(2,))
    etas = as_array(etas, "etas", ndim=1)
    g = landscape.grad(x)
    gHg = float(g @ landscape.hessian(x) @ g)
    actual = landscape.f(x[None, :] - etas[:, None] * g[None, :]) - landscape.f(x)
    first = -etas * float(g @ g)
    return actual, first, first + 0.5 * etas ** 2 * gHg


def adam_step_ratio(t, beta1: float = 0.9, beta2: float = 0.999, bias_correction: bool = True) -> np.ndarray:
    """|Δθ| / η of Adam's step t for a constant gradient g ≠ 0 (with ε = 0) (Folien (57)–(61)).

    With m⁽⁰⁾ = v⁽⁰⁾ = 0 and a constant gradient, m_t = (1 − β₁ᵗ) g and v_t = (1 − β₂ᵗ) g².
    With bias correction m̂_t/√v̂_t = g/|g|, so every step has length η. Without it the ratio is
    (1 − β₁ᵗ) / √(1 − β₂ᵗ), e.g. ≈ 3.16 at t = 1 and ≈ 6.6 near t = 12 for the default betas:
    the first steps are several times too *large*, not too small.

    Parameters
    ----------
    t : int or ndarray of int >= 1
    """
    t = np.asarray(t)
    if not np.issubdtype(t.dtype, np.integer) or np.any(t < 1):
        raise ValueError(f"t must be integer step number(s) >= 1, got {t!r}")
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        b = check_positive_float(b, name, allow_zero=True)
        if b >= 1:
            raise ValueError(f"{name} must be in [0, 1), got {b}")
    if bias_correction:
        return np.ones(t.shape)
    return (1.0 - beta1 ** t) / np.sqrt(1.0 - beta2 ** t)


def contour_grid(landscape: Landscape, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid ``(X, Y, F)`` of shape (n, n) over the landscape's window, for ``ax.contour``."""
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
    n = check_positive_int(n, "n", minimum=2)
    xs = np.linspace(*landscape.xlim, n)
    ys = np.linspace(*landscape.ylim, n)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, landscape.f(np.stack([X, Y], axis=-1))
