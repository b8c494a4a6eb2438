"""Gradient-based optimisers in NumPy with exactly the semantics of ``torch.optim``.

Functional API (teaching code returns new arrays, nothing is changed in place)::

    opt = Adam(lr=1e-3)
    state = opt.init(params)
    params, state = opt.step(params, grads, state)

``params`` and ``grads`` are the same *tree*: a single ndarray, or a list/tuple (including
``network.Layer``) of ndarrays, nested arbitrarily. The torch twin of every optimiser is
``opt.torch_optimizer(model.parameters())``; the tests run both for 100 steps and compare.
Trajectories on 2-D test functions: :func:`dl_helpers.trajectories.run_trajectory`; figures in
:mod:`dl_helpers.optimizers_plots`.

Update rules (g = gradient, t = step counter starting at 1, all operations elementwise)

* :class:`SGD`  (gradient descent; "GD" is SGD on the full batch), torch's momentum form::

      g ← g + λ p                       (weight_decay λ, optional)
      v ← g                 (t = 1)     v ← μ v + (1 − τ) g   (t > 1; dampening τ, default 0)
      g ← g + μ v  (nesterov)  or  g ← v
      p ← p − η g

  Folien (55)–(56) write momentum as v ← β v + η ∇L, θ ← θ − v. For a constant learning
  rate this is the same trajectory (the slides' v equals η times torch's v); torch's form keeps
  the buffer independent of η, which matters when η is changed during training.
* :class:`Adam` (Folien (57)–(61)), torch's placement of ε (outside the square root)::

      m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
      p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

* :class:`AdamW` (decoupled weight decay, p ← p (1 − η λ) before the Adam step) and
  :class:`RMSprop` (v ← α v + (1 − α) g², p ← p − η g/(√v + ε)) for comparisons.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ._validation import all_finite, check_choice, check_positive_float

__all__ = [
    "SGD", "Adam", "AdamW", "AdamNoBiasCorrection", "RMSprop", "SGDState", "AdamState", "RMSpropState",
    "OPTIMIZERS", "get_optimizer", "tree_map", "tree_leaves",
]


# --------------------------------------------------------------------------------------------
# trees of arrays
# --------------------------------------------------------------------------------------------
def _is_leaf(x) -> bool:
    return not isinstance(x, (list, tuple))


def tree_leaves(tree) -> list:
    """All leaves of a nested list/tuple structure, depth first."""
    if _is_leaf(tree):
        return [tree]
    return [leaf for child in tree for leaf in tree_leaves(child)]


def tree_map(fn: Callable, tree, *rest):
    """Apply ``fn(leaf, *other_leaves)`` leafwise; the result has the structure of ``tree``.

    Lists stay lists, tuples stay tuples and NamedTuples (e.g. ``Layer``) keep their type.
    """
    if _is_leaf(tree):
        return fn(tree, *rest)
    for other in rest:
        if _is_leaf(other) or len(other) != len(tree):
            raise ValueError("grads must have the same structure as params "
                             f"(expected {len(tree)} entries)")
    children = [tree_map(fn, *parts) for parts in zip(tree, *rest)]
    if isinstance(tree, list):
        return children
    if hasattr(tree, "_fields"):  # NamedTuple
        return type(tree)(*children)
    return tuple(children)


def _to_array(x, name: str) -> np.ndarray:
    if type(x) is np.ndarray and x.dtype.kind == "f":   # fast path: nothing to convert
        return x
    if isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be NumPy arrays, got a torch.Tensor "
                        "(use opt.torch_optimizer(...) for torch parameters)")
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def _check_leaf(p, g, i: int) -> None:
    p = _to_array(p, "params")
    g = _to_array(g, "grads")
    if g.shape != p.shape:
        raise ValueError(f"grads leaf {i} must have shape {p.shape} like params, got {g.shape}")
    if g.size and not all_finite(g):
        raise ValueError(f"grads leaf {i} contains NaN or inf")


def _check_trees(params, grads) -> None:
    """Same structure, same leaf shapes, finite gradients (raised before any update)."""
    if type(params) is np.ndarray and type(grads) is np.ndarray:  # fast path: one array (2-D point)
        _check_leaf(params, grads, 0)
        return
    p_leaves = tree_leaves(params)
    g_leaves = tree_leaves(grads)
    if len(g_leaves) != len(p_leaves):
        raise ValueError(f"grads must have the same structure as params: {len(p_leaves)} arrays "
                         f"expected, got {len(g_leaves)}")
    for i, (p, g) in enumerate(zip(p_leaves, g_leaves)):
        _check_leaf(p, g, i)


def _check_step(opt, state, state_cls: type, params, grads) -> None:
    """Input checks shared by every ``step``: the state type, then the two trees."""
    if not isinstance(state, state_cls):
        name = type(opt).__name__
        raise TypeError(f"state must be the {state_cls.__name__} from {name}.init, "
                        f"got {type(state).__name__}")
    _check_trees(params, grads)


def _check_nonneg(value, name: str) -> float:
    return check_positive_float(value, name, allow_zero=True)


def _check_unit(value, name: str) -> float:
    v = _check_nonneg(value, name)
    if v >= 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return v


# --------------------------------------------------------------------------------------------
# SGD (+ momentum, Nesterov, weight decay)
# --------------------------------------------------------------------------------------------
class SGDState(NamedTuple):
    """step : int (number of steps done); momentum_buffer : tree like params, or None."""

    step: int
    momentum_buffer: Any


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with optional momentum, like ``torch.optim.SGD``.

    Update rule: see the module docstring (Folien (55)–(56) for momentum, in torch's form).

    Parameters
    ----------
    lr : float > 0
        Learning rate η.
    momentum : float >= 0
        μ (0 = plain (S)GD).
    dampening : float >= 0
        τ, damps the gradient in the buffer from step 2 on (torch).
    nesterov : bool
        Nesterov momentum (needs momentum > 0 and dampening = 0).
    weight_decay : float >= 0
        λ, adds λ p to the gradient (L2 regularisation).
    """

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0

    def __post_init__(self):
        check_positive_float(self.lr, "lr")
        _check_nonneg(self.momentum, "momentum")
        _check_nonneg(self.dampening, "dampening")
        _check_nonneg(self.weight_decay, "weight_decay")
        if not isinstance(self.nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {self.nesterov!r}")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")

    def init(self, params) -> SGDState:
        """Initial state: no momentum buffer yet (it is set to g in the first step)."""
        tree_leaves(params)
        return SGDState(0, None)

    def step(self, params, grads, state: SGDState):
        """One SGD update (new arrays; ``params``, ``grads`` and ``state`` are not modified).

        Parameters
        ----------
        params : ndarray or (nested) list/tuple of ndarrays, e.g. list of ``Layer``
        grads : same structure and leaf shapes as ``params``
            ∇L at ``params``; must be finite.
        state : SGDState
            From :meth:`init` or the previous ``step``.

        Returns
        -------
        new_params : same structure as ``params``
        new_state : SGDState
        """
        _check_step(self, state, SGDState, params, grads)
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if wd:
            grads = tree_map(lambda g, p: g + wd * p, grads, params)
        if mu == 0:
            return tree_map(lambda p, g: p - lr * g, params, grads), SGDState(state.step + 1, None)
        if state.momentum_buffer is None:
            buf = tree_map(lambda g: np.array(g, copy=True), grads)
        else:
            damp = 1.0 - self.dampening
            buf = tree_map(lambda v, g: mu * v + damp * g, state.momentum_buffer, grads)
        direction = tree_map(lambda g, v: g + mu * v, grads, buf) if self.nesterov else buf
        new_params = tree_map(lambda p, d: p - lr * d, params, direction)
        return new_params, SGDState(state.step + 1, buf)

    def torch_optimizer(self, parameters) -> torch.optim.SGD:
        """The same optimiser in torch (``torch.optim.SGD``) for ``model.parameters()``."""
        return torch.optim.SGD(parameters, lr=self.lr, momentum=self.momentum,
                               dampening=self.dampening, nesterov=self.nesterov,
                               weight_decay=self.weight_decay)


# --------------------------------------------------------------------------------------------
# Adam / AdamW
# --------------------------------------------------------------------------------------------
class AdamState(NamedTuple):
    """step : int; exp_avg : tree (m, 1st moment); exp_avg_sq : tree (v, 2nd moment);
    max_exp_avg_sq : tree or None (only with amsgrad)."""

    step: int
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any = None


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, exactly like ``torch.optim.Adam``.

    Update rule (Folien (57)–(61)): see the module docstring.

    Parameters
    ----------
    lr : float > 0
        Learning rate η.
    betas : (float, float) in [0, 1)
        β₁ (first moment m) and β₂ (second moment v).
    eps : float > 0
        ε, added to √v̂ (outside the square root, like torch).
    weight_decay : float >= 0
        λ; L2 (g ← g + λ p) for Adam, decoupled (p ← p(1 − ηλ)) for :class:`AdamW`.
    amsgrad : bool
        Use the maximum of all v so far in the denominator.
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False

    _decoupled = False

    def __post_init__(self):
        check_positive_float(self.lr, "lr")
        if not (isinstance(self.betas, (tuple, list)) and len(self.betas) == 2):
            raise TypeError(f"betas must be a pair (beta1, beta2), got {self.betas!r}")
        _check_unit(self.betas[0], "betas[0]")
        _check_unit(self.betas[1], "betas[1]")
        object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        check_positive_float(self.eps, "eps")
        _check_nonneg(self.weight_decay, "weight_decay")
        if not isinstance(self.amsgrad, bool):
            raise TypeError(f"amsgrad must be True or False, got {self.amsgrad!r}")

    def init(self, params) -> AdamState:
        """Zero moments m = v = 0 shaped like ``params``."""
        zeros = tree_map(lambda p: np.zeros_like(_to_array(p, "params")), params)
        return AdamState(0, zeros, zeros, zeros if self.amsgrad else None)

    def step(self, params, grads, state: AdamState):
        """One Adam update; arguments and results as in :meth:`SGD.step`, with an
        :class:`AdamState` (t, m, v) instead of the SGD state. Nothing is modified in place."""
        _check_step(self, state, AdamState, params, grads)
        lr, (b1, b2), eps, wd = self.lr, self.betas, self.eps, self.weight_decay
        t = state.step + 1
        if wd and self._decoupled:
            params = tree_map(lambda p: p * (1.0 - lr * wd), params)
        elif wd:
            grads = tree_map(lambda g, p: g + wd * p, grads, params)
        # torch: exp_avg.lerp_(g, 1 − β₁) = m + (1 − β₁)(g − m)
        m = tree_map(lambda m_, g: m_ + (1.0 - b1) * (g - m_), state.exp_avg, grads)
        v = tree_map(lambda v_, g: b2 * v_ + (1.0 - b2) * (g * g), state.exp_avg_sq, grads)
        v_max = None
        if self.amsgrad:
            v_max = tree_map(np.maximum, state.max_exp_avg_sq, v)
        step_size = lr / (1.0 - b1 ** t)
        bc2_sqrt = (1.0 - b2 ** t) ** 0.5
        v_used = v_max if self.amsgrad else v
        # torch: p.addcdiv_(m, denom, value=−step_size) evaluates p + (−step_size·m)/denom
        new_params = tree_map(
            lambda p, m_, v_: p + (-step_size * m_) / (np.sqrt(v_) / bc2_sqrt + eps),
            params, m, v_used)
        return new_params, AdamState(t, m, v, v_max)

    def torch_optimizer(self, parameters) -> torch.optim.Optimizer:
        """The same optimiser in torch (``torch.optim.Adam``)."""
        return torch.optim.Adam(parameters, lr=self.lr, betas=self.betas, eps=self.eps,
                                weight_decay=self.weight_decay, amsgrad=self.amsgrad)


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay p ← p(1 − ηλ) (Loshchilov & Hutter), like ``torch.optim.AdamW``."""

    weight_decay: float = 1e-2
    _decoupled = True

    def torch_optimizer(self, parameters) -> torch.optim.Optimizer:
        return torch.optim.AdamW(parameters, lr=self.lr, betas=self.betas, eps=self.eps,
                                 weight_decay=self.weight_decay, amsgrad=self.amsgrad)


# --------------------------------------------------------------------------------------------
# RMSprop
# --------------------------------------------------------------------------------------------
class RMSpropState(NamedTuple):
    """step : int; square_avg : tree (v); momentum_buffer : tree or None."""

    step: int
    square_avg: Any
    momentum_buffer: Any = None


@dataclass(frozen=True)
class RMSprop:
    """RMSprop like ``torch.optim.RMSprop`` (not centered): v ← αv + (1−α)g², p ← p − η g/(√v + ε).

    lr : float > 0; alpha : float in [0, 1); eps : float > 0; weight_decay, momentum : >= 0.
    """

    lr: float = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0

    def __post_init__(self):
        check_positive_float(self.lr, "lr")
        _check_unit(self.alpha, "alpha")
        check_positive_float(self.eps, "eps")
        _check_nonneg(self.weight_decay, "weight_decay")
        _check_nonneg(self.momentum, "momentum")

    def init(self, params) -> RMSpropState:
        zeros = tree_map(lambda p: np.zeros_like(_to_array(p, "params")), params)
        return RMSpropState(0, zeros, zeros if self.momentum > 0 else None)

    def step(self, params, grads, state: RMSpropState):
        """One RMSprop update; arguments and results as in :meth:`Adam.step` (RMSpropState)."""
        _check_step(self, state, RMSpropState, params, grads)
        lr, a, eps, wd, mu = self.lr, self.alpha, self.eps, self.weight_decay, self.momentum
        if wd:
            grads = tree_map(lambda g, p: g + wd * p, grads, params)
        v = tree_map(lambda v_, g: a * v_ + (1.0 - a) * (g * g), state.square_avg, grads)
        avg = tree_map(lambda v_: np.sqrt(v_) + eps, v)
        if mu > 0:
            buf = tree_map(lambda b, g, d: mu * b + g / d, state.momentum_buffer, grads, avg)
            new_params = tree_map(lambda p, b: p - lr * b, params, buf)
        else:
            buf = None
            new_params = tree_map(lambda p, g, d: p + (-lr * g) / d, params, grads, avg)
        return new_params, RMSpropState(state.step + 1, v, buf)

    def torch_optimizer(self, parameters) -> torch.optim.Optimizer:
        return torch.optim.RMSprop(parameters, lr=self.lr, alpha=self.alpha, eps=self.eps,
                                   weight_decay=self.weight_decay, momentum=self.momentum)


@dataclass(frozen=True)
class AdamNoBiasCorrection(Adam):
    """Adam *without* bias correction (for the demonstration only): θ ← θ − η m / (√v + ε).

    Same moments as :class:`Adam` (m⁽⁰⁾ = v⁽⁰⁾ = 0), but m and v are used
    directly instead of m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) (the bias-correction lines between
    Folien (58) and (61) left out). Weight decay and amsgrad are not supported.
    """

    def __post_init__(self):
        super().__post_init__()
        if self.weight_decay or self.amsgrad:
            raise ValueError("AdamNoBiasCorrection supports neither weight_decay nor amsgrad")

    def step(self, params, grads, state: AdamState):
        """One update without bias correction; returns ``(new_params, new_state)``."""
        if not isinstance(state, AdamState):
            raise TypeError(f"state must be the AdamState from init, got {type(state).__name__}")
        (b1, b2), lr, eps = self.betas, self.lr, self.eps
        m = tree_map(lambda m_, g: b1 * m_ + (1.0 - b1) * g, state.exp_avg, grads)
        v = tree_map(lambda v_, g: b2 * v_ + (1.0 - b2) * (g * g), state.exp_avg_sq, grads)
        new_params = tree_map(lambda p, m_, v_: p - lr * m_ / (np.sqrt(v_) + eps), params, m, v)
        return new_params, AdamState(state.step + 1, m, v, None)

    def torch_optimizer(self, parameters):
        raise NotImplementedError("torch.optim.Adam always applies the bias correction")


OPTIMIZERS: dict[str, type] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}


def get_optimizer(name: str, **kwargs):
    """Construct an optimiser by name: ``get_optimizer("adam", lr=0.01)``."""
    return OPTIMIZERS[check_choice(name, "optimizer", OPTIMIZERS)](**kwargs)
