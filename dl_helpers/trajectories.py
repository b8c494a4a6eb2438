"""Paths of optimisers on the 2-D landscapes and the analytic facts notebook 05 checks
(Folien (16)–(17), (22), (55)–(61)).

:func:`run_trajectory` runs any optimiser of :mod:`dl_helpers.optimizers` (functional API
``state = opt.init(params)``, ``params, state = opt.step(params, grads, state)``) on a
:class:`~dl_helpers.landscapes.Landscape` and returns the path and the losses;
:func:`trajectory_torch` is its twin with ``torch.optim``'s update (the class, or its functional
kernel via :class:`TorchOptimKernel`) and autograd: both agree step for step.
:func:`compare_optimizers` runs GD, momentum and Adam from one start (the computation behind
the notebook's sliders, start values in ``DEFAULT_HPARAMS``).
:func:`gd_stability_limit`, :func:`momentum_stability_limit`, :func:`taylor_decrease` and
:func:`adam_step_ratio` are the small analytic facts the notebook verifies numerically.
The figures are in :mod:`dl_helpers.optimizers_plots`; Adam without bias correction is
:class:`dl_helpers.optimizers.AdamNoBiasCorrection`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ._validation import as_array, check_positive_float, check_positive_int
from .landscapes import Landscape
from .optimizers import SGD, Adam

__all__ = [
    "Trajectory", "DIVERGENCE_NORM", "run_trajectory", "trajectory_torch", "TorchOptimKernel",
    "compare_optimizers", "OPTIMIZER_LABELS", "DEFAULT_HPARAMS", "gd_stability_limit",
    "momentum_stability_limit", "taylor_decrease", "adam_step_ratio",
]

#: an iterate whose norm exceeds this bound counts as diverged (the run stops there)
DIVERGENCE_NORM = 1e6


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
        Exact or stochastic gradient (see :func:`dl_helpers.landscapes.make_minibatch_grad`).
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
    the kernels do not. That import cost is why the public classes are not used here.
    ``tests/test_trajectories.py`` checks that kernel and class give identical iterates.

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
