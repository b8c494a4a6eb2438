"""Checkers for notebook 07 (initialisation; Skript §5).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub).
"""
from __future__ import annotations

import numpy as np

from ..initializers import target_variance
from ._core import Feedback, _report, check_function, check_value

__all__ = ["check_he_variance", "check_glorot_limit", "check_predicted_var_z",
           "check_sigmoid_factor", "check_identical_units"]


def _fans(rng):
    return int(rng.integers(1, 2000)), int(rng.integers(1, 2000))


def check_he_variance(student_fn) -> Feedback:
    """``student_fn(d_in)`` -> Var(w) of He initialisation, 2 / d_in."""
    return check_function(
        student_fn, reference=lambda d_in: target_variance("he_normal", d_in, 1),
        make_inputs=lambda rng: (_fans(rng)[0],), task="Varianz der He-Initialisierung",
        hint="Bei ReLU ist E[a²] = Var(z)/2; damit Var(z) gleich bleibt, braucht es "
             "d_in · Var(w) · 1/2 = 1.")


def check_glorot_limit(student_fn) -> Feedback:
    """``student_fn(d_in, d_out)`` -> limit a of Glorot uniform U(-a, a) = √(6/(d_in+d_out))."""
    return check_function(
        student_fn,
        reference=lambda d_in, d_out: np.sqrt(3.0 * target_variance("glorot_uniform", d_in,
                                                                     d_out)),
        make_inputs=_fans, task="Grenze der Glorot-Gleichverteilung",
        hint="Var(U(-a, a)) = a²/3 und Glorot will Var(w) = 2/(d_in + d_out); "
             "also a = sqrt(6/(d_in + d_out)).")


def _predicted(d, var_w, x):
    return d * var_w * np.mean(np.asarray(x, dtype=np.float64) ** 2)


def check_predicted_var_z(student_fn) -> Feedback:
    """``student_fn(d, var_w, x)`` -> d · Var(w) · E[x²], with E[x²] estimated from samples x."""
    def inputs(rng):
        x = np.maximum(rng.normal(size=int(rng.integers(20, 60))), 0.0) + rng.uniform(0, 1)
        return int(rng.integers(1, 500)), float(rng.uniform(1e-3, 1.0)), x

    return check_function(
        student_fn, reference=_predicted, make_inputs=inputs,
        task="Vorhersage Var(z) = d · Var(w) · E[x²]",
        hint="Achtung: E[x²] = np.mean(x**2), nicht np.var(x) -- die Eingaben x haben hier "
             "keinen Mittelwert 0.")


def check_sigmoid_factor(answer) -> Feedback:
    """Variance factor c = d · Var(w) = 1/σ'(0)² of the Taylor argument for the sigmoid."""
    return check_value(answer, 16.0, task="Varianzfaktor für Sigmoid (Taylor-Argument)",
                       hint="Skript §5.2: Var(w) = 1/(σ'(0)² · d) und σ'(0) = 1/4.")


def check_identical_units(student_fn) -> Feedback:
    """``student_fn(W)`` -> True iff all rows of W (the units of a layer) are identical."""
    def inputs(rng):
        d_out, d_in = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        row = rng.normal(size=d_in)
        W = np.tile(row, (d_out, 1))
        if rng.random() < 0.5:
            W[int(rng.integers(1, d_out)), int(rng.integers(0, d_in))] += 1e-3
        return (W,)

    def reference(W):
        return float(np.all(W == W[0]))

    def wrapped(W):
        out = student_fn(W)
        if out is None or out is Ellipsis:
            return out
        return float(bool(out))

    if not callable(student_fn):
        return _report(False, "Identische Einheiten erkennen",
                       f"Erwartet war eine Funktion, erhalten {type(student_fn).__name__}.",
                       None)
    return check_function(
        wrapped, reference=reference, make_inputs=inputs, n_trials=8,
        task="Identische Einheiten erkennen",
        hint="Vergleiche jede Zeile mit der ersten: np.all(W == W[0]). Zeilen = Einheiten.")
