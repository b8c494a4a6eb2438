"""Checkers for notebook 04 (backpropagation, Skript §3, Folien (40)–(54)). Never raising.

Conventions as in :mod:`dl_helpers.network`: a batch is rows, a layer's ``W`` has shape
``(d_out, d_in)``, ``Z = A_prev @ W.T + b``, and ``dZ = ∂C/∂Z`` already contains the 1/m of
a mean loss. References are written independently with torch autograd.
"""
from __future__ import annotations

import numpy as np
import torch

from ..worked_example import slides_example
from ._answers import reject_stub_value
from ._core import (NONE_MESSAGE, Feedback, compare, reject_non_function, report, report_stub,
                    run_student_code)

__all__ = ["check_hidden_delta", "check_dense_backward", "check_augmented_gradient",
           "check_central_difference", "EXERCISE_X", "EXERCISE_TARGET"]

#: Input and target of the exercise "δ of the hidden layer" (weights as in the slides' example).
EXERCISE_X = np.array([-1.0, 2.0])
EXERCISE_TARGET = np.array([0.0, 1.0])


def check_hidden_delta(answer) -> Feedback:
    """δ of the hidden layer (Folien (52)), array of shape (2,), for the slides' network with the
    default weights and the exercise input :data:`EXERCISE_X`, target :data:`EXERCISE_TARGET`."""
    ex = slides_example(x=EXERCISE_X, z_target=EXERCISE_TARGET)
    task = "δ der versteckten Schicht (Folie (52))"
    hint = ("Rechne erst vorwärts durch das Netz, dann das δ der Ausgabeschicht, und reiche es "
            "über die Gewichte U zur versteckten Schicht zurück.",
            "Jedes versteckte Neuron j sammelt die δ_k aller Ausgänge, gewichtet mit seinen "
            "Verbindungen u_jk, und multipliziert mit der Ableitung seiner eigenen Sigmoid "
            "(Folie (52)). Vergiss den Faktor 2 aus der Ableitung des quadratischen Fehlers nicht.",
            "δ_k = 2(z_k − z*_k) z_k (1 − z_k) und δ_j = y_j (1 − y_j) · Σ_k δ_k u_jk, als Vektor: "
            "y * (1 - y) * (U @ delta_out).")
    if (stub := reject_stub_value(answer, task, hint)) is not None:
        return stub
    ok, detail = compare(answer, ex.delta_hidden, rtol=1e-8, atol=1e-12, name_slips=False)
    if not ok:
        try:
            a = np.asarray(answer, dtype=np.float64)
            if a.shape == (2,) and np.allclose(a, ex.y * (1 - ex.y) * (ex.U.T @ ex.delta_out)):
                detail += " Du hast U transponiert: die Summe läuft über den Ausgabe-Index k (Spalten von U)."
            elif a.shape == (2,) and np.allclose(a, ex.U @ ex.delta_out):
                detail += " Der Faktor σ'(h_j) = y_j(1 − y_j) fehlt."
            elif a.shape == (2,) and np.allclose(a, ex.delta_hidden / 2):
                detail += " Genau halb so groß: der Faktor 2 aus ∂L/∂z_k = 2(z_k − z*_k) fehlt."
            elif a.shape == (2,) and np.allclose(a, -ex.delta_hidden):
                detail += (" Das Vorzeichen ist umgedreht: δ ist die Ableitung des Fehlers, "
                           "also mit (z − z*), nicht (z* − z).")
            else:
                detail = compare(answer, ex.delta_hidden, rtol=1e-8, atol=1e-12)[1]
        except (TypeError, ValueError):
            pass
    return report(ok, task, detail, hint)


def _dense_backward_ref(dZ, A_prev, W):
    A = torch.tensor(A_prev, requires_grad=True)
    Wt = torch.tensor(W, requires_grad=True)
    b = torch.zeros(W.shape[0], dtype=torch.float64, requires_grad=True)
    Z = A @ Wt.T + b
    Z.backward(torch.tensor(dZ))
    return Wt.grad.numpy(), b.grad.numpy(), A.grad.numpy()


def _dense_trials(seed=7):
    rng = np.random.default_rng(seed)
    for m, d_in, d_out in [(4, 3, 2), (1, 2, 5), (6, 5, 5)]:
        yield (m, d_in, d_out), (rng.normal(size=(m, d_out)), rng.normal(size=(m, d_in)),
                                 rng.normal(size=(d_out, d_in)))


def check_dense_backward(student_fn) -> Feedback:
    """``student_fn(dZ, A_prev, W) -> (dW, db, dA_prev)`` for ``Z = A_prev @ W.T + b``.

    dZ : (m, d_out), A_prev : (m, d_in), W : (d_out, d_in); expected dW (d_out, d_in) (eq. (2)),
    db (d_out,) and dA_prev (m, d_in) (eq. (3)).
    """
    task = "Rückwärtsschritt einer Schicht (Gl. (2), (3))"
    hint = ("Jeder Gradient hat die Form seiner Größe: dW wie W (d_out, d_in), db wie b (d_out,), "
            "dA_prev wie A_prev (m, d_in). Überlege, welches Matrixprodukt diese Formen ergibt.",
            "dW: Gl. (2) in Zeilenform, über alle Beispiele des Batches summiert; db: dZ über die "
            "Batch-Achse summiert; dA_prev: Gl. (3) in Zeilenform, die Fehler laufen über W "
            "zurück.",
            "dW = dZ.T @ A_prev, db = dZ.sum(axis=0), dA_prev = dZ @ W.")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    names = ("dW", "db", "dA_prev")
    for (m, d_in, d_out), args in _dense_trials():
        expected = _dense_backward_ref(*args)
        ran, result = run_student_code(student_fn, *(np.copy(a) for a in args))
        if not ran:
            return report(False, task, result, hint)
        if result is None:
            return report_stub(task, hint, NONE_MESSAGE)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            got = "None (fehlt ein `return`?)" if result is None else type(result).__name__
            if isinstance(result, (tuple, list)):
                got = f"{type(result).__name__} mit {len(result)} Einträgen"
            return report(False, task, f"Erwartet wurde ein Tupel (dW, db, dA_prev), erhalten: {got}.", hint)
        for name, got, exp in zip(names, result, expected):
            ok, detail = compare(got, exp, rtol=1e-8, atol=1e-12)
            if not ok:
                if name == "db" and np.size(got) == m * d_out:
                    detail += " db hat eine Zeile pro Beispiel: über die Batch-Achse summieren."
                return report(False, task, f"{name} (m={m}, d_in={d_in}, d_out={d_out}): {detail}", hint)
    return report(True, task, "(3 Schichtformen getestet, Vergleich mit torch autograd)", hint)


def _augmented_ref(dZ, A_prev):
    W_aug = torch.zeros(dZ.shape[1], A_prev.shape[1] + 1, dtype=torch.float64, requires_grad=True)
    A_aug = torch.cat([torch.tensor(A_prev), torch.ones(A_prev.shape[0], 1, dtype=torch.float64)], 1)
    (A_aug @ W_aug.T).backward(torch.tensor(dZ))
    return W_aug.grad.numpy()


def check_augmented_gradient(student_fn) -> Feedback:
    """``student_fn(dZ, A_prev)`` -> gradient of the augmented matrix (W | b), shape (d_out, d_in + 1)."""
    task = "Gradient der erweiterten Matrix (W | b)"
    hint = ("Der Bias ist das Gewicht eines zusätzlichen Eingangs, der immer 1 ist (Gl. (2) mit "
            "X̃ statt X). Das Ergebnis hat eine Spalte mehr als dW.",
            "Hänge an A_prev eine Spalte Einsen an (X̃) und rechne dann wie für dW.",
            "np.hstack([A_prev, np.ones((m, 1))]) als X̃, dann dZ.T @ X̃.")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    for (m, d_in, d_out), (dZ, A_prev, _W) in _dense_trials(seed=8):
        expected = _augmented_ref(dZ, A_prev)
        ran, result = run_student_code(student_fn, np.copy(dZ), np.copy(A_prev))
        if not ran:
            return report(False, task, result, hint)
        if result is None:
            return report_stub(task, hint, NONE_MESSAGE)
        ok, detail = compare(result, expected, rtol=1e-8, atol=1e-12)
        if not ok:
            try:
                a = np.asarray(result, dtype=np.float64)
                if a.shape == (d_out, d_in):
                    detail += " Die Bias-Spalte fehlt (Gl. (2) braucht X̃ statt X)."
                elif a.shape == (d_in + 1, d_out):
                    detail += " Zeilen gehören zu den Ausgängen (d_out), Spalten zu den Eingängen."
            except (TypeError, ValueError):
                pass
            return report(False, task, f"m={m}, d_in={d_in}, d_out={d_out}: {detail}", hint)
    return report(True, task, "(3 Schichtformen getestet, Vergleich mit torch autograd)", hint)


def _test_functions():
    rng = np.random.default_rng(9)
    A = rng.normal(size=(3, 3))
    yield "f(x) = Σ sin(x)·x²", lambda x: float(np.sum(np.sin(x) * x**2)), rng.normal(size=4)
    yield "f(x) = log Σ exp(Ax)", lambda x: float(np.log(np.sum(np.exp(A @ x)))), rng.normal(size=3)
    yield "f(x) = x₀·x₁ (Matrix-Eingabe)", lambda x: float(x[0, 0] * x[1, 1]), rng.normal(size=(2, 2))


def _central_ref(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_central_difference(student_fn) -> Feedback:
    """``student_fn(f, x, eps=1e-6)`` -> central-difference gradient of f at x, same shape as x."""
    task = "Numerischer Gradient (zentrale Differenzen)"
    hint = ("Verändere immer nur EINEN Eintrag von x ein kleines Stück nach oben und nach unten "
            "und schau, wie sich f ändert; das ergibt einen Eintrag des Gradienten.",
            "Schleife über alle Indizes (np.ndindex(x.shape) funktioniert auch für Matrizen); "
            "arbeite auf Kopien von x, damit x selbst unverändert bleibt.",
            "g[idx] = (f(x + ε e_idx) − f(x − ε e_idx)) / (2ε) für jeden Index idx.")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    for name, f, x in _test_functions():
        expected = _central_ref(f, x)
        x_in = x.copy()
        ran, result = run_student_code(student_fn, f, x_in, 1e-6)
        if not ran:
            return report(False, task, result, hint)
        if result is None:
            return report_stub(task, hint, NONE_MESSAGE)
        if not np.array_equal(x_in, x):
            return report(False, task, f"{name}: deine Funktion hat x verändert.", hint)
        ok, detail = compare(result, expected, rtol=1e-8, atol=1e-8)
        if not ok:
            try:
                a = np.asarray(result, dtype=np.float64)
                if a.shape == x.shape and np.allclose(a, 2 * expected, rtol=1e-4):
                    detail += " Der Abstand der beiden Stellen x ± ε ist 2ε."
                elif a.shape == x.shape and np.allclose(a, expected, rtol=0, atol=1e-4):
                    err = float(np.max(np.abs(a - expected)))
                    detail += (f" Die Abweichung ist klein ({err:.0e}), aber zu groß für zentrale "
                               "Differenzen: eine einseitige Differenz (f(x+ε) − f(x))/ε hat einen "
                               "Fehler der Ordnung ε, die zentrale nur ε².")
            except (TypeError, ValueError):
                pass
            return report(False, task, f"{name}: {detail}", hint)
    return report(True, task, "(3 Funktionen getestet)", hint)
