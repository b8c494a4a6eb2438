"""Universal approximation in one dimension: one hidden layer of width n fits a target g.

Folien (15) (Universal Approximation Theorem, Cybenko 1989 / Hornik 1991) promise that a
network with ONE hidden layer,

    F(x) = Σ_{i=1}^{n} α_i σ(w_i x + b_i) + c,

approximates every continuous g on a compact interval arbitrarily well once the width n is
large enough. This module makes that statement measurable. All functions are pure: they
take a target, a width and an activation and return arrays (x-grid, prediction, error) in a
frozen dataclass; plots and widgets in the notebooks are thin layers on top.

Two ways to obtain the weights of the network (both deterministic for a fixed ``seed``):

``interpolating_network``   constructive, as in the proof idea of the theorem:
    * ``step``/``sign``/``sigmoid``/``tanh``: a *staircase* -- one (smoothed) step of height
      g(t_i) − g(t_{i−1}) at each of n knots t_i; the error is at most the largest change of
      g between neighbouring knots (modulus of continuity).
    * ``relu``: the linear interpolant of g at n+1 knots, written as a sum of n shifted
      ReLUs; the error shrinks like O(1/n²) for smooth g.
``least_squares_network``   a random hidden layer (knots uniform in the domain, random
    signs and slopes), output layer (α, c) by linear least squares -- the
    "random features" view. This is what the width slider in notebook 02 uses.

Shapes follow the lecture: the hidden layer has W1 of shape (n, 1) and b1 of shape (n,), the
output layer W2 of shape (1, n) and b2 of shape (1,); ``fit.params`` returns them as a list
of :class:`dl_helpers.network.Layer` so the fitted net runs through ``network.forward``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import as_array, check_choice, check_positive_float, check_positive_int
from .activations import get_activation
from .threads import one_thread

__all__ = [
    "TARGETS", "get_target", "OneHiddenLayerFit", "WidthStudy",
    "hidden_features", "interpolating_network", "least_squares_network", "error_vs_width",
    "FIT_METHODS",
]


def _bump(x):
    return np.exp(-8.0 * x**2)


#: Continuous 1-D targets on the default domain [-1, 1] (the theorem needs continuity).
TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": lambda x: np.sin(np.pi * x),
    "wave": lambda x: np.sin(3.0 * np.pi * x) * (1.0 - 0.5 * x),
    "abs": lambda x: np.abs(x),
    "bump": _bump,
    "zigzag": lambda x: 2.0 * np.abs(2.0 * (x - np.floor(x + 0.5))) - 1.0,
    "runge": lambda x: 1.0 / (1.0 + 25.0 * x**2),
}

#: Staircase activations (bounded, monotone) vs piecewise-linear ones for the construction.
_STAIRCASE = ("step", "sign", "sigmoid", "tanh")
_RAMP = ("relu",)
FIT_METHODS = ("least_squares", "interpolating")


def get_target(target) -> Callable[[np.ndarray], np.ndarray]:
    """Return a vectorised target function: a name from :data:`TARGETS` or a callable."""
    if callable(target):
        return target
    return TARGETS[check_choice(target, "target", TARGETS)]


def _check_domain(domain) -> tuple[float, float]:
    d = as_array(domain, "domain", shape=(2,))
    lo, hi = float(d[0]), float(d[1])
    if not hi > lo:
        raise ValueError(f"domain must be an interval (lo, hi) with lo < hi, got {tuple(domain)}")
    return lo, hi


def _eval_target(g, x: np.ndarray, name: str = "target") -> np.ndarray:
    y = np.asarray(g(x), dtype=np.float64)
    if y.shape != x.shape:
        raise ValueError(f"{name} must map an array of shape {x.shape} to the same shape, "
                         f"got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} returned NaN or inf on the domain")
    return y


@dataclass(frozen=True)
class OneHiddenLayerFit:
    """A fitted one-hidden-layer network F(x) = W2 σ(W1 x + b1) + b2 and its error on a grid.

    Attributes
    ----------
    x : ndarray of shape (n_grid,)        evaluation grid (dense, includes both end points)
    y : ndarray of shape (n_grid,)        target g(x)
    y_hat : ndarray of shape (n_grid,)    network output F(x)
    W1 : ndarray of shape (n, 1)          hidden weights (lecture: W_1 ∈ R^{d_1 × d_0})
    b1 : ndarray of shape (n,)
    W2 : ndarray of shape (1, n)          output weights α_i
    b2 : ndarray of shape (1,)            output bias c
    activation : str
    method : str                          "interpolating" or "least_squares"
    """

    x: np.ndarray
    y: np.ndarray
    y_hat: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    activation: str
    method: str
    error: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "error", self.y_hat - self.y)

    @property
    def width(self) -> int:
        """Number n of hidden neurons."""
        return int(self.W1.shape[0])

    @property
    def max_error(self) -> float:
        """sup-norm error max_x |F(x) − g(x)| on the grid (the theorem's ε)."""
        return float(np.max(np.abs(self.error)))

    @property
    def rmse(self) -> float:
        """Root mean squared error on the grid."""
        return float(np.sqrt(np.mean(self.error**2)))

    @property
    def n_parameters(self) -> int:
        """Trainable parameters: d_0 d_1 + d_1 + d_1 d_2 + d_2 = 3n + 1 for d_0 = d_2 = 1."""
        return int(self.W1.size + self.b1.size + self.W2.size + self.b2.size)

    @property
    def params(self):
        """The two layers as ``[Layer(W1, b1), Layer(W2, b2)]`` for ``dl_helpers.network``."""
        from .network import Layer  # local import: network is an optional dependency here
        return [Layer(self.W1, self.b1), Layer(self.W2, self.b2)]

    def __call__(self, x) -> np.ndarray:
        """Evaluate F at arbitrary points ``x`` of shape (m,)."""
        x = as_array(x, "x", ndim=1)
        return _network_output(x, self.W1, self.b1, self.W2, self.b2, self.activation)


@dataclass(frozen=True)
class WidthStudy:
    """Approximation error as a function of the width n.

    widths : ndarray of shape (k,) of int
    max_error, rmse : ndarray of shape (k,)   median over the seeds
    n_parameters : ndarray of shape (k,) of int
    """

    widths: np.ndarray
    max_error: np.ndarray
    rmse: np.ndarray
    n_parameters: np.ndarray
    activation: str
    method: str


def hidden_features(x, W1, b1, activation) -> np.ndarray:
    """Hidden-layer outputs α^(1) = σ(x W1ᵀ + b1) for a batch of scalar inputs.

    x : ndarray of shape (m,); W1 : (n, 1); b1 : (n,); returns ndarray of shape (m, n).
    """
    x = as_array(x, "x", ndim=1)
    W1 = as_array(W1, "W1", ndim=2)
    if W1.shape[1] != 1:
        raise ValueError(f"W1 must have shape (n, 1), got {W1.shape}")
    b1 = as_array(b1, "b1", shape=(W1.shape[0],))
    act = get_activation(activation)
    return act.f(x[:, None] @ W1.T + b1)


def _network_output(x, W1, b1, W2, b2, activation) -> np.ndarray:
    return (hidden_features(x, W1, b1, activation) @ W2.T + b2)[:, 0]


def _grid(domain, n_grid):
    lo, hi = domain
    return np.linspace(lo, hi, n_grid)


def _common_args(target, width, activation, domain, n_grid):
    g = get_target(target)
    width = check_positive_int(width, "width")
    act = get_activation(activation).name
    domain = _check_domain(domain)
    n_grid = check_positive_int(n_grid, "n_grid", minimum=2)
    return g, width, act, domain, n_grid


def interpolating_network(target, width: int, activation: str = "relu", *,
                          domain=(-1.0, 1.0), n_grid: int = 1001,
                          sharpness: float = 6.0) -> OneHiddenLayerFit:
    """Build the network of the constructive UAT proof (no training, no randomness).

    Parameters
    ----------
    target : str or callable      name from :data:`TARGETS` or a vectorised g: (m,) -> (m,)
    width : int                   number n of hidden neurons
    activation : {"relu", "step", "sign", "sigmoid", "tanh"}
    domain : (lo, hi)             compact interval
    n_grid : int                  evaluation points for the error
    sharpness : float             smooth activations only: slope of each step in units of
                                  1 / knot spacing (larger -> closer to a hard step)

    Construction
    ------------
    ``relu``: knots t_0 < … < t_n equally spaced; F is the linear interpolant of g,
    F(x) = g(t_0) + Σ_i (s_i − s_{i−1}) relu(x − t_{i−1}) with segment slopes s_i, s_0 = 0.
    Bounded activations: the domain is cut into n + 1 cells of length h with centres c_j;
    the output bias is g(c_0) and neuron i adds a step of height g(c_i) − g(c_{i−1}) at the
    border between cell i−1 and cell i, so F reproduces g at the cell centres. A step is H(z)
    for ``step``, (1 + sign(z))/2 for ``sign`` and σ(k z) resp. (1 + tanh(k z))/2 for the
    smooth ones (slope k = sharpness / h).
    """
    g, n, act, (lo, hi), n_grid = _common_args(target, width, activation, domain, n_grid)
    sharpness = check_positive_float(sharpness, "sharpness")
    if act not in _STAIRCASE + _RAMP:
        raise ValueError(f"interpolating_network supports activation in "
                         f"{', '.join(_STAIRCASE + _RAMP)}; got {act!r}")
    x = _grid((lo, hi), n_grid)
    y = _eval_target(g, x)
    if act == "relu":
        knots = np.linspace(lo, hi, n + 1)
        gk = _eval_target(g, knots)
        slopes = np.diff(gk) / np.diff(knots)                  # (n,) slope on each segment
        W1 = np.ones((n, 1))
        b1 = -knots[:-1]
        W2 = np.diff(np.concatenate([[0.0], slopes]))[None, :]  # change of slope at each knot
        b2 = np.array([gk[0]])
    else:
        h = (hi - lo) / (n + 1)                                 # n + 1 cells, n inner borders
        centres = lo + h * (np.arange(n + 1) + 0.5)
        gc = _eval_target(g, centres)
        jumps = np.diff(gc)                                     # (n,) step heights
        borders = lo + h * np.arange(1, n + 1)                  # (n,) where the steps sit
        k = 1.0 if act in ("step", "sign") else sharpness / h
        W1 = np.full((n, 1), k)
        b1 = -k * borders
        if act in ("step", "sigmoid"):   # H(z), σ(z) go from 0 to 1
            W2, b2 = jumps[None, :], np.array([gc[0]])
        else:                            # sign, tanh go from -1 to 1: a unit step is (1 + s)/2
            W2, b2 = 0.5 * jumps[None, :], np.array([gc[0] + 0.5 * jumps.sum()])
    y_hat = _network_output(x, W1, b1, W2, b2, act)
    return OneHiddenLayerFit(x, y, y_hat, W1, b1, W2, b2, act, "interpolating")


def least_squares_network(target, width: int, activation: str = "relu", *,
                          domain=(-1.0, 1.0), n_grid: int = 1001, n_fit: int | None = None,
                          seed: int = 0, sharpness: float = 2.0,
                          ridge: float = 1e-8) -> OneHiddenLayerFit:
    """Random hidden layer + least-squares output layer ("random features").

    Hidden neuron i has a knot t_i ~ U(lo, hi) (where σ(w_i (x − t_i)) bends), a random sign
    and a slope |w_i| ~ U(0.5, 1.5) · s with s = 1 for the piecewise-linear ``relu``,
    ``leaky_relu`` (and ``identity``) and s = sharpness · n / (hi − lo) for all others (steeper
    bends for wider nets, so that each neuron acts locally). The output
    layer (W2, b2) minimises Σ_j (F(x_j) − g(x_j))² + ridge ‖W2‖² over ``n_fit`` equally
    spaced points (default max(256, 4n), so that the fit points resolve every step); the
    error is reported on the grid of ``n_grid`` points, which mostly lies between them.

    Parameters
    ----------
    target : str or callable; width : int
    activation : str           any name in ``ACTIVATIONS`` (``identity`` runs but cannot
                               approximate anything non-linear -- a useful counter-example)
    domain : (lo, hi); n_grid : int; n_fit : int or None; seed : int
    sharpness : float          slope scale of bounded activations (see above)
    ridge : float              tiny Tikhonov term for numerical stability

    Returns
    -------
    OneHiddenLayerFit
    """
    g, n, act, (lo, hi), n_grid = _common_args(target, width, activation, domain, n_grid)
    n_fit = max(256, 4 * n) if n_fit is None else check_positive_int(n_fit, "n_fit", minimum=2)
    sharpness = check_positive_float(sharpness, "sharpness")
    ridge = check_positive_float(ridge, "ridge", allow_zero=True)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    rng = np.random.default_rng(seed)
    knots = rng.uniform(lo, hi, size=n)
    signs = rng.choice([-1.0, 1.0], size=n)
    scale = 1.0 if act in ("relu", "leaky_relu", "identity") else sharpness * n / (hi - lo)
    slopes = signs * scale * rng.uniform(0.5, 1.5, size=n)
    W1 = slopes[:, None]
    b1 = -slopes * knots
    x_fit = _grid((lo, hi), n_fit)
    y_fit = _eval_target(g, x_fit)
    H = np.hstack([hidden_features(x_fit, W1, b1, act), np.ones((n_fit, 1))])  # (n_fit, n+1)
    # Ridge via the augmented system [H; √λ I'] (bias column unpenalised), solved by lstsq.
    penalty = np.sqrt(ridge) * np.eye(n + 1)[:-1]
    A = np.vstack([H, penalty])
    rhs = np.concatenate([y_fit, np.zeros(n)])
    with one_thread():   # small lstsq: one BLAS thread is fastest and steadiest
        coef, *_ = np.linalg.lstsq(A, rhs, rcond=None)
    W2 = coef[None, :-1]
    b2 = coef[-1:]
    x = _grid((lo, hi), n_grid)
    y = _eval_target(g, x)
    y_hat = _network_output(x, W1, b1, W2, b2, act)
    return OneHiddenLayerFit(x, y, y_hat, W1, b1, W2, b2, act, "least_squares")


def error_vs_width(target, widths, activation: str = "relu", *,
                   method: str = "least_squares", seeds=(0, 1, 2), **kwargs) -> WidthStudy:
    """Approximation error for each width (median over ``seeds`` for the random method).

    widths : sequence of int; method : "least_squares" or "interpolating";
    further keyword arguments go to the fitting function.
    """
    method = check_choice(method, "method", FIT_METHODS)
    widths = np.asarray([check_positive_int(int(w) if isinstance(w, np.integer) else w, "widths")
                         for w in widths], dtype=int)
    if widths.size == 0:
        raise ValueError("widths must contain at least one width")
    seeds = tuple(seeds) if method == "least_squares" else (0,)
    if not seeds:
        raise ValueError("seeds must contain at least one seed")
    max_err = np.empty(widths.size)
    rmse = np.empty(widths.size)
    for k, n in enumerate(widths):
        fits = [least_squares_network(target, int(n), activation, seed=s, **kwargs)
                if method == "least_squares"
                else interpolating_network(target, int(n), activation, **kwargs)
                for s in seeds]
        max_err[k] = np.median([f.max_error for f in fits])
        rmse[k] = np.median([f.rmse for f in fits])
    return WidthStudy(widths, max_err, rmse, 3 * widths + 1, get_activation(activation).name,
                      method)
