"""Studies for notebook 10: gradient flow over time and a memory task (RNN vs LSTM).

* :func:`gradient_flow_setup` / :func:`input_gradient_norms` -- how strongly the last hidden
  state h_T depends on the input x_t: the norm of ∂L/∂x_t for L = Σ_n ⟨g_n, h_T⟩, computed with
  the from-scratch BPTT of :mod:`dl_helpers.rnn`. The recurrent matrix is ``weight_scale`` times
  a random orthogonal matrix (per gate block), so the scale is its spectral radius.
* :func:`memory_task` -- "remember the first sign": x_0 carries ±1 in channel 0, every step
  carries Gaussian noise in channel 1; the label is the first sign, to be read from h_T.
* :func:`train_memory_task` -- trains a torch ``RNN``/``LSTM`` + linear readout on it (seeded)
  and returns the learning curves; :func:`lstm_gate_trace` replays one sequence through the
  NumPy LSTM with the trained weights and returns the gates of every step.

Shape letters: ``N`` batch, ``T`` sequence length, ``D`` input size, ``H`` hidden size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ._validation import as_array, check_choice, check_positive_float, check_positive_int
from .optimizers import Adam
from .rnn import (CELLS, RecurrentParams, lstm_backward, lstm_forward, lstm_gates,
                  params_from_torch, rnn_backward, rnn_forward)
from .threads import one_thread

__all__ = ["GradientFlowSetup", "gradient_flow_setup", "input_gradient_norms", "memory_task",
           "SequenceClassifier", "MemoryRun", "train_memory_task", "lstm_gate_trace"]


# --------------------------------------------------------------------------- gradient flow
@dataclass(frozen=True)
class GradientFlowSetup:
    """Inputs of one gradient-flow measurement.

    cell : "rnn" or "lstm";  x : (N, T, D);  params : :class:`~dl_helpers.rnn.RecurrentParams`;
    g : (N, H), the direction of the loss L = Σ_n ⟨g_n, h_T⟩.
    """

    cell: str
    x: np.ndarray
    params: RecurrentParams
    g: np.ndarray


def gradient_flow_setup(cell: str, seq_len: int, weight_scale: float, *, forget_bias: float = 0.0,
                        hidden_size: int = 32, input_size: int = 4, batch: int = 16,
                        seed: int = 0) -> GradientFlowSetup:
    """Random inputs and weights for :func:`input_gradient_norms`.

    W_hh = weight_scale · Q with a random orthogonal Q per gate block (spectral radius =
    weight_scale), W_ih ~ N(0, 1/D), biases 0 except the LSTM's forget-gate block = forget_bias,
    x ~ N(0, 1) of shape (batch, seq_len, input_size), g ~ N(0, 1) of shape (batch, H).
    """
    cell = check_choice(cell, "cell", CELLS)
    T = check_positive_int(seq_len, "seq_len")
    scale = check_positive_float(weight_scale, "weight_scale", allow_zero=True)
    fb = float(as_array(forget_bias, "forget_bias", ndim=0))
    H = check_positive_int(hidden_size, "hidden_size")
    D = check_positive_int(input_size, "input_size")
    N = check_positive_int(batch, "batch")
    rng = np.random.default_rng(seed)
    G = CELLS[cell]
    Q = np.concatenate([np.linalg.qr(rng.normal(size=(H, H)))[0] for _ in range(G)])
    W_ih = rng.normal(size=(G * H, D)) / np.sqrt(D)
    b_ih = np.zeros(G * H)
    if cell == "lstm":
        b_ih[H:2 * H] = fb                     # torch's gate order i, f, g, o
    x = rng.normal(size=(N, T, D))
    g = rng.normal(size=(N, H))
    return GradientFlowSetup(cell, x, RecurrentParams(W_ih, scale * Q, b_ih, np.zeros(G * H)), g)


def input_gradient_norms(cell: str, seq_len: int, weight_scale: float, **kwargs) -> np.ndarray:
    """Mean over the batch of ‖∂L/∂x_t‖₂ for t = 1 … T, shape (T,), with L = Σ_n ⟨g_n, h_T⟩.

    Arguments as in :func:`gradient_flow_setup`. A small value at t ≪ T means: the last state
    barely feels the early inputs (vanishing gradient over time); growth towards small t means
    exploding gradients.
    """
    s = gradient_flow_setup(cell, seq_len, weight_scale, **kwargs)
    N, T, _ = s.x.shape
    dhs = np.zeros((N, T, s.g.shape[1]))
    dhs[:, -1] = s.g                           # the loss looks at h_T only
    with one_thread():
        if s.cell == "rnn":
            _, cache = rnn_forward(s.x, None, *s.params)
            dx = rnn_backward(dhs, cache)[0]
        else:
            _, cache = lstm_forward(s.x, None, None, *s.params)
            dx = lstm_backward(dhs, cache)[0]
    return np.linalg.norm(dx, axis=2).mean(axis=0)


# --------------------------------------------------------------------------- memory task
def memory_task(n: int, seq_len: int, rng: np.random.Generator, *, noise: float = 1.0):
    """``n`` sequences of the "remember the first sign" task.

    Returns x (n, T, 2) float32 -- channel 0: ±1 at t = 0, else 0; channel 1: N(0, noise²) at
    every step -- and y (n,) float32 in {0, 1} (1 for a leading +1).
    """
    n = check_positive_int(n, "n")
    T = check_positive_int(seq_len, "seq_len")
    noise = check_positive_float(noise, "noise", allow_zero=True)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    y = rng.integers(0, 2, size=n)
    x = np.zeros((n, T, 2), dtype=np.float32)
    x[:, 0, 0] = 2 * y - 1
    x[:, :, 1] = noise * rng.normal(size=(n, T))
    return x, y.astype(np.float32)


class SequenceClassifier(torch.nn.Module):
    """``torch.nn.RNN``/``LSTM`` (batch_first) + a linear readout of the last hidden state h_T.

    forward: x (N, T, D) -> logits (N,).  ``forget_bias`` is added to the LSTM's forget-gate
    block of ``bias_ih_l0`` after torch's default init.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, *, seed: int = 0,
                 forget_bias: float = 0.0):
        super().__init__()
        cell = check_choice(cell, "cell", CELLS)
        D = check_positive_int(input_size, "input_size")
        H = check_positive_int(hidden_size, "hidden_size")
        gen = torch.Generator().manual_seed(seed)
        layer = torch.nn.RNN if cell == "rnn" else torch.nn.LSTM
        self.cell = cell
        self.rnn = layer(D, H, batch_first=True)
        self.readout = torch.nn.Linear(H, 1)
        k = 1.0 / np.sqrt(H)                   # torch's default init, drawn from our generator
        with torch.no_grad():
            for p in (*self.rnn.parameters(), *self.readout.parameters()):
                p.uniform_(-k, k, generator=gen)
            if cell == "lstm":
                self.rnn.bias_ih_l0[H:2 * H] += forget_bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.rnn(x)[0][:, -1])[:, 0]


@dataclass
class MemoryRun:
    """Result of :func:`train_memory_task`.

    model : the trained :class:`SequenceClassifier`;  loss : (steps,) training BCE per step;
    eval_steps : (k,) steps after which the test accuracy was measured;  accuracy : (k,).
    """

    model: SequenceClassifier
    loss: np.ndarray
    eval_steps: np.ndarray
    accuracy: np.ndarray


def train_memory_task(cell: str, seq_len: int, *, hidden_size: int = 16, steps: int = 100,
                      batch: int = 32, lr: float = 1e-2, forget_bias: float = 0.0,
                      clip: float | None = 1.0,
                      eval_every: int = 10, n_test: int = 256, seed: int = 0,
                      progress: bool = False) -> MemoryRun:
    """Train a :class:`SequenceClassifier` on :func:`memory_task` with Adam and BCE (seeded).

    Adam is :class:`dl_helpers.optimizers.Adam` (torch.optim.Adam's update) on the model's
    parameters; the forward and backward passes are torch's.

    Every step sees a fresh batch; the test set (``n_test`` sequences) is fixed. ``clip`` caps
    the gradient norm per step (``torch.nn.utils.clip_grad_norm_``; None: no clipping). Runs on
    one thread (:func:`dl_helpers.threads.one_thread`). Returns a :class:`MemoryRun` with the loss per step and the
    test accuracy every ``eval_every`` steps.
    """
    steps = check_positive_int(steps, "steps")
    B = check_positive_int(batch, "batch")
    lr = check_positive_float(lr, "lr")
    eval_every = check_positive_int(eval_every, "eval_every")
    if clip is not None:
        clip = check_positive_float(clip, "clip")
    rng = np.random.default_rng(seed)
    x_train, y_train = (torch.from_numpy(a) for a in memory_task(steps * B, seq_len, rng))
    x_test, y_test = (torch.from_numpy(a) for a in memory_task(n_test, seq_len, rng))
    model = SequenceClassifier(cell, 2, hidden_size, seed=seed, forget_bias=forget_bias)
    # dl_helpers' Adam has torch.optim.Adam's exact update (tested against it) and spares the
    # notebook torch.optim's one-time import of torch._dynamo (3-8 s on this machine).
    opt = Adam(lr=lr)
    weights = list(model.parameters())
    state = opt.init([w.detach().numpy() for w in weights])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    losses, evals, accs = [], [], []
    with one_thread():
        for k in tqdm(range(steps), desc=cell.upper(), disable=not progress, leave=False):
            batch_slice = slice(k * B, (k + 1) * B)
            model.zero_grad()
            loss = bce(model(x_train[batch_slice]), y_train[batch_slice])
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(weights, clip)
            values, state = opt.step([w.detach().numpy() for w in weights],
                                     [w.grad.numpy() for w in weights], state)
            with torch.no_grad():
                for w, v in zip(weights, values):
                    w.copy_(torch.from_numpy(v))
            losses.append(loss.item())
            if (k + 1) % eval_every == 0:
                with torch.no_grad():
                    accs.append(((model(x_test) > 0).float() == y_test).float().mean().item())
                evals.append(k + 1)
    return MemoryRun(model, np.array(losses), np.array(evals), np.array(accs))


def lstm_gate_trace(model: SequenceClassifier, x) -> dict[str, np.ndarray]:
    """Gates of a trained LSTM classifier on ONE sequence, replayed by the NumPy LSTM.

    x : (T, D).  The weights are copied from ``model.rnn`` (:func:`~dl_helpers.rnn.params_from_torch`)
    and the forward runs in float64. Returns {"i", "f", "g", "o", "c", "h"} -> (T, H).
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "lstm":
        raise TypeError("model must be a SequenceClassifier with cell='lstm'")
    x = as_array(x, "x", ndim=2)
    params = RecurrentParams(*(p.astype(np.float64) for p in params_from_torch(model.rnn)))
    hs, cache = lstm_forward(x[None], None, None, *params)
    trace = {name: gate[0] for name, gate in lstm_gates(cache).items()}
    trace["c"], trace["h"] = cache.cs[0], hs[0]
    return trace
