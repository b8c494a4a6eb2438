"""Checkers for notebook 10 (RNN, BPTT, LSTM; Folien (96)–(104)). Never raising.

Conventions as in :mod:`dl_helpers.rnn`: a batch is rows, weights in torch's layout
(``W_ih`` (G·H, D), ``W_hh`` (G·H, H)), one step is ``x_t @ W_ih.T + h @ W_hh.T + b_ih + b_hh``.
References come from the helpers (tested against torch) or from torch itself.
"""
from __future__ import annotations

import numpy as np
import torch

from ..rnn import rnn_cell_forward
from ._core import (Feedback, check_function, check_value, compare, is_stub, report,
                    run_student_code)

__all__ = ["check_rnn_step", "check_bptt_delta", "check_cell_state", "check_gradient_factor",
           "check_lstm_parameter_count", "DECAY_SCALE", "DECAY_STEPS", "COUNT_INPUT",
           "COUNT_HIDDEN"]

#: Exercise "gradient factor": spectral radius of W_hh and number of steps.
DECAY_SCALE, DECAY_STEPS = 0.9, 20
#: Exercise "parameter count": input size D and hidden size H of the torch.nn.LSTM.
COUNT_INPUT, COUNT_HIDDEN = 10, 20


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _typical_mistake(answer, mistakes, make_inputs=None) -> str | None:
    """The message of the first typical mistake the answer reproduces (None if none matches).

    answer : a number, or the student's function (then called on one trial of ``make_inputs``);
    mistakes : list of (wrong value or wrong function, German message).
    """
    if is_stub(answer):
        return None
    if make_inputs is None:
        result, args = answer, ()
    else:
        if not callable(answer):
            return None
        args = make_inputs(np.random.default_rng(1))
        ran, result = run_student_code(answer, *(np.copy(a) for a in args))
        if not ran or result is None:
            return None
    for wrong, message in mistakes:
        value = wrong(*args) if callable(wrong) else wrong
        if compare(result, value, 1e-9, 1e-12, name_slips=False)[0]:
            return message
    return None


def _checked(answer, task, hint, mistakes, make_inputs, run_check) -> Feedback:
    message = _typical_mistake(answer, mistakes, make_inputs)
    if message is not None:
        return report(False, task, message, hint)
    return run_check()


def _step_inputs(rng):
    N, D, H = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(H, D)),
            rng.normal(size=(H, H)) / np.sqrt(H), rng.normal(size=H), rng.normal(size=H))


def check_rnn_step(student_fn) -> Feedback:
    """``student_fn(x, h_prev, W_ih, W_hh, b_ih, b_hh)`` -> h (N, H): one step of a tanh RNN."""
    task = "Ein Schritt des RNN"
    hint = ["Der neue Zustand hängt von der Eingabe UND vom alten Zustand ab, beide über "
            "ihre eigene Gewichtsmatrix, und beide Biases zählen.",
            "Die Beispiele sind Zeilen: Matrizen werden von rechts transponiert angewandt; "
            "danach kommt die Aktivierung tanh.",
            "h = np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b_ih + b_hh)"]
    mistakes = [
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bi),
         "Es fehlt b_hh: torch.nn.RNN hat zwei Bias-Vektoren, beide werden addiert."),
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bh),
         "Es fehlt b_ih: torch.nn.RNN hat zwei Bias-Vektoren, beide werden addiert."),
        (lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + h @ Wh.T + bi + bh,
         "Die Aktivierung fehlt: h_t ist tanh der Vor-Aktivierung z_t."),
        (lambda x, h, Wi, Wh, bi, bh: _sig(x @ Wi.T + h @ Wh.T + bi + bh),
         "Das ist die Sigmoid-Funktion; das RNN (torch.nn.RNN) benutzt tanh."),
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh),
         "Der alte Zustand h_prev fehlt: ohne ihn hat das Netz kein Gedächtnis."),
        (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh + bi + bh),
         "W_hh wird transponiert angewandt (Zeilenform: h_prev @ W_hh.T), wie W_ih."),
    ]
    return _checked(student_fn, task, hint, mistakes, _step_inputs,
                    lambda: check_function(student_fn,
                                           reference=lambda *a: rnn_cell_forward(*a)[0],
                                           make_inputs=_step_inputs, task=task, hint=hint))


def _delta_inputs(rng):
    N, H = int(rng.integers(1, 5)), int(rng.integers(2, 6))
    return (rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            np.tanh(rng.normal(size=(N, H))), rng.normal(size=(H, H)))


def check_bptt_delta(student_fn) -> Feedback:
    """``student_fn(delta_next, dh, h, W_hh)`` -> δ_t (N, H) = (1 − h²) ∘ (dh + δ_{t+1} W_hh)."""
    task = "δ-Rekursion der BPTT"
    hint = ["h_t wirkt auf zwei Wegen auf den Verlust: direkt (dh) und über den nächsten "
            "Zustand h_{t+1}. Beide Beiträge werden addiert, bevor die tanh-Ableitung wirkt.",
            "Der Weg über h_{t+1} führt durch W_hh zurück (in Zeilenform: delta_next @ W_hh); "
            "die tanh-Ableitung, ausgedrückt durch h_t, ist 1 − h_t².",
            "delta = (1 - h**2) * (dh + delta_next @ W_hh)"]
    mistakes = [
        (lambda dn, dh, h, W: (1 - h ** 2) * (dh + dn @ W.T),
         "W_hh ist transponiert: in Zeilenform geht der Gradient mit delta_next @ W_hh zurück "
         "(das ist W_hhᵀ δ_{t+1} für Spaltenvektoren)."),
        (lambda dn, dh, h, W: (1 - h ** 2) * (dn @ W),
         "Der direkte Gradient dh (der Verlust schaut auch auf h_t) fehlt."),
        (lambda dn, dh, h, W: (1 - h ** 2) * dh + dn @ W,
         "Die tanh-Ableitung muss auf die SUMME beider Wege wirken, nicht nur auf dh."),
        (lambda dn, dh, h, W: (1 - h) * (dh + dn @ W),
         "Die Ableitung von tanh ist 1 − tanh², hier also 1 − h², nicht 1 − h."),
        (lambda dn, dh, h, W: dh + dn @ W,
         "Die tanh-Ableitung 1 − h² fehlt: δ ist der Gradient nach der Vor-Aktivierung z_t."),
    ]
    return _checked(student_fn, task, hint, mistakes, _delta_inputs,
                    lambda: check_function(
                        student_fn,
                        reference=lambda delta_next, dh, h, W_hh:
                            (1.0 - h ** 2) * (dh + delta_next @ W_hh),
                        make_inputs=_delta_inputs, task=task, hint=hint))


def _cell_inputs(rng):
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
    return (_sig(rng.normal(size=shape)), _sig(rng.normal(size=shape)),
            np.tanh(rng.normal(size=shape)), rng.normal(size=shape))


def check_cell_state(student_fn) -> Feedback:
    """``student_fn(f, i, g, c_prev)`` -> c_t = f ∘ c_{t−1} + i ∘ g (Folie (99)/(102))."""
    task = "Zellzustand C_t (Folie (102))"
    hint = ["Das Forget-Gate entscheidet, wie viel vom ALTEN Zellzustand bleibt; das "
            "Input-Gate, wie viel vom NEUEN Kandidaten dazukommt.",
            "Beide Produkte sind elementweise (Hadamard-Produkt, `*` in NumPy), keine "
            "Matrixprodukte.",
            "c = f * c_prev + i * g"]
    mistakes = [
        (lambda f, i, g, c: f * g + i * c,
         "Die Gates sind vertauscht: f gehört zum alten Zustand c_prev, i zum Kandidaten g."),
        (lambda f, i, g, c: f * c + g,
         "Das Input-Gate fehlt: es entscheidet, wie viel vom Kandidaten g hineinkommt."),
        (lambda f, i, g, c: c + i * g,
         "Das Forget-Gate fehlt (so rechnete die LSTM von 1997 ohne Forget-Gate)."),
        (lambda f, i, g, c: (1 - f) * c + i * g,
         "f ist der Anteil, der BLEIBT (nicht der, der vergessen wird): f * c_prev."),
    ]
    return _checked(student_fn, task, hint, mistakes, _cell_inputs,
                    lambda: check_function(
                        student_fn, reference=lambda f, i, g, c_prev: f * c_prev + i * g,
                        make_inputs=_cell_inputs, task=task, hint=hint))


def check_gradient_factor(answer) -> Feedback:
    """Factor ‖∂h_T/∂h_{T−k}‖ for a LINEAR RNN with W_hh = s·Q (Q orthogonal), s = 0.9, k = 20."""
    s, k = DECAY_SCALE, DECAY_STEPS
    task = f"Gradientenfaktor über {k} Schritte"
    hint = ["Jeder Schritt zurück multipliziert den Gradienten mit W_hhᵀ; eine orthogonale "
            "Matrix ändert die Länge eines Vektors nicht.",
            "Es bleibt pro Schritt nur der Faktor s, und das über alle Schritte hinweg.",
            f"faktor = {s} ** {k}"]
    mistakes = [(s * k, "Die Faktoren der einzelnen Schritte werden multipliziert, nicht addiert."),
                (s ** (k - 1), f"Ein Faktor zu wenig: von h_{{t+{k}}} bis h_t sind es {k} Schritte."),
                (s ** (k + 1), f"Ein Faktor zu viel: von h_{{t+{k}}} bis h_t sind es {k} Schritte."),
                ((s * s) ** k, "Die Norm ändert sich pro Schritt um s, nicht um s² (Q ist orthogonal)."),
                (1 / s ** k, "Rückwärts schrumpft der Gradient: der Faktor ist kleiner als 1.")]
    return _checked(answer, task, hint, mistakes, None,
                    lambda: check_value(answer, s ** k, rtol=1e-6, task=task, hint=hint))


def check_lstm_parameter_count(answer) -> Feedback:
    """Number of parameters of ``torch.nn.LSTM(10, 20)`` (four gate blocks, two biases each)."""
    D, H = COUNT_INPUT, COUNT_HIDDEN
    layer = torch.nn.LSTM(D, H, device="meta")
    expected = sum(p.numel() for p in layer.parameters())
    task = f"Parameterzahl von torch.nn.LSTM({D}, {H})"
    hint = ["Zähle für EIN Gate: eine Matrix für x_t, eine für h_{t−1} und die Biases – torch "
            "hat zwei Bias-Vektoren je Gate. Wie viele Gates (mit Kandidat C̃) gibt es?",
            "Pro Gate: H·D + H·H + 2·H Parameter; es gibt vier Blöcke i, f, g, o.",
            "4 * (H*D + H*H + 2*H) mit D = 10, H = 20"]
    mistakes = [(4 * (H * D + H * H + H), "torch hat ZWEI Bias-Vektoren je Gate (b_ih und b_hh)."),
                (4 * (H * D + H * H), "Die Biases fehlen (zwei Vektoren je Gate)."),
                (H * D + H * H + 2 * H, "Das ist ein Gate; die LSTM hat vier Blöcke i, f, g, o."),
                (3 * (H * D + H * H + 2 * H), "Es sind vier Blöcke: i, f, o UND der Kandidat g (C̃)."),
                (4 * (D * D + H * H + 2 * H), "W_ih hat die Form (4H, D), nicht (4D, D).")]
    return _checked(answer, task, hint, mistakes, None,
                    lambda: check_value(answer, expected, rtol=0.0, atol=0.5, task=task,
                                        hint=hint))
