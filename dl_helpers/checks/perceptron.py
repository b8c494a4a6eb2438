"""Exercise checkers for notebook 01 (perceptron; Folien (18)–(27), Skript §1).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks._core.Feedback`;
none of them raises on a wrong answer, on ``...`` (an unsolved stub) or on an exception inside
the student's code.

Checkers::

    check_decision_boundary(fn)      fn(x1, w, b, theta) -> x2 on the line (19)/(20)
    check_perceptron_update(fn)      fn(w, b, x, y, lr) -> (w_new, b_new), rule (21) per sample
    check_novikoff_bound(fn)         fn(X, y, w, b) -> (R/γ)² for a separating (w, b)
    check_xor_best_accuracy(value)   best fraction of the four XOR points one line gets right
"""
from __future__ import annotations

import numpy as np

from ._answers import NONE_MESSAGE, reject_non_function, reject_stub_value, reject_unsolved_function
from ._core import Feedback, check_function, check_value, report, report_stub, run_student_code

__all__ = ["check_decision_boundary", "check_perceptron_update", "check_novikoff_bound",
           "check_xor_best_accuracy", "novikoff_bound_reference"]


# ----------------------------------------------------------------------------- references
def _boundary_reference(x1, w, b, theta):
    # (19): w1 x1 + w2 x2 + b = θ   =>   x2 = (θ − b − w1 x1) / w2
    return (theta - b - w[0] * x1) / w[1]


def _update_reference(w, b, x, y, lr):
    if y * (w @ x + b) <= 0:          # misclassified (or on the boundary): rule (21)
        return w + lr * y * x, b + lr * y
    return w.copy(), b


def novikoff_bound_reference(X, y, w, b) -> float:
    """(R/γ)² for inputs augmented by a constant 1 (the bias is the weight of that input).

    R = max_i ‖(x_i, 1)‖, γ = min_i y_i (w·x_i + b) / ‖(w, b)‖ (margin of the separator (w, b)).
    X : ndarray of shape (n, d); y : ndarray of shape (n,) in {−1, +1}; w : (d,); b : float.
    """
    X = np.asarray(X, dtype=np.float64)
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    v = np.append(np.asarray(w, dtype=np.float64), float(b))
    R = np.linalg.norm(Xa, axis=1).max()
    gamma = np.min(np.asarray(y) * (Xa @ v)) / np.linalg.norm(v)
    return float((R / gamma) ** 2)


# ----------------------------------------------------------------------------- checkers
def check_decision_boundary(student_fn) -> Feedback:
    """Check ``student_fn(x1, w, b, theta)`` -> x2 of the decision boundary (Folien (19)/(20))."""
    def make_inputs(rng):
        x1 = rng.uniform(-3, 3, size=7)
        w = rng.normal(size=2)
        w[1] = np.sign(w[1]) * (0.3 + abs(w[1]))       # keep w2 away from 0
        return x1, w, float(rng.normal()), float(rng.normal())

    task = "Entscheidungsgrenze (20)"
    hint = ("Die Grenze besteht aus den Punkten, an denen die gewichtete Summe genau die Schwelle "
            "θ erreicht; gesucht ist x2 als Funktion von x1.",
            "Setze w1·x1 + w2·x2 + b = θ an und löse nach x2 auf; achte beim Umstellen auf die "
            "Vorzeichen von b und θ.",
            "x2 = (θ − b − w1·x1) / w2.")
    probe = (np.array([0.0, 1.0]), np.array([1.0, 2.0]), 0.5, 0.0)
    if (rejected := reject_unsolved_function(student_fn, task, hint, *probe)) is not None:
        return rejected
    return check_function(student_fn, _boundary_reference, make_inputs, task=task, hint=hint)


def check_perceptron_update(student_fn) -> Feedback:
    """Check one step of the perceptron rule for a single example (Folien (21), with bias).

    ``student_fn(w, b, x, y, lr)`` must return ``(w_new, b_new)``; an update happens only if
    y (w·x + b) ≤ 0. Half of the random trials use misclassified, half correct examples.
    """
    task = "Perceptron-Update (21)"
    hint = ("Das Perceptron lernt nur aus Fehlern: bei einem richtig klassifizierten Beispiel "
            "ändert sich nichts. Auch ein Punkt genau auf der Grenze zählt als Fehler.",
            "Falsch klassifiziert heißt: y·(w·x + b) ≤ 0. Dann wird w in Richtung y·x geschoben "
            "(mit der Lernrate skaliert), und auch der Bias lernt mit.",
            "Wenn y·(w·x + b) ≤ 0: w ← w + η·y·x und b ← b + η·y; sonst bleiben w und b "
            "unverändert.")
    if (rejected := reject_non_function(student_fn, task, hint)) is not None:
        return rejected
    rng = np.random.default_rng(21)
    for trial in range(8):
        d = int(rng.integers(2, 5))
        w, x = rng.normal(size=d), rng.normal(size=d)
        b, lr = float(rng.normal()), float(rng.choice([1.0, 0.5, 0.1]))
        margin = w @ x + b
        y = float(np.sign(margin) or 1.0) * (1.0 if trial % 2 else -1.0)  # odd: correct
        if trial == 6:
            w, b, y = np.zeros(d), 0.0, 1.0                                 # w = 0: y·0 ≤ 0
        ran, out = run_student_code(student_fn, w.copy(), b, x.copy(), y, lr)
        if not ran:
            return report(False, task, out, hint)
        if out is None:
            return report_stub(task, hint, NONE_MESSAGE)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            return report(False, task, "Gib ein Paar (w_neu, b_neu) zurück, z. B. "
                           "`return w_new, b_new`.", hint)
        w_ref, b_ref = _update_reference(w, b, x, y, lr)
        try:
            got = np.append(np.asarray(out[0], dtype=np.float64), np.asarray(out[1], dtype=np.float64))
        except (TypeError, ValueError):
            return report(False, task, "w_neu muss ein Vektor und b_neu eine Zahl sein.", hint)
        expected = np.append(w_ref, b_ref)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-10, atol=1e-12):
            case = "falsch klassifiziert" if y * margin <= 0 or trial == 6 else "richtig klassifiziert"
            return report(False, task, f"Test {trial + 1} (Beispiel ist {case}, y = {y:+.0f}): "
                           f"erwartet w = {np.round(w_ref, 4)}, b = {b_ref:.4f}; erhalten "
                           f"{np.round(got[:-1], 4) if got.size == expected.size else got}.", hint)
    return report(True, task, "(8 Tests, davon 4 ohne und 4 mit Korrektur)", None)


def check_novikoff_bound(student_fn) -> Feedback:
    """Check ``student_fn(X, y, w, b)`` -> (R/γ)² with augmented inputs (x, 1)."""
    def make_inputs(rng):
        d = int(rng.integers(2, 4))
        w = rng.normal(size=d)
        b = float(rng.normal())
        X = rng.uniform(-2, 2, size=(12, d))
        s = X @ w + b
        X = X[np.abs(s) > 0.2]                        # every point strictly separated
        y = np.where(X @ w + b > 0, 1.0, -1.0)
        return X, y, w, b

    task = "Novikoff-Schranke (R/γ)²"
    hint = ("Behandle den Bias wie ein weiteres Gewicht: jedes Beispiel bekommt eine konstante "
            "Eingabe 1 dazu. R und γ beziehen sich dann auf diese erweiterten Vektoren.",
            "R ist die größte Länge eines erweiterten Beispiels; γ ist der kleinste Abstand "
            "y_i·(w·x_i + b) eines Beispiels zur Grenze, normiert mit der Länge des ganzen "
            "Gewichtsvektors (w, b).",
            "x̃_i = (x_i, 1), R = max_i ‖x̃_i‖, γ = min_i y_i·(w·x_i + b) / ‖(w, b)‖, "
            "Ergebnis (R/γ)².")
    probe = (np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([1.0, -1.0]), np.array([1.0, 0.0]), 0.0)
    if (rejected := reject_unsolved_function(student_fn, task, hint, *probe)) is not None:
        return rejected
    return check_function(student_fn, novikoff_bound_reference, make_inputs, task=task,
                          rtol=1e-8, hint=hint)


def check_xor_best_accuracy(value) -> Feedback:
    """The best fraction of the four XOR points that a single line classifies correctly."""
    task = "Beste Genauigkeit einer Geraden auf XOR"
    hint = ("Zeichne die vier Punkte und probiere Geraden aus: wie viele Punkte kann eine Gerade "
            "höchstens auf die richtige Seite bringen? Gib einen Anteil zwischen 0 und 1 an.",
            "Alle vier gehen nach dem Beweis (24)–(27) nie. Eine Gerade, die nur eine Ecke "
            "abschneidet (z. B. (1, 1)), trennt aber drei der vier richtig.")
    if (rejected := reject_stub_value(value, task, hint)) is not None:
        return rejected
    return check_value(value, 0.75, task=task, atol=1e-9, hint=hint)
