"""Loss functions of empirical risk minimisation and their gradients (Skript §2).

Every loss is a **mean over the batch** of ``m`` examples, and every ``*_grad`` is the
gradient of that mean with respect to the network output (so it already contains the
factor ``1/m``; backpropagation starts from it, Skript §3).

* ``mse``: 1/(2m) Σ_i ‖ŷ_i − y_i‖² (Skript §2.1); real outputs and targets.
* ``logistic``: 1/m Σ_i log(1 + e^{−y_i f_i}) (Skript Bsp. 2.2.1); real scores f, y ∈ {−1, +1}.
* ``bce``: −1/m Σ_i [y_i log p_i + (1−y_i) log(1−p_i)] (Bsp. 2.2.2, corrected); probabilities p,
  targets y ∈ [0, 1] (normally 0/1).
* ``bce_with_logits``: the same with p = sigmoid(z), computed stably from the logits z.
* ``cce``: −1/m Σ_i Σ_k Y_ik log P_ik (Bsp. 2.2.3, corrected); probability rows P, labels.
* ``cce_with_logits``: the same with P = softmax(Z), computed with log-sum-exp from logits Z.

"labels" means either integer class labels ``y`` of shape (m,) or a target matrix ``Y`` of
shape (m, K) whose rows are probability vectors (one-hot rows are the usual case).

Lecture errors (verified numerically in ``tests/test_losses.py`` and notebook 03):

* Skript §2.2, Bsp. 2.2.2 writes the cross-entropy *without* the leading minus sign. Since
  log p ≤ 0 that expression is ≤ 0 with its *maximum* 0 at a perfect classifier; minimising
  it would push every prediction towards the wrong label. The loss to minimise is its negative.
* Skript §2.2, Bsp. 2.2.3 (categorical cross-entropy) also omits the minus sign and adds the
  binary terms (1 − y_ij) log(1 − f_j). That is the sum of K independent binary
  cross-entropies (a multi-*label* loss), not the categorical cross-entropy of a softmax
  output, which is −Σ_k y_k log p_k (the form ``torch.nn.functional.cross_entropy`` uses).

The :data:`LOSSES` table maps a name to a :class:`Loss` with ``value``, ``grad`` and the torch
twin ``value_torch`` so that tests and notebooks can loop over all losses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ._validation import as_array, check_choice
from .activations import softmax

__all__ = [
    "Loss", "LOSSES", "get_loss", "loss_names", "one_hot",
    "mse", "mse_grad",
    "logistic_loss", "logistic_loss_grad",
    "bce", "bce_grad", "bce_with_logits", "bce_with_logits_grad",
    "cce", "cce_grad", "cce_with_logits", "cce_with_logits_grad",
    "LOG_FLOOR", "PROB_EPS", "PROB_SUM_TOL",
]

#: Lower bound of ``log p`` in :func:`bce` and :func:`cce` (same convention as
#: ``torch.nn.functional.binary_cross_entropy``): a probability of exactly 0 for the true class
#: costs 100 instead of ``inf``. Use the ``*_with_logits`` versions to avoid the issue.
LOG_FLOOR = -100.0
#: Lower bound of the denominators p(1−p) in :func:`bce_grad` and p in :func:`cce_grad`, a
#: float64 1e-12. torch's backward of ``binary_cross_entropy`` clamps with the same number stored
#: as a float32 (9.99999996e-13), so at a clamped entry (p = 0 or 1) the two gradients differ by
#: a relative 4e-9; everywhere else they agree to rounding.
PROB_EPS = 1e-12
#: Rows of ``P`` in :func:`cce` may deviate from a sum of 1 by this much (plus K times the
#: machine epsilon of P's dtype, for float32 softmax outputs).
PROB_SUM_TOL = 1e-5


# --------------------------------------------------------------------------- validation
def _batch(out, name: str, ndim=(1, 2)) -> np.ndarray:
    arr = as_array(out, name, ndim=ndim)
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one example (got an empty batch)")
    return arr


def _match_target(y, out: np.ndarray, name: str = "y") -> np.ndarray:
    """Return ``y`` as float array of exactly ``out``'s shape.

    A target of shape (m,) is accepted for an output of shape (m, 1) (a network with a single
    output unit); everything else must match exactly (no silent broadcasting to (m, m)).
    """
    y = as_array(y, name, ndim=(1, 2))
    if y.ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
        y = y[:, None]
    if y.shape != out.shape:
        raise ValueError(f"{name} must have the same shape as the output {out.shape}, got {y.shape}")
    return y


def _check_pm1(y: np.ndarray, name: str = "y") -> None:
    bad = ~np.isin(y, (-1.0, 1.0))
    if bad.any():
        vals = ", ".join(f"{v:g}" for v in np.unique(y[bad])[:5])
        raise ValueError(f"{name} must contain only the labels -1 and +1 for the logistic loss; "
                         f"got {vals} (labels in {{0, 1}}? convert with 2*y - 1)")


def _check_unit_interval(y: np.ndarray, name: str = "y") -> None:
    if np.any((y < 0) | (y > 1)):
        vals = ", ".join(f"{v:g}" for v in np.unique(y[(y < 0) | (y > 1)])[:5])
        raise ValueError(f"{name} must contain targets in [0, 1] (labels 0 and 1) for the binary "
                         f"cross-entropy; got {vals} (labels in {{-1, +1}}? convert with (y + 1) / 2)")


def _check_probabilities(p: np.ndarray, name: str) -> None:
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"{name} must contain probabilities in [0, 1]; got values in "
                         f"[{p.min():g}, {p.max():g}] (logits? use the *_with_logits loss)")


def _check_distribution_rows(P, name: str = "P") -> np.ndarray:
    """``P`` as a float64 batch (m, K) whose rows are probability distributions, else ValueError."""
    eps = np.finfo(np.asarray(P).dtype).eps if np.asarray(P).dtype.kind == "f" else 0.0
    out = _batch(P, name, ndim=2)
    if out.shape[1] == 0:
        raise ValueError(f"{name} must have at least one class (column), got shape {out.shape}")
    if np.any(out < 0):
        i = int(np.argmax(np.any(out < 0, axis=1)))
        raise ValueError(f"{name} must contain probabilities (no negative entries); row {i} is "
                         f"{np.array2string(out[i], precision=4)} (logits? use cce_with_logits)")
    sums = out.sum(axis=1)
    tol = PROB_SUM_TOL + out.shape[1] * eps
    bad = np.abs(sums - 1.0) > tol
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"every row of {name} must be a probability distribution summing to 1 "
                         f"(softmax output); row {i} sums to {sums[i]:.6g} "
                         f"(logits or sigmoid outputs? use softmax, or cce_with_logits)")
    return out


def one_hot(y, n_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer labels.

    Parameters
    ----------
    y : array_like of shape (m,)
        Integer class labels in ``0 .. n_classes-1``.
    n_classes : int, optional
        Number of classes K; default ``max(y) + 1``.

    Returns
    -------
    Y : ndarray of shape (m, K)
        ``Y[i, y[i]] = 1``, all other entries 0.
    """
    labels = _int_labels(y, "y")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    if labels.size and labels.max() >= n_classes:
        raise ValueError(f"y contains label {labels.max()} but n_classes={n_classes} "
                         f"(labels must be 0 .. {n_classes - 1})")
    Y = np.zeros((labels.size, int(n_classes)))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


def _int_labels(y, name: str) -> np.ndarray:
    arr = as_array(y, name, ndim=1)
    if np.any(arr != np.round(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must contain non-negative integer class labels, got e.g. "
                         f"{arr[(arr != np.round(arr)) | (arr < 0)][0]:g}")
    return arr.astype(np.int64)


def _class_targets(y, out: np.ndarray, name: str = "y") -> np.ndarray:
    """Target matrix Y of shape (m, K) from int labels (m,) or a (m, K) matrix of rows on the simplex."""
    m, K = out.shape
    y_arr = as_array(y, name, ndim=(1, 2))
    if y_arr.ndim == 1:
        if y_arr.shape[0] != m:
            raise ValueError(f"{name} must have shape ({m},) (one label per row of the output), "
                             f"got {y_arr.shape}")
        labels = _int_labels(y_arr, name)
        if labels.max() >= K:
            raise ValueError(f"{name} contains class label {labels.max()} but the output has only "
                             f"K={K} columns (labels must be 0 .. {K - 1})")
        return one_hot(labels, K)
    if y_arr.shape != (m, K):
        raise ValueError(f"{name} must have shape ({m},) (labels) or ({m}, {K}) (one-hot), got {y_arr.shape}")
    if np.any(y_arr < 0) or not np.allclose(y_arr.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError(f"{name} of shape (m, K) must be one-hot (rows of non-negative numbers "
                         "summing to 1)")
    return y_arr


def _logsumexp_rows(Z: np.ndarray) -> np.ndarray:
    """log Σ_k exp(Z_ik) per row, stable: the row maximum c is factored out, log Σ e^{Z−c} + c."""
    c = Z.max(axis=1)
    return c + np.log(np.sum(np.exp(Z - c[:, None]), axis=1))


# --------------------------------------------------------------------------- MSE (Skript §2.1)
def mse(y_hat, y) -> float:
    """Mean squared error with the lecture's factor 1/2 (Skript §2.1).

    .. math:: C = \\frac{1}{2m}\\sum_{i=1}^m \\lVert \\hat y_i - y_i\\rVert_2^2

    Parameters
    ----------
    y_hat : ndarray of shape (m,) or (m, K)
        Network outputs, one row per example.
    y : ndarray of the same shape (or (m,) when ``y_hat`` is (m, 1))
        Regression targets.

    Returns
    -------
    float
        Note: ``torch.nn.functional.mse_loss`` averages over all m·K entries and has no 1/2,
        so ``mse = K/2 · F.mse_loss``.
    """
    out = _batch(y_hat, "y_hat")
    t = _match_target(y, out)
    r = out - t
    return float(np.sum(r * r) / (2 * out.shape[0]))


def mse_grad(y_hat, y) -> np.ndarray:
    """Gradient of :func:`mse` w.r.t. ``y_hat``: (ŷ − y)/m, same shape as ``y_hat``."""
    out = _batch(y_hat, "y_hat")
    t = _match_target(y, out)
    return (out - t) / out.shape[0]


# --------------------------------------------------------------------------- logistic (Bsp. 2.2.1)
def logistic_loss(f, y) -> float:
    """Logistic loss for labels ±1 (Skript §2.2, Bsp. 2.2.1).

    .. math:: C = \\frac{1}{m}\\sum_i \\log\\bigl(1 + e^{-y_i f_i}\\bigr)

    Computed as ``logaddexp(0, −y f)``, which is finite for scores of any size (±1000).
    The torch twin ``F.soft_margin_loss`` computes the same value but overflows for
    y·f < −709 (value inf, gradient NaN); ``F.binary_cross_entropy_with_logits(f, (y+1)/2)`` is
    its stable equivalent.

    Parameters
    ----------
    f : ndarray of shape (m,) or (m, 1)
        Real-valued scores f_w(x_i) of the network (prediction ``sign(f)``).
    y : ndarray of shape (m,) (or (m, 1))
        Labels in {−1, +1}.
    """
    out = _batch(f, "f")
    t = _match_target(y, out)
    _check_pm1(t)
    return float(np.mean(np.logaddexp(0.0, -t * out)))


def logistic_loss_grad(f, y) -> np.ndarray:
    """Gradient of :func:`logistic_loss` w.r.t. ``f``: −y·sigmoid(−y f)/m, shape of ``f``."""
    out = _batch(f, "f")
    t = _match_target(y, out)
    _check_pm1(t)
    # sigmoid(-t*out) = exp(-logaddexp(0, t*out)) is stable for any magnitude.
    return -t * np.exp(-np.logaddexp(0.0, t * out)) / out.shape[0]


# --------------------------------------------------------------------------- BCE (Bsp. 2.2.2)
def bce(p, y) -> float:
    """Binary cross-entropy of predicted probabilities (Skript §2.2, Bsp. 2.2.2, corrected sign).

    .. math:: C = -\\frac{1}{m}\\sum_i \\bigl[y_i\\log p_i + (1-y_i)\\log(1-p_i)\\bigr]

    The Skript omits the leading minus sign (its expression is ≤ 0). ``0·log 0 = 0`` as in the
    Skript; each log is bounded below by :data:`LOG_FLOOR` = −100 like torch, so a probability of
    exactly 0 for the true class gives a large finite loss. Prefer :func:`bce_with_logits`.

    Parameters
    ----------
    p : ndarray of shape (m,) or (m, 1)
        Predicted probabilities P(y=1 | x) in [0, 1] (sigmoid outputs).
    y : ndarray of shape (m,) (or (m, 1))
        Targets in [0, 1], normally the labels 0 and 1.
    """
    out = _batch(p, "p")
    _check_probabilities(out, "p")
    t = _match_target(y, out)
    _check_unit_interval(t)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(out), LOG_FLOOR)
        log_1mp = np.maximum(np.log1p(-out), LOG_FLOOR)
    return float(-np.mean(t * log_p + (1.0 - t) * log_1mp))


def bce_grad(p, y) -> np.ndarray:
    """Gradient of :func:`bce` w.r.t. ``p``: (p − y) / (p(1 − p)) / m, shape of ``p``.

    The denominator is bounded below by :data:`PROB_EPS` = 1e-12 (float64). torch's backward
    clamps with 1e-12 rounded to float32, so where the bound is active (p = 0 or 1) torch's
    gradient is larger by a relative 4e-9; elsewhere both agree to rounding.
    """
    out = _batch(p, "p")
    _check_probabilities(out, "p")
    t = _match_target(y, out)
    _check_unit_interval(t)
    return (out - t) / np.maximum(out * (1.0 - out), PROB_EPS) / out.shape[0]


def bce_with_logits(z, y) -> float:
    """Binary cross-entropy from logits z (p = sigmoid(z)), numerically stable.

    Uses −[y log σ(z) + (1−y) log(1−σ(z))] = log(1 + e^z) − y z = logaddexp(0, z) − y z, which
    never forms σ(z) and is finite for z = ±1000. With labels s = 2y − 1 ∈ {−1,+1} this equals
    the logistic loss log(1 + e^{−s z}).

    Parameters
    ----------
    z : ndarray of shape (m,) or (m, 1)
        Logits (pre-activation of the output neuron).
    y : ndarray of shape (m,) (or (m, 1))
        Targets in [0, 1].
    """
    out = _batch(z, "z")
    t = _match_target(y, out)
    _check_unit_interval(t)
    return float(np.mean(np.logaddexp(0.0, out) - t * out))


def bce_with_logits_grad(z, y) -> np.ndarray:
    """Gradient of :func:`bce_with_logits` w.r.t. ``z``: (σ(z) − y)/m, shape of ``z``."""
    out = _batch(z, "z")
    t = _match_target(y, out)
    _check_unit_interval(t)
    sig = np.exp(-np.logaddexp(0.0, -out))  # stable sigmoid
    return (sig - t) / out.shape[0]


# --------------------------------------------------------------------------- CCE (Bsp. 2.2.3)
def cce(P, y) -> float:
    """Categorical cross-entropy of predicted class probabilities (Skript §2.2, Bsp. 2.2.3, corrected).

    .. math:: C = -\\frac{1}{m}\\sum_{i=1}^m \\sum_{k=1}^K Y_{ik}\\log P_{ik}

    The Skript omits the minus sign and adds binary terms (1 − y_ij) log(1 − f_j); that is a
    sum of K binary cross-entropies, not the categorical cross-entropy of a softmax output.
    Each log is bounded below by :data:`LOG_FLOOR`. Prefer :func:`cce_with_logits`.

    Parameters
    ----------
    P : ndarray of shape (m, K)
        Rows are predicted class probabilities (softmax outputs): entries >= 0, every row sums
        to 1 (within :data:`PROB_SUM_TOL`); anything else raises a ValueError naming ``P``.
    y : ndarray of shape (m,) with int labels in 0..K−1, or (m, K) one-hot / probability rows
    """
    out = _check_distribution_rows(P)
    Y = _class_targets(y, out)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(out), LOG_FLOOR)
    return float(-np.sum(Y * log_p) / out.shape[0])


def cce_grad(P, y) -> np.ndarray:
    """Gradient of :func:`cce` w.r.t. ``P``: −Y / P / m (P bounded below by :data:`PROB_EPS`), shape (m, K).

    ``P`` is checked like in :func:`cce` (rows must be probability distributions).
    """
    out = _check_distribution_rows(P)
    Y = _class_targets(y, out)
    return -Y / np.maximum(out, PROB_EPS) / out.shape[0]


def cce_with_logits(Z, y) -> float:
    """Categorical cross-entropy from logits Z (P = softmax(Z)), via log-sum-exp.

    .. math:: C = \\frac{1}{m}\\sum_i \\Bigl[\\log\\sum_k e^{Z_{ik}} - \\sum_k Y_{ik} Z_{ik}\\Bigr]

    The log-sum-exp subtracts the row maximum first, so logits of ±1000 are fine. Same value as
    ``torch.nn.functional.cross_entropy(Z, y)``.

    Parameters
    ----------
    Z : ndarray of shape (m, K)
        Logits (pre-activations of the softmax output layer).
    y : ndarray of shape (m,) with int labels in 0..K−1, or (m, K) one-hot / probability rows
    """
    out = _batch(Z, "Z", ndim=2)
    Y = _class_targets(y, out)
    return float(np.mean(_logsumexp_rows(out) - np.sum(Y * out, axis=1)))


def cce_with_logits_grad(Z, y) -> np.ndarray:
    """Gradient of :func:`cce_with_logits` w.r.t. ``Z``: (softmax(Z) − Y)/m, shape (m, K)."""
    out = _batch(Z, "Z", ndim=2)
    Y = _class_targets(y, out)
    return (softmax(out, axis=1) - Y) / out.shape[0]


# --------------------------------------------------------------------------- torch twins
def _t_target_like(y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    if y.dim() == 1 and out.dim() == 2 and out.shape[1] == 1:
        return y[:, None]
    return y


def _mse_torch(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    y = _t_target_like(y, y_hat).to(y_hat.dtype)
    return F.mse_loss(y_hat, y, reduction="sum") / (2 * y_hat.shape[0])


def _logistic_torch(f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.soft_margin_loss(f, _t_target_like(y, f).to(f.dtype))


def _bce_torch(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy(p, _t_target_like(y, p).to(p.dtype))


def _bce_with_logits_torch(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(z, _t_target_like(y, z).to(z.dtype))


def _cce_torch(P: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    log_p = torch.clamp(torch.log(P), min=LOG_FLOOR)
    if y.dim() == 1:
        return F.nll_loss(log_p, y.long())
    return -(y.to(P.dtype) * log_p).sum() / P.shape[0]


def _cce_with_logits_torch(Z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(Z, y.long() if y.dim() == 1 else y.to(Z.dtype))


@dataclass(frozen=True)
class Loss:
    """A batch-mean loss with its gradient and torch twin.

    Attributes
    ----------
    name : str
    value : callable, (output, y) -> float
    grad : callable, (output, y) -> ndarray of the output's shape (contains the 1/m)
    value_torch : callable, (Tensor output, Tensor y) -> scalar Tensor (autograd reference)
    output : str
        What the network must emit: ``"real"``, ``"score"``, ``"probability"``,
        ``"logit"``, ``"probabilities"`` or ``"logits"``.
    targets : str
        Expected targets: ``"real"``, ``"pm1"`` (±1), ``"01"`` or ``"labels"`` (int / one-hot).
    output_activation : str
        The output activation the loss is meant for (``"identity"``, ``"sigmoid"``, ``"softmax"``).
    """

    name: str
    value: Callable[..., float]
    grad: Callable[..., np.ndarray]
    value_torch: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    output: str
    targets: str
    output_activation: str

    def __call__(self, out, y) -> float:
        return self.value(out, y)


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (
        Loss("mse", mse, mse_grad, _mse_torch, "real", "real", "identity"),
        Loss("logistic", logistic_loss, logistic_loss_grad, _logistic_torch, "score", "pm1", "identity"),
        Loss("bce", bce, bce_grad, _bce_torch, "probability", "01", "sigmoid"),
        Loss("bce_with_logits", bce_with_logits, bce_with_logits_grad, _bce_with_logits_torch,
             "logit", "01", "identity"),
        Loss("cce", cce, cce_grad, _cce_torch, "probabilities", "labels", "softmax"),
        Loss("cce_with_logits", cce_with_logits, cce_with_logits_grad, _cce_with_logits_torch,
             "logits", "labels", "identity"),
    )
}


def loss_names() -> list[str]:
    """Names in :data:`LOSSES`."""
    return list(LOSSES)


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name (case-insensitive); a :class:`Loss` passes through."""
    if isinstance(name, Loss):
        return name
    return LOSSES[check_choice(name, "loss", LOSSES)]
