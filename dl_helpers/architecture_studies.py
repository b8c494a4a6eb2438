"""Studies of notebook 09 on top of :mod:`dl_helpers.architectures` (Folien (85)–(92)).

* VGG: :func:`receptive_field` of stacked layers (why stacks of 3×3);
* MobileNet: :func:`separable_ratio` (the slides' factor ``1/N + 1/D_K²``) and
  :func:`separable_counts` (counted), (90)–(91);
* EfficientNet: :func:`compound_scaling` (92) and :func:`scaled_baseline`, a small CNN scaled in
  depth, width and resolution whose MACs the counters measure;
* ResNet: :func:`gradient_flow` -- the gradient norm per block of a deep stack with and without
  skip connections (87)–(89), computed with the NumPy layer API (:mod:`dl_helpers.layers`), and its
  autograd twin :func:`gradient_flow_torch`.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
import torch

from ._validation import check_choice, check_positive_float, check_positive_int
from .architectures import AdaptiveAvgPool, Flatten, Linear, conv_bn, conv_macs, conv_params
from .layers import (activation_backward, activation_forward, activation_forward_torch,
                     dense_backward, dense_forward, dense_forward_torch)

__all__ = ["receptive_field", "separable_ratio", "SeparableCounts", "separable_counts",
           "EFFICIENTNET_COEFFS", "Scaling", "compound_scaling", "scaled_baseline",
           "GradientFlow", "gradient_flow", "gradient_flow_torch", "GRADIENT_FLOW_ACTIVATIONS"]


# ---------------------------------------------------------------------------------------------
# VGG: receptive field of stacked layers
# ---------------------------------------------------------------------------------------------
def receptive_field(kernel_sizes: Sequence[int], strides: Sequence[int] | None = None,
                    dilations: Sequence[int] | None = None) -> np.ndarray:
    """Receptive field (side length in input pixels) after each of L stacked layers, shape (L,).

    ``r_l = r_{l−1} + D_l·(K_l − 1)·j_{l−1}`` with the jump ``j_l = j_{l−1}·S_l`` (distance in
    input pixels between neighbouring outputs), ``r_0 = j_0 = 1``. n stacked 3×3 convs
    (stride 1) see ``2n + 1`` pixels, like one ``(2n+1)×(2n+1)`` conv.
    """
    ks = [check_positive_int(k, "kernel_sizes") for k in kernel_sizes]
    if not ks:
        raise ValueError("kernel_sizes must contain at least one kernel size")
    ss = [1] * len(ks) if strides is None else [check_positive_int(s, "strides") for s in strides]
    ds = [1] * len(ks) if dilations is None else [check_positive_int(d, "dilations") for d in dilations]
    if len(ss) != len(ks) or len(ds) != len(ks):
        raise ValueError(f"strides and dilations must have the length of kernel_sizes ({len(ks)}), "
                         f"got {len(ss)} and {len(ds)}")
    r, j, out = 1, 1, []
    for k, s, d in zip(ks, ss, ds):
        r += d * (k - 1) * j
        j *= s
        out.append(r)
    return np.array(out)


# ---------------------------------------------------------------------------------------------
# MobileNet: depthwise separable convolution (90)–(91)
# ---------------------------------------------------------------------------------------------
def separable_ratio(c_out: int, kernel_size: int) -> float:
    """Cost of depthwise separable / standard conv, the slides' factor ``1/N + 1/D_K²``."""
    return 1.0 / check_positive_int(c_out, "c_out") + 1.0 / check_positive_int(kernel_size, "kernel_size") ** 2


class SeparableCounts(NamedTuple):
    """Counted (bias-free) parameters and MACs of a standard vs. a depthwise separable conv."""

    params_standard: int
    params_separable: int
    macs_standard: int
    macs_separable: int

    @property
    def params_ratio(self) -> float:
        return self.params_separable / self.params_standard

    @property
    def macs_ratio(self) -> float:
        return self.macs_separable / self.macs_standard


def separable_counts(c_in: int, c_out: int, kernel_size: int, out_size: int) -> SeparableCounts:
    """Counts of ``K×K conv c_in→c_out`` vs. ``K×K depthwise (groups=c_in)`` + ``1×1 pointwise``.

    In the slides' letters (90)–(91): ``M = c_in``, ``N = c_out``, ``D_K = kernel_size``;
    ``out_size`` is the output side length ``D_F``.
    """
    std_p = conv_params(c_in, c_out, kernel_size, bias=False)
    sep_p = (conv_params(c_in, c_in, kernel_size, groups=c_in, bias=False)
             + conv_params(c_in, c_out, 1, bias=False))
    std_m = conv_macs(c_in, c_out, kernel_size, out_size)
    sep_m = conv_macs(c_in, c_in, kernel_size, out_size, groups=c_in) + conv_macs(c_in, c_out, 1, out_size)
    return SeparableCounts(std_p, sep_p, std_m, sep_m)


# ---------------------------------------------------------------------------------------------
# EfficientNet: compound scaling (92)
# ---------------------------------------------------------------------------------------------
#: α (depth), β (width), γ (resolution) found by grid search for EfficientNet-B0 (Tan & Le 2019, §4).
EFFICIENTNET_COEFFS = (1.2, 1.1, 1.15)


class Scaling(NamedTuple):
    """Multipliers for one φ: depth ``α^φ``, width ``β^φ``, resolution ``γ^φ``; FLOPs ``(αβ²γ²)^φ``."""

    phi: float
    depth: float
    width: float
    resolution: float
    flops_factor: float


def compound_scaling(phi: float, alpha: float = 1.2, beta: float = 1.1,
                     gamma: float = 1.15) -> Scaling:
    """Compound scaling (92): ``d = α^φ, w = β^φ, r = γ^φ``; cost grows by ``(α·β²·γ²)^φ``."""
    phi = check_positive_float(phi, "phi", allow_zero=True)
    a, b, g = (check_positive_float(v, n) for v, n in ((alpha, "alpha"), (beta, "beta"), (gamma, "gamma")))
    return Scaling(phi, a ** phi, b ** phi, g ** phi, (a * b * b * g * g) ** phi)


#: Small baseline for the scaling experiment: (channels, number of 3×3 convs, first stride).
_BASELINE_STAGES = ((32, 2, 1), (64, 3, 2), (128, 4, 2), (256, 4, 2))


def scaled_baseline(depth: float = 1.0, width: float = 1.0, resolution: float = 1.0,
                    base_resolution: int = 64) -> tuple[tuple, tuple[int, int, int]]:
    """A small plain CNN scaled like EfficientNet; returns ``(layers, input_shape)``.

    Layers per stage ``⌈n·depth⌉``, channels rounded to a multiple of 8 (``round(c·width)``),
    input side ``round(base_resolution·resolution)``. 10 classes.
    """
    depth, width, resolution = (check_positive_float(v, n) for v, n in
                                ((depth, "depth"), (width, "width"), (resolution, "resolution")))
    layers = []
    for c, n, stride in _BASELINE_STAGES:
        channels = max(8, 8 * round(c * width / 8))
        for i in range(math.ceil(n * depth - 1e-9)):
            layers += conv_bn(channels, 3, stride if i == 0 else 1)
    side = round(check_positive_int(base_resolution, "base_resolution") * resolution)
    return tuple(layers + [AdaptiveAvgPool(1), Flatten(), Linear(10)]), (3, side, side)


# ---------------------------------------------------------------------------------------------
# ResNet: gradient flow with and without skip connections (87)–(89)
# ---------------------------------------------------------------------------------------------
#: Activations of the gradient-flow study and the gain g of Var(W1) = g/d (He for ReLU, else LeCun).
GRADIENT_FLOW_ACTIVATIONS = {"sigmoid": 1.0, "tanh": 1.0, "relu": 2.0}


class GradientFlow(NamedTuple):
    """Gradient norms ``‖∂L/∂h_l‖`` for l = 0..L, relative to the output layer (``[-1] = 1``).

    layer : (L+1,) block index;  plain, skip : (L+1,) without / with skip connections.
    """

    layer: np.ndarray
    plain: np.ndarray
    skip: np.ndarray


def _flow_setup(depth, activation, width, n, seed):
    """Checked arguments and the random weights ``[(W1, W2)] * depth``, input x and loss weights v."""
    depth = check_positive_int(depth, "depth")
    width, n = check_positive_int(width, "width"), check_positive_int(n, "n")
    activation = check_choice(activation, "activation", GRADIENT_FLOW_ACTIVATIONS)
    rng = np.random.default_rng(seed)
    gain = GRADIENT_FLOW_ACTIVATIONS[activation]
    weights = [(rng.normal(0.0, math.sqrt(gain / width), (width, width)),
                rng.normal(0.0, math.sqrt(1.0 / width), (width, width))) for _ in range(depth)]
    return weights, rng.normal(size=(n, width)), rng.normal(size=(n, width)), activation


def _relative(norms: list) -> np.ndarray:
    norms = np.array(norms)
    return norms / norms[-1]


def _flow_numpy(weights, x, v, activation: str, scale: float | None) -> np.ndarray:
    """Relative ``‖∂L/∂h_l‖`` of ``h_l = h_{l−1} + s·F_l(h_{l−1})`` (``s=None``: no skip), layer API."""
    zero = np.zeros(x.shape[1])
    caches, h = [], x
    for W1, W2 in weights:                                     # F(h) = W2 σ(W1 h)  (88)
        z, c1 = dense_forward(h, W1, zero)
        a, c2 = activation_forward(z, activation)
        f, c3 = dense_forward(a, W2, zero)
        caches.append((c1, c2, c3))
        h = f if scale is None else h + scale * f
    grad, norms = v, [np.linalg.norm(v)]                      # L = Σ v ∘ h_L  ⇒  ∂L/∂h_L = v
    for c1, c2, c3 in reversed(caches):
        df = grad if scale is None else scale * grad
        da = dense_backward(df, c3)[0]
        dx = dense_backward(activation_backward(da, c2), c1)[0]
        grad = dx if scale is None else grad + dx            # (89): ∂L/∂x = ∂L/∂y (∂F/∂x + I)
        norms.append(np.linalg.norm(grad))
    return _relative(norms[::-1])


def _flow_torch(weights, x, v, activation: str, scale: float | None) -> np.ndarray:
    """Torch autograd twin of :func:`_flow_numpy`."""
    hs = [torch.tensor(x, requires_grad=True)]
    for W1, W2 in weights:
        z = dense_forward_torch(hs[-1], torch.tensor(W1), None)
        f = dense_forward_torch(activation_forward_torch(z, activation), torch.tensor(W2), None)
        h = f if scale is None else hs[-1] + scale * f
        h.retain_grad()
        hs.append(h)
    (hs[-1] * torch.tensor(v)).sum().backward()
    return _relative([h.grad.norm().item() for h in hs])


def _gradient_flow(flow, depth, activation, width, n, seed) -> GradientFlow:
    weights, x, v, activation = _flow_setup(depth, activation, width, n, seed)
    return GradientFlow(np.arange(len(weights) + 1), flow(weights, x, v, activation, None),
                        flow(weights, x, v, activation, 1.0 / math.sqrt(len(weights))))


def gradient_flow(depth: int, activation: str = "tanh", *, width: int = 64, n: int = 64,
                  seed: int = 0) -> GradientFlow:
    """Gradient norm per block of a deep stack of blocks ``F(x) = W2 σ(W1 x)`` (88), float64.

    Plain: ``h_l = F_l(h_{l−1})``; with skips (87): ``h_l = h_{l−1} + F_l(h_{l−1})/√L`` (the
    residual branch is scaled by 1/√L so that the sum of L branches stays of order one; real
    ResNets get this from batch norm). Both use the same weights: ``W1 ~ N(0, g/d)`` with
    ``g = 2`` for ReLU and 1 otherwise, ``W2 ~ N(0, 1/d)``, no biases. Input ``x``: n examples
    ~ N(0, I); loss ``L = Σ v ∘ h_L`` with a fixed random ``v`` (n, width). Computed with the
    NumPy layer API (``dense_*``, ``activation_*``); :func:`gradient_flow_torch` is the autograd twin.
    """
    return _gradient_flow(_flow_numpy, depth, activation, width, n, seed)


def gradient_flow_torch(depth: int, activation: str = "tanh", *, width: int = 64, n: int = 64,
                        seed: int = 0) -> GradientFlow:
    """Torch twin of :func:`gradient_flow` (same weights; gradients by autograd)."""
    return _gradient_flow(_flow_torch, depth, activation, width, n, seed)
