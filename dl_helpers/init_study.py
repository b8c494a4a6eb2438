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

Why a lean loop instead of :func:`dl_helpers.network.forward`/``backward``: the study is
recomputed on every slider move at depth 50, width 256, batch 512 (149 matmuls, ≈ 10 GFLOP).
The general network code works in float64 NumPy and keeps a full cache; here we work in
float32 in reused buffers, scale one cached set of unit-variance weight draws by
``sqrt(c / d)`` (inside the matmul) instead of redrawing, and run the δ-recursion by hand with
the activations' ``torch_df`` (no autograd graph; only ‖∂C/∂W_l‖_F is kept, never the
matrices). ``tests/test_init_study.py`` checks the pass against :mod:`dl_helpers.network` in
float64 and the gradient norms against a float64 pass. For the positively homogeneous
ReLU/leaky ReLU the variance factor only rescales every layer, so one pass per depth serves
all factors (:func:`_homogeneous_stats`).
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from threadpoolctl import ThreadpoolController

from ._validation import check_choice, check_positive_float, check_positive_int
from .activations import get_activation

__all__ = [
    "STUDY_ACTIVATIONS", "VARIANCE_GRID", "DEPTH_GRID", "SCHEME_MARKS", "MAX_DEPTH",
    "DEFAULT_WIDTH", "DEFAULT_BATCH", "HIST_BINS", "SAT_TOL", "HEURISTIC_FACTOR",
    "StudyResult", "run_study", "scheme_factor", "hist_range", "saturation_intervals",
    "predicted_z_var", "study_weights", "study_inputs", "study_forward_backward",
    "HOMOGENEOUS", "clear_study_cache", "max_abs_derivative", "hist_layer_choice",
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


def _z_grid() -> np.ndarray:
    """The z grid of the saturation definitions: -30 … 30 in steps of 1e-4 (float64)."""
    return np.round(np.linspace(-30.0, 30.0, 600_001), 4)


def max_abs_derivative(activation: str) -> float:
    """max |σ'(z)| over z (on the grid of :func:`saturation_intervals`): the reference of the
    saturation threshold ``SAT_TOL · max|σ'|``."""
    return max(abs(v) for v in _derivative_range(activation))


@lru_cache(maxsize=None)
def _derivative_range(activation: str) -> tuple[float, float]:
    """(min σ', max σ') on the grid of :func:`saturation_intervals`."""
    act = get_activation(activation)
    grid = _z_grid()
    d = act.df(grid, act.f(grid))
    return float(d.min()), float(d.max())


@lru_cache(maxsize=None)
def saturation_intervals(activation: str) -> tuple[tuple[float, float], ...]:
    """Intervals of z where |σ'(z)| < SAT_TOL · max|σ'| (found on a fine grid, float64).

    Returns a tuple of closed intervals ``(lo, hi)`` (grid resolution 1e-4); ``±inf`` marks
    unbounded ends. For ReLU this is ``((-inf, 0),)``: there the derivative is exactly 0.
    """
    act = get_activation(activation)
    grid = _z_grid()
    small = np.abs(act.df(grid, act.f(grid))) < SAT_TOL * max_abs_derivative(activation)
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


def hist_layer_choice(depth: int, n_hist: int) -> np.ndarray:
    """Up to ``n_hist`` layers spread evenly over 1 … depth (always first and last)."""
    k = min(depth, n_hist)
    return np.unique(np.round(np.linspace(1, depth, k)).astype(int))


# -- forward and backward pass (shared by the public function and the statistics) ------------

def _numpy_tanh(z: torch.Tensor, out: torch.Tensor) -> None:
    # NumPy's SIMD tanh is ~7x faster than torch.tanh on CPU (same values to 1 ulp).
    np.tanh(z.numpy(), out=out.numpy())


#: Faster forward functions ``(z, out) -> None`` for the hot loop; others use ``torch_f``.
_FAST_FORWARD = {"tanh": _numpy_tanh}


def _forward(W: torch.Tensor, X: torch.Tensor, act, A: torch.Tensor, D: torch.Tensor,
             on_z=None) -> None:
    """Forward pass of Skript §5.2 without autograd: fills ``A[l] = σ(z_l)``, ``D[l] = σ'(z_l)``.

    W : (L, d, d) layer matrices; X : (m, d); A, D : (L, m, d) outputs. ``on_z(l, z)`` is
    called with each pre-activation z_l (m, d) before it is overwritten. The matmuls go
    through NumPy's BLAS (OpenBLAS; 15-35 % faster than torch's for these shapes).
    """
    z = torch.empty_like(A[0])
    zn, Wn = z.numpy(), W.numpy()
    fast = _FAST_FORWARD.get(act.name)
    a = X.numpy()
    for l in range(W.shape[0]):
        np.matmul(a, Wn[l].T, out=zn)  # z_l = a_{l-1} W_lᵀ
        if on_z is not None:
            on_z(l, z)
        if fast is not None:
            fast(z, A[l])
        else:
            A[l] = act.torch_f(z)
        D[l] = act.torch_df(z, A[l])
        a = A[l].numpy()


def _backward(W: torch.Tensor, A: torch.Tensor, D: torch.Tensor, G: torch.Tensor,
              m: int | None = None):
    """δ-recursion (Skript §3 eq. (3)) for ``C = (1/m) Σ_i ⟨g_i, a_L,i⟩``.

    Yields ``(l, δ_l)`` for l = L-1 … 0 (0-based) with δ_l = ∂C/∂z_l of shape (rows, d); the
    weight gradient is ``∂C/∂W_l = δ_lᵀ a_{l-1}`` (consume δ_l before the next step: the
    buffers are reused). ``m`` is the batch size in ``C`` (default: the rows of G; a block of
    rows of a larger batch passes the whole batch's m).
    """
    L, m = W.shape[0], G.shape[0] if m is None else m
    delta = D[L - 1] * (G / m)
    spare = torch.empty_like(delta)
    for l in range(L - 1, -1, -1):
        yield l, delta
        if l > 0:
            np.matmul(delta.numpy(), W[l].numpy(), out=spare.numpy())  # ∂C/∂a_{l-1}
            spare.mul_(D[l - 1])
            delta, spare = spare, delta


def study_forward_backward(weights: torch.Tensor, X: torch.Tensor, G: torch.Tensor,
                           activation: str, scale: float):
    """Forward pass and δ-recursion of the study. Returns (Z list, A list, dW list).

    weights : Tensor (L, d, d) unit variance; the layer matrices are ``scale * weights[l]``.
    X : Tensor (m, d) inputs; G : Tensor (m, d) gradient of ``C`` w.r.t. ``a_L`` times m.
    Works in the dtype of the inputs (float32 in the study, float64 in the tests, where
    ``tests/test_init_study.py`` compares it with :func:`dl_helpers.network.backward`).
    """
    act = get_activation(activation)
    L = weights.shape[0]
    W = scale * weights
    A = torch.empty((L, *X.shape), dtype=X.dtype)
    D = torch.empty_like(A)
    Zs = [None] * L
    _forward(W, X, act, A, D, on_z=lambda l, z: Zs.__setitem__(l, z.clone()))
    dWs = [None] * L
    for l, delta in _backward(W, A, D, G):
        dWs[l] = delta.T @ (A[l - 1] if l > 0 else X)
    return Zs, list(A), dWs


# -- statistics -------------------------------------------------------------------------------

def _moments(t: torch.Tensor) -> tuple[float, float]:
    """(Σ t, Σ t²) as Python floats, also where float32 squares would overflow or underflow.

    Fast path: float32 sum and BLAS dot. Outside 1e-20 < Σ t² < 1e30 the tensor is divided
    by its largest magnitude first (exploding or vanishing signals deep in the network).
    """
    flat = t.reshape(-1)
    total, sq = float(flat.sum()), float(torch.dot(flat, flat))
    if 1e-20 < sq < 1e30:
        return total, sq
    peak = float(flat.abs().max())
    if not np.isfinite(peak) or peak == 0.0:
        return (total, sq) if peak == 0.0 else (float("nan"), float("nan"))
    unit = flat / peak
    return float(unit.sum()) * peak, float(torch.dot(unit, unit)) * peak * peak


def _bin_counts(t: torch.Tensor, lo: float, hi: float) -> np.ndarray:
    """Counts of the entries of ``t`` in HIST_BINS equal bins on [lo, hi]; values outside
    land in the edge bins (like ``torch.histc`` of the clamped values), NaN in the first."""
    x = t.reshape(-1).clamp(lo, hi).nan_to_num_(nan=lo)
    idx = x.sub_(lo).mul_(HIST_BINS / (hi - lo)).to(torch.int32).clamp_(max=HIST_BINS - 1)
    return torch.bincount(idx, minlength=HIST_BINS).numpy()


def _histograms(rows, lo: float, hi: float) -> np.ndarray:
    """Fractions per bin (k, HIST_BINS) of the k tensors in ``rows``; a row may also be a
    tuple of tensors (the blocks of one layer), counted together."""
    rows = [r if isinstance(r, (tuple, list)) else (r,) for r in rows]
    return np.array([sum(_bin_counts(b, lo, hi) for b in blocks)
                     / sum(b.numel() for b in blocks) for blocks in rows]).reshape(-1, HIST_BINS)


@dataclass(frozen=True)
class _RawStats:
    """Per-layer sums of one pass, before they are turned into a :class:`StudyResult`
    (rescaled first, see :func:`_homogeneous_stats`). Arrays of shape (L,)."""

    n: int               # entries per layer, m · d
    z_sum: np.ndarray
    z_sq: np.ndarray
    a_sum: np.ndarray
    a_sq: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    grad_norm: np.ndarray
    hist_counts: np.ndarray  # (k, bins) fractions of the histogram layers
    hist_rows: tuple     # homogeneous σ only: a_l of the histogram layers, per block


#: The batch is split into this many blocks of rows that run in parallel threads (rows are
#: independent until ∂C/∂W_l = Σ_blocks δᵀa sums over them). A fixed number, so the results do
#: not depend on how many threads ran them.
N_BLOCKS = 2
_POOL: ThreadPoolExecutor | None = None


def _raw_stats(U, X, G, activation: str, scale: float, hist_layers,
               workers: int = 1, keep_rows: bool = False) -> _RawStats:
    """One forward/backward pass; per-layer moments, saturation and ‖∂C/∂W_l‖_F.

    The batch is cut into :data:`N_BLOCKS` blocks of rows; with ``workers`` ≥ 2 they run in
    parallel threads, each with single-threaded torch/NumPy calls. On 2 cores this beats
    torch's own 2-thread matmuls (no synchronisation after every operation), and a busy
    machine slows it down gracefully instead of by 3-5x.
    """
    act = get_activation(activation)
    L, (m, d) = U.shape[0], X.shape
    W = scale * U
    bounds = np.linspace(0, m, min(N_BLOCKS, m) + 1).astype(int)
    jobs = [functools.partial(_block_pass, W, X[a:b], G[a:b], act, m, k, hist_layers)
            for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]
    if workers >= 2 and len(jobs) >= 2:
        global _POOL
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=N_BLOCKS - 1,
                                       thread_name_prefix="init_study")
        futures = [_POOL.submit(job) for job in jobs[1:]]
        parts = [jobs[0]()] + [f.result() for f in futures]
    else:
        parts = [job() for job in jobs]
    z_mom, a_mom, sat = (sum(p[i] for p in parts) for i in range(3))
    peak = np.maximum.reduce([p[3] for p in parts])  # (L, d): max over the batch of |σ'|
    thr = SAT_TOL * max_abs_derivative(act.name)
    dW = parts[0][4]
    for p in parts[1:]:
        dW += p[4]
    grad = np.array([np.sqrt(_moments(dW[l])[1]) for l in range(L)])
    counts = sum(p[5] for p in parts) / (m * d)
    rows = tuple(tuple(p[6][l - 1].clone() for p in parts) for l in hist_layers) \
        if keep_rows else ()
    return _RawStats(m * d, z_mom[:, 0], z_mom[:, 1], a_mom[:, 0], a_mom[:, 1],
                     sat / (m * d), np.count_nonzero(peak < thr, axis=1) / d, grad, counts,
                     rows)


def _block_pass(W, X, G, act, m: int, block: int, hist_layers):
    """Forward and backward pass of one block of rows (X, G: (rows, d)) of a batch of ``m``.

    Returns per-layer sums over the block: moments of z and a (L, 2), saturated counts (L,),
    max |σ'| per unit (L, d), the block's part of ∂C/∂W_l (L, d, d), and the A buffer.
    """
    torch.set_flush_denormal(True)  # per thread (a CPU flag): see run_study
    with np.errstate(over="ignore", invalid="ignore"):  # far outside the slider range
        return _block_pass_stats(W, X, G, act, m, block, hist_layers)


def _block_pass_stats(W, X, G, act, m: int, block: int, hist_layers):
    L, (rows, d) = W.shape[0], X.shape
    A, D, dW = _work_buffers(block, L, rows, d, X.dtype)
    z_mom = np.empty((L, 2))
    _forward(W, X, act, A, D, on_z=lambda l, z: z_mom.__setitem__(l, _moments(z)))
    a_mom = np.array([_moments(a) for a in A])
    lo, hi = hist_range(act.name)
    counts = np.array([_bin_counts(A[j - 1], lo, hi) for j in hist_layers])
    # saturated: |σ'(z)| < SAT_TOL · max|σ'|; dead: saturated for every input of the batch
    thr = SAT_TOL * max_abs_derivative(act.name)
    monotone = _derivative_range(act.name)[0] >= 0.0  # σ' ≥ 0: no |·| needed (not GELU)
    sat, peak = np.empty(L), np.empty((L, d))
    for l, Dl in enumerate(D.numpy()):
        if monotone:
            sat[l] = np.count_nonzero(Dl < thr)
            peak[l] = Dl.max(axis=0)
        else:
            sat[l] = np.count_nonzero(np.abs(Dl) < thr)
            peak[l] = np.maximum(Dl.max(axis=0), -Dl.min(axis=0))
    dWn = dW.numpy()
    for l, delta in _backward(W, A, D, G, m):  # ∂C/∂W_l = δ_lᵀ a_{l-1}
        np.matmul(delta.numpy().T, (A[l - 1] if l > 0 else X).numpy(), out=dWn[l])
    return z_mom, a_mom, sat, peak, dW, counts, A


_WORK: dict = {}


def _work_buffers(block: int, L: int, rows: int, d: int, dtype):
    """Reused buffers of one block: A, D (L, rows, d) and ∂C/∂W (L, d, d). Allocating
    ~40 MB per slider move costs several ms of page faults. Only the latest shapes are
    kept."""
    key = (rows, d, dtype)
    have = _WORK.get(block)
    if have is None or have[0] != key or have[1][0].shape[0] < L:
        have = _WORK[block] = (key, (torch.empty((L, rows, d), dtype=dtype),
                                     torch.empty((L, rows, d), dtype=dtype),
                                     torch.empty((L, d, d), dtype=dtype)))
    return tuple(t[:L] for t in have[1])


#: Positively homogeneous activations, σ(s·z) = s·σ(z) for s > 0, with the variance factor
#: at which the signal keeps its size (He: 2 for ReLU, 2/(1+α²) ≈ 2 for leaky ReLU).
HOMOGENEOUS: dict[str, float] = {"identity": 1.0, "relu": 2.0, "leaky_relu": 2.0}


def _homogeneous_stats(raw: _RawStats, base_factor: float, factor: float) -> _RawStats:
    """Statistics at ``factor`` from a pass at ``base_factor`` (homogeneous σ, bias 0).

    With W_l = s · W_l^base, s = √(c/c_base): z_l, a_l scale by s^l, δ_l by s^{L-l} and
    ‖∂C/∂W_l‖ = ‖δ_lᵀ a_{l-1}‖ by s^{L-1}; σ'(s z) = σ'(z), so saturation is unchanged.
    The rescaling is done in float64 from a float32 pass at the critical factor, where the
    signal keeps its size: no under- or overflow even where a float32 pass at ``factor``
    would have them.
    """
    L = raw.z_sum.size
    s = np.sqrt(factor / base_factor)
    sl = s ** np.arange(1, L + 1)
    return _RawStats(raw.n, raw.z_sum * sl, raw.z_sq * sl ** 2, raw.a_sum * sl,
                     raw.a_sq * sl ** 2, raw.saturated, raw.dead, raw.grad_norm * s ** (L - 1),
                     None, raw.hist_rows)


def _result(raw: _RawStats, factor, activation, depth, width, batch, seed, hist_layers,
            hist_scale=None) -> StudyResult:
    n = raw.n
    z_mean = raw.z_sum / n
    z_var = np.maximum(raw.z_sq - n * z_mean ** 2, 0.0) / (n - 1)
    a_mean, a_msq = raw.a_sum / n, raw.a_sq / n
    a_std = np.sqrt(np.maximum(a_msq - a_mean ** 2, 0.0))
    lo, hi = hist_range(activation)
    counts = raw.hist_counts
    if hist_scale is not None:  # homogeneous σ: a_l = s^l · a_l^base
        counts = _histograms([[b * float(min(hist_scale ** j, 1e38)) for b in blocks]
                              for blocks, j in zip(raw.hist_rows, hist_layers)], lo, hi)
    arrays = [z_var, a_std, a_msq, raw.saturated, raw.dead, raw.grad_norm,
              np.asarray(hist_layers), counts,
              np.linspace(lo, hi, HIST_BINS + 1)]
    for arr in arrays:
        arr.flags.writeable = False  # results are cached and shared
    return StudyResult(factor, activation, depth, width, batch, seed, *arrays)


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
        Threads for this call: the batch is computed in :data:`N_BLOCKS` blocks of rows, in
        parallel when ``num_threads`` ≥ 2 (default: min(N_BLOCKS, number of CPUs)); torch
        runs single-threaded inside (its setting is restored afterwards). The numbers do
        not depend on it.

    Results are cached (the same arguments return the same read-only result, see
    :func:`clear_study_cache`). For the positively homogeneous activations in
    :data:`HOMOGENEOUS` the pass is computed once per depth at the critical factor and
    rescaled to ``variance_factor`` exactly (:func:`_homogeneous_stats`).
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
    key = (act.name, depth, check_positive_int(width, "width"),
           check_positive_int(batch, "batch"), int(seed),
           check_choice(distribution, "distribution", ("normal", "uniform")),
           check_positive_int(n_hist, "n_hist"))
    global _WORKERS
    workers = (min(N_BLOCKS, os.cpu_count() or 1) if num_threads is None
               else check_positive_int(num_threads, "num_threads"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # parallel over blocks of the batch instead (see _raw_stats)
    # Far from the critical variance the float32 signal underflows; denormal numbers make
    # the CPU matmuls ~10x slower, so they are flushed to 0 (reset afterwards).
    torch.set_flush_denormal(True)
    _WORKERS = workers
    try:
        with _blas_controller().limit(limits=1, user_api="blas"):  # one BLAS thread per block
            return _cached_study(float(factor), *key)
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(threads)


_WORKERS = 1  # threads of the current run_study call (not part of the cache key)


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries (scanning them costs ~1 ms)."""
    return ThreadpoolController()


@lru_cache(maxsize=256)
def _cached_study(factor, activation, depth, width, batch, seed, distribution,
                  n_hist) -> StudyResult:
    hist_layers = hist_layer_choice(depth, n_hist)
    info = (activation, depth, width, batch, seed, hist_layers)
    base = HOMOGENEOUS.get(activation)
    if base is None:
        raw = _pass(factor, activation, depth, width, batch, seed, distribution, n_hist)
        return _result(raw, factor, *info)
    raw = _pass(base, activation, depth, width, batch, seed, distribution, n_hist)
    return _result(_homogeneous_stats(raw, base, factor), factor, *info,
                   hist_scale=np.sqrt(factor / base))


@lru_cache(maxsize=8)
def _pass(factor, activation, depth, width, batch, seed, distribution, n_hist) -> _RawStats:
    """The (cached) pass behind a result; for homogeneous σ shared by all factors."""
    U = _unit_weights(width, seed, distribution, depth)
    X, G = _inputs(batch, width, seed)
    return _raw_stats(U, X, G, activation, float(np.sqrt(factor / width)),
                      hist_layer_choice(depth, n_hist), _WORKERS,
                      keep_rows=activation in HOMOGENEOUS)


def clear_study_cache() -> None:
    """Forget cached results and passes (benchmarks measure cold recomputations)."""
    _cached_study.cache_clear()
    _pass.cache_clear()


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
