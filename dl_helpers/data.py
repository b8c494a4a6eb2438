"""Seeded toy data sets (generated locally, nothing is downloaded).

Every generator takes a ``seed: int`` and returns ``(X, y)`` with

* ``X`` : ndarray of shape (n, d) -- one example per row (float64),
* ``y`` : ndarray of shape (n,) -- class labels (int64) or regression targets (float64).

Binary generators have ``labels="01"`` (default, y ∈ {0, 1}, for sigmoid + BCE) or
``labels="pm1"`` (y ∈ {−1, +1}, for the perceptron (Folien (21)) and the logistic loss).
:func:`to_pm1` and :func:`to_01` convert between the two conventions.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._validation import as_array, check_choice, check_positive_float, check_positive_int

__all__ = [
    "make_blobs", "make_linearly_separable", "make_xor", "make_moons", "make_spirals",
    "make_regression_1d", "make_gaussian_mixture", "load_digits_data", "DigitsData",
    "REGRESSION_TARGETS", "regression_target", "to_pm1", "to_01", "LABEL_CONVENTIONS",
]

LABEL_CONVENTIONS = ("01", "pm1")


def _seed(seed, name: str = "seed") -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))


def _binary_labels(y01: np.ndarray, labels: str) -> np.ndarray:
    labels = check_choice(labels, "labels", LABEL_CONVENTIONS)
    y01 = y01.astype(np.int64)
    return 2 * y01 - 1 if labels == "pm1" else y01


def to_pm1(y) -> np.ndarray:
    """Map labels {0, 1} to {−1, +1} (int64, shape (n,)); labels already ±1 pass through."""
    arr = as_array(y, "y", ndim=1)
    if np.all(np.isin(arr, (-1, 1))):
        return arr.astype(np.int64)
    if not np.all(np.isin(arr, (0, 1))):
        raise ValueError("y must contain only the labels 0 and 1 (or -1 and +1)")
    return (2 * arr - 1).astype(np.int64)


def to_01(y) -> np.ndarray:
    """Map labels {−1, +1} to {0, 1} (int64, shape (n,)); labels already 0/1 pass through."""
    arr = as_array(y, "y", ndim=1)
    if np.all(np.isin(arr, (0, 1))):
        return arr.astype(np.int64)
    if not np.all(np.isin(arr, (-1, 1))):
        raise ValueError("y must contain only the labels -1 and +1 (or 0 and 1)")
    return ((arr + 1) // 2).astype(np.int64)


def _shuffle(rng, X, y):
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def _split_counts(n: int, k: int) -> list[int]:
    """n examples over k groups as evenly as possible (first groups get the remainder)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


# --------------------------------------------------------------------------- classification
def make_blobs(n_samples: int = 200, centers=2, std: float = 1.0, n_features: int = 2,
               box: float = 5.0, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters.

    Parameters
    ----------
    n_samples : int
        Total number of points (split evenly over the clusters).
    centers : int or array_like of shape (K, d)
        Number of clusters (centres drawn uniformly in [−box, box]^d) or the centres themselves.
    std : float
        Standard deviation of each cluster.
    n_features : int
        Dimension d when ``centers`` is an int.
    seed : int

    Returns
    -------
    X : ndarray of shape (n_samples, d)
    y : ndarray of shape (n_samples,), int labels 0..K−1 (cluster index)
    """
    n = check_positive_int(n_samples, "n_samples")
    std = check_positive_float(std, "std", allow_zero=True)
    box = check_positive_float(box, "box")
    rng = _seed(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = check_positive_int(centers, "centers")
        d = check_positive_int(n_features, "n_features")
        C = rng.uniform(-box, box, size=(k, d))
    else:
        C = as_array(centers, "centers", ndim=2)
    counts = _split_counts(n, C.shape[0])
    y = np.repeat(np.arange(C.shape[0]), counts)
    X = C[y] + std * rng.normal(size=(n, C.shape[1]))
    return _shuffle(rng, X, y)


def make_linearly_separable(n_samples: int = 100, margin: float = 0.5, n_features: int = 2,
                            *, labels: str = "01", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes separated by a random hyperplane with a guaranteed margin.

    Points are uniform in [−3, 3]^d; a random unit normal w* and offset b* are drawn, points
    with |w*·x + b*| < margin are pushed out of the margin strip along w*. So the data are
    linearly separable with geometric margin ≥ ``margin`` (the perceptron converges,
    Novikoff's theorem).

    Parameters
    ----------
    n_samples : int
    margin : float
        Minimum distance of every point to the separating hyperplane (> 0).
    n_features : int
        Dimension d.
    labels : {"01", "pm1"}
        Label convention; ``"pm1"`` for the perceptron rule (Folien (21)).
    seed : int

    Returns
    -------
    X : ndarray of shape (n_samples, d)
    y : ndarray of shape (n_samples,)  label 1 (+1) where w*·x + b* > 0
    """
    labels = check_choice(labels, "labels", LABEL_CONVENTIONS)  # checked before drawing
    n = check_positive_int(n_samples, "n_samples")
    margin = check_positive_float(margin, "margin")
    d = check_positive_int(n_features, "n_features")
    rng = _seed(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    b = rng.uniform(-0.5, 0.5)
    X = rng.uniform(-3.0, 3.0, size=(n, d))
    s = X @ w + b
    # A point inside the margin strip keeps its side and is moved to distance margin + |s|.
    side = np.where(s > 0, 1.0, -1.0)
    side[s == 0] = 1.0
    too_close = np.abs(s) < margin
    shift = side * (margin + np.abs(s)) - s
    X = X + np.where(too_close, shift, 0.0)[:, None] * w
    y01 = (X @ w + b > 0).astype(np.int64)
    return X, _binary_labels(y01, labels)


def make_xor(n_samples: int = 200, noise: float = 0.15, *, labels: str = "01",
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem (Folien (24)–(27)): noisy copies of the four corners of {0, 1}².

    Point i sits at corner i mod 4 in the order (0,0), (0,1), (1,0), (1,1) plus Gaussian noise
    of standard deviation ``noise``; its label is x1 XOR x2 of the corner. With
    ``n_samples=4, noise=0`` the result is exactly the truth table.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)  0/1 (or −1/+1 with ``labels="pm1"``)
    """
    labels = check_choice(labels, "labels", LABEL_CONVENTIONS)  # checked before drawing
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive_float(noise, "noise", allow_zero=True)
    rng = _seed(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    idx = np.arange(n) % 4
    X = corners[idx] + noise * rng.normal(size=(n, 2))
    y01 = np.array([0, 1, 1, 0])[idx]
    return X, _binary_labels(y01, labels)


def make_moons(n_samples: int = 200, noise: float = 0.1, *, labels: str = "01",
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (not linearly separable).

    Class 0: (cos t, sin t), class 1: (1 − cos t, 1/2 − sin t) for t ∈ [0, π], plus Gaussian
    noise of standard deviation ``noise``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    """
    labels = check_choice(labels, "labels", LABEL_CONVENTIONS)  # checked before drawing
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive_float(noise, "noise", allow_zero=True)
    rng = _seed(seed)
    n0, n1 = _split_counts(n, 2)
    t0 = rng.uniform(0, np.pi, n0)
    t1 = rng.uniform(0, np.pi, n1)
    X = np.vstack([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    X = X + noise * rng.normal(size=X.shape)
    y01 = np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]
    X, y01 = _shuffle(rng, X, y01)
    return X, _binary_labels(y01, labels)


def make_spirals(n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, turns: float = 1.0,
                 *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (a hard non-linear problem).

    Arm k: radius r ∈ [0, 1], angle 2π·turns·r + 2πk/K, angular noise ``noise``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), values in about [−1, 1]
    y : ndarray of shape (n_samples,), int labels 0..K−1
    """
    n = check_positive_int(n_samples, "n_samples")
    k = check_positive_int(n_classes, "n_classes", minimum=2)
    noise = check_positive_float(noise, "noise", allow_zero=True)
    turns = check_positive_float(turns, "turns")
    rng = _seed(seed)
    counts = _split_counts(n, k)
    y = np.repeat(np.arange(k), counts)
    r = np.concatenate([np.linspace(0.05, 1.0, c) for c in counts])
    theta = 2 * np.pi * turns * r + 2 * np.pi * y / k + noise * rng.normal(size=n)
    X = np.c_[r * np.cos(theta), r * np.sin(theta)]
    return _shuffle(rng, X, y)


def make_gaussian_mixture(n_samples: int = 500, means=None, std: float = 0.1, weights=None,
                          n_components: int = 8, radius: float = 2.0,
                          *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Samples of a mixture of isotropic Gaussians (e.g. the 2-D "ring of Gaussians" for GANs).

    Parameters
    ----------
    n_samples : int
    means : array_like of shape (K, d), optional
        Component means; default: ``n_components`` means evenly on a circle of ``radius``.
    std : float
        Standard deviation of every component.
    weights : array_like of shape (K,), optional
        Mixture weights (non-negative, normalised here); default uniform.
    seed : int

    Returns
    -------
    X : ndarray of shape (n_samples, d)
    y : ndarray of shape (n_samples,), int component index 0..K−1
    """
    n = check_positive_int(n_samples, "n_samples")
    std = check_positive_float(std, "std", allow_zero=True)
    rng = _seed(seed)
    if means is None:
        k = check_positive_int(n_components, "n_components")
        radius = check_positive_float(radius, "radius")
        ang = 2 * np.pi * np.arange(k) / k
        M = radius * np.c_[np.cos(ang), np.sin(ang)]
    else:
        M = as_array(means, "means", ndim=2)
    k = M.shape[0]
    if weights is None:
        p = np.full(k, 1.0 / k)
    else:
        p = as_array(weights, "weights", shape=(k,))
        if np.any(p < 0) or p.sum() <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        p = p / p.sum()
    y = rng.choice(k, size=n, p=p)
    X = M[y] + std * rng.normal(size=(n, M.shape[1]))
    return X, y


# --------------------------------------------------------------------------- regression
REGRESSION_TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": lambda x: np.sin(x),
    "sin3": lambda x: np.sin(3 * x),
    "cubic": lambda x: 0.1 * x ** 3 - 0.5 * x,
    "abs": lambda x: np.abs(x),
    "step": lambda x: (x >= 0).astype(np.float64),
    "gauss": lambda x: np.exp(-x ** 2),
    "sinc": lambda x: np.sinc(x),
}


def regression_target(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The noise-free target function g of :func:`make_regression_1d` (for plotting the truth)."""
    return REGRESSION_TARGETS[check_choice(name, "func", REGRESSION_TARGETS)]


def make_regression_1d(n_samples: int = 100, func: str | Callable = "sin", noise: float = 0.1,
                       x_range: tuple[float, float] = (-3.0, 3.0), *,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """1-D regression data y = g(x) + ε, ε ~ N(0, noise²), x uniform in ``x_range`` (sorted).

    Parameters
    ----------
    func : str or callable
        A name in :data:`REGRESSION_TARGETS` (``sin``, ``sin3``, ``cubic``, ``abs``, ``step``,
        ``gauss``, ``sinc``) or a vectorised function g.
    x_range : (float, float)

    Returns
    -------
    X : ndarray of shape (n_samples, 1), sorted ascending
    y : ndarray of shape (n_samples,)
    """
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive_float(noise, "noise", allow_zero=True)
    g = func if callable(func) else regression_target(func)
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise TypeError(f"x_range must be a pair (low, high) of numbers, got {x_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    rng = _seed(seed)
    x = np.sort(rng.uniform(lo, hi, size=n))
    gx = np.asarray(g(x), dtype=np.float64)
    if gx.size != n:
        raise ValueError(f"func must map x of shape ({n},) to {n} values, got shape {gx.shape}")
    y = gx.reshape(n) + noise * rng.normal(size=n)
    return x[:, None], y


# --------------------------------------------------------------------------- digits
class DigitsData(NamedTuple):
    """Train/test split of scikit-learn's 8×8 digits (1797 images, 10 classes)."""

    X_train: np.ndarray  #: (n_train, 64) or (n_train, 1, 8, 8), values in [0, 1]
    X_test: np.ndarray   #: (n_test, 64) or (n_test, 1, 8, 8)
    y_train: np.ndarray  #: (n_train,), int labels 0..9
    y_test: np.ndarray   #: (n_test,)


def load_digits_data(test_size: float = 0.25, *, images: bool = False, n_classes: int = 10,
                     seed: int = 0) -> DigitsData:
    """scikit-learn's ``load_digits`` (bundled with sklearn, no download), scaled to [0, 1].

    Parameters
    ----------
    test_size : float in (0, 1)
        Fraction of the test set (stratified split).
    images : bool
        If True, X has shape (n, 1, 8, 8) (channel first, for CNNs); else (n, 64).
    n_classes : int
        Keep only the digits 0..n_classes−1 (e.g. 2 for a binary task).
    seed : int
        Seed of the split.

    Returns
    -------
    DigitsData
        ``(X_train, X_test, y_train, y_test)``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_size = check_positive_float(test_size, "test_size")
    if not isinstance(images, bool):
        raise TypeError(f"images must be True or False, got {images!r}")
    if not test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    k = check_positive_int(n_classes, "n_classes", minimum=2)
    if k > 10:
        raise ValueError(f"n_classes must be between 2 and 10, got {k}")
    _seed(seed)
    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    keep = y < k
    X, y = X[keep], y[keep]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y,
                                              random_state=int(seed))
    if images:
        X_tr, X_te = X_tr.reshape(-1, 1, 8, 8), X_te.reshape(-1, 1, 8, 8)
    return DigitsData(X_tr, X_te, y_tr, y_te)
