"""Vision Transformer building blocks: patches as tokens and scaled dot-product attention.

Folien (93)–(95). Shape letters: ``n`` batch, ``C`` channels, ``H × W`` image size, ``P`` patch
size, ``N = H·W/P²`` number of patches (tokens), ``D`` embedding width, ``n_q``/``n_k`` number
of queries/keys, ``d_k`` key width, ``d_v`` value width. Leading batch (and head) axes ``...``
are carried along unchanged.

Images are stored channels-first ``(n, C, H, W)`` as in torch; the slides write one image as
``H × W × C``. A patch is flattened in the order (channel, row, column), i.e. exactly like the
weight of a ``Conv2d(C, D, kernel_size=P, stride=P)`` -- which is how the patch embedding is
computed in practice (:func:`patch_embedding_torch`).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ._validation import as_array, check_positive_int

__all__ = ["AttentionCache", "attention_forward", "attention_backward", "attention_forward_torch",
           "scaled_dot_product_attention", "scaled_dot_product_attention_torch",
           "image_to_patches", "patch_embedding", "patch_embedding_torch"]


def _masked_softmax(s: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of scores with any leading axes; −inf (masked) gives weight 0.

    Works in place on ``s`` (a fresh score array). ``activations.softmax`` is the checked public
    version for logits of shape (n, K); it rejects −inf, which is exactly what a mask produces.
    """
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return s


class AttentionCache(NamedTuple):
    """What :func:`attention_backward` needs: inputs, attention weights A and the scale 1/√d_k."""

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    A: np.ndarray
    scale: float


def _check_qkv(Q, K, V, mask):
    Q = as_array(Q, "Q", ndim=tuple(range(2, 6)))
    K = as_array(K, "K", ndim=Q.ndim)
    V = as_array(V, "V", ndim=Q.ndim)
    if K.shape[-1] != Q.shape[-1]:
        raise ValueError(f"Q (..., n_q, d_k) and K (..., n_k, d_k) need the same d_k, "
                         f"got Q {Q.shape} and K {K.shape}")
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"V (..., n_k, d_v) needs one row per key, got K {K.shape} and V {V.shape}")
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"mask must be a boolean array (True = may attend), got dtype {mask.dtype}")
        try:
            full = np.broadcast_to(mask, Q.shape[:-1] + (K.shape[-2],))
        except ValueError:
            raise ValueError(f"mask of shape {mask.shape} does not broadcast to (..., n_q, n_k) = "
                             f"{Q.shape[:-1] + (K.shape[-2],)}") from None
        if not full.any(axis=-1).all():
            raise ValueError("mask: every query must be allowed to attend to at least one key "
                             "(a row of False gives 0/0 in the softmax)")
    return Q, K, V, mask


def attention_forward(Q, K, V, mask=None) -> tuple[np.ndarray, AttentionCache]:
    """Scaled dot-product attention (95): ``softmax(Q Kᵀ/√d_k) V``.

    Q : (..., n_q, d_k);  K : (..., n_k, d_k);  V : (..., n_k, d_v)
    mask : bool array broadcastable to (..., n_q, n_k), True = query may attend to the key
           (torch's convention for boolean ``attn_mask``); optional.
    Returns ``out`` (..., n_q, d_v) and the cache for :func:`attention_backward`.
    """
    Q, K, V, mask = _check_qkv(Q, K, V, mask)
    scale = 1.0 / math.sqrt(Q.shape[-1])
    S = Q @ np.swapaxes(K, -1, -2)                         # scores (..., n_q, n_k)
    S *= scale
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    A = _masked_softmax(S)                                 # attention weights, rows sum to 1
    return A @ V, AttentionCache(Q, K, V, A, scale)


def attention_backward(dout, cache: AttentionCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dQ, dK, dV)`` of attention for the upstream gradient ``dout`` (..., n_q, d_v).

    With ``S = Q Kᵀ·s`` and ``A = softmax(S)``: ``dV = Aᵀ dout``, ``dA = dout Vᵀ``, the softmax
    Jacobian per row gives ``dS = A ∘ (dA − rowsum(dA ∘ A))``, then ``dQ = dS K·s`` and
    ``dK = dSᵀ Q·s``. Masked entries have ``A = 0`` and therefore no gradient.
    """
    Q, K, V, A, scale = cache
    dout = as_array(dout, "dout", shape=A.shape[:-1] + (V.shape[-1],))
    dV = np.swapaxes(A, -1, -2) @ dout
    dS = dout @ np.swapaxes(V, -1, -2)                     # dA, turned into dS in place
    dS -= (dS * A).sum(axis=-1, keepdims=True)
    dS *= A * scale                                        # scale folded in once for dQ and dK
    return dS @ K, np.swapaxes(dS, -1, -2) @ Q, dV


def attention_forward_torch(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor,
                            mask: torch.Tensor | None = None) -> torch.Tensor:
    """Torch twin: ``torch.nn.functional.scaled_dot_product_attention`` (differentiable).

    ``mask`` may be a boolean tensor or array (True = may attend), as in :func:`attention_forward`.
    """
    if mask is not None:
        mask = torch.as_tensor(mask, dtype=torch.bool)
    return F.scaled_dot_product_attention(Q, K, V, attn_mask=mask)


def scaled_dot_product_attention(Q, K, V, mask=None) -> np.ndarray:
    """``softmax(Q Kᵀ/√d_k) V`` (95), output (..., n_q, d_v); see :func:`attention_forward`."""
    return attention_forward(Q, K, V, mask)[0]


scaled_dot_product_attention_torch = attention_forward_torch


def image_to_patches(X, patch_size: int) -> np.ndarray:
    """Cut images into non-overlapping ``P × P`` patches and flatten each one (93).

    X : (n, C, H, W) with H and W divisible by P.  Returns (n, N, C·P²) with ``N = H·W/P²``,
    patches in reading order (row by row), each flattened as (channel, row, column).
    """
    X = as_array(X, "X", ndim=4)
    P = check_positive_int(patch_size, "patch_size")
    n, C, H, W = X.shape
    if H % P or W % P:
        raise ValueError(f"patch_size={P} must divide the image size, got H={H}, W={W}")
    patches = X.reshape(n, C, H // P, P, W // P, P).transpose(0, 2, 4, 1, 3, 5)
    return patches.reshape(n, (H // P) * (W // P), C * P * P)


def _check_embedding(E, cls_token, pos_embedding, n_tokens: int, patch_dim: int):
    E = as_array(E, "E", ndim=2)
    if E.shape[1] != patch_dim:
        raise ValueError(f"E must have shape (D, C·P²) = (D, {patch_dim}), got {E.shape}")
    D = E.shape[0]
    cls_token = as_array(cls_token, "cls_token", shape=(D,))
    pos_embedding = as_array(pos_embedding, "pos_embedding", shape=(n_tokens + 1, D))
    return E, cls_token, pos_embedding


def patch_embedding(X, E, cls_token, pos_embedding, patch_size: int) -> np.ndarray:
    """Token sequence ``z_0 = [x_class; x_p¹Eᵀ; …; x_pᴺEᵀ] + E_pos`` of the ViT (94).

    X : (n, C, H, W);  E : (D, C·P²) embedding matrix in the book's ``(d_out, d_in)`` convention
    (the slides' E is its transpose);  cls_token : (D,);  pos_embedding : (N+1, D).
    Returns z0 : (n, N+1, D); token 0 is the class token.
    """
    patches = image_to_patches(X, patch_size)
    n, N, patch_dim = patches.shape
    E, cls_token, pos_embedding = _check_embedding(E, cls_token, pos_embedding, N, patch_dim)
    tokens = patches @ E.T                                          # (n, N, D)
    cls = np.broadcast_to(cls_token, (n, 1, E.shape[0]))
    return np.concatenate([cls, tokens], axis=1) + pos_embedding


def patch_embedding_torch(X: torch.Tensor, E: torch.Tensor, cls_token: torch.Tensor,
                          pos_embedding: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Torch twin of :func:`patch_embedding`, computed as a strided convolution (kernel = stride = P)."""
    D = E.shape[0]
    tokens = F.conv2d(X, E.reshape(D, X.shape[1], patch_size, patch_size), stride=patch_size)
    tokens = tokens.flatten(2).transpose(1, 2)                      # (n, N, D)
    cls = cls_token.expand(X.shape[0], 1, D)
    return torch.cat([cls, tokens], dim=1) + pos_embedding
