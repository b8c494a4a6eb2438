"""Layers with a forward and a backward pass: dense, activation, softmax (Skript §3; Folien (31)–(54)).

Every layer follows one protocol (CS231n style)::

    out, cache = <layer>_forward(x, *params, **options)
    grads      = <layer>_backward(dout, cache)      # (dx, d<param1>, ...) in the forward's order
    out_t      = <layer>_forward_torch(x_t, *params_t, **options)   # torch twin, autograd-ready

Layers without parameters return the single array ``dx`` instead of a one-element tuple.
Caches are NamedTuples holding exactly what the backward pass needs. A network is a loop over
layers (:mod:`dl_helpers.network`): dense, then activation, per layer; backpropagation is the
same loop in reverse. Shape letters: ``n`` batch size, ``d_in``/``d_out`` widths, ``K`` classes.

With δ = ∂C/∂z the lecture's recursion (Skript §3) splits into the layers' backward passes::

    activation_backward:  δ_l = σ_l'(z_l) ∘ ∂C/∂a_l                          (1)   Folien (42)
    dense_backward:       ∂C/∂W_l = δ_lᵀ a_{l-1},  ∂C/∂b_l = Σ_rows δ_l       (2)   Folien (44)
                          ∂C/∂a_{l-1} = δ_l W_l                              (3)   Folien (43)

(The slides' (43) is (3) followed by (1) for the layer below.)

All functions keep the floating dtype of their input (float32 stays float32). Outputs may share
memory with inputs or caches (the identity activation returns ``z`` itself): treat them as read-only.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ._validation import as_array, check_choice
from .activations import ACTIVATIONS, SOFTMAX, Activation

__all__ = [
    "DenseCache", "dense_forward", "dense_backward", "dense_forward_torch",
    "ActivationCache", "LAYER_ACTIVATIONS", "get_layer_activation",
    "activation_forward", "activation_backward", "activation_forward_torch",
    "SoftmaxCache", "softmax_forward", "softmax_backward", "softmax_forward_torch",
]

#: The elementwise activations of :data:`dl_helpers.activations.ACTIVATIONS` plus row-wise
#: ``"softmax"`` (an output activation: its backward pass is a vector-Jacobian product).
LAYER_ACTIVATIONS: dict[str, Activation] = {**ACTIVATIONS, "softmax": SOFTMAX}


def _float(x, name: str, ndim: int) -> np.ndarray:
    """``x`` as a float array with ``ndim`` dimensions (no copy for float ndarrays; NaN allowed)."""
    if isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a NumPy array, got a torch.Tensor "
                        f"(use the *_forward_torch twin for tensors)")
    return as_array(x, name, ndim=ndim, dtype=None, allow_nan=True)


def _check_dout(dout, shape: tuple, name: str = "dout") -> np.ndarray:
    dout = as_array(dout, name, dtype=None, allow_nan=True)
    if dout.shape != shape:
        raise ValueError(f"{name} must have the shape of the layer output {shape}, "
                         f"got {dout.shape}")
    return dout


# --------------------------------------------------------------------------------------------
# dense (fully connected) layer
# --------------------------------------------------------------------------------------------
class DenseCache(NamedTuple):
    """What :func:`dense_backward` needs: the input ``x`` (n, d_in) and the weights ``W`` (d_out, d_in)."""

    x: np.ndarray
    W: np.ndarray


def dense_forward(x, W, b) -> tuple[np.ndarray, DenseCache]:
    """Affine layer z = W a + b for every row: ``out = x @ W.T + b`` (Skript Def. 1.0.3, Folien (31)).

    x : ndarray of shape (n, d_in)       layer input α^{(l-1)}, one sample per row
    W : ndarray of shape (d_out, d_in)   weight matrix W_l (lecture layout, = torch Linear.weight)
    b : ndarray of shape (d_out,)        bias b_l
    Returns ``out`` of shape (n, d_out) (the pre-activation α̃^{(l)}) and a :class:`DenseCache`.
    """
    x = _float(x, "x", 2)
    W = _float(W, "W", 2)
    b = _float(b, "b", 1)
    if x.shape[1] != W.shape[1]:
        hint = " (W has shape (d_out, d_in), like torch.nn.Linear.weight)" \
            if x.shape[1] == W.shape[0] else ""
        raise ValueError(f"x must have shape (n, {W.shape[1]}) to match W of shape {W.shape}, "
                         f"got {x.shape}{hint}")
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"b must have shape ({W.shape[0]},) to match W of shape {W.shape}, "
                         f"got {b.shape}")
    out = x @ W.T
    out += b
    return out, DenseCache(x, W)


def dense_backward(dout, cache: DenseCache, *, needs_input_grad: bool = True
                   ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of the dense layer, Skript §3 eqs (2), (3); Folien (44), (43) (δ = ``dout`` = ∂C/∂z).

    dout : ndarray of shape (n, d_out)   upstream gradient ∂C/∂out
    cache : DenseCache                   from :func:`dense_forward`
    needs_input_grad : bool              False skips ``dx`` (returned as None): the first layer
                                         of a network needs no ∂C/∂X (one matmul less)
    Returns ``dx = dout @ W`` (n, d_in), ``dW = doutᵀ x`` (d_out, d_in) (summed over the batch),
    ``db = Σ_rows dout`` (d_out,).
    """
    if not isinstance(cache, DenseCache):
        raise TypeError(f"cache must be the DenseCache returned by dense_forward, "
                        f"got {type(cache).__name__}")
    if not isinstance(needs_input_grad, bool):
        raise TypeError(f"needs_input_grad must be True or False, got {needs_input_grad!r}")
    x, W = cache
    dout = _check_dout(dout, (x.shape[0], W.shape[0]))
    dx = dout @ W if needs_input_grad else None   # (3)  ∂C/∂a_{l-1} = W_lᵀ δ_l  (rows: δ W)
    dW = dout.T @ x          # (2)  ∂C/∂W_l = δ_l a_{l-1}ᵀ   (summed over the rows)
    db = dout.sum(axis=0)    #      ∂C/∂b_l = δ_l            (summed over the rows)
    return dx, dW, db


def dense_forward_torch(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`dense_forward`: ``torch.nn.functional.linear(x, W, b)`` (same shapes)."""
    return F.linear(x, W, b)


# --------------------------------------------------------------------------------------------
# activation layer (elementwise σ, or row-wise softmax)
# --------------------------------------------------------------------------------------------
class ActivationCache(NamedTuple):
    """What :func:`activation_backward` needs.

    z : ndarray     the layer input (pre-activation α̃), any shape
    a : ndarray     the output σ(z), shape of z
    activation : Activation
    """

    z: np.ndarray
    a: np.ndarray
    activation: Activation


def get_layer_activation(name) -> Activation:
    """An activation of :data:`LAYER_ACTIVATIONS` by name (case-insensitive); Activations pass through."""
    if isinstance(name, Activation):
        return name
    return LAYER_ACTIVATIONS[check_choice(name, "activation", LAYER_ACTIVATIONS)]


def activation_forward(z, name) -> tuple[np.ndarray, ActivationCache]:
    """a = σ(z) elementwise (``"softmax"``: per row along the last axis) (Skript Def. 1.0.3, Folien (32)).

    z : ndarray of any shape (softmax: the classes along the last axis)
    name : str or Activation    a name of :data:`LAYER_ACTIVATIONS` (``"relu"``, ``"tanh"``, …)
    Returns ``a`` of the shape and dtype of ``z`` and an :class:`ActivationCache`.
    """
    act = get_layer_activation(name)
    z = as_array(z, "z", dtype=None, allow_nan=True)
    if act is SOFTMAX:
        if z.ndim == 0 or z.shape[-1] == 0:
            raise ValueError(f"z must have at least one class along its last axis for softmax, "
                             f"got shape {z.shape}")
    if act.name == "identity":
        a = z
    elif act.name == "relu":
        a = np.maximum(z, 0)
    else:
        a = act.f(z)
        if a.dtype != z.dtype:
            a = a.astype(z.dtype)
    return a, ActivationCache(z, a, act)


def activation_backward(da, cache: ActivationCache) -> np.ndarray:
    """δ = ∂C/∂z = σ'(z) ∘ ∂C/∂a, Skript §3 eq. (1), Folien (42); softmax: vector-Jacobian product.

    da : ndarray of the shape of z   upstream gradient ∂C/∂a
    cache : ActivationCache          from :func:`activation_forward`
    Returns ``dz`` of the shape of z. σ' comes from the activation table
    (:mod:`dl_helpers.activations`), written in terms of the cached output where cheaper.
    """
    if not isinstance(cache, ActivationCache):
        raise TypeError(f"cache must be the ActivationCache returned by activation_forward, "
                        f"got {type(cache).__name__}")
    z, a, act = cache
    da = _check_dout(da, z.shape, "da")
    if act is SOFTMAX:
        return _softmax_vjp(a, da)
    if act.name == "identity":
        return da
    if act.name == "relu":
        return da * (z > 0)
    d = act.df(z, a)
    if d.dtype != da.dtype:
        d = d.astype(da.dtype)
    return da * d


def activation_forward_torch(z: torch.Tensor, name) -> torch.Tensor:
    """Torch twin of :func:`activation_forward` (``torch.nn.functional`` ops, autograd-ready)."""
    return get_layer_activation(name).f_torch(z)


# --------------------------------------------------------------------------------------------
# softmax layer (row-wise)
# --------------------------------------------------------------------------------------------
class SoftmaxCache(NamedTuple):
    """What :func:`softmax_backward` needs: the output probabilities ``a`` of shape (n, K)."""

    a: np.ndarray


def _softmax_vjp(a: np.ndarray, da: np.ndarray) -> np.ndarray:
    # J = diag(a) − a aᵀ per row, so daᵀ J = a ∘ (da − Σ_k da_k a_k)
    return a * (da - np.sum(da * a, axis=-1, keepdims=True))


def softmax_forward(z) -> tuple[np.ndarray, SoftmaxCache]:
    """Row-wise softmax a_k = e^{z_k} / Σ_j e^{z_j} (stable: the row maximum is subtracted first).

    z : ndarray of shape (n, K)    logits, one sample per row (K >= 1)
    Returns ``a`` of shape (n, K) (each row sums to 1) and a :class:`SoftmaxCache`.
    """
    z = _float(z, "z", 2)
    a, _ = activation_forward(z, SOFTMAX)
    return a, SoftmaxCache(a)


def softmax_backward(da, cache: SoftmaxCache) -> np.ndarray:
    """Vector-Jacobian product of the row-wise softmax: dz = a ∘ (da − Σ_k da_k a_k) per row.

    With the Jacobian J = diag(a) − a aᵀ (:func:`dl_helpers.activations.softmax_jacobian`),
    ``dz = da J`` for every row, without forming the (K, K) matrix.
    da : ndarray of shape (n, K);  returns ``dz`` of shape (n, K).
    """
    if not isinstance(cache, SoftmaxCache):
        raise TypeError(f"cache must be the SoftmaxCache returned by softmax_forward, "
                        f"got {type(cache).__name__}")
    da = _check_dout(da, cache.a.shape, "da")
    return _softmax_vjp(cache.a, da)


def softmax_forward_torch(z: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`softmax_forward`: ``torch.softmax(z, dim=-1)``."""
    return torch.softmax(z, dim=-1)
