"""CNN architectures as data: shapes, parameters and multiply-adds (Folien (85)–(92)).

An architecture is a list of layer *specs* (small NamedTuples such as :class:`Conv` or
:class:`Linear`); :func:`summarize` walks it from an input shape ``(C, H, W)`` and returns a
table with every layer's output shape, parameter count and multiply-adds (MACs). The same list
builds a ``torch.nn`` module (:func:`build_torch`) with random weights, so the counts can be
checked against ``sum(p.numel())`` and the shapes against a real forward pass.

Conventions
-----------
* A convolution with ``groups = g`` connects every output channel to ``C_in / g`` input
  channels: ``params = C_out · (C_in/g) · K² (+ C_out bias)`` and
  ``MACs = C_out · H_out · W_out · (C_in/g) · K²``. Depthwise: ``g = C_in = C_out``;
  pointwise: ``K = 1``.
* MACs of batch norm (inference, folded into ``y = a·x + c``): one per element. Max pooling:
  0 (only comparisons); average pooling: one per input element of every window.
  Published figures ("GFLOPs" of the torchvision docs) count conv and linear layers only:
  :meth:`Summary.macs_of` gives that sum.
* Parameters are the trainable tensors (``requires_grad``); batch norm's running mean and
  variance are buffers, not parameters.

The studies of notebook 09 built on these counters (receptive field, depthwise-separable
saving, compound scaling, gradient flow through skip connections) are in
:mod:`dl_helpers.architecture_studies`.
"""
from __future__ import annotations

import math
from typing import Iterator, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import check_choice, check_positive_int
from .conv import conv_output_size

__all__ = [
    # layer specs
    "Conv", "Linear", "BatchNorm", "Pool", "AdaptiveAvgPool", "Activation", "Dropout", "Flatten",
    "Residual",
    # counters for single layers
    "conv_params", "conv_macs", "linear_params", "linear_macs", "batchnorm_params",
    "batchnorm_macs", "pool_macs",
    # whole architectures
    "LayerRow", "Summary", "summarize", "format_summary", "conv_bn", "Architecture",
    "ARCHITECTURES", "get_architecture", "build_torch", "ResidualBlock",
]


# ---------------------------------------------------------------------------------------------
# Layer specs (data). Input channels are not stored: they follow from the previous layer.
# ---------------------------------------------------------------------------------------------
class Conv(NamedTuple):
    """2-D convolution with square kernel: ``C_in → c_out`` channels."""

    c_out: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    bias: bool = True


class Linear(NamedTuple):
    """Fully connected layer ``d_in → d_out`` (``torch.nn.Linear``)."""

    d_out: int
    bias: bool = True


class BatchNorm(NamedTuple):
    """Batch normalisation over the channels (learnable scale γ and shift β per channel)."""


class Pool(NamedTuple):
    """Max or average pooling, square window; ``stride=None`` means ``stride = kernel_size``."""

    kind: str
    kernel_size: int
    stride: int | None = None
    padding: int = 0


class AdaptiveAvgPool(NamedTuple):
    """Average pooling to a fixed ``output_size × output_size`` (1 = global average pooling)."""

    output_size: int = 1


class Activation(NamedTuple):
    """Element-wise activation: ``"relu"`` or ``"relu6"`` (no parameters, no MACs)."""

    name: str = "relu"


class Dropout(NamedTuple):
    """Dropout with drop probability ``p`` (no parameters; identity at inference)."""

    p: float = 0.5


class Flatten(NamedTuple):
    """``(C, H, W) → (C·H·W,)``."""


class Residual(NamedTuple):
    """Skip connection (87): ``y = act(main(x) + shortcut(x))``; ``shortcut=()`` is the identity."""

    main: tuple
    shortcut: tuple = ()
    activation: str | None = "relu"


_ACTIVATIONS = ("relu", "relu6")
_POOLS = ("max", "avg")


# ---------------------------------------------------------------------------------------------
# Counters for single layers
# ---------------------------------------------------------------------------------------------
def _check_groups(c_in: int, c_out: int, groups: int) -> int:
    groups = check_positive_int(groups, "groups")
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out}")
    return groups


def conv_params(c_in: int, c_out: int, kernel_size: int, *, groups: int = 1,
                bias: bool = True) -> int:
    """Parameters of a conv layer: ``c_out · (c_in/groups) · K² + c_out`` (bias), cf. (90)."""
    c_in, c_out = check_positive_int(c_in, "c_in"), check_positive_int(c_out, "c_out")
    k = check_positive_int(kernel_size, "kernel_size")
    groups = _check_groups(c_in, c_out, groups)
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def conv_macs(c_in: int, c_out: int, kernel_size: int, out_size: int | tuple[int, int], *,
              groups: int = 1) -> int:
    """Multiply-adds of a conv layer: ``c_out · H_out · W_out · (c_in/groups) · K²``.

    ``out_size`` is ``H_out`` (square output) or ``(H_out, W_out)``; the bias additions are not
    counted (each output gets one add, negligible against the ``(c_in/groups)·K²`` MACs).
    """
    h, w = (out_size, out_size) if np.isscalar(out_size) else tuple(out_size)
    h, w = check_positive_int(h, "out_size"), check_positive_int(w, "out_size")
    weights = conv_params(c_in, c_out, kernel_size, groups=groups, bias=False)
    return weights * h * w


def linear_params(d_in: int, d_out: int, *, bias: bool = True) -> int:
    """Parameters of a linear layer: ``d_out · d_in + d_out`` (cf. notebook 02)."""
    d_in, d_out = check_positive_int(d_in, "d_in"), check_positive_int(d_out, "d_out")
    return d_out * d_in + (d_out if bias else 0)


def linear_macs(d_in: int, d_out: int) -> int:
    """Multiply-adds of a linear layer for one example: ``d_in · d_out``."""
    return linear_params(d_in, d_out, bias=False)


def batchnorm_params(channels: int) -> int:
    """Trainable parameters of batch norm: γ and β per channel, ``2·C``."""
    return 2 * check_positive_int(channels, "channels")


def batchnorm_macs(channels: int, height: int = 1, width: int = 1) -> int:
    """Multiply-adds of batch norm at inference (``y = a·x + c``): one per element, ``C·H·W``."""
    return (check_positive_int(channels, "channels") * check_positive_int(height, "height")
            * check_positive_int(width, "width"))


def pool_macs(kind: str, channels: int, kernel_size: int, out_size: int | tuple[int, int]) -> int:
    """Multiply-adds of pooling: max → 0 (comparisons only), avg → ``C · H_out · W_out · K²``."""
    kind = check_choice(kind, "kind", _POOLS)
    h, w = (out_size, out_size) if np.isscalar(out_size) else tuple(out_size)
    k = check_positive_int(kernel_size, "kernel_size")
    n_out = check_positive_int(channels, "channels") * check_positive_int(h, "out_size") \
        * check_positive_int(w, "out_size")
    return 0 if kind == "max" else n_out * k * k


def _adaptive_window_sum(size_in: int, size_out: int) -> int:
    """Sum of the window lengths of adaptive pooling along one axis (torch's start/end rule)."""
    return sum(math.ceil((i + 1) * size_in / size_out) - (i * size_in) // size_out
               for i in range(size_out))


# ---------------------------------------------------------------------------------------------
# Walking an architecture
# ---------------------------------------------------------------------------------------------
class LayerRow(NamedTuple):
    """One row of a :class:`Summary`; ``name`` equals the torch module's name in :func:`build_torch`."""

    name: str
    kind: str
    out_shape: tuple
    params: int
    macs: int


class Summary(NamedTuple):
    """Per-layer table of an architecture and its totals."""

    rows: list
    input_shape: tuple

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def output_shape(self) -> tuple:
        return self.rows[-1].out_shape

    def macs_of(self, *kinds: str) -> int:
        """MACs of the layers of the given kinds, e.g. ``macs_of("conv", "linear")``."""
        return sum(r.macs for r in self.rows if r.kind in kinds)

    def params_of(self, *kinds: str) -> int:
        """Parameters of the layers of the given kinds."""
        return sum(r.params for r in self.rows if r.kind in kinds)


def _layer_cost(layer, shape: tuple) -> tuple[tuple, int, int, str]:
    """(output shape, params, MACs, kind) of one non-residual layer for input ``shape``."""
    if isinstance(layer, (Conv, Pool, AdaptiveAvgPool, BatchNorm)) and len(shape) != 3:
        raise ValueError(f"{type(layer).__name__} needs an input of shape (C, H, W), got {shape}")
    if isinstance(layer, Conv):
        c, h, w = shape
        ho = conv_output_size(h, layer.kernel_size, layer.stride, layer.padding)
        wo = conv_output_size(w, layer.kernel_size, layer.stride, layer.padding)
        params = conv_params(c, layer.c_out, layer.kernel_size, groups=layer.groups, bias=layer.bias)
        macs = conv_macs(c, layer.c_out, layer.kernel_size, (ho, wo), groups=layer.groups)
        return (layer.c_out, ho, wo), params, macs, "conv"
    if isinstance(layer, Linear):
        if len(shape) != 1:
            raise ValueError(f"Linear needs a flat input (d,), got {shape}: add Flatten() first")
        return ((layer.d_out,), linear_params(shape[0], layer.d_out, bias=layer.bias),
                linear_macs(shape[0], layer.d_out), "linear")
    if isinstance(layer, BatchNorm):
        return shape, batchnorm_params(shape[0]), batchnorm_macs(*shape), "batchnorm"
    if isinstance(layer, Pool):
        c, h, w = shape
        stride = layer.kernel_size if layer.stride is None else layer.stride
        ho = conv_output_size(h, layer.kernel_size, stride, layer.padding)
        wo = conv_output_size(w, layer.kernel_size, stride, layer.padding)
        return (c, ho, wo), 0, pool_macs(layer.kind, c, layer.kernel_size, (ho, wo)), layer.kind + "pool"
    if isinstance(layer, AdaptiveAvgPool):
        c, h, w = shape
        o = check_positive_int(layer.output_size, "output_size")
        macs = c * _adaptive_window_sum(h, o) * _adaptive_window_sum(w, o)
        return (c, o, o), 0, macs, "avgpool"
    if isinstance(layer, Activation):
        return shape, 0, 0, check_choice(layer.name, "activation", _ACTIVATIONS)
    if isinstance(layer, Dropout):
        return shape, 0, 0, "dropout"
    if isinstance(layer, Flatten):
        return (math.prod(shape),), 0, 0, "flatten"
    raise TypeError(f"unknown layer spec {layer!r}; use Conv, Linear, BatchNorm, Pool, "
                    "AdaptiveAvgPool, Activation, Dropout, Flatten or Residual")


def _walk(layers: Sequence, shape: tuple, prefix: str = "") -> Iterator[tuple]:
    """Yield ``(name, layer, in_shape, out_shape, params, macs, kind)`` for every layer."""
    for i, layer in enumerate(layers):
        name = f"{prefix}{i}"
        if isinstance(layer, Residual):
            out = shape
            for row in _walk(layer.main, shape, f"{name}.main."):
                out = row[3]
                yield row
            short = shape
            for row in _walk(layer.shortcut, shape, f"{name}.shortcut."):
                short = row[3]
                yield row
            if out != short:
                raise ValueError(f"residual block {name}: main path gives {out}, shortcut gives "
                                 f"{short}; both must have the same shape for the addition (87)")
            if layer.activation is not None:
                yield (f"{name}.act", Activation(layer.activation), out, out, 0, 0,
                       check_choice(layer.activation, "activation", _ACTIVATIONS))
            shape = out
        else:
            out, params, macs, kind = _layer_cost(layer, shape)
            yield name, layer, shape, out, params, macs, kind
            shape = out


def summarize(layers: Sequence, input_shape: tuple[int, int, int]) -> Summary:
    """Table of output shapes, parameters and MACs of ``layers`` for one input ``(C, H, W)``.

    Raises ValueError (naming the layer) if a kernel does not fit or a residual addition
    mixes shapes.
    """
    if not (isinstance(input_shape, tuple) and len(input_shape) == 3):
        raise ValueError(f"input_shape must be a tuple (C, H, W), got {input_shape!r}")
    shape = tuple(check_positive_int(s, "input_shape") for s in input_shape)
    rows = [LayerRow(name, kind, out, params, macs)
            for name, _, _, out, params, macs, kind in _walk(layers, shape)]
    return Summary(rows, shape)


def format_summary(summary: Summary, kinds: Sequence[str] = ("conv", "linear")) -> str:
    """Plain-text table (German headers) of the rows of the given kinds plus the totals."""
    lines = [f"{'Schicht':<18}{'Typ':<10}{'Ausgabe':>16}{'Parameter':>14}{'MACs':>16}"]
    for r in summary.rows:
        if r.kind in kinds:
            shape = "×".join(map(str, r.out_shape))
            lines.append(f"{r.name:<18}{r.kind:<10}{shape:>16}{r.params:>14,}{r.macs:>16,}")
    lines.append(f"{'Summe (alle)':<28}{'':>16}{summary.params:>14,}{summary.macs:>16,}")
    return "\n".join(lines).replace(",", " ")          # digit groups: 61 100 840


# ---------------------------------------------------------------------------------------------
# The architectures of the slides (ImageNet: 1000 classes)
# ---------------------------------------------------------------------------------------------
class Architecture(NamedTuple):
    """An architecture as data with its published parameter count, GMACs (torchvision "GFLOPS",
    conv + linear) and where they are stated."""

    name: str
    layers: tuple
    input_shape: tuple
    published_params: int
    published_gmacs: float | None
    source: str


def conv_bn(c_out: int, k: int, stride: int = 1, groups: int = 1, act: str | None = "relu") -> list:
    """Specs ``Conv`` (no bias, "same" padding ``(k−1)/2``) → ``BatchNorm`` → ``Activation(act)``.

    The building block of ResNet and MobileNet; ``act=None`` leaves out the activation.
    """
    block = [Conv(c_out, k, stride, (k - 1) // 2, groups, bias=False), BatchNorm()]
    return block + ([Activation(act)] if act else [])


def _alexnet() -> tuple:
    return (Conv(64, 11, 4, 2), Activation(), Pool("max", 3, 2),
            Conv(192, 5, 1, 2), Activation(), Pool("max", 3, 2),
            Conv(384, 3, 1, 1), Activation(), Conv(256, 3, 1, 1), Activation(),
            Conv(256, 3, 1, 1), Activation(), Pool("max", 3, 2), AdaptiveAvgPool(6), Flatten(),
            Dropout(), Linear(4096), Activation(), Dropout(), Linear(4096), Activation(),
            Linear(1000))


def _alexnet_original() -> tuple:
    # Krizhevsky et al. 2012: two GPUs, i.e. groups=2 in conv2, conv4, conv5 (LRN has no parameters)
    return (Conv(96, 11, 4), Activation(), Pool("max", 3, 2),
            Conv(256, 5, 1, 2, groups=2), Activation(), Pool("max", 3, 2),
            Conv(384, 3, 1, 1), Activation(), Conv(384, 3, 1, 1, groups=2), Activation(),
            Conv(256, 3, 1, 1, groups=2), Activation(), Pool("max", 3, 2), Flatten(),
            Dropout(), Linear(4096), Activation(), Dropout(), Linear(4096), Activation(),
            Linear(1000))


def _vgg16() -> tuple:
    layers = []
    for n, c in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        layers += [Conv(c, 3, 1, 1), Activation()] * n + [Pool("max", 2, 2)]
    return tuple(layers + [AdaptiveAvgPool(7), Flatten(), Linear(4096), Activation(), Dropout(),
                           Linear(4096), Activation(), Dropout(), Linear(1000)])


def _resnet(block: str, repeats: Sequence[int]) -> tuple:
    expansion = 1 if block == "basic" else 4
    layers = [*conv_bn(64, 7, 2), Pool("max", 3, 2, 1)]
    c_in = 64
    for stage, n in enumerate(repeats):
        width = 64 * 2 ** stage
        for i in range(n):
            stride = 2 if (i == 0 and stage > 0) else 1
            c_out = width * expansion
            if block == "basic":
                main = (*conv_bn(width, 3, stride), *conv_bn(width, 3, act=None))
            else:   # bottleneck 1×1 → 3×3 → 1×1 (stride on the 3×3 conv, as in torchvision)
                main = (*conv_bn(width, 1), *conv_bn(width, 3, stride), *conv_bn(c_out, 1, act=None))
            short = () if (stride == 1 and c_in == c_out) else tuple(conv_bn(c_out, 1, stride, act=None))
            layers.append(Residual(main, short))
            c_in = c_out
    return tuple(layers + [AdaptiveAvgPool(1), Flatten(), Linear(1000)])


def _mobilenet_v2() -> tuple:
    layers = conv_bn(32, 3, 2, act="relu6")
    c_in = 32
    # (expansion t, channels c, repeats n, first stride s): Sandler et al. 2018, Table 2
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            expand = conv_bn(hidden, 1, act="relu6") if t != 1 else []
            main = (*expand, *conv_bn(hidden, 3, stride, groups=hidden, act="relu6"),
                    *conv_bn(c, 1, act=None))                  # linear bottleneck
            if stride == 1 and c_in == c:
                layers.append(Residual(main, (), activation=None))
            else:
                layers.extend(main)
            c_in = c
    return tuple(layers + conv_bn(1280, 1, act="relu6")
                 + [AdaptiveAvgPool(1), Flatten(), Dropout(0.2), Linear(1000)])


_TV = "torchvision-Modelldokumentation (docs.pytorch.org/vision/stable/models), Angabe 'num_params'"
ARCHITECTURES: dict[str, Architecture] = {
    "alexnet": Architecture("AlexNet (torchvision)", _alexnet(), (3, 224, 224), 61_100_840, 0.714, _TV),
    "alexnet_original": Architecture(
        "AlexNet (Original, 2 GPUs)", _alexnet_original(), (3, 227, 227), 60_965_224, None,
        "Krizhevsky, Sutskever, Hinton 2012 ('60 million parameters'); genaue Zahl nachgezählt"),
    "vgg16": Architecture("VGG-16", _vgg16(), (3, 224, 224), 138_357_544, 15.47,
                          _TV + "; Simonyan & Zisserman 2015, Tabelle 2: 138 Mio."),
    "resnet18": Architecture("ResNet-18", _resnet("basic", [2, 2, 2, 2]), (3, 224, 224),
                             11_689_512, 1.814, _TV),
    "resnet50": Architecture("ResNet-50", _resnet("bottleneck", [3, 4, 6, 3]), (3, 224, 224),
                             25_557_032, 4.089, _TV),
    "mobilenet_v2": Architecture("MobileNetV2", _mobilenet_v2(), (3, 224, 224), 3_504_872,
                                 0.301, _TV),
}


def get_architecture(name: str) -> Architecture:
    """One entry of :data:`ARCHITECTURES` by key (``"alexnet"``, ``"vgg16"``, ``"resnet50"``, …)."""
    return ARCHITECTURES[check_choice(name, "architecture", ARCHITECTURES)]


# ---------------------------------------------------------------------------------------------
# The same data as torch.nn modules (random weights, nothing downloaded)
# ---------------------------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    """``act(main(x) + shortcut(x))`` (87); an empty ``shortcut`` is the identity."""

    def __init__(self, main: nn.Sequential, shortcut: nn.Sequential, act: nn.Module):
        super().__init__()
        self.main, self.shortcut, self.act = main, shortcut, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.main(x) + self.shortcut(x))


def _torch_layer(layer, in_shape: tuple, device) -> nn.Module:
    if isinstance(layer, Conv):
        return nn.Conv2d(in_shape[0], layer.c_out, layer.kernel_size, layer.stride, layer.padding,
                         groups=layer.groups, bias=layer.bias, device=device)
    if isinstance(layer, Linear):
        return nn.Linear(in_shape[0], layer.d_out, bias=layer.bias, device=device)
    if isinstance(layer, BatchNorm):
        return nn.BatchNorm2d(in_shape[0], device=device)
    if isinstance(layer, Pool):
        cls = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
        return cls(layer.kernel_size, layer.stride, layer.padding)
    if isinstance(layer, AdaptiveAvgPool):
        return nn.AdaptiveAvgPool2d(layer.output_size)
    if isinstance(layer, Activation):
        return nn.ReLU() if layer.name == "relu" else nn.ReLU6()
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p)
    return nn.Flatten()


def build_torch(layers: Sequence, input_shape: tuple[int, int, int], *, seed: int = 0,
                device: str | None = None) -> nn.Sequential:
    """``torch.nn.Sequential`` of ``layers`` with random (torch default) weights.

    Module names equal the row names of :func:`summarize`. ``device="meta"`` builds the
    structure without allocating weights (parameter counts and shapes only, instantly).
    """
    summarize(layers, input_shape)          # validates the whole spec before building

    def build(specs, shape) -> tuple[nn.Sequential, tuple]:
        modules = []
        for layer in specs:
            if isinstance(layer, Residual):
                main, out = build(layer.main, shape)
                short, _ = build(layer.shortcut, shape)
                act = _torch_layer(Activation(layer.activation), shape, device) \
                    if layer.activation else nn.Identity()
                modules.append(ResidualBlock(main, short, act))
                shape = out
            else:
                modules.append(_torch_layer(layer, shape, device))
                shape = _layer_cost(layer, shape)[0]
        return nn.Sequential(*modules), shape

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(layers, tuple(input_shape))[0]
