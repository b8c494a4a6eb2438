"""Checkers for notebook 10 (RNN, BPTT, LSTM; Folien (96)–(104)). Never raising.

Conventions as in :mod:`dl_helpers.rnn`: a batch is rows, weights in torch's layout
(``W_ih`` (G·H, D), ``W_hh`` (G·H, H)), one step is ``x_t @ W_ih.T + h @ W_hh.T + b_ih + b_hh``.
References come from the helpers (tested against torch) or from torch itself.
"""
from __future__ import annotations

import numpy as np
import torch

from ..rnn import rnn_cell_forward
from ._core import Feedback, check_function, check_value

__all__ = ["check_rnn_step", "check_bptt_delta", "check_cell_state", "check_gradient_factor",
           "check_lstm_parameter_count", "DECAY_SCALE", "DECAY_STEPS", "COUNT_INPUT",
           "COUNT_HIDDEN"]

#: Exercise "gradient factor": spectral radius of W_hh and number of steps.
DECAY_SCALE, DECAY_STEPS = 0.9, 20
#: Exercise "parameter count": input size D and hidden size H of the torch.nn.LSTM.
COUNT_INPUT, COUNT_HIDDEN = 10, 20


def _step_inputs(rng):
    N, D, H = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(H, D)),
            rng.normal(size=(H, H)) / np.sqrt(H), rng.normal(size=H), rng.normal(size=H))


def check_rnn_step(student_fn) -> Feedback:
    """``student_fn(x, h_prev, W_ih, W_hh, b_ih, b_hh)`` -> h (N, H): one step of a tanh RNN."""
    return check_function(
        student_fn, reference=lambda *a: rnn_cell_forward(*a)[0], make_inputs=_step_inputs,
        task="Ein Schritt des RNN",
        hint=["Der neue Zustand hängt von der Eingabe UND vom alten Zustand ab, beide über "
              "ihre eigene Gewichtsmatrix, und beide Biases zählen.",
              "Die Beispiele sind Zeilen: Matrizen werden von rechts transponiert angewandt; "
              "danach kommt die Aktivierung tanh.",
              "h = np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b_ih + b_hh)"])


def _delta_inputs(rng):
    N, H = int(rng.integers(1, 5)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            np.tanh(rng.normal(size=(N, H))), rng.normal(size=(H, H)))


def check_bptt_delta(student_fn) -> Feedback:
    """``student_fn(delta_next, dh, h, W_hh)`` -> δ_t (N, H) = (1 − h²) ∘ (dh + δ_{t+1} W_hh)."""
    return check_function(
        student_fn,
        reference=lambda delta_next, dh, h, W_hh: (1.0 - h ** 2) * (dh + delta_next @ W_hh),
        make_inputs=_delta_inputs, task="δ-Rekursion der BPTT",
        hint=["h_t wirkt auf zwei Wegen auf den Verlust: direkt (dh) und über den nächsten "
              "Zustand h_{t+1}. Beide Beiträge werden addiert, bevor die tanh-Ableitung wirkt.",
              "Der Weg über h_{t+1} führt durch W_hh zurück (in Zeilenform: delta_next @ W_hh); "
              "die tanh-Ableitung, ausgedrückt durch h_t, ist 1 − h_t².",
              "delta = (1 - h**2) * (dh + delta_next @ W_hh)"])


def _cell_inputs(rng):
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    return (sig(rng.normal(size=shape)), sig(rng.normal(size=shape)),
            np.tanh(rng.normal(size=shape)), rng.normal(size=shape))


def check_cell_state(student_fn) -> Feedback:
    """``student_fn(f, i, g, c_prev)`` -> c_t = f ∘ c_{t−1} + i ∘ g (Folie (99)/(102))."""
    return check_function(
        student_fn, reference=lambda f, i, g, c_prev: f * c_prev + i * g,
        make_inputs=_cell_inputs, task="Zellzustand C_t (Folie (102))",
        hint=["Das Forget-Gate entscheidet, wie viel vom ALTEN Zellzustand bleibt; das "
              "Input-Gate, wie viel vom NEUEN Kandidaten dazukommt.",
              "Beide Produkte sind elementweise (Hadamard-Produkt, `*` in NumPy), keine "
              "Matrixprodukte.",
              "c = f * c_prev + i * g"])


def check_gradient_factor(answer) -> Feedback:
    """Factor ‖∂h_T/∂h_{T−k}‖ for a LINEAR RNN with W_hh = s·Q (Q orthogonal), s = 0.9, k = 20."""
    return check_value(
        answer, DECAY_SCALE ** DECAY_STEPS, rtol=1e-6,
        task=f"Gradientenfaktor über {DECAY_STEPS} Schritte",
        hint=["Jeder Schritt zurück multipliziert den Gradienten mit W_hhᵀ; eine orthogonale "
              "Matrix ändert die Länge eines Vektors nicht.",
              "Es bleibt pro Schritt nur der Faktor s, und das über alle Schritte hinweg.",
              f"faktor = {DECAY_SCALE} ** {DECAY_STEPS}"])


def check_lstm_parameter_count(answer) -> Feedback:
    """Number of parameters of ``torch.nn.LSTM(10, 20)`` (four gate blocks, two biases each)."""
    layer = torch.nn.LSTM(COUNT_INPUT, COUNT_HIDDEN, device="meta")
    expected = sum(p.numel() for p in layer.parameters())
    return check_value(
        answer, expected, rtol=0.0, atol=0.5,
        task=f"Parameterzahl von torch.nn.LSTM({COUNT_INPUT}, {COUNT_HIDDEN})",
        hint=["Zähle für EIN Gate: eine Matrix für x_t, eine für h_{t−1} und die Biases – torch "
              "hat zwei Bias-Vektoren je Gate. Wie viele Gates (mit Kandidat C̃) gibt es?",
              "Pro Gate: H·D + H·H + 2·H Parameter; es gibt vier Blöcke i, f, g, o.",
              "4 * (H*D + H*H + 2*H) mit D = 10, H = 20"])
