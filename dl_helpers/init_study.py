"""The initialisation study: weight variance × activation × depth (Skript §4, §5).

One forward and one backward pass of a random deep MLP on fixed random inputs, and what it
does to the signal layer by layer. Every layer ``l = 1 … L`` maps width ``d`` to width ``d``::

    z_l = a_{l-1} W_lᵀ               (pre-activation α̃, bias 0 as in Skript §5.2)
    a_l = σ(z_l)                      (post-activation α, a_0 = X)
    W_l[k, j] ~ N(0, c / d)           c = "variance factor" (Var(w) as a multiple of 1/fan_in)

The factor ``c`` is what the lecture's derivation (Skript §5.2) is about:
``Var(z_l) = d · Var(w) · E[a_{l-1}²] = c · E[a_{l-1}²]`` (:func:`predicted_z_var`). LeCun
(and Glorot for square layers) is ``c = 1``, He is ``c = 2``; the Taylor argument for the
sigmoid asks for ``c = 1/σ'(0)² = 16``.

Backward pass: the "loss" is a fixed random linear read-out ``C = (1/m) Σ_i ⟨g_i, a_L,i⟩``
with ``g_i ~ N(0, I)``. Its gradient at the output does not depend on the network, so the
per-layer norms ‖∂C/∂W_l‖_F show nothing but the δ-recursion (Skript §3 eq. (3)):
``δ_L = σ'(z_L) ∘ G/m``, ``δ_{l-1} = (δ_l W_l) ∘ σ'(z_{l-1})``, ``∂C/∂W_l = δ_lᵀ a_{l-1}``.

The pass is plain torch in float32 (:func:`study_forward`, :func:`study_backward`); the
statistics are taken in float64. Its size is chosen so that a slider move at depth 50 stays
fast on one core: width 128, batch 256 (≈ 1.3 GFLOP, 32 768 values per histogram).
``tests/test_init_study.py`` checks the pass against :mod:`dl_helpers.network` in float64
and the statistics against the mean-field theory.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from ._validation import check_choice, check_positive_float, check_positive_int
from .activations import get_activation

__all__ = [
    "STUDY_ACTIVATIONS", "VARIANCE_GRID", "DEPTH_GRID", "SCHEME_MARKS", "MAX_DEPTH",
    "DEFAULT_WIDTH", "DEFAULT_BATCH", "HIST_BINS", "SAT_TOL", "HEURISTIC_FACTOR",
    "StudyResult", "run_study", "scheme_factor", "hist_range", "saturation_intervals",
    "max_abs_derivative", "hist_layer_choice", "predicted_z_var", "study_weights",
    "study_inputs", "study_forward", "study_backward", "study_forward_backward",
]

#: Activations offered by the study (the differentiable ones of ``dl_helpers.activations``).
STUDY_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
#: Variance factors c (Var(w) = c / fan_in) of the slider: 2^(k/2), 0.125 … 16 (log scale).
#: Contains exactly 1 (LeCun, Glorot for square layers), 2 (He) and 16 (sigmoid, Taylor).
VARIANCE_GRID: tuple[float, ...] = tuple(float(2.0 ** (k / 2)) for k in range(-6, 9))
#: Depths of the slider.
DEPTH_GRID: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 30, 50)
MAX_DEPTH = 50
DEFAULT_WIDTH = 128
DEFAULT_BATCH = 256
HIST_BINS = 48
#: A unit counts as saturated where |σ'(z)| < SAT_TOL · max|σ'|.
SAT_TOL = 0.05
#: Glorot & Bengio's "standard" heuristic U[-1/√n, 1/√n]: Var(w) = 1/(3n), i.e. c = 1/3.
HEURISTIC_FACTOR = 1.0 / 3.0
#: Named points on the variance axis (square layers d_in = d_out).
SCHEME_MARKS: dict[str, float] = {"LeCun": 1.0, "Glorot": 1.0, "He": 2.0}

_BOUNDED_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
_UNBOUNDED_RANGE = (-1.25, 5.0)


def hist_range(activation: str) -> tuple[float, float]:
    """Fixed histogram range of the post-activations for ``activation`` (values outside are
    counted in the edge bins, so an exploding signal shows up as a spike at the border)."""
    return _BOUNDED_RANGE.get(get_activation(activation).name, _UNBOUNDED_RANGE)


def _derivative_on_grid(activation: str) -> tuple[np.ndarray, np.ndarray]:
    """z from -30 to 30 in steps of 1e-4 (float64) and σ'(z) there."""
    act = get_activation(activation)
    z = np.round(np.linspace(-30.0, 30.0, 600_001), 4)
    return z, act.df(z, act.f(z))


@cache  # a constant per activation (the grid costs a few ms)
def max_abs_derivative(activation: str) -> float:
    """max |σ'(z)| over z: the reference of the saturation threshold ``SAT_TOL · max|σ'|``."""
    return float(np.abs(_derivative_on_grid(activation)[1]).max())


def saturation_intervals(activation: str) -> tuple[tuple[float, float], ...]:
    """Intervals of z where |σ'(z)| < SAT_TOL · max|σ'| (found on a grid of step 1e-4).

    Returns closed intervals ``(lo, hi)``; ``±inf`` marks unbounded ends. For ReLU this is
    ``((-inf, 0),)``: there the derivative is exactly 0.
    """
    z, d = _derivative_on_grid(activation)
    small = np.abs(d) < SAT_TOL * np.abs(d).max()
    edges = np.flatnonzero(np.diff(np.r_[0, small.astype(np.int8), 0]))  # run starts/ends
    return tuple((-np.inf if i == 0 else float(z[i]),
                  np.inf if j == z.size else float(z[j - 1]))
                 for i, j in zip(edges[::2], edges[1::2]))


def scheme_factor(scheme: str, d_in: int = DEFAULT_WIDTH, d_out: int | None = None) -> float:
    """Variance factor c = Var(w) · d_in of a named initialisation scheme.

    ``scheme`` is a name from :data:`dl_helpers.initializers.INITIALIZERS` (``lecun_normal``,
    ``glorot_uniform``, ``he_normal``, …) or ``"heuristic"`` (Glorot & Bengio's old default
    U[-1/√n, 1/√n], c = 1/3).
    """
    d_in = check_positive_int(d_in, "d_in")
    d_out = d_in if d_out is None else check_positive_int(d_out, "d_out")
    if isinstance(scheme, str) and scheme.lower() == "heuristic":
        return HEURISTIC_FACTOR
    from .initializers import target_variance

    return float(target_variance(scheme, d_in, d_out)) * d_in


def study_weights(depth: int, width: int = DEFAULT_WIDTH, seed: int = 0,
                  distribution: str = "normal") -> torch.Tensor:
    """Unit-variance weights U of shape (depth, width, width), float32; W_l = √(c/d) · U_l.

    Layer l has its own seed ``[seed, 1, l]``: the same matrix whatever the depth, so a
    deeper network only adds layers. ``distribution="uniform"`` draws U[-√3, √3].
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    distribution = check_choice(distribution, "distribution", ("normal", "uniform"))
    U = torch.empty((depth, width, width), dtype=torch.float32)
    gen = torch.Generator()
    for l in range(depth):
        gen.manual_seed(int(np.random.SeedSequence([int(seed), 1, l]).generate_state(1)[0]))
        if distribution == "normal":
            torch.randn((width, width), generator=gen, out=U[l])
        else:
            torch.rand((width, width), generator=gen, out=U[l]).mul_(2).sub_(1).mul_(3 ** 0.5)
    return U


def study_inputs(batch: int = DEFAULT_BATCH, width: int = DEFAULT_WIDTH,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs ``X`` ~ N(0, 1) and output gradients ``G`` ~ N(0, 1), both (batch, width) float32."""
    rng = np.random.default_rng([int(seed), 2])
    shape = (check_positive_int(batch, "batch"), check_positive_int(width, "width"))
    X = rng.standard_normal(shape, dtype=np.float32)
    return torch.from_numpy(X), torch.from_numpy(rng.standard_normal(shape, dtype=np.float32))


def study_forward(weights: torch.Tensor, X: torch.Tensor, activation: str, scale: float):
    """Forward pass (Skript §5.2): ``z_l = a_{l-1} (scale · U_l)ᵀ``, ``a_l = σ(z_l)``.

    weights : Tensor (L, d, d) unit-variance U; X : Tensor (m, d) = a_0.
    Returns Z, A, D, each a Tensor (L, m, d): pre-activations, activations and σ'(z_l).
    Works in the dtype of the inputs (float32 in the study, float64 in the tests).
    """
    act = get_activation(activation)
    L = weights.shape[0]
    Z, A, D = (X.new_empty((L, *X.shape)) for _ in range(3))
    a = X
    for l in range(L):
        torch.matmul(a, weights[l].T, out=Z[l])
        Z[l] *= scale
        A[l] = act.f_torch(Z[l])
        D[l] = act.df_torch(Z[l], A[l])
        a = A[l]
    return Z, A, D


def study_backward(weights: torch.Tensor, X: torch.Tensor, A: torch.Tensor, D: torch.Tensor,
                   G: torch.Tensor, scale: float) -> torch.Tensor:
    """δ-recursion (Skript §3 eq. (3)) for ``C = (1/m) Σ_i ⟨g_i, a_L,i⟩``.

    weights (L, d, d), X (m, d), A and D (L, m, d) from :func:`study_forward`, G (m, d).
    Returns ∂C/∂W_l = δ_lᵀ a_{l-1} for every layer, Tensor (L, d, d).
    """
    L, m = weights.shape[0], X.shape[0]
    dW = weights.new_empty(weights.shape)
    delta = D[L - 1] * G / m                                   # δ_L = σ'(z_L) ∘ ∂C/∂a_L
    for l in range(L - 1, -1, -1):
        torch.matmul(delta.T, A[l - 1] if l > 0 else X, out=dW[l])
        if l > 0:
            delta = (delta @ weights[l]) * scale * D[l - 1]   # δ_{l-1} = (δ_l W_l) ∘ σ'(z_{l-1})
    return dW


def study_forward_backward(weights: torch.Tensor, X: torch.Tensor, G: torch.Tensor,
                           activation: str, scale: float):
    """Both passes: returns ``(Z, A, dW)`` with Z, A (L, m, d) and dW (L, d, d)."""
    Z, A, D = study_forward(weights, X, activation, scale)
    return Z, A, study_backward(weights, X, A, D, G, scale)


@dataclass(frozen=True)
class StudyResult:
    """Per-layer statistics of one forward/backward pass (index 0 = layer 1).

    Attributes
    ----------
    variance_factor : float            c with Var(w) = c / d
    activation : str
    depth, width, batch, seed : int
    z_var : ndarray (depth,)           Var(z_l) over batch and units
    a_std : ndarray (depth,)           std of a_l
    a_mean_sq : ndarray (depth,)       E[a_l²] (enters Var(z_{l+1}) = c · E[a_l²])
    saturated : ndarray (depth,)       fraction of entries with |σ'(z)| < SAT_TOL · max|σ'|
    dead : ndarray (depth,)            fraction of units saturated for *every* input of the batch
                                       (they pass no gradient at all: dead ReLUs)
    grad_norm : ndarray (depth,)       ‖∂C/∂W_l‖_F
    hist_layers : ndarray (k,)         1-based layers with a histogram
    hist_counts : ndarray (k, bins)    fraction of the entries of a_l per bin (sums to 1)
    hist_edges : ndarray (bins + 1,)   common bin edges (hist_range of the activation)
    """

    variance_factor: float
    activation: str
    depth: int
    width: int
    batch: int
    seed: int
    z_var: np.ndarray
    a_std: np.ndarray
    a_mean_sq: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    grad_norm: np.ndarray
    hist_layers: np.ndarray
    hist_counts: np.ndarray
    hist_edges: np.ndarray

    @property
    def layers(self) -> np.ndarray:
        """1-based layer indices 1 … depth."""
        return np.arange(1, self.depth + 1)


def hist_layer_choice(depth: int, n_hist: int) -> np.ndarray:
    """Up to ``n_hist`` layers spread evenly over 1 … depth (always first and last)."""
    return np.unique(np.round(np.linspace(1, depth, min(depth, n_hist))).astype(int))


@contextmanager
def _flush_denormals():
    """Far from the critical factor the float32 signal underflows into denormal numbers,
    which make CPU matmuls ~10x slower; flush them to 0 during the pass."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def _layer_moments(T: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean and mean square of each layer of ``T`` (L, m, d), in float64 (no overflow of the
    squares of large float32 values), each ndarray (L,)."""
    flat = T.flatten(1).double()
    n = flat.shape[1]
    return (flat.sum(dim=1) / n).numpy(), (torch.linalg.vector_norm(flat, dim=1) ** 2 / n).numpy()


def run_study(variance_factor: float | str = 1.0, activation: str = "tanh", depth: int = 10, *,
              width: int = DEFAULT_WIDTH, batch: int = DEFAULT_BATCH, seed: int = 0,
              distribution: str = "normal", n_hist: int = 8) -> StudyResult:
    """One forward/backward pass of a random depth-``depth`` MLP; per-layer statistics.

    Parameters
    ----------
    variance_factor : float or str
        c > 0 with Var(w) = c / width, or a scheme name for :func:`scheme_factor`
        (then a ``*_uniform`` scheme also selects uniform draws).
    activation : str
        One of :data:`STUDY_ACTIVATIONS` (any differentiable name of ``ACTIVATIONS`` works).
    depth : int
        Number of layers L, 1 … 50.
    width, batch : int
        Layer width d and number of inputs m (defaults 128, 256).
    seed : int
        Selects the input and weight draws.
    distribution : {"normal", "uniform"}
    n_hist : int
        Number of layers that get an activation histogram.
    """
    if isinstance(variance_factor, str):
        name = variance_factor.lower()
        factor = scheme_factor(name, width, width)
        if name.endswith("uniform") or name == "heuristic":
            distribution = "uniform"
    else:
        factor = check_positive_float(variance_factor, "variance_factor")
    act = get_activation(activation)
    if act.name in ("sign", "step"):
        raise ValueError(f"activation {act.name!r} has no useful derivative; choose one of: "
                         + ", ".join(STUDY_ACTIVATIONS))
    depth = check_positive_int(depth, "depth")
    if depth > MAX_DEPTH:
        raise ValueError(f"depth must be <= {MAX_DEPTH}, got {depth}")
    n_hist = check_positive_int(n_hist, "n_hist")
    U = study_weights(depth, width, seed, distribution)
    X, G = study_inputs(batch, width, seed)
    with _flush_denormals(), np.errstate(over="ignore", invalid="ignore"):
        Z, A, D = study_forward(U, X, act.name, float(np.sqrt(factor / width)))
        dW = study_backward(U, X, A, D, G, float(np.sqrt(factor / width)))
        n = batch * width
        z_mean, z_msq = _layer_moments(Z)
        a_mean, a_msq = _layer_moments(A)
        saturated = D.abs_() < SAT_TOL * max_abs_derivative(act.name)   # (L, m, d)
        hist_layers = hist_layer_choice(depth, n_hist)
        lo, hi = hist_range(act.name)
        counts = np.stack([torch.histc(A[l - 1].clamp(lo, hi).nan_to_num(nan=lo), bins=HIST_BINS,
                                       min=lo, max=hi).double().numpy() for l in hist_layers])
        stats = dict(
            z_var=np.maximum(z_msq - z_mean ** 2, 0.0) * n / (n - 1),
            a_std=np.sqrt(np.maximum(a_msq - a_mean ** 2, 0.0)),
            a_mean_sq=a_msq,
            saturated=saturated.flatten(1).sum(dim=1).numpy() / n,
            dead=saturated.all(dim=1).sum(dim=1).numpy() / width,
            grad_norm=torch.linalg.vector_norm(dW.flatten(1).double(), dim=1).numpy(),
            hist_layers=hist_layers, hist_counts=counts / n,
            hist_edges=np.linspace(lo, hi, HIST_BINS + 1))
    return StudyResult(float(factor), act.name, depth, width, batch, int(seed), **stats)


def predicted_z_var(activation: str, variance_factor: float, depth: int,
                    input_second_moment: float = 1.0, n_points: int = 101) -> np.ndarray:
    """Infinite-width prediction of Var(z_l), l = 1 … depth (Skript §5.2, exact version).

    With w ~ N(0, c/d) independent of a_{l-1}: ``Var(z_l) = c · E[a_{l-1}²]`` (no Taylor
    approximation), and for large d the pre-activation z_l is Gaussian, so
    ``E[a_l²] = E[σ(z)²]`` with ``z ~ N(0, Var(z_l))`` -- computed by Gauss-Hermite quadrature.

    Returns ndarray of shape (depth,).
    """
    act = get_activation(activation)
    c = check_positive_float(variance_factor, "variance_factor")
    depth = check_positive_int(depth, "depth")
    x, w = np.polynomial.hermite_e.hermegauss(check_positive_int(n_points, "n_points"))
    w = w / w.sum()                      # E[f(z)] = Σ w_i f(x_i) for z ~ N(0, 1)
    q = np.empty(depth)
    msq = float(input_second_moment)
    for i in range(depth):
        q[i] = c * msq                   # Var(z_l) = c · E[a_{l-1}²]
        msq = float(np.sum(w * act.f(np.sqrt(q[i]) * x) ** 2))
    return q
