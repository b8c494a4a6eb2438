"""A small CNN as a loop over layers, trained in NumPy and in torch (Folien (75)–(84)).

The architecture is *data*: a sequence of ``(kind, options)`` pairs, e.g. :data:`DIGITS_CNN`::

    conv2d(8 filters 3×3, padding 1) → ReLU → maxpool 2×2 → flatten → dense(10)

:func:`init_cnn` walks through it once (checking every size, see below) and returns the
parameters and the *layers*: one :class:`CNNLayer` per entry with the options its forward
function needs. Forward is a loop over the layers (``out, cache = <kind>_forward(out,
*params, **options)``), backward the same loop in reverse (the layer protocol of
:mod:`dl_helpers.layers`). The torch model :class:`TorchCNN` runs the same loop over the torch
twins, with copies of the same initial weights, so that both learn the same curve:
:func:`train_cnn` and :func:`train_cnn_torch` see the same minibatches in the same order
(``training.minibatches`` with one permutation per epoch from ``default_rng(seed)``) and use
the same optimiser (``opt.step`` / ``opt.torch_optimizer``). Loss: softmax + categorical
cross-entropy on the logits, mean over the batch (Folien (76), (84)).

Shapes: images ``X`` (N, C, H, W); ``params`` is a list with one tuple per layer (``(W, b)``
for conv2d and dense, ``()`` for the others) -- a tree for :mod:`dl_helpers.optimizers`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ._validation import as_array, check_choice, check_positive_int, check_rng
from .conv import (
    avgpool2d_backward, avgpool2d_forward, avgpool2d_forward_torch, conv2d_backward,
    conv2d_forward, conv2d_forward_torch, conv_output_size, flatten_backward, flatten_forward,
    flatten_forward_torch, maxpool2d_backward, maxpool2d_forward, maxpool2d_forward_torch,
)
from .initializers import init_weight
from .layers import (
    activation_backward, activation_forward, activation_forward_torch, dense_backward,
    dense_forward, dense_forward_torch,
)
from .losses import cce_with_logits, cce_with_logits_grad
from .training import minibatches

__all__ = ["LAYER_TYPES", "DIGITS_CNN", "CNNLayer", "init_cnn", "cnn_forward", "cnn_backward",
           "cnn_outputs", "cnn_loss_and_grads", "cnn_predict", "TorchCNN", "train_cnn",
           "train_cnn_torch"]

#: kind -> (forward, backward, torch twin) of the layer protocol.
LAYER_TYPES = {
    "conv2d": (conv2d_forward, conv2d_backward, conv2d_forward_torch),
    "maxpool2d": (maxpool2d_forward, maxpool2d_backward, maxpool2d_forward_torch),
    "avgpool2d": (avgpool2d_forward, avgpool2d_backward, avgpool2d_forward_torch),
    "activation": (activation_forward, activation_backward, activation_forward_torch),
    "flatten": (flatten_forward, flatten_backward, flatten_forward_torch),
    "dense": (dense_forward, dense_backward, dense_forward_torch),
}

#: The network of notebook 08 for 8×8 digits: 8·(1·9) + 8 + 10·128 + 10 = 1370 parameters.
DIGITS_CNN = (
    ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
    ("activation", {"name": "relu"}),
    ("maxpool2d", {"kernel_size": 2}),
    ("flatten", {}),
    ("dense", {"out_features": 10}),
)

# options that only shape the parameters (used by init_cnn, not passed to the forward)
_SHAPE_OPTIONS = {"conv2d": ("out_channels", "kernel_size"), "dense": ("out_features",)}
_FORWARD_OPTIONS = {"conv2d": ("stride", "padding", "dilation"),
                    "maxpool2d": ("kernel_size", "stride", "padding"),
                    "avgpool2d": ("kernel_size", "stride", "padding"),
                    "activation": ("name",), "flatten": (), "dense": ()}


class CNNLayer(NamedTuple):
    """One layer of a built network: ``kind`` (a key of :data:`LAYER_TYPES`), the keyword
    ``options`` of its forward function and its output shape (without the batch axis)."""

    kind: str
    options: dict
    out_shape: tuple


def _spatial(shape, kind, i):
    if len(shape) != 3:
        raise ValueError(f"layer {i} ({kind}) needs feature maps (C, H, W), but the input "
                         f"there has shape {shape} (flatten comes after the last conv/pool)")
    return shape


def init_cnn(spec, input_shape, rng: np.random.Generator, *, init: str = "he_normal",
             dtype=np.float64) -> tuple[list[tuple], list[CNNLayer]]:
    """Parameters and layers of the architecture ``spec`` for inputs of shape ``input_shape``.

    spec : sequence of (kind, options)   e.g. :data:`DIGITS_CNN`; conv2d needs ``out_channels``,
        ``kernel_size`` (+ optional stride/padding/dilation), dense needs ``out_features``.
    input_shape : (C, H, W) of one example.
    rng : numpy Generator;  init : weight scheme of :func:`dl_helpers.initializers.init_weight`
        with fan_in = C_in·K² for conv2d (as torch); biases start at 0.
    Every output size is checked with ``conv_output_size(..., exact=True)``: a stride that
    silently drops the last rows/columns is rejected (ValueError naming the layer and sizes).
    Returns ``(params, layers)``: ``params[i]`` is ``(W, b)`` or ``()``.
    """
    rng = check_rng(rng)
    shape = tuple(check_positive_int(s, "input_shape") for s in input_shape)
    params, layers = [], []
    for i, entry in enumerate(spec):
        kind, opts = entry
        kind = check_choice(kind, f"kind of layer {i}", LAYER_TYPES)
        allowed = _SHAPE_OPTIONS.get(kind, ()) + _FORWARD_OPTIONS[kind]
        unknown = set(opts) - set(allowed)
        if unknown:
            raise ValueError(f"layer {i} ({kind}): unknown option(s) {sorted(unknown)}; "
                             f"allowed: {', '.join(allowed)}")
        fwd = {k: v for k, v in opts.items() if k in _FORWARD_OPTIONS[kind]}
        p = ()
        if kind == "conv2d":
            c, h, w = _spatial(shape, kind, i)
            k = check_positive_int(opts["kernel_size"], f"layer {i} kernel_size")
            c_out = check_positive_int(opts["out_channels"], f"layer {i} out_channels")
            geo = [fwd.get(n, d) for n, d in (("stride", 1), ("padding", 0), ("dilation", 1))]
            try:
                h_out, w_out = (conv_output_size(s, k, *geo, exact=True) for s in (h, w))
            except ValueError as exc:
                raise ValueError(f"layer {i} ({kind}) on input {shape}: {exc}") from None
            W = init_weight(init, c * k * k, c_out, rng).reshape(c_out, c, k, k)
            p = (W.astype(dtype), np.zeros(c_out, dtype=dtype))
            shape = (c_out, h_out, w_out)
        elif kind in ("maxpool2d", "avgpool2d"):
            c, h, w = _spatial(shape, kind, i)
            k = check_positive_int(opts["kernel_size"], f"layer {i} kernel_size")
            s = fwd.get("stride") or k
            try:
                shape = (c,) + tuple(conv_output_size(n, k, s, fwd.get("padding", 0), exact=True)
                                     for n in (h, w))
            except ValueError as exc:
                raise ValueError(f"layer {i} ({kind}) on input {shape}: {exc}") from None
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"layer {i} (dense) needs vectors, got feature maps {shape}; "
                                 "put a flatten layer before it")
            d_out = check_positive_int(opts["out_features"], f"layer {i} out_features")
            W = init_weight(init, shape[0], d_out, rng)
            p = (W.astype(dtype), np.zeros(d_out, dtype=dtype))
            shape = (d_out,)
        params.append(p)
        layers.append(CNNLayer(kind, fwd, shape))
    return params, layers


def _check_x(X, layers, params) -> np.ndarray:
    X = as_array(X, "X", ndim=4, dtype=None)
    if len(params) != len(layers):
        raise ValueError(f"params has {len(params)} entries but there are {len(layers)} layers")
    return X


def cnn_forward(params, layers, X) -> tuple[np.ndarray, list]:
    """Loop over the layers. X : (N, C, H, W). Returns the logits (N, K) and the caches."""
    out = _check_x(X, layers, params)
    caches = []
    for layer, p in zip(layers, params):
        out, cache = LAYER_TYPES[layer.kind][0](out, *p, **layer.options)
        caches.append(cache)
    return out, caches


def cnn_outputs(params, layers, X) -> list[np.ndarray]:
    """The output of every layer (feature maps, activations, logits) for X (N, C, H, W)."""
    out = _check_x(X, layers, params)
    outs = []
    for layer, p in zip(layers, params):
        out, _ = LAYER_TYPES[layer.kind][0](out, *p, **layer.options)
        outs.append(out)
    return outs


def cnn_backward(dout, caches, layers) -> list[tuple]:
    """The same loop in reverse: gradients for every layer's parameters (like ``params``).

    dout : gradient of the loss w.r.t. the network output (N, K).
    """
    grads = [()] * len(layers)
    for i in reversed(range(len(layers))):
        g = LAYER_TYPES[layers[i].kind][1](dout, caches[i])
        if isinstance(g, tuple):
            dout, grads[i] = g[0], tuple(g[1:])
        else:
            dout = g
    return grads


def cnn_loss_and_grads(params, layers, X, y) -> tuple[float, list[tuple]]:
    """Mean cross-entropy of the logits (Folie (76) / batch mean (84)) and its gradients.

    X : (N, C, H, W);  y : (N,) int labels. Returns ``(loss, grads)``.
    """
    logits, caches = cnn_forward(params, layers, X)
    return cce_with_logits(logits, y), cnn_backward(cce_with_logits_grad(logits, y), caches, layers)


def cnn_predict(params, layers, X) -> np.ndarray:
    """Predicted classes (N,) = argmax of the logits."""
    return cnn_forward(params, layers, X)[0].argmax(axis=1)


class TorchCNN(torch.nn.Module):
    """The same network in torch: the same loop over :data:`LAYER_TYPES`' torch twins.

    params, layers : from :func:`init_cnn` (copied into ``nn.Parameter``, dtype ``dtype``).
    """

    def __init__(self, params, layers, dtype=torch.float64):
        super().__init__()
        self.layers = list(layers)
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.tensor(np.asarray(a), dtype=dtype)) for p in params for a in p)
        self._counts = [len(p) for p in params]

    def layer_params(self) -> list[tuple]:
        """Parameters grouped per layer like ``params``."""
        it = iter(self.weights)
        return [tuple(next(it) for _ in range(k)) for k in self._counts]

    def numpy_params(self) -> list[tuple]:
        """Current weights as NumPy arrays in the structure of ``params``."""
        return [tuple(t.detach().numpy().copy() for t in p) for p in self.layer_params()]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer, p in zip(self.layers, self.layer_params()):
            x = LAYER_TYPES[layer.kind][2](x, *p, **layer.options)
        return x


def _check_training(X, y, epochs, batch_size, seed):
    X = as_array(X, "X", ndim=4, dtype=None)
    y = np.asarray(y)
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(f"y must be int labels of shape ({len(X)},), got {y.dtype} {y.shape}")
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(seed, "seed", minimum=0)
    return X, y


def train_cnn(params, layers, X, y, optimizer, *, epochs: int, batch_size: int, seed: int = 0,
              progress: bool = False) -> tuple[list[tuple], np.ndarray]:
    """Minibatch training of the NumPy CNN.

    X : (N, C, H, W);  y : (N,) int labels;  optimizer : e.g. ``optimizers.SGD(lr=0.1)``.
    progress : show a ``tqdm`` bar over the epochs (removed when finished).
    Returns the new params and the loss of every step (before its update), shape (steps,).
    """
    X, y = _check_training(X, y, epochs, batch_size, seed)
    rng = np.random.default_rng(seed)
    state = optimizer.init(params)
    losses = []
    for _ in tqdm(range(epochs), desc="Epochen (NumPy)", disable=not progress,
                  leave=False):
        for idx in minibatches(len(y), batch_size, rng):
            loss, grads = cnn_loss_and_grads(params, layers, X[idx], y[idx])
            params, state = optimizer.step(params, grads, state)
            losses.append(loss)
    return params, np.asarray(losses)


def train_cnn_torch(model: TorchCNN, X, y, optimizer, *, epochs: int, batch_size: int,
                    seed: int = 0, progress: bool = False) -> np.ndarray:
    """The torch twin of :func:`train_cnn` (same batches, ``optimizer.torch_optimizer``,
    ``F.cross_entropy``); trains ``model`` in place and returns the loss of every step."""
    X, y = _check_training(X, y, epochs, batch_size, seed)
    dtype = next(model.parameters()).dtype
    Xt, yt = torch.tensor(X, dtype=dtype), torch.tensor(y)
    opt = optimizer.torch_optimizer(model.parameters())
    rng = np.random.default_rng(seed)
    losses = []
    for _ in tqdm(range(epochs), desc="Epochen (torch)", disable=not progress,
                  leave=False):
        for idx in minibatches(len(y), batch_size, rng):
            idx_t = torch.from_numpy(idx)
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx_t]), yt[idx_t])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return np.asarray(losses)
