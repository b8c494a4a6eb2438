"""The small backpropagation example of the slides, every intermediate number (Folien (40)–(54)).

The slides derive backpropagation for a two-layer sigmoid network **without biases** in
their own notation (Folien (49)–(53)):

* inputs ``x_i``; hidden net input ``h_j = Σ_i w_ij x_i``; hidden output ``y_j = σ(h_j)``;
* output net input ``u_k = Σ_j u_jk y_j``; network output ``z_k = σ(u_k)``;
* loss ``L = Σ_k (z_k − z*_k)²`` (a *sum*, no mean, no factor ½).

Note the index convention: the slides' ``w_ij`` connects input ``i`` to hidden unit ``j``, so
the slide matrix ``W = (w_ij)`` has shape ``(d_in, d_hidden)``, the **transpose** of the
lecture's layer matrix ``W_1 ∈ R^{d_1 × d_0}`` (Skript §1) and of ``torch.nn.Linear.weight``.
:class:`SlidesExample` stores both: ``W``/``U`` in slide convention and ``W1``/``W2`` in layer
convention.

:func:`slides_example` returns every number of the forward and backward pass plus one gradient
step; :func:`slides_example_torch` computes loss and gradients with torch autograd as an
independent reference. The slides contain no numbers of their own; the default values below
are ours (:data:`DEFAULT_X`, ...).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._validation import as_array, check_positive_float
from .activations import sigmoid

__all__ = [
    "SlidesExample", "slides_example", "slides_example_torch",
    "DEFAULT_X", "DEFAULT_W", "DEFAULT_U", "DEFAULT_TARGET", "DEFAULT_LR",
]

DEFAULT_X = np.array([1.0, 0.5])                      #: input x, shape (2,)
DEFAULT_W = np.array([[0.5, -0.3], [0.2, 0.8]])       #: w_ij, input i → hidden j, shape (2, 2)
DEFAULT_U = np.array([[0.7, -0.4], [-0.6, 0.1]])      #: u_jk, hidden j → output k, shape (2, 2)
DEFAULT_TARGET = np.array([1.0, 0.0])                 #: target z*, shape (2,)
DEFAULT_LR = 0.5                                      #: learning rate η of the update step


@dataclass(frozen=True)
class SlidesExample:
    """All numbers of one forward/backward pass through the slides' network.

    Shapes: ``d_in`` inputs, ``d_h`` hidden units, ``d_out`` outputs.

    Attributes
    ----------
    x : ndarray of shape (d_in,)              input x_i
    W : ndarray of shape (d_in, d_h)          w_ij (slide convention: row = input i)
    U : ndarray of shape (d_h, d_out)         u_jk (slide convention: row = hidden j)
    z_target : ndarray of shape (d_out,)      target z*_k
    lr : float                                learning rate η
    h : ndarray of shape (d_h,)               h_j = Σ_i w_ij x_i
    y : ndarray of shape (d_h,)               y_j = σ(h_j)
    u : ndarray of shape (d_out,)             u_k = Σ_j u_jk y_j
    z : ndarray of shape (d_out,)             z_k = σ(u_k)
    loss : float                              L = Σ_k (z_k − z*_k)²
    dL_dz : ndarray of shape (d_out,)         ∂L/∂z_k = 2(z_k − z*_k)
    delta_out : ndarray of shape (d_out,)     δ_k = 2(z_k − z*_k) z_k(1 − z_k)      (49)
    grad_U : ndarray of shape (d_h, d_out)    ∂L/∂u_jk = δ_k y_j                      (50)
    delta_hidden : ndarray of shape (d_h,)    δ_j = y_j(1 − y_j) Σ_k δ_k u_jk         (52)
    grad_W : ndarray of shape (d_in, d_h)     ∂L/∂w_ij = δ_j x_i                      (53)
    W_new, U_new : ndarrays                   weights after one step w − η ∂L/∂w
    """

    x: np.ndarray
    W: np.ndarray
    U: np.ndarray
    z_target: np.ndarray
    lr: float
    h: np.ndarray
    y: np.ndarray
    u: np.ndarray
    z: np.ndarray
    loss: float
    dL_dz: np.ndarray
    delta_out: np.ndarray
    grad_U: np.ndarray
    delta_hidden: np.ndarray
    grad_W: np.ndarray
    W_new: np.ndarray
    U_new: np.ndarray

    @property
    def W1(self) -> np.ndarray:
        """First-layer matrix in lecture/torch convention, shape (d_h, d_in) (= ``W.T``)."""
        return self.W.T

    @property
    def W2(self) -> np.ndarray:
        """Second-layer matrix in lecture/torch convention, shape (d_out, d_h) (= ``U.T``)."""
        return self.U.T


def _check_inputs(x, W, U, z_target):
    x = as_array(x, "x", ndim=1)
    W = as_array(W, "W", ndim=2)
    U = as_array(U, "U", ndim=2)
    z_target = as_array(z_target, "z_target", ndim=1)
    if W.shape[0] != x.shape[0]:
        raise ValueError(f"W must have shape ({x.shape[0]}, d_h) to match x, got {W.shape}")
    if U.shape[0] != W.shape[1]:
        raise ValueError(f"U must have shape ({W.shape[1]}, d_out) to match W, got {U.shape}")
    if z_target.shape[0] != U.shape[1]:
        raise ValueError(f"z_target must have shape ({U.shape[1]},) to match U, got {z_target.shape}")
    return x, W, U, z_target


def slides_example(x=DEFAULT_X, W=DEFAULT_W, U=DEFAULT_U, z_target=DEFAULT_TARGET,
                   lr: float = DEFAULT_LR) -> SlidesExample:
    """Forward pass, backward pass (Folien (49)–(53)) and one gradient step, in NumPy.

    Parameters
    ----------
    x : array_like of shape (d_in,)
    W : array_like of shape (d_in, d_h)        w_ij, slide convention (input i → hidden j)
    U : array_like of shape (d_h, d_out)       u_jk, slide convention (hidden j → output k)
    z_target : array_like of shape (d_out,)
    lr : float > 0                             learning rate η

    Returns
    -------
    SlidesExample
    """
    x, W, U, z_target = _check_inputs(x, W, U, z_target)
    lr = check_positive_float(lr, "lr")
    # forward pass
    h = x @ W
    y = sigmoid(h)
    u = y @ U
    z = sigmoid(u)
    loss = float(np.sum((z - z_target) ** 2))
    # backward pass, written exactly like the slides
    dL_dz = 2.0 * (z - z_target)
    delta_out = dL_dz * z * (1.0 - z)                 # (49)
    grad_U = np.outer(y, delta_out)                   # (50): ∂L/∂u_jk = δ_k y_j
    delta_hidden = y * (1.0 - y) * (U @ delta_out)    # (52): Σ_k δ_k u_jk
    grad_W = np.outer(x, delta_hidden)                # (53): ∂L/∂w_ij = δ_j x_i
    return SlidesExample(
        x=x, W=W, U=U, z_target=z_target, lr=lr, h=h, y=y, u=u, z=z, loss=loss,
        dL_dz=dL_dz, delta_out=delta_out, grad_U=grad_U, delta_hidden=delta_hidden,
        grad_W=grad_W, W_new=W - lr * grad_W, U_new=U - lr * grad_U,
    )


def slides_example_torch(x=DEFAULT_X, W=DEFAULT_W, U=DEFAULT_U,
                         z_target=DEFAULT_TARGET) -> tuple[float, np.ndarray, np.ndarray]:
    """The same network in torch float64; gradients by autograd (independent reference).

    Returns
    -------
    loss : float
    grad_W : ndarray of shape (d_in, d_h)     ∂L/∂w_ij (slide convention)
    grad_U : ndarray of shape (d_h, d_out)    ∂L/∂u_jk (slide convention)
    """
    x, W, U, z_target = _check_inputs(x, W, U, z_target)
    xt = torch.tensor(x)
    Wt = torch.tensor(W, requires_grad=True)
    Ut = torch.tensor(U, requires_grad=True)
    z = torch.sigmoid(torch.sigmoid(xt @ Wt) @ Ut)
    loss = torch.sum((z - torch.tensor(z_target)) ** 2)
    loss.backward()
    return float(loss.item()), Wt.grad.numpy().copy(), Ut.grad.numpy().copy()
