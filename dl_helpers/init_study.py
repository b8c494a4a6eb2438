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
``sqrt(c / d)`` instead of redrawing, and run the δ-recursion by hand (no autograd graph):
σ and σ' come from hand-fused functions, σ' is recomputed from a in the backward pass where
that is cheap, δ lives in a two-layer ring and only ‖∂C/∂W_l‖_F is kept, never the matrices.
The batch is split into two blocks of rows computed in parallel threads
(:func:`_raw_stats`). ``tests/test_init_study.py`` checks the pass against
:mod:`dl_helpers.network` in float64 and the gradient norms against a float64 pass. For the
positively homogeneous ReLU/leaky ReLU the variance factor only rescales every layer, so one
pass per depth serves all factors (:func:`_homogeneous_stats`). :func:`prefetch_study` uses
the time between two slider moves to compute the likely next values in the background.
"""
from __future__ import annotations

import atexit
import functools
import itertools
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import ThreadpoolController

from ._validation import check_choice, check_positive_float, check_positive_int
from .activations import ELU_ALPHA, get_activation

__all__ = [
    "STUDY_ACTIVATIONS", "VARIANCE_GRID", "DEPTH_GRID", "SCHEME_MARKS", "MAX_DEPTH",
    "DEFAULT_WIDTH", "DEFAULT_BATCH", "HIST_BINS", "SAT_TOL", "HEURISTIC_FACTOR",
    "StudyResult", "run_study", "scheme_factor", "hist_range", "saturation_intervals",
    "predicted_z_var", "study_weights", "study_inputs", "study_forward_backward",
    "HOMOGENEOUS", "clear_study_cache", "max_abs_derivative", "hist_layer_choice",
    "prefetch_study", "stop_prefetch", "StudyCancelled", "single_threaded_blas",
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


_WEIGHT_CACHE: dict[tuple[int, int, str], tuple[torch.Tensor, torch.Tensor]] = {}
_WEIGHT_CACHE_SIZE = 4
_WEIGHT_LOCK = threading.Lock()


def _unit_layer(width: int, seed: int, distribution: str, layer: int) -> np.ndarray:
    """Unit-variance draw of layer ``layer`` (0-based), shape (width, width), float32."""
    rng = np.random.default_rng([seed, 1, layer])
    if distribution == "normal":
        return rng.standard_normal((width, width), dtype=np.float32)
    # uniform with unit variance: U[-√3, √3]
    return (rng.random((width, width), dtype=np.float32) * 2.0 - 1.0) * np.float32(np.sqrt(3.0))


def _unit_weights_and_transposes(width: int, seed: int, distribution: str,
                                 depth: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``depth`` unit-variance layers U and their transposes Uᵀ (contiguous),
    each of shape (depth, width, width), float32.

    Layer l has its own seed ``[seed, 1, l]``, so it is the same matrix whatever the depth.
    Draws are cached per (width, seed, distribution) and only extended when a deeper network
    is asked for: the slider rescales, it never redraws. The forward pass multiplies by the
    contiguous Uᵀ (about 8 % faster in OpenBLAS than a transposed view), the backward pass by U.
    """
    key = (width, seed, distribution)
    with _WEIGHT_LOCK:  # also used by the prefetch thread
        have = _WEIGHT_CACHE.pop(key, None)  # re-inserted below: most recently used last
        n = 0 if have is None else have[0].shape[0]
        if n < depth:
            new = torch.from_numpy(np.stack([_unit_layer(width, seed, distribution, l)
                                             for l in range(n, depth)]))
            new_t = new.transpose(1, 2).contiguous()
            have = (new, new_t) if have is None else (torch.cat([have[0], new]),
                                                      torch.cat([have[1], new_t]))
        _WEIGHT_CACHE[key] = have
        while len(_WEIGHT_CACHE) > _WEIGHT_CACHE_SIZE:
            _WEIGHT_CACHE.pop(next(iter(_WEIGHT_CACHE)))
    return have[0][:depth], have[1][:depth]


def _unit_weights(width: int, seed: int, distribution: str, depth: int) -> torch.Tensor:
    """The first ``depth`` unit-variance layers, shape (depth, width, width), float32."""
    return _unit_weights_and_transposes(width, seed, distribution, depth)[0]


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

class StudyCancelled(Exception):
    """A pass was stopped through its ``cancel`` event (a newer slider value came first, see
    :func:`prefetch_study`)."""


def _check(cancel) -> None:
    if cancel is not None and cancel.is_set():
        raise StudyCancelled


# σ and σ' in one go: ``both(z, a, d, tmp)`` writes a = σ(z) and d = σ'(z); all four are
# tensors of one shape, tmp is scratch. Hand-fused for the four activations whose full pass
# is paid on every slider move (ReLU-like ones are rescaled, see _homogeneous_stats);
# tests/test_init_study.py compares them with Activation.f_torch / df_torch.
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


# The hot loop works on NumPy views of the (torch) buffers: indexing and calling NumPy costs
# ~1 µs per call where torch indexing plus .numpy() costs several, and the pass makes ~30
# calls per layer and block. torch.from_numpy (no copy) wraps them where a torch kernel is
# faster (sigmoid, clamps, GELU).
_t = torch.from_numpy


def _tanh_both(z, a, d, tmp) -> None:
    np.tanh(z, out=a)  # NumPy's SIMD tanh: ~7x faster than torch.tanh on CPU
    np.multiply(a, a, out=d)
    np.subtract(1.0, d, out=d)  # σ' = 1 - a²


def _sigmoid_both(z, a, d, tmp) -> None:
    torch.sigmoid(_t(z), out=_t(a))
    np.subtract(1.0, a, out=d)
    np.multiply(d, a, out=d)  # σ' = a (1 - a)


def _elu_both(z, a, d, tmp) -> None:
    # a = max(z, 0) + α (e^{min(z,0)} - 1);  σ' = α e^z for z ≤ 0, 1 for z > 0.
    # (np.copyto/np.where with a random mask cost ~300 µs here; torch's clamps ~7 µs.)
    zt, tt = _t(z), _t(tmp)
    torch.clamp_max(zt, 0.0, out=tt)
    np.expm1(tmp, out=tmp)
    np.multiply(tmp, ELU_ALPHA, out=tmp)
    np.add(tmp, ELU_ALPHA, out=d)  # = σ' for z ≤ 0, and α for z > 0
    if ELU_ALPHA != 1.0:
        _t(d).masked_fill_(zt > 0, 1.0)
    torch.clamp_min(zt, 0.0, out=_t(a)).add_(tt)


def _gelu_both(z, a, d, tmp) -> None:
    # a = z Φ(z) by torch's GELU (~40 µs; torch.erf alone costs ~85 µs), then Φ = a / z
    # (0/0 at z = 0 becomes Φ(0) = 1/2) and σ' = Φ(z) + z φ(z).
    zt, at = _t(z), _t(a)
    at.copy_(F.gelu(zt))
    torch.div(at, zt, out=_t(d)).nan_to_num_(nan=0.5)
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(z, z, out=tmp)
        np.multiply(tmp, -0.5, out=tmp)
        np.exp(tmp, out=tmp)
        np.multiply(tmp, z, out=tmp)
    np.multiply(tmp, _INV_SQRT_2PI, out=tmp)
    np.add(d, tmp, out=d)


_FUSED = {"tanh": _tanh_both, "sigmoid": _sigmoid_both, "elu": _elu_both, "gelu": _gelu_both}


def _activation_both(act):
    """``both(z, a, d, tmp)`` for ``act`` on NumPy arrays of one shape: writes a = σ(z) and
    d = σ'(z), tmp is scratch. Fused where written out, else f_torch/df_torch."""
    if act.name in _FUSED:
        return _FUSED[act.name]

    def both(z, a, d, tmp) -> None:
        _t(a).copy_(act.f_torch(_t(z)))
        _t(d).copy_(act.df_torch(_t(z), _t(a)))
    return both


# σ'(z) from a = σ(z) alone, ``(a, out) -> None`` on NumPy arrays: the backward pass
# recomputes it (two cheap operations per layer) instead of keeping σ'(z_l) of all layers in
# memory (26 MB at depth 50).
def _tanh_from_output(a, out) -> None:
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)  # 1 - a²


def _sigmoid_from_output(a, out) -> None:
    np.subtract(1.0, a, out=out)
    np.multiply(out, a, out=out)  # a (1 - a)


def _elu_from_output(a, out) -> None:
    np.add(a, 1.0, out=out)
    _t(out).clamp_max_(1.0)  # α = 1: e^z = a + 1 for z ≤ 0, else 1


_FROM_OUTPUT = {"tanh": _tanh_from_output, "sigmoid": _sigmoid_from_output}
if ELU_ALPHA == 1.0:
    _FROM_OUTPUT["elu"] = _elu_from_output


def _forward(UT: np.ndarray, scale: float, X: np.ndarray, both, A: np.ndarray,
             D: np.ndarray | None, tmp: np.ndarray, on_layer=None, cancel=None) -> None:
    """Forward pass of Skript §5.2 without autograd: fills ``A[l] = σ(z_l)`` (and
    ``D[l] = σ'(z_l)`` unless D is None). All arguments are NumPy arrays.

    UT : (L, d, d) transposed unit-variance weights, W_l = scale · UT[l]ᵀ; X : (rows, d);
    A, D : (L, rows, d) outputs (views are fine: A[l] must be contiguous); tmp : (3, rows, d)
    scratch. ``on_layer(l, z_l, a_l, σ'(z_l))`` is called after each layer (tmp[2] is free
    then). The matmuls go through NumPy's BLAS (OpenBLAS; 15-35 % faster than torch's here).
    """
    z = tmp[0]
    a = X
    for l in range(UT.shape[0]):
        _check(cancel)
        np.matmul(a, UT[l], out=z)  # z_l = a_{l-1} W_lᵀ
        np.multiply(z, scale, out=z)
        a, d = A[l], tmp[1] if D is None else D[l]
        both(z, a, d, tmp[2])
        if on_layer is not None:
            on_layer(l, z, a, d)


def _backward(U: np.ndarray, scale: float, derivative, G: np.ndarray, m: int,
              ring: np.ndarray, cancel=None):
    """δ-recursion (Skript §3 eq. (3)) for ``C = (1/m) Σ_i ⟨g_i, a_L,i⟩``, for some rows.

    A generator: writes ``δ_l = ∂C/∂z_l`` (rows, d) into ``ring[l % 2]`` and yields l, for
    l = L-1 … 0 (0-based); ``∂C/∂W_l = δ_lᵀ a_{l-1}``. Use δ_l before resuming it: the slot is
    overwritten two steps later. U : (L, d, d) unit weights, W_l = scale · U[l];
    ``derivative(l)`` gives σ'(z_l) for the rows; G : (rows, d); ``m`` is the batch size in
    ``C`` (a block of rows of a larger batch passes the whole batch's m). NumPy arrays.
    """
    L = U.shape[0]
    top = ring[(L - 1) % 2]
    np.multiply(derivative(L - 1), G, out=top)
    np.multiply(top, 1.0 / m, out=top)
    yield L - 1
    for l in range(L - 2, -1, -1):
        _check(cancel)
        delta = ring[l % 2]
        np.matmul(ring[(l + 1) % 2], U[l + 1], out=delta)  # δ_l = (δ_{l+1} W_{l+1}) ∘ σ'(z_l)
        np.multiply(delta, derivative(l), out=delta)
        np.multiply(delta, scale, out=delta)
        yield l


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
    A = np.empty((L, *X.shape), dtype=X.numpy().dtype)
    D = np.empty_like(A)
    tmp = np.empty((3, *X.shape), dtype=A.dtype)
    Zs = [None] * L
    _forward(weights.transpose(1, 2).contiguous().numpy(), scale, X.numpy(),
             _activation_both(act), A, D, tmp,
             on_layer=lambda l, z, a, d: Zs.__setitem__(l, torch.from_numpy(z.copy())))
    dWs = [None] * L
    for l in _backward(weights.numpy(), scale, D.__getitem__, G.numpy(), X.shape[0], tmp[:2]):
        dWs[l] = torch.from_numpy(tmp[l % 2].T @ (A[l - 1] if l > 0 else X.numpy()))
    return Zs, list(torch.from_numpy(A)), dWs


# -- statistics -------------------------------------------------------------------------------

def _moments(t) -> tuple[float, float]:
    """(Σ t, Σ t²) of an array or tensor as Python floats, also where float32 squares would
    overflow or underflow.

    Fast path: float32 (pairwise) sum and BLAS dot. Outside 1e-20 < Σ t² < 1e30 the values
    are divided by their largest magnitude first (exploding or vanishing signals deep in the
    network).
    """
    flat = np.asarray(t).reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        total, sq = float(flat.sum()), float(np.dot(flat, flat))
        if 1e-20 < sq < 1e30:
            return total, sq
        peak = float(np.abs(flat).max())
        if not np.isfinite(peak) or peak == 0.0:
            return (total, sq) if peak == 0.0 else (float("nan"), float("nan"))
        unit = flat / peak
        return float(unit.sum()) * peak, float(np.dot(unit, unit)) * peak * peak


def _bin_counts(t, lo: float, hi: float) -> np.ndarray:
    """Counts of the entries of ``t`` (array or tensor) in HIST_BINS equal bins on [lo, hi];
    values outside land in the edge bins (like ``torch.histc`` of the clamped values), NaN in
    the first."""
    x = torch.as_tensor(t).reshape(-1).clamp(lo, hi).nan_to_num_(nan=lo)
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
#: independent until ∂C/∂W_l = δ_lᵀ a_{l-1} sums over them). A fixed number, so the results do
#: not depend on how many threads ran them.
N_BLOCKS = 2
_POOL: ThreadPoolExecutor | None = None
_PASS_LOCK = threading.Lock()  # the shared work buffers serve one pass at a time


def _run_jobs(jobs) -> list:
    """Results of the callables ``jobs``, the first on this thread and the others in the
    pool. Waits for every job (they write shared buffers) before it returns or raises; a
    job's own error wins over the StudyCancelled of the jobs it stopped."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=N_BLOCKS - 1, thread_name_prefix="init_study")
    futures = [_POOL.submit(job) for job in jobs[1:]]
    results, errors = [], []
    for job in [jobs[0], *(f.result for f in futures)]:
        try:
            results.append(job())
        except BaseException as err:  # noqa: BLE001 -- re-raised below, after every job ended
            errors.append(err)
    if errors:
        raise next((e for e in errors if not isinstance(e, StudyCancelled)), errors[0])
    return results


@contextmanager
def _single_threaded_kernels():
    """torch and BLAS single-threaded (the blocks are the parallelism) and denormal numbers
    flushed to 0: far from the critical variance the float32 signal underflows, and denormals
    make the CPU matmuls ~10x slower. Everything is restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    try:
        with single_threaded_blas():
            yield
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(threads)


@contextmanager
def single_threaded_blas():
    """BLAS (OpenBLAS) limited to one thread inside the ``with`` block.

    For a whole slider move (pass, redraw, PNG): the redraw's small NumPy products otherwise
    wake OpenBLAS's worker threads, which then spin on the second core for a while and slow
    the next pass's two blocks (measured over a depth-50 walk: 130 vs 110 ms per pass).
    """
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries (scanning them costs ~1 ms)."""
    return ThreadpoolController()


def _raw_stats(U, UT, X, G, activation: str, scale: float, hist_layers, workers: int = 1,
               keep_rows: bool = False, cancel=None) -> _RawStats:
    """One forward/backward pass; per-layer moments, saturation and ‖∂C/∂W_l‖_F.

    The batch is cut into :data:`N_BLOCKS` blocks of rows (:class:`_BlockPass`); with
    ``workers`` ≥ 2 they run in parallel threads, single-threaded torch/BLAS inside. The
    forward passes are independent; in the backward pass the blocks meet once per layer
    (a barrier), because ∂C/∂W_l = δ_lᵀ a_{l-1} sums over the whole batch: then each block
    computes the norm of its share of the columns of ∂C/∂W_l. On 2 cores this beats torch's
    own 2-thread matmuls (which synchronise after every operation and degrade badly on a busy
    machine). ``cancel`` (a threading.Event) stops the pass between two layers.
    """
    act = get_activation(activation)
    L, (m, d) = U.shape[0], X.shape
    n = min(N_BLOCKS, m, d)
    rows, cols = _splits(m, n), _splits(d, n)
    from_output = _FROM_OUTPUT.get(act.name)
    U, UT, X, G = (t.numpy() for t in (U, UT, X, G))
    with _PASS_LOCK, _single_threaded_kernels():
        A = _buffer("A", (L, m, d), X.dtype)
        D = None if from_output is not None else _buffer("D", (L, m, d), X.dtype)
        ring, tmp = _buffer("ring", (2, m, d), X.dtype), _buffer("tmp", (3, m, d), X.dtype)
        blocks = [_BlockPass(U, UT, X, G, act, scale, hist_layers, A, D, ring, tmp, r, c,
                             _buffer(f"grad{k}", (d, c.stop - c.start), X.dtype), cancel)
                  for k, (r, c) in enumerate(zip(rows, cols))]
        if workers >= 2 and n >= 2:
            barrier = threading.Barrier(n)
            parts = _run_jobs([functools.partial(_threaded_block, b, barrier) for b in blocks])
        else:
            parts = [b.forward() for b in blocks]
            for layers in itertools.zip_longest(*(b.backward() for b in blocks)):
                for b, l in zip(blocks, layers):
                    b.grad_part(l)
        kept = tuple((torch.from_numpy(A[l - 1].copy()),) for l in hist_layers) \
            if keep_rows else ()
    z_mom, a_mom, sat = (sum(p[i] for p in parts) for i in range(3))
    peak = np.maximum.reduce([p[3] for p in parts])  # (L, d): max over the batch of |σ'|
    thr = SAT_TOL * max_abs_derivative(act.name)
    grad = np.sqrt(sum(b.grad_sq for b in blocks))
    counts = sum(p[4] for p in parts) / (m * d)
    return _RawStats(m * d, z_mom[:, 0], z_mom[:, 1], a_mom[:, 0], a_mom[:, 1],
                     sat / (m * d), np.count_nonzero(peak < thr, axis=1) / d, grad, counts,
                     kept)


def _splits(size: int, n: int) -> list[slice]:
    """``n`` contiguous slices covering range(size), as equal as possible."""
    bounds = np.linspace(0, size, n + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


class _BlockPass:
    """One block of rows of the batch: its forward pass with per-layer statistics, its part
    of the δ-recursion and its share of the columns of ∂C/∂W_l (see :func:`_raw_stats`).

    All arrays are NumPy (views of the torch buffers). A (L, m, d), D (L, m, d) or None,
    ring (2, m, d) and tmp (3, m, d) are shared by all blocks; a block writes only its rows.
    ``buf`` (d, its columns) holds its share of ∂C/∂W_l.
    """

    def __init__(self, U, UT, X, G, act, scale, hist_layers, A, D, ring, tmp, rows, cols,
                 buf, cancel):
        self.U, self.UT, self.X, self.G, self.act, self.scale = U, UT, X, G, act, scale
        self.hist_layers, self.A, self.D, self.ring = hist_layers, A, D, ring
        self.rows, self.cols, self.buf, self.cancel = rows, cols, buf, cancel
        self.tmp = tmp[:, rows]
        self.grad_sq = np.zeros(U.shape[0])  # ‖share of ∂C/∂W_l‖_F²

    def forward(self):
        """Forward pass of the block's rows. Returns per-layer sums over the block, taken
        while each layer is still in the cache: moments of z and a (L, 2), saturated counts
        (L,), max |σ'| per unit (L, d) and the histogram counts (k, bins)."""
        torch.set_flush_denormal(True)  # per thread (a CPU flag): see _single_threaded_kernels
        r, name = self.rows, self.act.name
        L, d = self.U.shape[0], self.X.shape[1]
        z_mom, a_mom = np.empty((L, 2)), np.empty((L, 2))
        sat, peak = np.empty(L), np.empty((L, d), dtype=self.X.dtype)
        counts = np.zeros((len(self.hist_layers), HIST_BINS), dtype=np.int64)
        hist_index = {int(l) - 1: j for j, l in enumerate(self.hist_layers)}
        lo, hi = hist_range(name)
        # saturated: |σ'(z)| < SAT_TOL · max|σ'|; dead: saturated for every input of the batch
        thr = SAT_TOL * max_abs_derivative(name)
        monotone = _derivative_range(name)[0] >= 0.0  # σ' ≥ 0: no |·| needed (all but GELU)
        scratch = self.tmp[2]

        def layer_stats(l, z, a, dl):
            z_mom[l] = _moments(z)
            a_mom[l] = _moments(a)
            if l in hist_index:
                counts[hist_index[l]] = _bin_counts(a, lo, hi)
            if not monotone:
                dl = np.abs(dl, out=scratch)
            sat[l] = np.count_nonzero(dl < thr)
            torch.amax(_t(dl), 0, out=_t(peak[l]))  # NumPy's max over axis 0: 3x slower

        with np.errstate(over="ignore", invalid="ignore"):  # far outside the slider range
            _forward(self.UT, self.scale, self.X[r], _activation_both(self.act), self.A[:, r],
                     None if self.D is None else self.D[:, r], self.tmp, layer_stats,
                     self.cancel)
        return z_mom, a_mom, sat, peak, counts

    def backward(self):
        """The block's δ-recursion (generator of :func:`_backward`, into its rows of ring)."""
        r = self.rows
        if self.D is not None:
            derivative = self.D[:, r].__getitem__
        else:
            from_output, out, A = _FROM_OUTPUT[self.act.name], self.tmp[1], self.A[:, r]

            def derivative(l):
                from_output(A[l], out)
                return out
        m = self.X.shape[0]
        return _backward(self.U, self.scale, derivative, self.G[r], m, self.ring[:, r],
                         self.cancel)

    def grad_part(self, l: int) -> None:
        """‖(∂C/∂W_l)[:, cols]‖_F² over the whole batch, once every block has δ_l."""
        a_prev = self.A[l - 1] if l > 0 else self.X
        np.matmul(self.ring[l % 2].T, a_prev[:, self.cols], out=self.buf)
        self.grad_sq[l] = _moments(self.buf)[1]


def _threaded_block(block: _BlockPass, barrier: threading.Barrier):
    """A block in its own thread; the blocks meet at ``barrier`` once per layer."""
    try:
        stats = block.forward()
        for l in block.backward():
            barrier.wait()  # every block's δ_l is in the ring
            block.grad_part(l)
        return stats
    except threading.BrokenBarrierError:
        raise StudyCancelled from None  # another block stopped; its error is reported
    except BaseException:
        barrier.abort()
        raise


_BUFFERS: dict = {}


def _buffer(name: str, shape: tuple, dtype) -> np.ndarray:
    """A reused work array (allocating ~30 MB per slider move costs several ms of page
    faults); one per name, reallocated when a larger or different one is needed."""
    have = _BUFFERS.get(name)
    if (have is None or have.dtype != dtype or have.shape[1:] != shape[1:]
            or have.shape[0] < shape[0]):
        have = _BUFFERS[name] = np.empty(shape, dtype=dtype)
    return have[:shape[0]]


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


def _study_key(variance_factor, activation, depth, width, batch, seed, distribution,
               n_hist) -> tuple:
    """Checked arguments of :func:`run_study` as a cache key
    ``(factor, activation, depth, width, batch, seed, distribution, n_hist)``."""
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
    return (float(factor), act.name, depth, check_positive_int(width, "width"),
            check_positive_int(batch, "batch"), int(seed),
            check_choice(distribution, "distribution", ("normal", "uniform")),
            check_positive_int(n_hist, "n_hist"))


def _workers(num_threads: int | None) -> int:
    return (min(N_BLOCKS, os.cpu_count() or 1) if num_threads is None
            else check_positive_int(num_threads, "num_threads"))


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
    rescaled to ``variance_factor`` exactly (:func:`_homogeneous_stats`). A running
    :func:`prefetch_study` is stopped first (or waited for, if it is computing this result).
    """
    key = _study_key(variance_factor, activation, depth, width, batch, seed, distribution,
                     n_hist)
    workers = _workers(num_threads)
    _stop_prefetch(unless_computing=key)
    return _study(key, workers)


class _LRU:
    """A small thread-safe least-recently-used mapping (finished results only)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_RESULTS = _LRU(256)  # StudyResult per run_study key
_BASE_PASSES = _LRU(8)  # homogeneous σ: the pass at the critical factor, per depth etc.


def _study(key: tuple, workers: int, cancel=None) -> StudyResult:
    """The cached result for a :func:`_study_key` (computed with ``workers`` threads)."""
    result = _RESULTS.get(key)
    if result is not None:
        return result
    factor, activation, depth, width, batch, seed, distribution, n_hist = key
    hist_layers = hist_layer_choice(depth, n_hist)
    info = (activation, depth, width, batch, seed, hist_layers)
    base = HOMOGENEOUS.get(activation)
    if base is None:
        raw = _pass(factor, key, workers, cancel)
        result = _result(raw, factor, *info)
    else:
        base_key = (base, *key[1:])
        raw = _BASE_PASSES.get(base_key)
        if raw is None:
            raw = _pass(base, key, workers, cancel)
            _BASE_PASSES.put(base_key, raw)
        result = _result(_homogeneous_stats(raw, base, factor), factor, *info,
                         hist_scale=np.sqrt(factor / base))
    _RESULTS.put(key, result)
    return result


def _pass(factor: float, key: tuple, workers: int, cancel) -> _RawStats:
    """The pass behind a result at variance factor ``factor`` (the other settings from key)."""
    _, activation, depth, width, batch, seed, distribution, n_hist = key
    U, UT = _unit_weights_and_transposes(width, seed, distribution, depth)
    X, G = _inputs(batch, width, seed)
    return _raw_stats(U, UT, X, G, activation, float(np.sqrt(factor / width)),
                      hist_layer_choice(depth, n_hist), workers,
                      keep_rows=activation in HOMOGENEOUS, cancel=cancel)


def clear_study_cache() -> None:
    """Forget cached results and passes (benchmarks measure cold recomputations); stops a
    running :func:`prefetch_study`."""
    _stop_prefetch()
    _RESULTS.clear()
    _BASE_PASSES.clear()


# -- prefetch: use the time between two slider moves ------------------------------------------

class _Prefetch:
    """A background thread that computes results ahead of the user, in order."""

    def __init__(self, keys: list, workers: int, delay: float = 0.0):
        self.keys, self.workers, self.delay = keys, workers, delay
        self.cancel = threading.Event()  # stop the running pass between two layers
        self.no_more = threading.Event()  # finish the running pass, start no other
        self.current = None
        self.thread = threading.Thread(target=self._run, name="init_study-prefetch",
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        if self.delay > 0 and self.cancel.wait(self.delay):
            return  # stopped before it began: nothing computed
        for key in self.keys:
            if self.cancel.is_set() or self.no_more.is_set():
                return
            self.current = key
            try:
                _study(key, self.workers, self.cancel)
            except StudyCancelled:
                return
            except RuntimeError as err:  # the thread pool refuses work at interpreter exit
                if "shutdown" in str(err):
                    return
                raise

    def stop(self, unless_computing=None) -> None:
        """Cancel, or let the running pass finish if it computes ``unless_computing``; wait."""
        self.no_more.set()
        if self.current is None or self.current != unless_computing:
            self.cancel.set()  # (also ends the wait of a delayed start)
        self.thread.join()


_PREFETCH: _Prefetch | None = None
# stop a running prefetch before the interpreter shuts down: a daemon thread killed inside
# torch/BLAS code aborts the process ("terminate called without an active exception")
atexit.register(lambda: _stop_prefetch())


def stop_prefetch() -> None:
    """Stop a running :func:`prefetch_study` (within one layer) and wait for its thread;
    the results it finished stay cached. The widgets call it when a notebook cell starts,
    so that a background pass never competes with the student's own code."""
    _stop_prefetch()


def _stop_prefetch(unless_computing=None) -> None:
    global _PREFETCH
    running, _PREFETCH = _PREFETCH, None
    if running is not None:
        running.stop(unless_computing)


def prefetch_study(settings, *, width: int = DEFAULT_WIDTH, batch: int = DEFAULT_BATCH,
                   seed: int = 0, distribution: str = "normal", n_hist: int = 8,
                   num_threads: int | None = None, delay: float = 0.0) -> int:
    """Compute :func:`run_study` results ahead of time, in a background thread.

    ``settings`` is a sequence of ``(variance_factor, activation, depth)``, most likely next
    first (the slider's neighbours); the other arguments are those of :func:`run_study`. A
    prefetch that is still running is cancelled. The next :func:`run_study` call stops this
    one: it waits only if the prefetch is computing exactly the requested result, otherwise
    the pass is cancelled between two layers (≈ 1 ms). So a slider step to a prefetched
    value costs only its redraw, and a jump elsewhere costs what it costs without prefetch.
    While a pass runs (in the background too), torch and BLAS are single-threaded
    process-wide (restored after each pass). With ``delay`` > 0 (seconds) the thread waits
    that long before its first pass; stopped within the wait, it has computed nothing.

    Returns the number of results queued (already cached ones are skipped).
    """
    delay = check_positive_float(delay, "delay", allow_zero=True)
    keys = [_study_key(c, act, depth, width, batch, seed, distribution, n_hist)
            for c, act, depth in settings]
    _stop_prefetch()
    todo = list(dict.fromkeys(k for k in keys if _RESULTS.get(k) is None))
    if todo:
        global _PREFETCH
        _PREFETCH = _Prefetch(todo, _workers(num_threads), delay)
    return len(todo)


@lru_cache(maxsize=4)
def _gauss_hermite(n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1) of Gauss-Hermite quadrature for E[f(z)], z ~ N(0, 1)
    (cached: computing them costs ~1.3 ms, more than the rest of predicted_z_var)."""
    x, w = np.polynomial.hermite_e.hermegauss(n_points)
    x.flags.writeable = False
    w = w / w.sum()
    w.flags.writeable = False
    return x, w


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
    x, w = _gauss_hermite(check_positive_int(n_points, "n_points"))
    q = np.empty(depth)
    msq = float(input_second_moment)
    for i in range(depth):
        q[i] = c * msq
        msq = float(np.sum(w * act.f(np.sqrt(q[i]) * x) ** 2))
    return q
