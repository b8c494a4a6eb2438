"""Checkers for notebook 07 (initialisation; Skript §5).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub).
"""
from __future__ import annotations

import numpy as np

from ..initializers import target_variance
from ._core import Feedback, check_function, check_value

__all__ = ["check_he_variance", "check_glorot_limit", "check_predicted_var_z",
           "check_sigmoid_factor", "check_identical_units"]


def _fans(rng):
    return int(rng.integers(1, 2000)), int(rng.integers(1, 2000))


def check_he_variance(student_fn) -> Feedback:
    """``student_fn(d_in)`` -> Var(w) of He initialisation, 2 / d_in."""
    return check_function(
        student_fn, reference=lambda d_in: target_variance("he_normal", d_in, 1),
        make_inputs=lambda rng: (_fans(rng)[0],), task="Varianz der He-Initialisierung",
        hint=("Die Varianz soll von Schicht zu Schicht gleich bleiben. Was macht ReLU mit dem "
              "mittleren Quadrat seiner Eingabe?",
              "ReLU setzt die Hälfte der (symmetrischen) Vor-Aktivierungen auf 0: E[a²] = "
              "Var(z)/2. Var(z) = d_in · Var(w) · E[a²] soll gleich Var(z) der vorigen Schicht "
              "sein.",
              "d_in · Var(w) · 1/2 = 1, also Var(w) = 2 / d_in."))


def check_glorot_limit(student_fn) -> Feedback:
    """``student_fn(d_in, d_out)`` -> limit a of Glorot uniform U(-a, a) = √(6/(d_in+d_out))."""
    return check_function(
        student_fn,
        reference=lambda d_in, d_out: np.sqrt(3.0 * target_variance("glorot_uniform", d_in,
                                                                     d_out)),
        make_inputs=_fans, task="Grenze der Glorot-Gleichverteilung",
        hint=("Glorot legt die Varianz der Gewichte fest; gesucht ist die Grenze a einer "
              "Gleichverteilung mit genau dieser Varianz.",
              "Eine Gleichverteilung auf (−a, a) hat die Varianz a²/3; Glorot will "
              "Var(w) = 2/(d_in + d_out). Setze beides gleich.",
              "a = sqrt(6 / (d_in + d_out))."))


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
        hint=("Die Formel braucht das mittlere QUADRAT der Eingaben, nicht ihre Varianz: "
              "die Eingaben x haben hier keinen Mittelwert 0.",
              "Schätze E[x²] aus den Stichproben x und multipliziere mit d und Var(w).",
              "d * var_w * np.mean(x**2)."))


def check_sigmoid_factor(answer) -> Feedback:
    """Variance factor c = d · Var(w) = 1/σ'(0)² of the Taylor argument for the sigmoid."""
    return check_value(answer, 16.0, task="Varianzfaktor für Sigmoid (Taylor-Argument)",
                       hint=("Nahe 0 verhält sich die Sigmoid wie eine Gerade mit Steigung σ'(0) "
                             "(Taylor). Damit die Varianz erhalten bleibt, muss d · Var(w) "
                             "diese Steigung ausgleichen.",
                             "Var(z) wird pro Schicht mit d · Var(w) · σ'(0)² multipliziert; das "
                             "soll 1 sein (Skript §5.2). σ'(0) = 1/4.",
                             "c = d · Var(w) = 1/σ'(0)² = 16."))


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
        return bool(np.all(W == W[0]))

    return check_function(
        student_fn, reference=reference, make_inputs=inputs, n_trials=8,
        task="Identische Einheiten erkennen",
        hint=("Eine Einheit ist eine Zeile von W (ihre Eingangsgewichte). Die Einheiten sind "
              "identisch, wenn jede Zeile exakt gleich jeder anderen ist; gib True oder False "
              "zurück.",
              "Es genügt, jede Zeile mit der ersten zu vergleichen; NumPy vergleicht "
              "elementweise, am Ende brauchst du ein einziges True/False.",
              "bool(np.all(W == W[0]))."))
