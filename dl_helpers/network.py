"""Fully connected feed-forward networks from scratch (Skript §1 Def. 1.0.3, §3; Folien (31)–(54)).

A network with widths ``d_0, …, d_L`` is a list of ``L`` :class:`Layer` s. Layer ``l`` (1-based in
the lecture, ``params[l-1]`` here) holds ``W_l`` of shape ``(d_l, d_{l-1})`` -- exactly the
lecture's :math:`W_l \\in \\mathbb{R}^{d_l \\times d_{l-1}}` and ``torch.nn.Linear.weight`` -- and
``b_l`` of shape ``(d_l,)``. A batch of ``n`` inputs is stored as rows, ``X`` of shape
``(n, d_0)``, so the lecture's column formula :math:`\\tilde\\alpha^{(l)} = W_l \\alpha^{(l-1)} + b_l`
becomes ``Z = A @ W.T + b`` for all samples at once.

The network is a loop over the layers of :mod:`dl_helpers.layers`: the forward pass applies
``dense_forward`` then ``activation_forward`` per layer, the backward pass (the δ-recursion,
Skript §3 eqs (1)–(3)) runs ``activation_backward`` then ``dense_backward`` in reverse order.

Main functions::

    init_mlp(widths, rng, init)                 -> params            (list[Layer])
    forward(params, X, activations)             -> ForwardCache(Z, A) (α̃ and α of every layer)
    backward(params, cache, activations, dA)    -> grads              (list[Layer]; eqs (1)–(3))
    backward_augmented(...)                     -> grads of (W | b)   (Skript §3.1, augmented form)
    loss_and_grads(params, X, y, activations, loss) -> (loss value, grads)
    count_parameters(widths)                    -> Σ (d_{l-1} d_l + d_l)
    to_torch(params, activations) / from_torch(model)   identical torch.nn.Sequential (float64)
    predict(params, X, activations)             -> network output α^{(L)}

Activations are given per layer as names from :data:`dl_helpers.layers.LAYER_ACTIVATIONS` (the
elementwise table :data:`dl_helpers.activations.ACTIVATIONS` plus row-wise ``"softmax"``) or
``Activation`` objects. For classification use
the output activation ``"identity"`` with the loss ``"cce_with_logits"`` / ``"bce_with_logits"``:
the gradient with respect to the logits is then simply ``(softmax(Z) − Y)/m`` resp.
``(σ(z) − y)/m``, which is stable and what torch does.

Performance notes: everything is vectorised over the batch (no Python loop over samples); the
dtype of the parameters is kept end to end (float32 parameters give float32 computations).
The arrays in a :class:`ForwardCache` may share memory (e.g. ``A[l+1] is Z[l]`` for the identity);
treat them as read-only.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from ._validation import all_finite, as_float_array, check_positive_int, check_rng
from .activations import ELU_ALPHA, LEAKY_SLOPE, Activation
from .initializers import init_weight
from .layers import (
    ActivationCache, DenseCache, LAYER_ACTIVATIONS, activation_backward, activation_forward,
    dense_backward, dense_forward, get_layer_activation,
)
from .losses import get_loss

__all__ = [
    "Layer", "ForwardCache", "init_mlp", "forward", "backward", "backward_augmented",
    "augment", "split_augmented", "loss_and_grads", "count_parameters", "to_torch", "from_torch",
    "predict", "resolve_activations", "check_params", "check_X", "check_loss_output",
    "output_delta",
]


class Layer(NamedTuple):
    """Parameters (or their gradients) of one fully connected layer.

    W : ndarray of shape (d_out, d_in)   weight matrix W_l (lecture layout, = torch Linear.weight)
    b : ndarray of shape (d_out,)        bias vector b_l
    """

    W: np.ndarray
    b: np.ndarray


class ForwardCache(NamedTuple):
    """Everything the backward pass needs, for a batch of ``n`` inputs.

    Z : list of L ndarrays, ``Z[l]`` of shape (n, d_{l+1})
        pre-activations α̃ of layer l+1 (0-based: ``Z[l]`` is produced by ``params[l]``).
    A : list of L+1 ndarrays, ``A[l]`` of shape (n, d_l)
        post-activations α; ``A[0] = X`` (the input), ``A[-1]`` = network output α^{(L)}.

    So ``params[l]`` maps ``A[l]`` to ``Z[l]`` and ``A[l+1] = σ_{l+1}(Z[l])``.
    """

    Z: list
    A: list


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def resolve_activations(activations, n_layers: int) -> list[Activation]:
    """Turn ``activations`` into a list of ``n_layers`` :class:`Activation` objects.

    activations : str, Activation or sequence of them
        One entry per layer (length L), names of :data:`dl_helpers.layers.LAYER_ACTIVATIONS`
        (the elementwise activations and ``"softmax"``). A single name is used for every layer.
    """
    if isinstance(activations, (str, Activation)):
        activations = [activations] * n_layers
    if not isinstance(activations, Sequence):
        raise TypeError(
            f"activations must be a list of activation names (one per layer), "
            f"got {type(activations).__name__}")
    if len(activations) != n_layers:
        raise ValueError(
            f"activations must have one entry per layer: expected {n_layers}, "
            f"got {len(activations)} ({list(activations)!r})")
    return [get_layer_activation(act) for act in activations]


def check_params(params, name: str = "params") -> list[Layer]:
    """Validate a parameter list: shapes ``W (d_out, d_in)``, ``b (d_out,)`` chaining up.

    Returns a list of :class:`Layer` with float arrays (no copies for valid float input).
    """
    if isinstance(params, Layer) or not isinstance(params, Sequence) or len(params) == 0:
        raise TypeError(f"{name} must be a non-empty list of Layer(W, b), "
                        f"got {type(params).__name__}")
    out = []
    for i, layer in enumerate(params):
        if not (isinstance(layer, Sequence) and len(layer) == 2):
            raise TypeError(f"{name}[{i}] must be a Layer(W, b), got {type(layer).__name__}")
        W = as_float_array(layer[0], f"{name}[{i}].W", ndim=2)
        b = as_float_array(layer[1], f"{name}[{i}].b", ndim=1)
        if b.shape[0] != W.shape[0]:
            raise ValueError(f"{name}[{i}].b must have shape ({W.shape[0]},) to match "
                             f"{name}[{i}].W of shape {W.shape}, got {b.shape}")
        if out and W.shape[1] != out[-1].W.shape[0]:
            raise ValueError(
                f"{name}[{i}].W must have {out[-1].W.shape[0]} columns (= d_out of layer {i - 1}), "
                f"got shape {W.shape}")
        out.append(Layer(W, b))
    return out


def _check_widths(widths) -> list[int]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a list of layer widths [d_0, …, d_L], "
                        f"got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(f"widths must contain at least d_0 and d_1, got {list(widths)!r}")
    return [check_positive_int(d, f"widths[{i}]") for i, d in enumerate(widths)]


def check_X(X, params, name: str = "X") -> np.ndarray:
    """Validate a batch of inputs for the network ``params`` (already checked by :func:`check_params`).

    X : ndarray of shape (n, d_0), no NaN/inf (torch tensors are converted).
    Returns ``X`` in the dtype of the parameters (no copy if it already has it).
    """
    X = as_float_array(X, name, ndim=2)
    d0 = params[0].W.shape[1]
    if X.shape[1] != d0:
        raise ValueError(f"{name} must have shape (n, {d0}) to match params[0].W, got {X.shape}")
    dtype = params[0].W.dtype
    return X if X.dtype == dtype else X.astype(dtype)


# --------------------------------------------------------------------------------------------
# construction
# --------------------------------------------------------------------------------------------
def count_parameters(widths) -> int:
    """Number of trainable parameters Σ_l (d_{l−1}·d_l + d_l) (Skript §1, Def. 1.0.3).

    widths : sequence of int [d_0, d_1, …, d_L]
    """
    d = _check_widths(widths)
    return sum(d_in * d_out + d_out for d_in, d_out in zip(d[:-1], d[1:]))


def init_mlp(widths, rng, init: str = "he_normal", *, dtype=np.float64, **init_kwargs) -> list[Layer]:
    """Random parameters for an MLP with widths ``[d_0, …, d_L]``; biases are zero (Skript §5).

    Parameters
    ----------
    widths : sequence of int
        ``[d_0, …, d_L]`` (input width, hidden widths, output width).
    rng : numpy.random.Generator
        Source of randomness (explicit, no global seeding).
    init : str
        A scheme of :func:`dl_helpers.initializers.init_weight` (``he_normal``,
        ``glorot_uniform``, ``normal`` with ``std=…``, …); ``**init_kwargs`` go to it.
    dtype : numpy dtype
        float64 (default) or float32.

    Returns
    -------
    params : list of L Layer
        ``params[l].W`` of shape (d_{l+1}, d_l) = W_{l+1} ∈ R^{d_{l+1} × d_l}, ``params[l].b``
        of shape (d_{l+1},).
    """
    d = _check_widths(widths)
    check_rng(rng)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    params = []
    for d_in, d_out in zip(d[:-1], d[1:]):
        W = np.asarray(init_weight(init, d_in, d_out, rng, **init_kwargs), dtype=dtype)
        params.append(Layer(W, np.zeros(d_out, dtype=dtype)))
    return params


# --------------------------------------------------------------------------------------------
# forward and backward pass
# --------------------------------------------------------------------------------------------
def _forward(params, X, acts) -> ForwardCache:
    """The loop over layers: dense, then activation, for each layer (inputs already checked)."""
    Z, A = [], [X]
    a = X
    for (W, b), act in zip(params, acts):
        z, _ = dense_forward(a, W, b)         # α̃^{(l)} = W_l α^{(l-1)} + b_l, all rows at once
        a, _ = activation_forward(z, act)     # α^{(l)} = σ_l(α̃^{(l)})
        Z.append(z)
        A.append(a)
    return ForwardCache(Z, A)


def forward(params, X, activations) -> ForwardCache:
    """Forward pass keeping pre- and post-activations of every layer (Skript Def. 1.0.3).

    α̃^{(l)} = W_l α^{(l−1)} + b_l and α^{(l)} = σ_l(α̃^{(l)}), for all rows at once:
    ``Z = A @ W.T + b``.

    Parameters
    ----------
    params : list of L Layer
        ``params[l].W`` of shape (d_{l+1}, d_l), ``params[l].b`` of shape (d_{l+1},).
    X : ndarray of shape (n, d_0)
        One input per row (converted to the dtype of the parameters).
    activations : sequence of L activation names (or one name for all layers)

    Returns
    -------
    ForwardCache
        ``Z[l]`` of shape (n, d_{l+1}) and ``A[l]`` of shape (n, d_l); ``A[0]`` is ``X``,
        ``A[-1]`` the output α^{(L)}.
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    X = check_X(X, params)
    return _forward(params, X, acts)


def predict(params, X, activations) -> np.ndarray:
    """Network output α^{(L)}(X).

    Parameters
    ----------
    params : list of L Layer
    X : ndarray of shape (n, d_0)
    activations : sequence of L activation names

    Returns
    -------
    ndarray of shape (n, d_L)
    """
    return forward(params, X, activations).A[-1]


def _backward(params, cache, acts, dA_out) -> list[Layer]:
    """The δ-recursion as the layer loop in reverse (inputs already checked)."""
    Z, A = cache.Z, cache.A
    grads = [None] * len(params)
    dA = dA_out
    for l in range(len(params) - 1, -1, -1):
        # (1)  δ_l = σ_l'(Z_l) ∘ ∂C/∂A_l
        delta = activation_backward(dA, ActivationCache(Z[l], A[l + 1], acts[l]))
        # (2)  ∂C/∂W_l = δ_lᵀ A_{l-1}, ∂C/∂b_l = Σ_rows δ_l;  (3)  ∂C/∂A_{l-1} = δ_l W_l
        dA, dW, db = dense_backward(delta, DenseCache(A[l], params[l].W), needs_input_grad=l > 0)
        grads[l] = Layer(dW, db)
    return grads


def _check_cache_and_dA(params, cache, dA_out):
    if not isinstance(cache, ForwardCache):
        raise TypeError(f"cache must be the ForwardCache returned by forward(), "
                        f"got {type(cache).__name__}")
    L = len(params)
    if len(cache.Z) != L or len(cache.A) != L + 1:
        raise ValueError(f"cache does not belong to a network with {L} layers "
                         f"(len(Z)={len(cache.Z)}, len(A)={len(cache.A)})")
    out_shape = cache.A[-1].shape
    dA_out = as_float_array(dA_out, "dA_out", ndim=2)
    if dA_out.shape != out_shape:
        raise ValueError(f"dA_out must have the shape of the output A[-1], {out_shape}, "
                         f"got {dA_out.shape}")
    dtype = params[0].W.dtype
    return dA_out if dA_out.dtype == dtype else dA_out.astype(dtype)


def backward(params, cache: ForwardCache, activations, dA_out) -> list[Layer]:
    """Backpropagation: gradients of all weights and biases (Skript §3, eqs (1)–(3)).

    With δ_l = ∂C/∂Z_l (rows = samples) the recursion is::

        δ_L     = σ_L'(Z_L) ∘ ∂C/∂A_L                      (1)
        ∂C/∂W_l = δ_lᵀ A_{l-1}    (sum over the batch)       (2)   shape (d_l, d_{l-1})
        ∂C/∂b_l = Σ_rows δ_l
        δ_{l-1} = σ_{l-1}'(Z_{l-1}) ∘ (δ_l W_l)             (3) then (1)

    Parameters
    ----------
    params : list of L Layer
    cache : ForwardCache
        From :func:`forward` on the same params.
    activations : sequence of L activation names
        The same activations as in the forward pass.
    dA_out : ndarray of shape (n, d_L)
        ∂C/∂α^{(L)}, the gradient of the cost with respect to the network output. For a mean
        loss it already contains the factor 1/m (e.g. ``dl_helpers.losses.mse_grad``).

    Returns
    -------
    grads : list of L Layer
        ``grads[l].W`` of shape (d_{l+1}, d_l) and ``grads[l].b`` of shape (d_{l+1},), shaped
        like ``params[l]``.
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    dA_out = _check_cache_and_dA(params, cache, dA_out)
    return _backward(params, cache, acts, dA_out)


def augment(params) -> list[np.ndarray]:
    """Augmented weight matrices W̃_l = (W_l | b_l) of shape (d_l, d_{l-1} + 1) (Skript §3.1)."""
    params = check_params(params)
    return [np.concatenate([W, b[:, None]], axis=1) for W, b in params]


def split_augmented(W_aug) -> list[Layer]:
    """Inverse of :func:`augment`: a list of (d_l, d_{l-1}+1) matrices → list of Layer(W, b)."""
    if isinstance(W_aug, np.ndarray):
        W_aug = [W_aug]
    out = []
    for i, Wt in enumerate(W_aug):
        Wt = as_float_array(Wt, f"W_aug[{i}]", ndim=2)
        if Wt.shape[1] < 2:
            raise ValueError(f"W_aug[{i}] must have at least 2 columns (W | b), got {Wt.shape}")
        out.append(Layer(Wt[:, :-1], Wt[:, -1]))
    return out


def backward_augmented(params, cache: ForwardCache, activations, dA_out) -> list[np.ndarray]:
    """Backpropagation in the augmented form W̃_l = (W_l | b_l) of Skript §3.1.

    Every layer input gets a constant 1 appended, X̃_{l-1} = (X_{l-1}, 1), so that
    Z_l = X̃_{l-1} W̃_lᵀ. Then ∂C/∂W̃_l = δ_lᵀ X̃_{l-1} -- note the *augmented* input -- and the
    gradient passed on is δ_l W̃_l **without its last column** (the derivative with respect to
    the constant 1 is not propagated). Returns a list of L arrays of shape (d_l, d_{l-1}+1);
    ``split_augmented`` turns them into ``Layer`` gradients equal to :func:`backward`'s.
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    dA_out = _check_cache_and_dA(params, cache, dA_out)
    W_aug = augment(params)
    Z, A = cache.Z, cache.A
    grads = [None] * len(params)
    dA = dA_out
    for l in range(len(params) - 1, -1, -1):
        delta = activation_backward(dA, ActivationCache(Z[l], A[l + 1], acts[l]))
        ones = np.ones((A[l].shape[0], 1), dtype=A[l].dtype)
        A_aug = np.concatenate([A[l], ones], axis=1)             # X̃_{l-1} = (X_{l-1} | 1)
        grads[l] = delta.T @ A_aug                               # ∂C/∂W̃_l = δ_l X̃_{l-1}^T
        if l > 0:
            dA = (delta @ W_aug[l])[:, :-1]                      # drop ∂C/∂(constant 1)
    return grads


# --------------------------------------------------------------------------------------------
# loss + gradients
# --------------------------------------------------------------------------------------------
def check_loss_output(loss, activations) -> None:
    """Raise ValueError if the output activation does not fit the loss.

    The ``*_with_logits`` losses need raw outputs (``"identity"``: they apply softmax/sigmoid
    themselves); ``cce`` needs probability rows (``"softmax"``).
    loss : str or Loss;  activations : sequence of L activation names or Activation objects
    """
    loss_obj = get_loss(loss)
    last = get_layer_activation(activations[-1]).name
    if loss_obj.output in ("logit", "logits") and last != "identity":
        raise ValueError(
            f"loss {loss_obj.name!r} expects raw outputs (logits): use the output activation "
            f"'identity' (the loss applies {'softmax' if loss_obj.output == 'logits' else 'sigmoid'} "
            f"itself), got activations[-1] = {last!r}")
    if loss_obj.output == "probabilities" and last != "softmax":
        raise ValueError(
            f"loss {loss_obj.name!r} expects rows of class probabilities: use the output "
            f"activation 'softmax' (or 'identity' with 'cce_with_logits'), got "
            f"activations[-1] = {last!r}")


def output_delta(loss, output, y) -> tuple[float, np.ndarray]:
    """Loss value and ∂C/∂α^{(L)} for a loss from :mod:`dl_helpers.losses` (name or Loss).

    output : ndarray of shape (n, d_L)   network output α^{(L)}
    y : targets as the loss expects them (for d_L = 1 shape (n,) is fine)
    Returns ``(value, dA_out)`` with ``dA_out`` of the shape and dtype of ``output``.
    """
    loss_obj = get_loss(loss)
    value = float(loss_obj.value(output, y))
    grad = np.asarray(loss_obj.grad(output, y))
    if grad.dtype != output.dtype:
        grad = grad.astype(output.dtype)
    return value, grad


def loss_and_grads(params, X, y, activations, loss, *, return_output: bool = False):
    """Mean loss over the batch and the gradients of all parameters (Skript §2, §3).

    Forward pass (:func:`forward`), loss gradient at the output (:func:`output_delta`), then
    backpropagation (:func:`backward`); all arguments are checked first.

    Parameters
    ----------
    params : list of L Layer
    X : ndarray of shape (n, d_0)
    y : ndarray
        Targets: shape (n, d_L) or (n,) for regression/binary losses, int labels (n,) or
        one-hot (n, K) for ``cce``/``cce_with_logits``.
    activations : sequence of L activation names
        With ``cce_with_logits``/``bce_with_logits`` the last one must be ``"identity"``
        (fused, stable gradient (softmax(Z) − Y)/m resp. (σ(z) − y)/m, as in torch), with
        ``cce`` it must be ``"softmax"``.
    loss : str or Loss
        A name of ``dl_helpers.losses.LOSSES`` (``mse``, ``logistic``, ``bce``,
        ``bce_with_logits``, ``cce``, ``cce_with_logits``).
    return_output : bool
        Also return the network output α^{(L)} of shape (n, d_L) (e.g. for the accuracy).

    Returns
    -------
    value : float
        The mean loss C over the n examples; NaN if the network output is not finite
        (diverged training). Then the gradients are NaN as well, as torch would give them.
    grads : list of L Layer
        ∂C/∂W_l and ∂C/∂b_l, shaped like ``params[l]``.
    output : ndarray of shape (n, d_L), only with ``return_output=True``
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    check_loss_output(loss, acts)
    loss_obj = get_loss(loss)
    X = check_X(X, params)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} rows (one target per row of X), "
                         f"got shape {y_arr.shape}")
    if not isinstance(return_output, bool):
        raise TypeError(f"return_output must be True or False, got {return_output!r}")
    cache = _forward(params, X, acts)
    out = cache.A[-1]
    if all_finite(out):
        value, dA_out = output_delta(loss_obj, out, y)
        grads = _backward(params, cache, acts, dA_out)
    else:
        value = float("nan")
        grads = [Layer(np.full_like(W, np.nan), np.full_like(b, np.nan)) for W, b in params]
    return (value, grads, out) if return_output else (value, grads)


# --------------------------------------------------------------------------------------------
# torch twin
# --------------------------------------------------------------------------------------------
class TorchActivation(torch.nn.Module):
    """A torch module wrapping ``Activation.f_torch`` (for sign/step, which torch.nn lacks)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self._f = LAYER_ACTIVATIONS[name].f_torch

    def forward(self, z):
        return self._f(z)

    def extra_repr(self) -> str:
        return self.name


def _torch_module(act: Activation) -> torch.nn.Module:
    name = act.name
    simple = {"identity": torch.nn.Identity, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
              "relu": torch.nn.ReLU, "gelu": torch.nn.GELU}
    if name in simple:
        return simple[name]()
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(LEAKY_SLOPE)
    if name == "elu":
        return torch.nn.ELU(ELU_ALPHA)
    if name == "softmax":
        return torch.nn.Softmax(dim=-1)
    if LAYER_ACTIVATIONS.get(name) is act:
        return TorchActivation(name)
    raise ValueError(f"activation {name!r} has no torch counterpart")


def _activation_name(module: torch.nn.Module) -> str:
    table = {torch.nn.Identity: "identity", torch.nn.Sigmoid: "sigmoid", torch.nn.Tanh: "tanh",
             torch.nn.ReLU: "relu", torch.nn.GELU: "gelu", torch.nn.LeakyReLU: "leaky_relu",
             torch.nn.ELU: "elu", torch.nn.Softmax: "softmax"}
    if isinstance(module, TorchActivation):
        return module.name
    for cls, name in table.items():
        if type(module) is cls:
            if name == "leaky_relu" and module.negative_slope != LEAKY_SLOPE:
                break
            if name == "elu" and module.alpha != ELU_ALPHA:
                break
            if name == "gelu" and module.approximate != "none":
                break
            return name
    raise ValueError(f"model contains a module without NumPy counterpart: {module!r}")


def to_torch(params, activations, dtype=torch.float64) -> torch.nn.Sequential:
    """An equivalent ``torch.nn.Sequential`` (Linear, activation, Linear, …) with identical weights.

    Parameters
    ----------
    params : list of L Layer
        Copied into the model (later changes of either side do not affect the other).
    activations : sequence of L activation names
    dtype : torch.dtype
        ``torch.float64`` (default; the model agrees with the NumPy network to ~1e-15) or
        ``torch.float32``.

    Returns
    -------
    torch.nn.Sequential
        ``Linear(d_l, d_{l+1})`` (weight of shape (d_{l+1}, d_l), like ``W``) followed by the
        layer's activation module, for every layer.
    """
    params = check_params(params)
    acts = resolve_activations(activations, len(params))
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    modules = []
    for (W, b), act in zip(params, acts):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            lin.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
        modules += [lin, _torch_module(act)]
    return torch.nn.Sequential(*modules)


def from_torch(model: torch.nn.Module, *, return_activations: bool = False):
    """Parameters (and optionally activation names) of a Sequential of Linear + activation.

    Consecutive Linear layers without an activation in between get ``"identity"``.
    Returns ``list[Layer]`` (NumPy copies, dtype of the model), or ``(params, activations)``
    with ``return_activations=True``.
    """
    if not isinstance(model, torch.nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential, got {type(model).__name__}")
    params, acts = [], []
    pending = False  # a Linear waiting for its activation
    for module in model:
        if isinstance(module, torch.nn.Linear):
            if pending:
                acts.append("identity")
            W = module.weight.detach().cpu().numpy().copy()
            b = (module.bias.detach().cpu().numpy().copy() if module.bias is not None
                 else np.zeros(W.shape[0], dtype=W.dtype))
            params.append(Layer(W, b))
            pending = True
        else:
            name = _activation_name(module)
            if not pending:
                raise ValueError(f"activation {module!r} must follow a Linear layer")
            acts.append(name)
            pending = False
    if pending:
        acts.append("identity")
    if not params:
        raise ValueError("model contains no torch.nn.Linear layer")
    return (params, acts) if return_activations else params
