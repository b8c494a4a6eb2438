"""Recurrent layers from scratch: vanilla RNN, LSTM (Folien RNN, LSTM (96)–(104)) and GRU.

Shape letters used in every docstring: ``N`` batch, ``T`` sequence length, ``D`` input size,
``H`` hidden size. A sequence batch is ``x`` of shape ``(N, T, D)`` (torch's ``batch_first=True``),
the hidden states ``hs`` have shape ``(N, T, H)``.

Weights use **torch's layout**, so they copy both ways (:func:`params_from_torch`,
:func:`params_to_torch`): ``W_ih`` ``(G·H, D)``, ``W_hh`` ``(G·H, H)``, ``b_ih`` and ``b_hh``
``(G·H,)`` with ``G = 1`` (RNN), ``G = 4`` (LSTM, gate blocks in the order i, f, g, o; g is the
candidate C̃ of the slides) or ``G = 3`` (GRU, blocks r, z, n; not in the slides). The slides
write one matrix per gate acting on ``[h_{t−1}, x_t]`` and one bias; :func:`lstm_to_lecture` /
:func:`lstm_from_lecture` convert.

Vanilla RNN (torch.nn.RNN, tanh), for one example as a column vector::

    z_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh,      h_t = tanh(z_t)

Backpropagation through time with δ_t = ∂L/∂z_t (batch rows: ``delta[:, t]``)::

    δ_T = (1 − h_T²) ∘ ∂L/∂h_T,     δ_t = (1 − h_t²) ∘ (∂L/∂h_t + W_hhᵀ δ_{t+1})
    ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ,    ∂L/∂W_ih = Σ_t δ_t x_tᵀ,    ∂L/∂x_t = W_ihᵀ δ_t

where ∂L/∂h_t is the *direct* gradient (from the output at step t).

LSTM (96)–(104) in torch's form: per step one matmul for all four gates,
``a = x_t @ W_ih.T + h @ W_hh.T + b_ih + b_hh`` of shape ``(N, 4H)``, split into
``i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)``; then ``c_t = f ∘ c_{t−1} + i ∘ g`` and
``h_t = o ∘ tanh(c_t)``.

The input part ``x_t W_ihᵀ + b_ih`` of all steps is one dense layer (:mod:`dl_helpers.layers`) on
the ``N·T`` rows, and the weight gradients are the dense layer's backward on the deltas of all
steps (summed over time), for the x-side and the h-side alike.

Every layer follows the package protocol: ``out, cache = <layer>_forward(x, *params)``,
``grads = <layer>_backward(dout, cache)`` with one gradient per forward argument, in order; the
torch twin ``<layer>_forward_torch`` is ``torch.nn.RNN``/``LSTM``/``GRU`` itself, called on the
given tensors (differentiable by autograd).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ._validation import as_array, check_choice, check_positive_int, check_rng
from .layers import DenseCache, dense_backward, dense_forward

__all__ = [
    "CELLS", "RecurrentParams", "init_recurrent", "params_from_torch", "params_to_torch",
    "RNNCache", "rnn_forward", "rnn_deltas", "rnn_backward", "rnn_forward_torch",
    "rnn_cell_forward", "rnn_cell_backward",
    "LSTMCache", "lstm_forward", "lstm_backward", "lstm_forward_torch", "lstm_gates",
    "lstm_to_lecture", "lstm_from_lecture", "GATE_NAMES",
    "GRUCache", "gru_forward", "gru_backward", "gru_forward_torch",
]

#: Number of stacked weight blocks per cell type (torch's layout).
CELLS = {"rnn": 1, "lstm": 4, "gru": 3}
_TORCH_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
_TORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
#: LSTM gate blocks in torch's order along the 4H axis (g = candidate C̃ of the slides).
GATE_NAMES = ("i", "f", "g", "o")


class RecurrentParams(NamedTuple):
    """Weights of one recurrent layer in torch's layout (G = 1 for RNN, 4 for LSTM, 3 for GRU).

    W_ih : (G·H, D)   W_hh : (G·H, H)   b_ih : (G·H,)   b_hh : (G·H,)
    """

    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray


# --------------------------------------------------------------------------- validation
def _check_layer(cell: str, x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """Validate a recurrent layer's arguments; return them as arrays of one float dtype
    (h0 and c0 = None become zeros; c0 only for the LSTM)."""
    gates = CELLS[cell]
    W_ih = as_array(W_ih, "W_ih", ndim=2, dtype=None)
    dtype = W_ih.dtype
    W_hh = as_array(W_hh, "W_hh", ndim=2, dtype=dtype)
    G, D = W_ih.shape
    if G == 0 or G % gates:
        raise ValueError(f"W_ih must have shape ({gates}·H, D) for a {cell.upper()} layer, "
                         f"got {W_ih.shape}")
    H = G // gates
    if W_hh.shape != (G, H):
        raise ValueError(f"W_hh must have shape ({gates}·H, H) = ({G}, {H}) to match W_ih "
                         f"{W_ih.shape}, got {W_hh.shape}")
    b_ih = as_array(b_ih, "b_ih", shape=(G,), dtype=dtype)
    b_hh = as_array(b_hh, "b_hh", shape=(G,), dtype=dtype)
    x = as_array(x, "x", ndim=3, dtype=dtype)
    N, T, Dx = x.shape
    if T == 0:
        raise ValueError(f"x must contain at least one time step, got an empty sequence "
                         f"(shape {x.shape} = (N, T, D))")
    if N == 0:
        raise ValueError(f"x must contain at least one sequence, got shape {x.shape} = (N, T, D)")
    if Dx != D:
        raise ValueError(f"x has input size D={Dx} (shape {x.shape} = (N, T, D)), but W_ih "
                         f"{W_ih.shape} expects D={D}")
    states = []
    for name, s in (("h0", h0), ("c0", c0)):
        if name == "c0" and cell != "lstm":
            continue
        if s is None:
            states.append(np.zeros((N, H), dtype=dtype))
        else:
            states.append(as_array(s, name, shape=(N, H), dtype=dtype))
    return (x, *states, W_ih, W_hh, b_ih, b_hh)


def _project(x, W, b):
    """The input part x_t W_ihᵀ + b of every step at once: ONE dense layer on all N·T rows
    (:func:`dl_helpers.layers.dense_forward`), x (N, T, D) -> (N, T, G·H)."""
    N, T, D = x.shape
    return dense_forward(x.reshape(N * T, D), W, b)[0].reshape(N, T, -1)


def _weight_grads(da_x, da_h, x, h0, hs, W_ih, W_hh):
    """Gradients of the two dense parts of every step, summed over time (one matmul each).

    da_x, da_h : (N, T, G·H) gradients of the x-side (x_t W_ihᵀ + b_ih) and the h-side
    (h_{t−1} W_hhᵀ + b_hh) pre-activations (the same array for RNN and LSTM).
    Returns dx (N, T, D), dW_ih, dW_hh, db_ih, db_hh via :func:`dl_helpers.layers.dense_backward`.
    """
    N, T, G = da_x.shape
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)          # h_0 … h_{T−1}
    x_flat = x.reshape(N * T, -1)
    dx, dW_ih, db_ih = dense_backward(da_x.reshape(N * T, G), DenseCache(x_flat, W_ih))
    _, dW_hh, db_hh = dense_backward(da_h.reshape(N * T, G),
                                     DenseCache(h_prev.reshape(N * T, -1), W_hh),
                                     needs_input_grad=False)
    return dx.reshape(x.shape), dW_ih, dW_hh, db_ih, db_hh


def _sigmoid(a):
    """σ(a) = (1 + tanh(a/2)) / 2: exact, stable for any |a|, and in float32 about 40x faster than
    the masked exp form of :data:`dl_helpers.activations.sigmoid` (measured: 36 µs vs 1.6 ms for
    a 64 × 512 block), which would dominate the LSTM step. Covered by the torch parity tests."""
    return 0.5 + 0.5 * np.tanh(0.5 * a)


def _check_dout(dout, shape, dtype, name="dhs"):
    return as_array(dout, name, shape=shape, dtype=dtype)


# --------------------------------------------------------------------------- parameters
def init_recurrent(cell: str, input_size: int, hidden_size: int, rng: np.random.Generator,
                   dtype=np.float64) -> RecurrentParams:
    """torch's default init: every weight and bias ~ U(−1/√H, 1/√H).

    cell : "rnn", "lstm" or "gru";  input_size : D;  hidden_size : H;  rng : numpy Generator.
    Returns :class:`RecurrentParams` with shapes (G·H, D), (G·H, H), (G·H,), (G·H,).
    """
    cell = check_choice(cell, "cell", CELLS)
    D = check_positive_int(input_size, "input_size")
    H = check_positive_int(hidden_size, "hidden_size")
    rng = check_rng(rng)
    G = CELLS[cell] * H
    k = 1.0 / np.sqrt(H)
    shapes = ((G, D), (G, H), (G,), (G,))
    return RecurrentParams(*(rng.uniform(-k, k, size=s).astype(dtype) for s in shapes))


def params_from_torch(module: torch.nn.Module) -> RecurrentParams:
    """Copy the weights of a one-layer ``torch.nn.RNN``/``LSTM``/``GRU`` into NumPy (dtype kept)."""
    if not isinstance(module, tuple(_TORCH_LAYERS.values())):
        raise TypeError(f"module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, got "
                        f"{type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or not module.bias \
            or getattr(module, "proj_size", 0):
        raise ValueError("module must be a single-layer, unidirectional layer with biases and "
                         "no projection (num_layers=1, bidirectional=False, bias=True)")
    return RecurrentParams(*(getattr(module, n).detach().cpu().numpy().copy()
                             for n in _TORCH_NAMES))


def params_to_torch(params: RecurrentParams, cell: str, *, dtype=torch.float64) -> torch.nn.Module:
    """A ``torch.nn.RNN`` (tanh), ``LSTM`` or ``GRU`` (``batch_first=True``) holding ``params``."""
    cell = check_choice(cell, "cell", CELLS)
    W_ih, W_hh, b_ih, b_hh = (as_array(p, n) for p, n in zip(params, RecurrentParams._fields))
    if W_ih.ndim != 2 or W_ih.shape[0] % CELLS[cell]:
        raise ValueError(f"params.W_ih must have shape ({CELLS[cell]}·H, D) for a "
                         f"{cell.upper()}, got {W_ih.shape}")
    G, D = W_ih.shape
    H = G // CELLS[cell]
    expected = {"W_ih": (G, D), "W_hh": (G, H), "b_ih": (G,), "b_hh": (G,)}
    for (name, shape), value in zip(expected.items(), (W_ih, W_hh, b_ih, b_hh)):
        if value.shape != shape:
            raise ValueError(f"params.{name} must have shape {shape} for a {cell.upper()} "
                             f"with D={D}, H={H}, got {value.shape}")
    module = _TORCH_LAYERS[cell](D, H, batch_first=True, dtype=dtype)
    with torch.no_grad():
        for name, value in zip(_TORCH_NAMES, (W_ih, W_hh, b_ih, b_hh)):
            getattr(module, name).copy_(torch.as_tensor(value, dtype=dtype))
    return module


def _functional(cell, x, states, W_ih, W_hh, b_ih, b_hh):
    """Run torch.nn.RNN/LSTM/GRU with the given tensors as its parameters (autograd flows into
    them); the module itself lives on the meta device and holds no data."""
    module = _TORCH_LAYERS[cell](W_ih.shape[1], W_hh.shape[1], batch_first=True,
                                 dtype=W_ih.dtype, device="meta")
    params = dict(zip(_TORCH_NAMES, (W_ih, W_hh, b_ih, b_hh)))
    return torch.func.functional_call(module, params, (x, states))


# --------------------------------------------------------------------------- vanilla RNN
class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs: x (N, T, D), h0 (N, H), W_ih (H, D), W_hh (H, H),
    hs (N, T, H) = all hidden states h_1 … h_T."""

    x: np.ndarray
    h0: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    hs: np.ndarray


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, RNNCache]:
    """Vanilla tanh RNN over a sequence (torch.nn.RNN): h_t = tanh(W_ih x_t + W_hh h_{t−1} + b).

    x : (N, T, D);  h0 : (N, H) or None (zeros);  W_ih : (H, D);  W_hh : (H, H);
    b_ih, b_hh : (H,).  Returns ``hs`` (N, T, H) and an :class:`RNNCache`.
    """
    x, h0, W_ih, W_hh, b_ih, b_hh = _check_layer("rnn", x, h0, None, W_ih, W_hh, b_ih, b_hh)
    N, T, _ = x.shape
    hs = np.empty((N, T, W_hh.shape[0]), dtype=x.dtype)
    xw = _project(x, W_ih, b_ih + b_hh)                 # input part of z_t for all t at once
    h = h0
    for t in range(T):
        h = np.tanh(xw[:, t] + h @ W_hh.T)
        hs[:, t] = h
    return hs, RNNCache(x, h0, W_ih, W_hh, hs)


def rnn_deltas(dhs, cache: RNNCache) -> np.ndarray:
    """The δ-recursion of BPTT: δ_t = ∂L/∂z_t for t = T, …, 1.

    dhs : (N, T, H), the direct gradient ∂L/∂h_t of every step (zeros where the loss does not
    look at h_t).  Returns ``delta`` (N, T, H) with
    δ_t = (1 − h_t²) ∘ (∂L/∂h_t + W_hhᵀ δ_{t+1})  (batch rows: ``(dh + delta[:, t+1] @ W_hh)``).
    """
    dhs = _check_dout(dhs, cache.hs.shape, cache.hs.dtype)
    hs, W_hh = cache.hs, cache.W_hh
    delta = np.empty_like(hs)
    carry = np.zeros_like(hs[:, 0])            # W_hhᵀ δ_{t+1}, zero after the last step
    for t in range(hs.shape[1] - 1, -1, -1):
        delta[:, t] = (1.0 - hs[:, t] ** 2) * (dhs[:, t] + carry)
        carry = delta[:, t] @ W_hh
    return delta


def rnn_backward(dhs, cache: RNNCache):
    """BPTT for :func:`rnn_forward`: returns (dx, dh0, dW_ih, dW_hh, db_ih, db_hh).

    dhs : (N, T, H) = ∂L/∂h_t (direct part). Shapes of the gradients: x, h0, W_ih, W_hh, b, b.
    From the deltas of :func:`rnn_deltas`: ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ, ∂L/∂W_ih = Σ_t δ_t x_tᵀ,
    ∂L/∂b = Σ_t δ_t (both biases get the same gradient), ∂L/∂x_t = W_ihᵀ δ_t, ∂L/∂h_0 = W_hhᵀ δ_1.
    """
    delta = rnn_deltas(dhs, cache)
    dh0 = delta[:, 0] @ cache.W_hh
    dx, dW_ih, dW_hh, db_ih, db_hh = _weight_grads(delta, delta, cache.x, cache.h0, cache.hs,
                                                   cache.W_ih, cache.W_hh)
    return dx, dh0, dW_ih, dW_hh, db_ih, db_hh


def rnn_cell_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, RNNCache]:
    """One RNN step: x (N, D), h_prev (N, H) -> h (N, H); the sequence layer with T = 1."""
    x = as_array(x, "x", ndim=2, dtype=None)
    hs, cache = rnn_forward(x[:, None], h_prev, W_ih, W_hh, b_ih, b_hh)
    return hs[:, 0], cache


def rnn_cell_backward(dh, cache: RNNCache):
    """Backward of :func:`rnn_cell_forward`: dh (N, H) -> (dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh)."""
    dh = as_array(dh, "dh", shape=cache.hs[:, 0].shape, dtype=cache.hs.dtype)
    dx, *rest = rnn_backward(dh[:, None], cache)
    return (dx[:, 0], *rest)


def rnn_forward_torch(x, h0, W_ih, W_hh, b_ih, b_hh) -> torch.Tensor:
    """Torch twin of :func:`rnn_forward`: ``torch.nn.RNN`` (tanh, batch_first) on these tensors.

    x : (N, T, D);  h0 : (N, H) or None;  weights as in :func:`rnn_forward`. Returns hs (N, T, H).
    """
    states = None if h0 is None else h0[None]
    return _functional("rnn", x, states, W_ih, W_hh, b_ih, b_hh)[0]


# --------------------------------------------------------------------------- LSTM
class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs.

    x (N, T, D), h0 (N, H), c0 (N, H), W_ih (4H, D), W_hh (4H, H),
    gates (N, T, 4H) = activated i, f, g, o of every step, cs (N, T, H) = cell states c_1 … c_T,
    tcs (N, T, H) = tanh(c_t), hs (N, T, H) = hidden states h_1 … h_T.
    """

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    gates: np.ndarray
    cs: np.ndarray
    tcs: np.ndarray
    hs: np.ndarray


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, LSTMCache]:
    """LSTM over a sequence (slides (96)–(104), torch.nn.LSTM's layout and gate order i, f, g, o).

    x : (N, T, D);  h0, c0 : (N, H) or None (zeros);  W_ih : (4H, D);  W_hh : (4H, H);
    b_ih, b_hh : (4H,).  Returns ``hs`` (N, T, H) and an :class:`LSTMCache`
    (final states: ``hs[:, -1]`` and ``cache.cs[:, -1]``).
    """
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _check_layer("lstm", x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    N, T, _ = x.shape
    H = W_hh.shape[1]
    gates = np.empty((N, T, 4 * H), dtype=x.dtype)
    cs, tcs, hs = (np.empty((N, T, H), dtype=x.dtype) for _ in range(3))
    # a_t = x_t @ W_ih.T + h_{t-1} @ W_hh.T + b: the x part does not depend on h, so it is one
    # matmul for all T steps; per step remains ONE matmul that yields all four gates at once.
    xw = _project(x, W_ih, b_ih + b_hh)                 # (N, T, 4H)
    h, c = h0, c0
    for t in range(T):
        a = xw[:, t] + h @ W_hh.T                       # (N, 4H), split into i, f, g, o
        ifo = _sigmoid(a)                               # i, f, o blocks are used from here
        g = np.tanh(a[:, 2 * H:3 * H])                  # candidate C̃_t (98)
        ifo[:, 2 * H:3 * H] = g
        i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 3 * H:]
        c = f * c + i * g                               # (99)/(102)
        tc = np.tanh(c)
        h = o * tc                                      # (101)/(104)
        gates[:, t], cs[:, t], tcs[:, t], hs[:, t] = ifo, c, tc, h
    return hs, LSTMCache(x, h0, c0, W_ih, W_hh, gates, cs, tcs, hs)


def lstm_backward(dhs, cache: LSTMCache, *, dh_n=None, dc_n=None):
    """BPTT for :func:`lstm_forward`: returns (dx, dh0, dc0, dW_ih, dW_hh, db_ih, db_hh).

    dhs : (N, T, H) = ∂L/∂h_t (direct part);  dh_n, dc_n : (N, H) or None, extra gradient on the
    final hidden and cell state (torch's ``h_n``, ``c_n``).  Per step, going back in time::

        dc  += dh ∘ o ∘ (1 − tanh²c_t)          do = dh ∘ tanh c_t
        di = dc ∘ g,  df = dc ∘ c_{t−1},  dg = dc ∘ i,   dc_{t−1} = dc ∘ f
        da = [di ∘ i(1−i), df ∘ f(1−f), dg ∘ (1−g²), do ∘ o(1−o)]   (N, 4H)
        dh_{t−1} = da @ W_hh   (+ the direct ∂L/∂h_{t−1})
    """
    hs = cache.hs
    N, T, H = hs.shape
    dhs = _check_dout(dhs, hs.shape, hs.dtype)
    dh = np.zeros((N, H), hs.dtype) if dh_n is None else _check_dout(dh_n, (N, H), hs.dtype, "dh_n")
    dc = np.zeros((N, H), hs.dtype) if dc_n is None else _check_dout(dc_n, (N, H), hs.dtype, "dc_n")
    da = np.empty_like(cache.gates)
    for t in range(T - 1, -1, -1):
        gt = cache.gates[:, t]
        i, f, g, o = gt[:, :H], gt[:, H:2 * H], gt[:, 2 * H:3 * H], gt[:, 3 * H:]
        c_prev = cache.cs[:, t - 1] if t > 0 else cache.c0
        tc = cache.tcs[:, t]
        dh = dh + dhs[:, t]
        dc = dc + dh * o * (1.0 - tc * tc)
        dat = da[:, t]
        dat[:, :H] = dc * g * i * (1.0 - i)
        dat[:, H:2 * H] = dc * c_prev * f * (1.0 - f)
        dat[:, 2 * H:3 * H] = dc * i * (1.0 - g * g)
        dat[:, 3 * H:] = dh * tc * o * (1.0 - o)
        dc = dc * f
        dh = dat @ cache.W_hh
    dx, dW_ih, dW_hh, db_ih, db_hh = _weight_grads(da, da, cache.x, cache.h0, hs, cache.W_ih,
                                                   cache.W_hh)
    return dx, dh, dc, dW_ih, dW_hh, db_ih, db_hh


def lstm_forward_torch(x, h0, c0, W_ih, W_hh, b_ih, b_hh, *, return_state: bool = False):
    """Torch twin of :func:`lstm_forward`: ``torch.nn.LSTM`` (batch_first) on these tensors.

    Returns hs (N, T, H), or with ``return_state`` the tuple (hs, h_n, c_n) with h_n, c_n (N, H).
    """
    if (h0 is None) != (c0 is None):
        raise ValueError("h0 and c0 must both be given or both be None")
    states = None if h0 is None else (h0[None], c0[None])
    hs, (h_n, c_n) = _functional("lstm", x, states, W_ih, W_hh, b_ih, b_hh)
    return (hs, h_n[0], c_n[0]) if return_state else hs


def lstm_gates(cache: LSTMCache) -> dict[str, np.ndarray]:
    """The activated gates of every step by name: {"i", "f", "g", "o"} -> (N, T, H)."""
    H = cache.hs.shape[2]
    return {name: cache.gates[:, :, k * H:(k + 1) * H] for k, name in enumerate(GATE_NAMES)}


# --------------------------------------------------------------------------- GRU (not in the slides)
class GRUCache(NamedTuple):
    """What :func:`gru_backward` needs.

    x (N, T, D), h0 (N, H), W_ih (3H, D), W_hh (3H, H), gates (N, T, 3H) = activated r, z, n,
    hn (N, T, H) = W_hn h_{t−1} + b_hn (the part the reset gate scales), hs (N, T, H).
    """

    x: np.ndarray
    h0: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    gates: np.ndarray
    hn: np.ndarray
    hs: np.ndarray


def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, GRUCache]:
    """GRU over a sequence in torch.nn.GRU's form (gate blocks r, z, n)::

        r = σ(a_r),  z = σ(a_z)  with a = x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh (r, z blocks)
        n = tanh(x_t W_inᵀ + b_in + r ∘ (h W_hnᵀ + b_hn)),   h_t = (1 − z) ∘ n + z ∘ h_{t−1}

    x : (N, T, D);  h0 : (N, H) or None;  W_ih : (3H, D);  W_hh : (3H, H);  b_ih, b_hh : (3H,).
    Returns ``hs`` (N, T, H) and a :class:`GRUCache`.
    """
    x, h0, W_ih, W_hh, b_ih, b_hh = _check_layer("gru", x, h0, None, W_ih, W_hh, b_ih, b_hh)
    N, T, _ = x.shape
    H = W_hh.shape[1]
    xw = _project(x, W_ih, b_ih)                        # (N, T, 3H)
    gates = np.empty((N, T, 3 * H), dtype=x.dtype)
    hn, hs = np.empty((N, T, H), dtype=x.dtype), np.empty((N, T, H), dtype=x.dtype)
    h = h0
    for t in range(T):
        hw = h @ W_hh.T + b_hh                          # ONE matmul for r, z and n
        rz = _sigmoid(xw[:, t, :2 * H] + hw[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        n = np.tanh(xw[:, t, 2 * H:] + r * hw[:, 2 * H:])
        h = (1.0 - z) * n + z * h
        gates[:, t, :2 * H], gates[:, t, 2 * H:] = rz, n
        hn[:, t], hs[:, t] = hw[:, 2 * H:], h
    return hs, GRUCache(x, h0, W_ih, W_hh, gates, hn, hs)


def gru_backward(dhs, cache: GRUCache):
    """BPTT for :func:`gru_forward`: returns (dx, dh0, dW_ih, dW_hh, db_ih, db_hh).

    dhs : (N, T, H) = ∂L/∂h_t (direct part). Unlike RNN and LSTM, ``db_ih`` and ``db_hh`` differ
    in the n block: the reset gate scales only the hidden part ``h W_hnᵀ + b_hn``.
    """
    hs = cache.hs
    N, T, H = hs.shape
    dhs = _check_dout(dhs, hs.shape, hs.dtype)
    da_x = np.empty_like(cache.gates)                   # ∂L/∂(x-side pre-activations)
    da_h = np.empty_like(cache.gates)                   # ∂L/∂(h-side pre-activations)
    dh = np.zeros((N, H), hs.dtype)
    for t in range(T - 1, -1, -1):
        g = cache.gates[:, t]
        r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
        h_prev = hs[:, t - 1] if t > 0 else cache.h0
        dh = dh + dhs[:, t]
        dn = dh * (1.0 - z) * (1.0 - n * n)
        da_x[:, t, :H] = dn * cache.hn[:, t] * r * (1.0 - r)
        da_x[:, t, H:2 * H] = dh * (h_prev - n) * z * (1.0 - z)
        da_x[:, t, 2 * H:] = dn
        da_h[:, t, :2 * H] = da_x[:, t, :2 * H]
        da_h[:, t, 2 * H:] = dn * r
        dh = dh * z + da_h[:, t] @ cache.W_hh
    dx, dW_ih, dW_hh, db_ih, db_hh = _weight_grads(da_x, da_h, cache.x, cache.h0, hs,
                                                   cache.W_ih, cache.W_hh)
    return dx, dh, dW_ih, dW_hh, db_ih, db_hh


def gru_forward_torch(x, h0, W_ih, W_hh, b_ih, b_hh) -> torch.Tensor:
    """Torch twin of :func:`gru_forward`: ``torch.nn.GRU`` (batch_first) on these tensors."""
    states = None if h0 is None else h0[None]
    return _functional("gru", x, states, W_ih, W_hh, b_ih, b_hh)[0]


# --------------------------------------------------------------------------- lecture layout
#: Slide notation of the gates: torch's block name -> index letter of W_f, W_i, W_C, W_o.
_LECTURE = {"f": "f", "i": "i", "g": "C", "o": "o"}


def lstm_to_lecture(params: RecurrentParams) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The slides' form (96)–(103): one matrix per gate on [h_{t−1}, x_t] and one bias.

    Returns {"f": (W_f, b_f), "i": (W_i, b_i), "C": (W_C, b_C), "o": (W_o, b_o)} with
    W_k = [W_hh_k | W_ih_k] of shape (H, H + D) and b_k = b_ih_k + b_hh_k of shape (H,).
    """
    W_ih, W_hh, b_ih, b_hh = (as_array(p, n, ndim=2 if n.startswith("W") else 1)
                              for p, n in zip(params, RecurrentParams._fields))
    H = W_hh.shape[1]
    if W_ih.shape[0] != 4 * H or W_hh.shape != (4 * H, H) or b_ih.shape != (4 * H,) \
            or b_hh.shape != (4 * H,):
        raise ValueError(f"params must be LSTM weights (4H, D), (4H, H), (4H,), (4H,); got "
                         f"{W_ih.shape}, {W_hh.shape}, {b_ih.shape}, {b_hh.shape}")
    out = {}
    for k, name in enumerate(GATE_NAMES):
        rows = slice(k * H, (k + 1) * H)
        out[_LECTURE[name]] = (np.concatenate([W_hh[rows], W_ih[rows]], axis=1),
                               b_ih[rows] + b_hh[rows])
    return dict(sorted(out.items(), key=lambda kv: "fiCo".index(kv[0])))


def lstm_from_lecture(weights: dict, input_size: int) -> RecurrentParams:
    """Inverse of :func:`lstm_to_lecture`: torch layout with b_ih = b_k and b_hh = 0.

    weights : {"f", "i", "C", "o"} -> (W_k (H, H + D), b_k (H,));  input_size : D.
    """
    D = check_positive_int(input_size, "input_size")
    missing = set(_LECTURE.values()) - set(weights)
    if missing:
        raise ValueError(f"weights needs the gates f, i, C, o; missing: {', '.join(sorted(missing))}")
    blocks = []
    for name in GATE_NAMES:
        key = _LECTURE[name]
        W = as_array(weights[key][0], f"W_{key}", ndim=2)
        H = W.shape[0]
        if W.shape != (H, H + D):
            raise ValueError(f"W_{key} must have shape (H, H + D) with D={D}, got {W.shape}")
        blocks.append((W[:, :H], W[:, H:], as_array(weights[key][1], f"b_{key}", shape=(H,))))
    W_hh = np.concatenate([b[0] for b in blocks])
    W_ih = np.concatenate([b[1] for b in blocks])
    b = np.concatenate([b[2] for b in blocks])
    return RecurrentParams(W_ih, W_hh, b, np.zeros_like(b))
