"""Minibatch training loops: the NumPy network of :mod:`dl_helpers.network` and its torch twin.

Both loops see the same data in the same order: :func:`minibatches` draws one permutation per
epoch from ``numpy.random.default_rng(seed)``. With the same initial weights
(``network.to_torch``), the same optimiser (``opt`` and ``opt.torch_optimizer``) and float64,
``train`` and ``train_torch`` end with the same weights (tests: ≤ 1e-10).

::

    params, hist = train(params, X, y, ["relu", "identity"], "cce_with_logits",
                               SGD(lr=0.1), epochs=20, batch_size=32, seed=0)
    model = to_torch(params0, ["relu", "identity"])
    hist_t = train_torch(model, X, y, "cce_with_logits", SGD(lr=0.1), epochs=20, batch_size=32,
                         seed=0)

Per epoch the :class:`History` stores the training loss and accuracy -- by default the mean over
the minibatches of that epoch, each computed with the parameters *before* its update (free,
as in most PyTorch loops); with ``eval_train=True`` instead on the full training set after the
epoch -- and, if validation data are given, the validation loss and accuracy after the epoch.
Plain gradient descent (GD) is ``batch_size=None`` (the full batch).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ._validation import all_finite, as_float_array, check_positive_int
from .network import (
    check_loss_output, check_params, check_X, loss_and_grads, predict, resolve_activations,
)
from .losses import Loss, get_loss

__all__ = ["History", "minibatches", "accuracy", "evaluate", "evaluate_torch",
           "train", "train_torch"]


@dataclass
class History:
    """Per-epoch training record (one entry per epoch; accuracy is NaN for regression losses).

    loss, accuracy : list of float            on the training data
    val_loss, val_accuracy : list of float    on the validation data (empty if none given)
    diverged : bool                           True if the loss became inf/NaN; training stopped
                                              after that epoch (learning rate too large)
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    diverged: bool = False


    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __len__(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The non-empty series as arrays, e.g. for plotting."""
        return {k: np.asarray(v) for k, v in vars(self).items()
                if isinstance(v, list) and len(v)}


def minibatches(n: int, batch_size: int | None, rng: np.random.Generator | None):
    """Index arrays of the minibatches of one epoch.

    n : int                     number of samples
    batch_size : int or None    None → one batch with all samples (gradient descent)
    rng : Generator or None     permutation source; None → no shuffling (order 0..n-1)
    Returns a list of int arrays; the last batch is smaller if ``batch_size`` does not divide n.
    """
    n = check_positive_int(n, "n")
    bs = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[i:i + bs] for i in range(0, n, bs)]


def accuracy(loss, output, y) -> float:
    """Fraction of correct predictions for the output type of ``loss`` (NaN for regression).

    loss : str or Loss     decides how outputs become predictions:
        ``cce*`` argmax of the row; ``bce`` p > 0.5; ``bce_with_logits`` z > 0;
        ``logistic`` sign(f) (0 counts as +1); ``mse`` → NaN.
    output : ndarray of shape (n, d_L) (or (n,))
    y : int labels (n,) / one-hot (n, K) for cce; 0/1 or ±1 labels of shape (n,) or (n, 1)
    """
    loss_obj = get_loss(loss)
    out = np.asarray(output)
    y = np.asarray(y)
    if loss_obj.targets == "labels":
        labels = y.argmax(axis=1) if y.ndim == 2 else y
        return float(np.mean(out.argmax(axis=1) == labels))
    if loss_obj.targets == "real":
        return float("nan")
    out = out.reshape(len(out), -1)[:, 0]
    y = y.reshape(len(y), -1)[:, 0]
    if loss_obj.targets == "pm1":
        return float(np.mean(np.where(out >= 0, 1.0, -1.0) == y))
    threshold = 0.5 if loss_obj.output == "probability" else 0.0
    return float(np.mean((out > threshold) == (y > 0.5)))


def _check_xy(X, y, name_x="X", name_y="y"):
    X = as_float_array(X, name_x, ndim=2)
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{name_y} must have {X.shape[0]} rows (one target per row of {name_x}), "
                         f"got shape {y.shape}")
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
        raise ValueError(f"{name_y} contains NaN or inf")
    return X, y


def _check_common(epochs, batch_size, seed, callback, progress, *, shuffle=True,
                  eval_train=False, X_val=None, y_val=None):
    """Checks of the loop arguments shared by :func:`train` and :func:`train_torch`."""
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable(epoch, params_or_model, history), "
                        f"got {type(callback).__name__}")
    for flag, name in ((progress, "progress"), (shuffle, "shuffle"), (eval_train, "eval_train")):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if (X_val is None) != (y_val is None):
        given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
        raise ValueError(f"{given} was given without {missing}: pass both validation arrays or "
                         "neither")
    return epochs


def _check_optimizer(optimizer):
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "step")):
        raise TypeError("optimizer must be a dl_helpers.optimizers object (SGD, Adam, …), "
                        f"got {type(optimizer).__name__}")


def _record_epoch(hist: History, total: float, correct: float, n: int, eval_train: bool,
                  evaluate_train: Callable[[], tuple[float, float]],
                  evaluate_val: Callable[[], tuple[float, float]] | None) -> bool:
    """Append one epoch's figures to ``hist``; return True if training must stop (diverged).

    total, correct : sums over the epoch's minibatches of loss·batch size and accuracy·batch size
                     (``total`` is NaN if an output became non-finite)
    evaluate_train : () -> (loss, accuracy) on the full training set (used with ``eval_train``)
    evaluate_val : () -> (loss, accuracy) on the validation set, or None without validation data
    """
    if eval_train and np.isfinite(total):
        v, a = evaluate_train()
    else:
        v, a = total / n, correct / n
    hist.loss.append(v)
    hist.accuracy.append(a)
    if evaluate_val is not None:
        v, a = evaluate_val()
        hist.val_loss.append(v)
        hist.val_accuracy.append(a)
    if not np.isfinite(hist.loss[-1]):
        hist.diverged = True  # stop: further epochs would only produce NaN
        return True
    return False


# --------------------------------------------------------------------------------------------
# NumPy
# --------------------------------------------------------------------------------------------
def _finite(params) -> bool:
    """True if no weight or bias is NaN/inf (after a diverging step they may be)."""
    return all(all_finite(W) and all_finite(b) for W, b in params)


def _evaluate(params, X, y, acts, loss_obj) -> tuple[float, float]:
    if not _finite(params):
        return float("nan"), float("nan")
    out = predict(params, X, acts)
    if not all_finite(out):
        return float("nan"), float("nan")
    return float(loss_obj.value(out, y)), accuracy(loss_obj, out, y)


def evaluate(params, X, y, activations, loss) -> tuple[float, float]:
    """(loss, accuracy) of the NumPy network on (X, y); NaN if the output is not finite."""
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    loss_obj = get_loss(loss)
    X, y = _check_xy(X, y)
    X = check_X(X, params)
    return _evaluate(params, X, y, acts, loss_obj)


def train(params, X, y, activations, loss, optimizer, *, epochs: int,
                batch_size: int | None = 32, seed: int = 0, shuffle: bool = True,
                X_val=None, y_val=None, eval_train: bool = False, progress: bool = True,
                callback: Callable | None = None, desc: str = "NumPy") -> tuple[list, History]:
    """Train the NumPy MLP with minibatch gradient steps (backpropagation + ``optimizer``).

    Per minibatch: forward pass, loss gradient ∂C/∂α^{(L)}, backpropagation (Skript §3,
    eqs (1)–(3)), one ``optimizer.step``.

    Parameters
    ----------
    params : list of L Layer
        Initial parameters, ``params[l].W`` of shape (d_{l+1}, d_l) (not modified).
    X : ndarray of shape (n, d_0)
    y : ndarray of shape (n,) or (n, d_L)
        Targets as ``loss`` expects them.
    activations : sequence of L activation names
        Output ``"identity"`` for the ``*_with_logits`` losses.
    loss : str or Loss
        A name in ``dl_helpers.losses.LOSSES``.
    optimizer : SGD, Adam, … (``dl_helpers.optimizers``)
    epochs : int >= 0
    batch_size : int or None
        None = the full batch (gradient descent).
    seed : int
        Seeds the shuffling (``default_rng(seed)``); no global seeding.
    shuffle : bool
        New random order every epoch (else the order 0..n−1).
    X_val, y_val : ndarray, optional
        Validation data (both or neither), evaluated after every epoch.
    eval_train : bool
        Loss/accuracy on the full training set after each epoch instead of the running
        minibatch mean.
    progress : bool
        Show a ``tqdm`` bar over the epochs.
    callback : callable(epoch, params, history), optional
        Called after every epoch (epoch counted from 1).
    desc : str
        Label of the progress bar.

    Returns
    -------
    params : list of L Layer
        New parameters (dtype of the input params).
    history : History
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    loss_obj = get_loss(loss)
    check_loss_output(loss_obj, acts)
    _check_optimizer(optimizer)
    epochs = _check_common(epochs, batch_size, seed, callback, progress, shuffle=shuffle,
                           eval_train=eval_train, X_val=X_val, y_val=y_val)
    X, y = _check_xy(X, y)
    X = check_X(X, params)
    has_val = X_val is not None
    if has_val:
        X_val, y_val = _check_xy(X_val, y_val, "X_val", "y_val")
        X_val = check_X(X_val, params, "X_val")
    rng = np.random.default_rng(seed) if shuffle else None
    state = optimizer.init(params)
    hist = History()

    def evaluate_train():   # reads the current ``params`` when called
        return _evaluate(params, X, y, acts, loss_obj)

    def evaluate_val():
        return _evaluate(params, X_val, y_val, acts, loss_obj)

    n = X.shape[0]
    for epoch in tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=False):
        total, correct = 0.0, 0.0
        for idx in minibatches(n, batch_size, rng):
            if not _finite(params):             # diverged in the previous step
                total = float("nan")
                break
            yb = y[idx]
            value, grads, out = loss_and_grads(params, X[idx], yb, acts, loss_obj,
                                               return_output=True)
            if not all_finite(out):             # diverged (learning rate too large)
                total = float("nan")
                break
            params, state = optimizer.step(params, grads, state)
            if not eval_train:
                total += value * len(idx)
                correct += accuracy(loss_obj, out, yb) * len(idx)
        if _record_epoch(hist, total, correct, n, eval_train, evaluate_train,
                         evaluate_val if has_val else None):
            break
        if callback is not None:
            callback(epoch, params, hist)
    return list(params), hist


# --------------------------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------------------------
def _targets_torch(y: np.ndarray, loss_obj: Loss, dtype) -> torch.Tensor:
    if loss_obj.targets == "labels" and y.ndim == 1:
        return torch.as_tensor(y.astype(np.int64))
    return torch.as_tensor(np.asarray(y, dtype=np.float64)).to(dtype)


def _model_dtype(model: torch.nn.Module):
    p = next(model.parameters(), None)
    if p is None:
        raise ValueError("model has no parameters")
    return p.dtype


def evaluate_torch(model: torch.nn.Module, X, y, loss) -> tuple[float, float]:
    """(loss, accuracy) of a torch model on (X, y), without gradients."""
    loss_obj = get_loss(loss)
    X, y = _check_xy(X, y)
    dtype = _model_dtype(model)
    with torch.no_grad():
        out = model(torch.as_tensor(X).to(dtype))
        if not bool(torch.isfinite(out).all()):
            return float("nan"), float("nan")
        value = loss_obj.value_torch(out, _targets_torch(y, loss_obj, dtype)).item()
    return float(value), accuracy(loss_obj, out.numpy(), y)


def train_torch(model: torch.nn.Module, X, y, loss, optimizer, *, epochs: int,
                batch_size: int | None = 32, seed: int = 0, shuffle: bool = True,
                X_val=None, y_val=None, eval_train: bool = False, progress: bool = True,
                callback: Callable | None = None, desc: str = "torch") -> History:
    """The same loop as :func:`train` for a torch model (trained in place, autograd).

    model : torch.nn.Module                 e.g. ``network.to_torch(params, activations)``
    loss : str or Loss                      its ``value_torch`` is used (same definition)
    optimizer : torch.optim.Optimizer on ``model.parameters()``, or a ``dl_helpers.optimizers``
                object (converted with ``optimizer.torch_optimizer(model.parameters())``)
    Other arguments as in :func:`train` (same seed → same minibatch order).
    ``callback(epoch, model, history)``. Returns the :class:`History`.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    loss_obj = get_loss(loss)
    if isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    elif hasattr(optimizer, "torch_optimizer"):
        opt = optimizer.torch_optimizer(model.parameters())
    else:
        raise TypeError("optimizer must be a torch.optim.Optimizer or a dl_helpers.optimizers "
                        f"object, got {type(optimizer).__name__}")
    epochs = _check_common(epochs, batch_size, seed, callback, progress, shuffle=shuffle,
                           eval_train=eval_train, X_val=X_val, y_val=y_val)
    X, y = _check_xy(X, y)
    dtype = _model_dtype(model)
    Xt = torch.as_tensor(X).to(dtype)
    yt = _targets_torch(y, loss_obj, dtype)
    has_val = X_val is not None
    if has_val:
        X_val, y_val = _check_xy(X_val, y_val, "X_val", "y_val")
    rng = np.random.default_rng(seed) if shuffle else None
    hist = History()
    n = X.shape[0]

    def evaluate_train():
        return evaluate_torch(model, X, y, loss_obj)

    def evaluate_val():
        return evaluate_torch(model, X_val, y_val, loss_obj)

    model.train()
    for epoch in tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=False):
        total, correct = 0.0, 0.0
        for idx in minibatches(n, batch_size, rng):
            idx_t = torch.from_numpy(idx)
            out = model(Xt[idx_t])
            if not bool(torch.isfinite(out).all()):   # diverged (learning rate too large)
                total = float("nan")
                break
            value = loss_obj.value_torch(out, yt[idx_t])
            opt.zero_grad(set_to_none=True)
            value.backward()
            opt.step()
            if not eval_train:
                total += value.item() * len(idx)
                correct += accuracy(loss_obj, out.detach().numpy(), y[idx]) * len(idx)
        if _record_epoch(hist, total, correct, n, eval_train, evaluate_train,
                         evaluate_val if has_val else None):
            break
        if callback is not None:
            callback(epoch, model, hist)
    return hist
