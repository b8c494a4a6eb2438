"""Checkers for notebook 06 (vanishing/exploding gradients, activations; Skript §4).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub).
"""
from __future__ import annotations

import numpy as np

from ..activations import LEAKY_SLOPE, leaky_relu, sigmoid
from ._core import Feedback, check_function, check_value, is_stub, report, report_stub

__all__ = ["check_sigmoid_derivative", "check_vanishing_depth", "check_dead_fraction",
           "check_leaky_relu_derivative", "check_chain_factor"]


def check_sigmoid_derivative(student_fn) -> Feedback:
    """``student_fn(z)`` should return σ'(z) = σ(z)(1 − σ(z)) elementwise (any shape)."""
    return check_function(
        student_fn, reference=sigmoid.derivative,
        make_inputs=lambda rng: (rng.normal(0.0, 4.0, size=int(rng.integers(3, 9))),),
        task="Ableitung der Sigmoid-Funktion",
        hint=("Die Ableitung der Sigmoid lässt sich durch die Sigmoid selbst ausdrücken (11): "
              "rechne erst den Funktionswert aus.",
              "Mit s = σ(z) = 1/(1 + e^{−z}) ist σ'(z) ein Produkt aus s und einem zweiten "
              "Faktor, der ebenfalls nur s enthält.",
              "s = 1/(1 + np.exp(-z)); return s * (1 - s)."))


_DEPTH_HINT = ("Jede Schicht multipliziert den Gradienten höchstens mit 0,25. Gesucht ist die "
               "kleinste ganze Tiefe, bei der das Produkt unter 10⁻⁶ fällt.",
               "Logarithmiere 0.25^L < 1e-6 (Achtung: log(0.25) ist negativ, das "
               "Ungleichheitszeichen dreht sich) oder probiere L = 1, 2, 3, … aus.",
               "L > log(1e-6)/log(0.25); die kleinste ganze Zahl darüber (np.ceil).")


def check_vanishing_depth(answer) -> Feedback:
    """Smallest L with 0.25^L < 1e-6 (the slides' '10 layers → 10⁻⁶')."""
    expected = int(np.ceil(np.log(1e-6) / np.log(0.25)))
    if is_stub(answer):
        return report_stub("Tiefe für 0.25^L < 10⁻⁶", _DEPTH_HINT)
    if isinstance(answer, (str, bytes, bool, np.bool_)):
        return report(False, "Tiefe für 0.25^L < 10⁻⁶",
                       f"Erwartet war eine ganze Zahl, erhalten {answer!r}.",
                       _DEPTH_HINT)
    if not isinstance(answer, (int, np.integer)):
        try:
            ok_type = float(answer) == int(float(answer))
        except (TypeError, ValueError):
            return report(False, "Tiefe für 0.25^L < 10⁻⁶",
                           f"Erwartet war eine ganze Zahl, erhalten {answer!r}.",
                           _DEPTH_HINT)
        if not ok_type:
            return report(False, "Tiefe für 0.25^L < 10⁻⁶",
                           f"Erwartet war eine ganze Zahl, erhalten {answer!r}.",
                           _DEPTH_HINT)
    return check_value(int(float(answer)), expected, task="Tiefe für 0.25^L < 10⁻⁶",
                       hint=_DEPTH_HINT)


def _dead_fraction(Z):
    Z = np.asarray(Z, dtype=np.float64)
    return float(np.mean(np.all(Z <= 0.0, axis=0)))


def _dead_inputs(rng):
    m, d = int(rng.integers(5, 30)), int(rng.integers(4, 20))
    shift = rng.normal(0.0, 2.0, size=d)  # some units strongly negative -> dead
    Z = rng.normal(size=(m, d)) + shift
    Z[:, 0] = -np.abs(Z[:, 0])  # at least one dead unit, incl. exact zeros nowhere
    if d > 2:
        Z[0, 1] = 0.0  # z = 0 counts as inactive (ReLU'(0) = 0)
        Z[1:, 1] = -1.0
    return (Z,)


def check_dead_fraction(student_fn) -> Feedback:
    """``student_fn(Z)`` with Z of shape (m, d): fraction of the d units with z ≤ 0 for all m."""
    return check_function(
        student_fn, reference=_dead_fraction, make_inputs=_dead_inputs,
        task="Anteil toter ReLU-Einheiten",
        hint=("Eine Einheit ist eine Spalte von Z. Tot ist sie, wenn sie für KEIN Beispiel "
              "aktiv ist (ReLU gibt dann überall 0 und ihr Gradient ist 0).",
              "Prüfe pro Spalte, ob alle Zeilen z ≤ 0 haben (z = 0 zählt als inaktiv), und "
              "nimm den Anteil solcher Spalten.",
              "np.mean(np.all(Z <= 0, axis=0))."))


def check_leaky_relu_derivative(student_fn) -> Feedback:
    """``student_fn(z)`` should return 1 for z > 0 and 0.01 otherwise (torch's convention)."""
    def inputs(rng):
        z = rng.normal(size=int(rng.integers(4, 10)))
        z[0] = 0.0  # the convention at 0: derivative 0.01 (like torch)
        return (z,)

    return check_function(
        student_fn, reference=leaky_relu.derivative, make_inputs=inputs,
        task="Ableitung von Leaky ReLU",
        hint=("Leaky ReLU ist stückweise linear: die Ableitung ist auf jeder Seite von 0 "
              "eine Konstante. Welche Steigung hat die linke Seite?",
              f"Rechts von 0 ist die Steigung 1, links {LEAKY_SLOPE}; bei z = 0 gilt hier (wie "
              "in torch) der linke Wert.",
              f"np.where(z > 0, 1.0, {LEAKY_SLOPE})."))


def check_chain_factor(answer, w: float, L: int) -> Feedback:
    """Derivative of the scalar sigmoid chain at its fixed point z = 0: (w/4)^L."""
    return check_value(answer, (w / 4.0) ** L, task="Produkt der Ableitungen in der Kette",
                       hint=("Nach der Kettenregel ist die Ableitung der Kette ein Produkt: jedes "
                             "Glied trägt seine Ableitung am Fixpunkt z = 0 bei.",
                             "Ein Glied ist σ(w·z): innere Ableitung w, äußere σ'(0) = 1/4.",
                             "(w/4)**L."),
                       rtol=1e-6)
