"""The perceptron and Rosenblatt's learning rule (Folien (18)–(23), Skript §1).

Label convention: **y ∈ {−1, +1}** throughout (as in Folien (21)). The slides' neuron (18)
outputs 1/0 for w·x + b ≥ θ / < θ; with ±1 labels and the threshold absorbed into the bias
(b − θ → b) the prediction is ``sign(w·x + b)`` with sign(0) := +1 (the "≥" of (18)).

A point counts as misclassified when y_i (w·x_i + b) ≤ 0 (set F of Folien (21)); the "≤"
makes the start w = 0, b = 0 misclassify everything, so learning can start.

Two update schedules:

* ``mode="online"`` (Rosenblatt, the classic rule): visit the points one by one and after each
  mistake set w ← w + η y_i x_i, b ← b + η y_i.
* ``mode="batch"`` (Folien (21) literally): per epoch w ← w + η Σ_{i∈F} y_i x_i and
  b ← b + η Σ_{i∈F} y_i. This is gradient descent with step η on the perceptron criterion
  L(w, b) = −Σ_{i∈F} y_i (w·x_i + b) whose gradient is (23).

(Folien (21) updates only w; the bias update is the same rule for the augmented input
(x, 1), i.e. b is the weight of a constant input 1.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_array, check_choice, check_positive_float, check_positive_int

__all__ = ["PerceptronResult", "perceptron_train", "perceptron_predict", "perceptron_criterion",
           "misclassified", "decision_line"]


@dataclass(frozen=True)
class PerceptronResult:
    """Outcome of :func:`perceptron_train`.

    Attributes
    ----------
    w : ndarray of shape (d,)                  final weights
    b : float                                  final bias
    w_history : ndarray of shape (E+1, d)      weights after each epoch (row 0: start)
    b_history : ndarray of shape (E+1,)        bias after each epoch
    errors : ndarray of shape (E+1,)           number of misclassified points (y(w·x+b) ≤ 0)
                                               of the whole data set for each row of the history
    w_steps : ndarray of shape (U+1, d)        weights after every single update (row 0: start)
    b_steps : ndarray of shape (U+1,)          bias after every single update
    step_index : ndarray of shape (U,)         index of the example that triggered update u
                                               (−1 for batch updates)
    converged : bool                           True if the final (w, b) classify all points
    epochs : int                               number of epochs E run
    """

    w: np.ndarray
    b: float
    w_history: np.ndarray
    b_history: np.ndarray
    errors: np.ndarray
    w_steps: np.ndarray
    b_steps: np.ndarray
    step_index: np.ndarray
    converged: bool
    epochs: int

    @property
    def n_updates(self) -> int:
        """Total number of updates U."""
        return int(self.step_index.size)


def _check_xy(X, y):
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", shape=(X.shape[0],))
    if X.shape[0] == 0:
        raise ValueError("X must contain at least one example")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        vals = ", ".join(f"{v:g}" for v in np.unique(y[~np.isin(y, (-1.0, 1.0))])[:5])
        raise ValueError(f"y must contain only the labels -1 and +1 (Folien (21)); got {vals} "
                         "(labels 0/1? use dl_helpers.data.to_pm1(y))")
    return X, y


def _check_wb(w, b, d, w_name: str = "w", b_name: str = "b"):
    w = as_array(w, w_name, shape=(d,))
    try:
        b_arr = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{b_name} must be a finite scalar, got {b!r}") from None
    if b_arr.size != 1 or not np.isfinite(b_arr).all():
        raise ValueError(f"{b_name} must be a finite scalar, got {b!r}")
    return w, float(b_arr.reshape(()))


def _check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def misclassified(X, y, w, b) -> np.ndarray:
    """Boolean mask of the set F: y_i (w·x_i + b) ≤ 0, shape (n,)."""
    X, y = _check_xy(X, y)
    w, b = _check_wb(w, b, X.shape[1])
    return y * (X @ w + b) <= 0


def perceptron_criterion(X, y, w, b) -> float:
    """Perceptron criterion L(w, b) = −Σ_{i∈F} y_i (w·x_i + b) ≥ 0 (gradient: Folien (23))."""
    X, y = _check_xy(X, y)
    w, b = _check_wb(w, b, X.shape[1])
    margins = y * (X @ w + b)
    return float(-np.sum(margins[margins <= 0]))


def perceptron_predict(X, w, b) -> np.ndarray:
    """Prediction sign(w·x + b) ∈ {−1, +1} with sign(0) := +1 (Folien (18), θ absorbed in b).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    w : ndarray of shape (d,)
    b : float

    Returns
    -------
    ndarray of shape (n,), int64 values −1/+1
    """
    X = as_array(X, "X", ndim=2)
    w, b = _check_wb(w, b, X.shape[1])
    return np.where(X @ w + b >= 0, 1, -1).astype(np.int64)


def perceptron_train(X, y, lr: float = 1.0, max_epochs: int = 100, *, mode: str = "online",
                     shuffle: bool = False, seed: int = 0, w0=None, b0: float = 0.0,
                     fit_bias: bool = True) -> PerceptronResult:
    """Train a perceptron with Rosenblatt's rule (Folien (21)).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,)
        Labels in {−1, +1}.
    lr : float
        Learning rate η > 0. (For w0 = 0, b0 = 0 it only scales w and b, the predictions are
        the same for every η.)
    max_epochs : int
        Maximal number of passes over the data.
    mode : {"online", "batch"}
        Update after every mistake (classic) or once per epoch with the sum over F (Folien (21)).
    shuffle : bool
        Online mode: visit the points in a new random order every epoch (seeded by ``seed``);
        otherwise in index order (deterministic).
    seed : int
        Seed of the shuffling.
    w0 : ndarray of shape (d,), optional
        Start weights; default 0 (Folien: "Initialisiere w = 0").
    b0 : float
        Start bias.
    fit_bias : bool
        If False, b stays at ``b0`` (the slides' rule without bias: boundary through the origin).

    Returns
    -------
    PerceptronResult
        Stops early (``converged=True``) as soon as all points are classified correctly
        (checked at the end of every epoch).
    """
    X, y = _check_xy(X, y)
    n, d = X.shape
    lr = check_positive_float(lr, "lr")
    max_epochs = check_positive_int(max_epochs, "max_epochs")
    mode = check_choice(mode, "mode", ("online", "batch"))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    shuffle = _check_flag(shuffle, "shuffle")
    fit_bias = _check_flag(fit_bias, "fit_bias")
    w = np.zeros(d) if w0 is None else _check_wb(w0, 0.0, d, w_name="w0")[0].copy()
    _, b = _check_wb(np.zeros(d), b0, d, b_name="b0")
    rng = np.random.default_rng(int(seed))

    def n_errors(w_, b_):
        return int(np.sum(y * (X @ w_ + b_) <= 0))

    w_hist, b_hist, errs = [w.copy()], [b], [n_errors(w, b)]
    w_steps, b_steps, idx_steps = [w.copy()], [b], []
    converged = errs[0] == 0
    epochs = 0
    while not converged and epochs < max_epochs:
        epochs += 1
        mistakes = 0
        if mode == "online":
            order = rng.permutation(n) if shuffle else np.arange(n)
            for i in order:
                if y[i] * (X[i] @ w + b) <= 0:
                    w = w + lr * y[i] * X[i]
                    if fit_bias:
                        b = b + lr * y[i]
                    mistakes += 1
                    w_steps.append(w.copy())
                    b_steps.append(b)
                    idx_steps.append(int(i))
        else:
            F = y * (X @ w + b) <= 0
            mistakes = int(F.sum())
            if mistakes:
                w = w + lr * (y[F] @ X[F])
                if fit_bias:
                    b = b + lr * float(y[F].sum())
                w_steps.append(w.copy())
                b_steps.append(b)
                idx_steps.append(-1)
        w_hist.append(w.copy())
        b_hist.append(b)
        errs.append(n_errors(w, b))
        converged = mistakes == 0 or errs[-1] == 0
    return PerceptronResult(
        w=w, b=float(b), w_history=np.array(w_hist), b_history=np.array(b_hist),
        errors=np.array(errs, dtype=np.int64), w_steps=np.array(w_steps),
        b_steps=np.array(b_steps), step_index=np.array(idx_steps, dtype=np.int64),
        converged=bool(converged), epochs=epochs)


def decision_line(w, b, x1, theta: float = 0.0) -> np.ndarray:
    """x2 on the decision boundary w1 x1 + w2 x2 + b = θ (Folien (19), (20)).

    x2 = −(w1/w2) x1 − (b − θ)/w2. Raises ValueError if w2 = 0 (vertical line x1 = (θ − b)/w1).

    Parameters
    ----------
    w : ndarray of shape (2,)
    b : float
    x1 : array_like
    theta : float
    """
    w, b = _check_wb(w, b, 2)
    _, theta = _check_wb(w, theta, 2, b_name="theta")
    x1 = as_array(x1, "x1")
    if w[1] == 0:
        raise ValueError("w[1] must be non-zero (the boundary is the vertical line x1 = (θ − b)/w1)")
    return -(w[0] / w[1]) * x1 - (b - theta) / w[1]
