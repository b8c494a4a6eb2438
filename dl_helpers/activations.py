"""Activation functions σ and their derivatives σ' (Skript §1, §4; Folien "Aktivierungsfunktionen").

Every activation is an :class:`Activation` with four members that sit side by side:

* ``f(z)``         -- the NumPy value σ(z), elementwise, any shape;
* ``df(z, a)``     -- the NumPy derivative σ'(z), given ``z`` and the cached output ``a = f(z)``
                      (several derivatives are cheapest in terms of ``a``, e.g. σ' = a(1-a));
* ``f_torch(z)``   -- the same function in torch (a ``torch.nn.functional`` op where one exists),
                      so that autograd provides an independent reference for ``df``;
* ``df_torch(z, a)`` -- σ'(z) in torch without autograd (for hand-written backward passes on
                      large tensors, e.g. :mod:`dl_helpers.init_study`); tested against autograd.

``ACTIVATIONS`` maps lecture names to these objects; ``get_activation(name)`` looks one up
and lists the valid names when the name is unknown. Softmax is vector-valued and therefore
separate: :func:`softmax` (rows of a batch), :func:`softmax_jacobian` and the output activation
``SOFTMAX`` (the layer form with its backward pass is in :mod:`dl_helpers.layers`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import erf

from ._validation import as_array, check_choice

__all__ = [
    "Activation", "ACTIVATIONS", "get_activation", "activation_names",
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "sign", "step",
    "softmax", "softmax_jacobian", "SOFTMAX", "LEAKY_SLOPE", "ELU_ALPHA",
]

LEAKY_SLOPE = 0.01  #: slope of leaky ReLU for z < 0 (torch default)
ELU_ALPHA = 1.0     #: α of ELU (torch default)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation σ with derivative and torch twin.

    Attributes
    ----------
    name : str
    f : callable, ndarray -> ndarray          σ(z), same shape as z
    df : callable, (z, a) -> ndarray          σ'(z) with a = σ(z), same shape as z
    f_torch : callable, Tensor -> Tensor      σ in torch (differentiable by autograd)
    formula : str                             LaTeX of σ(z) for plots and tables
    df_torch : callable, (z, a) -> Tensor     σ'(z) in torch from z and a = σ(z), no autograd
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    f_torch: Callable[[torch.Tensor], torch.Tensor]
    formula: str
    df_torch: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

    def __call__(self, z):
        """σ(z) for array-like ``z`` of any shape (float32 stays float32, else float64)."""
        return self.f(as_array(z, "z", dtype=None, allow_nan=True))

    def derivative(self, z):
        """σ'(z) for array-like ``z`` (computes σ(z) internally; dtype as in ``__call__``)."""
        z = as_array(z, "z", dtype=None, allow_nan=True)
        return self.df(z, self.f(z))


def _float(z) -> np.ndarray:
    """``z`` as a float array: float32/float64 keep their dtype, anything else becomes float64."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def _sigmoid(z):
    # Stable for large |z|: never evaluates exp of a large positive number.
    z = _float(z)  # also accepts Python scalars; keeps float32
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _gelu(z):
    return 0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))


def _gelu_prime(z, a):
    cdf = 0.5 * (1.0 + erf(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return cdf + z * pdf


def _gelu_prime_torch(z, a):
    return torch.special.ndtr(z) + z * torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _ones_torch(z, a):
    return torch.ones_like(z)


def _zeros_torch(z, a):
    return torch.zeros_like(z)


identity = Activation(
    "identity", lambda z: np.array(z, copy=True), lambda z, a: np.ones_like(z), lambda z: z, r"z",
    _ones_torch)
sigmoid = Activation(
    "sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), torch.sigmoid, r"\frac{1}{1+e^{-z}}",
    lambda z, a: a * (1.0 - a))
tanh = Activation(
    "tanh", np.tanh, lambda z, a: 1.0 - a * a, torch.tanh, r"\tanh(z)",
    lambda z, a: torch.addcmul(torch.ones((), dtype=a.dtype), a, a, value=-1.0))
relu = Activation(
    "relu", lambda z: np.maximum(z, 0.0), lambda z, a: (_float(z) > 0).astype(_float(z).dtype),
    F.relu, r"\max(0, z)", lambda z, a: (z > 0).to(z.dtype))
leaky_relu = Activation(
    "leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(_float(z).dtype),
    lambda z: F.leaky_relu(z, LEAKY_SLOPE), r"\max(0.01z, z)",
    lambda z, a: torch.where(z > 0, torch.ones((), dtype=z.dtype),
                             torch.full((), LEAKY_SLOPE, dtype=z.dtype)))
elu = Activation(
    "elu", lambda z: np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
    lambda z, a: np.where(z > 0, 1.0, a + ELU_ALPHA),
    lambda z: F.elu(z, ELU_ALPHA), r"z \text{ für } z>0,\; e^{z}-1 \text{ sonst}",
    lambda z, a: torch.where(z > 0, 1.0, a + ELU_ALPHA))
gelu = Activation(
    "gelu", _gelu, _gelu_prime, F.gelu, r"z\,\Phi(z)", _gelu_prime_torch)
# Piecewise constant: derivative 0 almost everywhere (why the perceptron is not trained by GD).
sign = Activation(
    "sign", np.sign, lambda z, a: np.zeros_like(z), torch.sign, r"\operatorname{sign}(z)",
    _zeros_torch)
step = Activation(
    "step", lambda z: (_float(z) >= 0).astype(_float(z).dtype), lambda z, a: np.zeros_like(z),
    lambda z: torch.heaviside(z, torch.ones((), dtype=z.dtype)), r"\mathbb{1}[z \ge 0]",
    _zeros_torch)

ACTIVATIONS: dict[str, Activation] = {
    act.name: act for act in (identity, sigmoid, tanh, relu, leaky_relu, elu, gelu, sign, step)
}


def activation_names(differentiable_only: bool = False) -> list[str]:
    """Names in ``ACTIVATIONS``; with ``differentiable_only`` without sign/step."""
    return [n for n in ACTIVATIONS if not (differentiable_only and n in ("sign", "step"))]


def get_activation(name: str | Activation) -> Activation:
    """Look up an activation by name (case-insensitive); an Activation passes through."""
    if isinstance(name, Activation):
        return name
    return ACTIVATIONS[check_choice(name, "activation", ACTIVATIONS)]


def softmax(z, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, numerically stable (subtracts the maximum first).

    .. math:: \\operatorname{softmax}(z)_k = \\frac{e^{z_k - c}}{\\sum_j e^{z_j - c}},
              \\quad c = \\max_j z_j

    Parameters
    ----------
    z : ndarray of shape (n, K) or (K,)
        Logits (float32 stays float32, anything else becomes float64).
    axis : int
        Axis of the K classes (default: the last one, i.e. one distribution per row).

    Returns
    -------
    ndarray of the shape of ``z``
        Probabilities; the entries along ``axis`` sum to 1.

    Raises ValueError (naming ``z``) for NaN/inf or an empty ``axis`` (no class to normalise
    over); an empty batch (zero rows, ``axis=-1``) gives an empty result.
    """
    z = as_array(z, "z", ndim=(1, 2), dtype=None)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) \
            or not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be an integer in [{-z.ndim}, {z.ndim - 1}] for z of shape "
                         f"{z.shape}, got {axis!r}")
    if z.shape[axis] == 0:
        raise ValueError(f"z must have at least one entry (class) along axis {axis}, "
                         f"got shape {z.shape}")
    return _softmax(z, axis)


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax without input checks (the formula of :func:`softmax`); NaN/inf propagate."""
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _softmax_df(z, a):
    raise ValueError("softmax is not elementwise: its derivative is a Jacobian; use "
                     "dl_helpers.layers.softmax_backward (vector-Jacobian product)")


#: Row-wise softmax (along the last axis) as a network output activation. It is *not* in
#: ``ACTIVATIONS`` (that table is elementwise); ``df`` raises, the backward pass is the
#: vector-Jacobian product of :func:`dl_helpers.layers.softmax_backward`.
SOFTMAX = Activation("softmax", _softmax, _softmax_df, lambda z: torch.softmax(z, dim=-1),
                     r"\frac{e^{z_k}}{\sum_j e^{z_j}}", _softmax_df)


def softmax_jacobian(z) -> np.ndarray:
    """Jacobian J_ij = ∂softmax(z)_i/∂z_j = s_i(δ_ij − s_j) of one logit vector.

    Parameters
    ----------
    z : ndarray of shape (K,)

    Returns
    -------
    J : ndarray of shape (K, K)
        ``diag(s) − s sᵀ`` with s = softmax(z); symmetric, rows sum to 0.
    """
    z = as_array(z, "z", ndim=1)
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)
