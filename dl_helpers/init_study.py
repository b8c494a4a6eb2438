"""The initialisation study: weight variance × activation × depth (Skript §4, §5).

One forward and one backward pass of a random deep MLP on fixed random inputs, and what it
does to the signal layer by layer. Every layer ``l = 1 … L`` maps width ``d`` to width ``d``::

    z_l = a_{l-1} @ W_l.T            (pre-activation α̃, bias 0 as in Skript §5.2)
    a_l = σ(z_l)                      (post-activation α, a_0 = X)
    W_l[k, j] ~ N(0, c / d)           c = "variance factor" (Var(w) as a multiple of 1/fan_in)

The factor ``c`` is the quantity the lecture's derivation (Skript §5.2) is about:
``Var(z_l) = d · Var(w) · E[a_{l-1}²] = c · E[a_{l-1}²]``. LeCun (and Glorot for square
layers) is ``c = 1``, He is ``c = 2``; the Taylor argument for the sigmoid asks for
``c = 1/σ'(0)² = 16``.

Backward pass: the "loss" is a fixed random linear read-out ``C = (1/m) Σ_i ⟨g_i, a_L,i⟩``
with ``g_i ~ N(0, I)``. Its gradient at the output does not depend on the network, so the
per-layer gradient norms ‖∂C/∂W_l‖_F show nothing but the backward propagation through the
δ-recursion (Skript §3 eq. (3)): products of ``W_lᵀ`` and ``σ'(z_l)``.

Why a lean loop in torch instead of :func:`dl_helpers.network.forward`/``backward``: the
study is recomputed on every slider move at depth 50, width 256, batch 512 (≈ 5 GFLOP).
The general network code works in float64 NumPy and keeps a full cache; here we use float32,
reuse one cached set of unit-variance weight draws (scaled by ``sqrt(c / d)`` instead of
redrawing) and let torch autograd (with the activations' ``torch_f`` from
:mod:`dl_helpers.activations`) do the backward pass. ``tests/test_init_study.py`` checks the
gradients against :mod:`dl_helpers.network` in float64.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from ._validation import check_choice, check_positive_float, check_positive_int
from .activations import get_activation

__all__ = [
    "STUDY_ACTIVATIONS", "VARIANCE_GRID", "DEPTH_GRID", "SCHEME_MARKS", "MAX_DEPTH",
    "DEFAULT_WIDTH", "DEFAULT_BATCH", "HIST_BINS", "SAT_TOL", "HEURISTIC_FACTOR",
    "StudyResult", "run_study", "scheme_factor", "hist_range", "saturation_intervals",
    "predicted_z_var", "study_weights", "study_inputs", "study_forward_backward",
]

#: Activations offered by the study (all differentiable ones from ``dl_helpers.activations``).
STUDY_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
#: Variance factors c (Var(w) = c / fan_in) of the slider: 2^(k/2), 0.125 … 16 (log scale).
#: Contains exactly 1 (LeCun, Glorot for square layers), 2 (He) and 16 (sigmoid, Taylor).
VARIANCE_GRID: tuple[float, ...] = tuple(float(2.0 ** (k / 2)) for k in range(-6, 9))
#: Depths of the slider / of the precomputed images.
DEPTH_GRID: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 30, 50)
MAX_DEPTH = 50
DEFAULT_WIDTH = 256
DEFAULT_BATCH = 512
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
    name = get_activation(activation).name
    return _BOUNDED_RANGE.get(name, _UNBOUNDED_RANGE)


@lru_cache(maxsize=None)
def saturation_intervals(activation: str) -> tuple[tuple[float, float], ...]:
    """Intervals of z where |σ'(z)| < SAT_TOL · max|σ'| (found on a fine grid, float64).

    Returns a tuple of closed intervals ``(lo, hi)`` (grid resolution 1e-4); ``±inf`` marks
    unbounded ends. For ReLU this is ``((-inf, 0),)``: there the derivative is exactly 0.
    """
    act = get_activation(activation)
    grid = np.round(np.linspace(-30.0, 30.0, 600_001), 4)
    d = np.abs(act.df(grid, act.f(grid)))
    small = d < SAT_TOL * d.max()
    intervals = []
    i = 0
    while i < grid.size:
        if small[i]:
            j = i
            while j + 1 < grid.size and small[j + 1]:
                j += 1
            lo = -np.inf if i == 0 else grid[i]
            hi = np.inf if j == grid.size - 1 else grid[j]
            intervals.append((float(lo), float(hi)))
            i = j + 1
        else:
            i += 1
    return tuple(intervals)


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
    from .initializers import target_variance  # core-A module

    return float(target_variance(scheme, d_in, d_out)) * d_in


_WEIGHT_CACHE: dict[tuple[int, int, str], torch.Tensor] = {}
_WEIGHT_CACHE_SIZE = 6


def _unit_layer(width: int, seed: int, distribution: str, layer: int) -> np.ndarray:
    """Unit-variance draw of layer ``layer`` (0-based), shape (width, width), float32."""
    rng = np.random.default_rng([seed, 1, layer])
    if distribution == "normal":
        return rng.standard_normal((width, width), dtype=np.float32)
    # uniform with unit variance: U[-√3, √3]
    return (rng.random((width, width), dtype=np.float32) * 2.0 - 1.0) * np.float32(np.sqrt(3.0))


def _unit_weights(width: int, seed: int, distribution: str, depth: int) -> torch.Tensor:
    """The first ``depth`` unit-variance layers, shape (depth, width, width), float32.

    Layer l has its own seed ``[seed, 1, l]``, so it is the same matrix whatever the depth.
    Draws are cached per (width, seed, distribution) and only extended when a deeper network
    is asked for: the slider rescales, it never redraws.
    """
    key = (width, seed, distribution)
    have = _WEIGHT_CACHE.pop(key, None)  # re-inserted below: most recently used last
    n = 0 if have is None else have.shape[0]
    if n < depth:
        new = np.stack([_unit_layer(width, seed, distribution, l) for l in range(n, depth)])
        new = torch.from_numpy(new)
        have = new if have is None else torch.cat([have, new])
    _WEIGHT_CACHE[key] = have
    while len(_WEIGHT_CACHE) > _WEIGHT_CACHE_SIZE:
        _WEIGHT_CACHE.pop(next(iter(_WEIGHT_CACHE)))
    return have[:depth]


def study_weights(depth: int, width: int = DEFAULT_WIDTH, seed: int = 0,
                  distribution: str = "normal") -> torch.Tensor:
    """Cached unit-variance weights of shape (depth, width, width), float32 (read-only use)."""
    depth = check_positive_int(depth, "depth")
    if depth > MAX_DEPTH:
        raise ValueError(f"depth must be <= {MAX_DEPTH}, got {depth}")
    distribution = check_choice(distribution, "distribution", ("normal", "uniform"))
    return _unit_weights(check_positive_int(width, "width"), int(seed), distribution, depth)


@lru_cache(maxsize=8)
def _inputs(batch: int, width: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng([seed, 2])
    x = rng.standard_normal((batch, width), dtype=np.float32)
    g = rng.standard_normal((batch, width), dtype=np.float32)
    return torch.from_numpy(x), torch.from_numpy(g)


def study_inputs(batch: int = DEFAULT_BATCH, width: int = DEFAULT_WIDTH,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached inputs ``X`` ~ N(0, 1) and output gradients ``G`` ~ N(0, 1), both (batch, width)."""
    return _inputs(check_positive_int(batch, "batch"), check_positive_int(width, "width"),
                   int(seed))


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


def _in_intervals(z: torch.Tensor, intervals) -> torch.Tensor:
    """Boolean mask of the entries of z inside one of the closed ``intervals``."""
    mask = None
    for lo, hi in intervals:
        if np.isinf(lo) and np.isinf(hi):
            part = torch.ones_like(z, dtype=torch.bool)
        elif np.isinf(lo):
            part = z <= hi
        elif np.isinf(hi):
            part = z >= lo
        else:
            part = (z >= lo) & (z <= hi)
        mask = part if mask is None else mask | part
    return torch.zeros_like(z, dtype=torch.bool) if mask is None else mask


def hist_layer_choice(depth: int, n_hist: int) -> np.ndarray:
    """Up to ``n_hist`` layers spread evenly over 1 … depth (always first and last)."""
    k = min(depth, n_hist)
    return np.unique(np.round(np.linspace(1, depth, k)).astype(int))


def study_forward_backward(weights: torch.Tensor, X: torch.Tensor, G: torch.Tensor,
                           activation: str, scale: float):
    """Lean forward + autograd backward. Returns (Z list, A list, dW list), detached.

    weights : Tensor (L, d, d) unit variance; the layer matrices are ``scale * weights[l]``.
    X : Tensor (m, d) inputs; G : Tensor (m, d) gradient of ``C`` w.r.t. ``a_L`` times m.
    Works in the dtype of the inputs (float32 in the study, float64 in the tests).
    """
    act = get_activation(activation)
    m = X.shape[0]
    with torch.enable_grad():
        Ws = [(scale * w).requires_grad_() for w in weights]
        a = X
        Zs, As = [], []
        for W in Ws:
            z = a @ W.T
            a = act.torch_f(z)
            Zs.append(z)
            As.append(a)
        loss = (a * G).sum() / m
        grads = torch.autograd.grad(loss, Ws)
    return [z.detach() for z in Zs], [a.detach() for a in As], list(grads)


def run_study(variance_factor: float | str = 1.0, activation: str = "tanh", depth: int = 10, *,
              width: int = DEFAULT_WIDTH, batch: int = DEFAULT_BATCH, seed: int = 0,
              distribution: str = "normal", n_hist: int = 8,
              num_threads: int | None = None) -> StudyResult:
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
        Layer width d and number of inputs m (defaults 256, 512).
    seed : int
        Selects the cached input and weight draws.
    distribution : {"normal", "uniform"}
    n_hist : int
        Number of layers that get an activation histogram.
    num_threads : int, optional
        torch threads for this call (restored afterwards); None keeps torch's setting. On a
        busy machine 1 thread is much faster than several competing ones.
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
    n_hist = check_positive_int(n_hist, "n_hist")
    W = study_weights(depth, width, seed, distribution)
    X, G = study_inputs(batch, width, seed)

    scale = float(np.sqrt(factor / width))
    threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(check_positive_int(num_threads, "num_threads"))
    # Far from the critical variance the float32 signal underflows; denormal numbers make
    # the CPU matmuls ~10x slower, so they are flushed to 0 (reset afterwards).
    torch.set_flush_denormal(True)
    try:
        return _study_statistics(W, X, G, act.name, scale, factor, depth, n_hist,
                                 int(width), int(batch), int(seed))
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(threads)


def _study_statistics(W, X, G, activation, scale, factor, depth, n_hist, width, batch,
                      seed) -> StudyResult:
    """Forward/backward pass and per-layer statistics (runs inside run_study's thread and
    denormal settings, so the statistics are single-threaded too when asked for)."""
    Zs, As, dWs = study_forward_backward(W, X, G, activation, scale)

    lo, hi = hist_range(activation)
    hist_layers = hist_layer_choice(depth, n_hist)
    hist_counts = np.empty((hist_layers.size, HIST_BINS))
    for row, layer in enumerate(hist_layers):
        a = As[layer - 1]
        h = torch.histc(a.clamp(lo, hi), bins=HIST_BINS, min=lo, max=hi)
        hist_counts[row] = h.numpy() / a.numel()

    intervals = saturation_intervals(activation)
    rows = []
    for z, a, dw in zip(Zs, As, dWs):
        mask = _in_intervals(z, intervals)
        z64, a64 = z.double(), a.double()  # float64 reductions: no overflow/underflow
        rows.append(torch.stack([
            mask.double().mean(), mask.all(dim=0).double().mean(),
            z64.var(), a64.mean(), a64.square().mean(), torch.linalg.vector_norm(dw.double())]))
    stats = torch.stack(rows).double().numpy()
    sat, dead, z_var, a_mean, a_msq, gn = stats.T
    a_std = np.sqrt(np.maximum(a_msq - a_mean ** 2, 0.0))
    return StudyResult(factor, activation, depth, width, batch, seed,
                       z_var, a_std, a_msq, sat, dead, gn, hist_layers, hist_counts,
                       np.linspace(lo, hi, HIST_BINS + 1))


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
    x, w = np.polynomial.hermite_e.hermegauss(n_points)
    w = w / w.sum()
    q = np.empty(depth)
    msq = float(input_second_moment)
    for i in range(depth):
        q[i] = c * msq
        msq = float(np.sum(w * act.f(np.sqrt(q[i]) * x) ** 2))
    return q
