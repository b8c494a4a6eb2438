"""Checkers for notebook 03 (loss functions, Skript §2). German feedback, never raising.

The references are the ``torch.nn.functional`` losses in float64 (an implementation
independent of the student's and of :mod:`dl_helpers.losses`). Every checker also tries
extreme logits (±1000) where the task asks for a numerically stable form.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ._answers import reject_stub_value
from ._core import (NONE_MESSAGE, Feedback, compare, reject_non_function, report, report_stub,
                    run_student_code)

__all__ = ["check_mse", "check_bce_with_logits", "check_logsumexp", "check_cce_with_logits",
           "check_logistic_at_boundary"]


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def _run_trials(student_fn, reference, trials, *, task, hint, diagnose=None) -> Feedback:
    """Run ``student_fn`` on each ``(label, args)`` trial; report the first mismatch."""
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    for i, (label, args) in enumerate(trials):
        expected = reference(*args)
        copies = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
        with np.errstate(all="ignore"):
            ran, result = run_student_code(student_fn, *copies)
        if not ran:
            return report(False, task, result, hint)
        if result is None and i == 0:
            return report_stub(task, hint, NONE_MESSAGE)
        ok, detail = compare(result, expected, rtol=1e-7, atol=1e-10)
        if not ok:
            extra = diagnose(result, args, expected) if diagnose and _numeric(result) is not None else ""
            if extra:   # the specific diagnosis replaces the generic one
                detail = compare(result, expected, rtol=1e-7, atol=1e-10, name_slips=False)[1]
            return report(False, task, f"{label}: {detail} {extra}".rstrip(), hint)
    return report(True, task, f"({len(trials)} Tests bestanden, auch mit extremen Werten)"
                  if len(trials) > 3 else f"({len(trials)} Tests bestanden)", hint)


def _numeric(result) -> np.ndarray | None:
    """The student's result as a float array, or None if it is not numeric at all."""
    if result is None or isinstance(result, (str, bytes)):
        return None
    try:
        return np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _ratio(result, expected) -> float | None:
    try:
        r = float(np.asarray(result, dtype=np.float64)) / float(expected)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return r if np.isfinite(r) else None


def _overflow_or_sign(result, expected, overflow_hint: str) -> str:
    """Shared diagnosis of the stable-loss tasks: inf/NaN (naive exp/log) or the missing minus."""
    res = _numeric(result)
    if res is not None and not np.all(np.isfinite(res)):
        return overflow_hint
    r = _ratio(result, expected)
    if r is not None and np.isclose(r, -1.0):
        return "(Genau das Negative: das Minuszeichen der Kreuzentropie fehlt.)"
    return ""


# --------------------------------------------------------------------------- MSE (Skript §2.1)
def _mse_ref(y_hat, y):
    m = y_hat.shape[0]
    return float(F.mse_loss(_t(y_hat), _t(y), reduction="sum")) / (2 * m)


def check_mse(student_fn) -> Feedback:
    """``student_fn(y_hat, y)`` with arrays of shape (m, k) must return 1/(2m) Σ_i ‖ŷ_i − y_i‖²."""
    rng = np.random.default_rng(3)
    trials = []
    for m, k in [(5, 1), (8, 3), (1, 4), (20, 2)]:
        trials.append((f"Test mit m={m}, k={k}", (rng.normal(size=(m, k)), rng.normal(size=(m, k)))))

    def diagnose(result, args, expected):
        r = _ratio(result, expected)
        k = args[0].shape[1]
        if r is None:
            return ""
        if np.isclose(r, 2.0):
            return "(Genau doppelt so groß: fehlt der Faktor 1/2?)"
        if np.isclose(r, 1.0 / k) and k > 1:
            return "(Du mittelst auch über die k Ausgänge; die Norm summiert über sie.)"
        if np.isclose(r, 2.0 / k) and k > 1:
            return "(Das ist np.mean über alle Einträge, nicht 1/(2m) Σ‖·‖².)"
        if np.isclose(r, args[0].shape[0]):
            return "(Um den Faktor m zu groß: die Summe muss durch m geteilt werden.)"
        return ""

    return _run_trials(student_fn, _mse_ref, trials, task="MSE mit 1/(2m)",
                       hint=("Der Fehler eines Beispiels ist die quadrierte Länge seines "
                             "Fehlervektors; danach wird über die Beispiele gemittelt, mit dem "
                             "zusätzlichen Faktor 1/2 der Vorlesung.",
                             "Summiere die Quadrate über die k Ausgänge (nicht mitteln!) und "
                             "teile die Summe über alle Beispiele durch 2m, m = Anzahl Zeilen.",
                             "C = np.sum((y_hat - y)**2) / (2 * m)."),
                       diagnose=diagnose)


# ---------------------------------------------------------- BCE from logits (Skript Bsp. 2.2.2)
def _bce_logits_ref(z, y):
    return float(F.binary_cross_entropy_with_logits(_t(z), _t(y)))


def check_bce_with_logits(student_fn) -> Feedback:
    """``student_fn(z, y)``, z logits of shape (m,), y ∈ {0, 1}: mean BCE of σ(z), stable."""
    rng = np.random.default_rng(4)
    trials = []
    for m in (4, 10):
        trials.append((f"Test mit {m} zufälligen Logits",
                       (rng.normal(scale=3.0, size=m), rng.integers(0, 2, size=m).astype(float))))
    trials.append(("Test mit Logits ±1000 (richtig klassifiziert)",
                   (np.array([1000.0, -1000.0, 30.0]), np.array([1.0, 0.0, 1.0]))))
    trials.append(("Test mit Logits ±1000 (falsch klassifiziert)",
                   (np.array([1000.0, -1000.0, 0.5]), np.array([0.0, 1.0, 1.0]))))

    def diagnose(result, args, expected):
        return _overflow_or_sign(result, expected,
                                 "(NaN/inf: die naive Form log(σ(z)) bricht für große |z| zusammen. "
                                 "Schreibe den Loss als max(z,0) − z·y + log(1 + exp(−|z|)).)")

    return _run_trials(student_fn, _bce_logits_ref, trials, task="BCE aus Logits",
                       hint=("Rechne nicht erst σ(z) aus: für große |z| rundet σ(z) auf 0 oder 1, "
                             "und log(0) ist −∞. Forme den Loss so um, dass nur harmlose "
                             "Exponentialfunktionen vorkommen.",
                             "Für jedes z lässt sich der Loss mit e^{−|z|} ≤ 1 schreiben; "
                             "np.log1p(x) = log(1 + x) ist dafür genau richtig.",
                             "Loss pro Beispiel: max(z, 0) − z·y + log1p(exp(−|z|)); dann "
                             "Mittelwert."),
                       diagnose=diagnose)


# ----------------------------------------------------------------------------- log-sum-exp
def _lse_ref(Z):
    return torch.logsumexp(_t(Z), dim=-1).numpy()


def check_logsumexp(student_fn) -> Feedback:
    """``student_fn(Z)`` with Z of shape (m, K) must return log Σ_k exp(Z_ik), shape (m,), stable."""
    rng = np.random.default_rng(5)
    trials = [("Test mit zufälligen Logits (m=4, K=3)", (rng.normal(size=(4, 3)),)),
              ("Test mit einer Zeile (m=1, K=5)", (rng.normal(size=(1, 5)),)),
              ("Test mit Logits ±1000", (np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0]]),))]

    def diagnose(result, args, expected):
        res = _numeric(result)
        if res is not None and not np.all(np.isfinite(res)):
            return "(inf/NaN: exp(1000) läuft über. Ziehe vorher das Zeilenmaximum ab.)"
        return ""

    return _run_trials(student_fn, _lse_ref, trials, task="Log-Sum-Exp",
                       hint=("exp von großen Zahlen läuft über. Welche Konstante kannst du "
                             "aus der Summe herausziehen, ohne das Ergebnis zu ändern?",
                             "Ziehe pro Zeile den größten Eintrag ab, bevor du exp anwendest, "
                             "und addiere ihn danach wieder.",
                             "c = Z.max(axis=1, keepdims=True); c[:, 0] + "
                             "np.log(np.sum(np.exp(Z - c), axis=1))."),
                       diagnose=diagnose)


# -------------------------------------------------------------- CCE from logits (softmax + CE)
def _cce_ref(Z, y):
    return float(F.cross_entropy(_t(Z), torch.as_tensor(np.asarray(y), dtype=torch.long)))


def check_cce_with_logits(student_fn) -> Feedback:
    """``student_fn(Z, y)``, Z logits (m, K), y int labels (m,): mean −log softmax(Z)_{i, y_i}."""
    rng = np.random.default_rng(6)
    trials = [("Test mit m=5, K=3", (rng.normal(size=(5, 3)), rng.integers(0, 3, size=5))),
              ("Test mit m=8, K=4", (rng.normal(scale=4.0, size=(8, 4)), rng.integers(0, 4, size=8))),
              ("Test mit Logits ±1000",
               (np.array([[1000.0, -1000.0, 0.0], [0.0, 1000.0, 999.0]]), np.array([1, 2])))]

    def diagnose(result, args, expected):
        return _overflow_or_sign(result, expected, "(inf/NaN: nutze log softmax(Z) = Z − logsumexp(Z), "
                                                   "nicht log(softmax(Z)).)")

    return _run_trials(student_fn, _cce_ref, trials, task="Kategoriale Kreuzentropie aus Logits",
                       hint=("Die Kreuzentropie braucht nur den Log-Softmax-Wert der richtigen "
                             "Klasse jedes Beispiels. Rechne ihn direkt aus den Logits aus, nicht "
                             "über softmax und log.",
                             "log softmax(Z)_{i,k} = Z_{i,k} − logsumexp(Z_i) (stabil wie in der "
                             "vorigen Aufgabe); wähle pro Zeile die Spalte y_i.",
                             "Mittelwert über i von logsumexp(Z_i) − Z[i, y_i]; indexieren mit "
                             "Z[np.arange(m), y]."),
                       diagnose=diagnose)


# ------------------------------------------------------------------------- a value question
def check_logistic_at_boundary(answer) -> Feedback:
    """Value of the logistic loss log(1 + e^{−y f}) on the decision boundary f = 0 (= log 2)."""
    task = "Logistischer Loss bei f(x) = 0"
    hint = ("Auf der Entscheidungsgrenze ist f(x) = 0: setze das in den logistischen Loss ein.",
            "Mit f = 0 ist y·f = 0, das Ergebnis hängt also nicht von y ab; e⁰ = 1.")
    if (stub := reject_stub_value(answer, task, hint)) is not None:
        return stub
    ok, detail = compare(answer, np.log(2.0), rtol=1e-6, atol=1e-9)
    ratio = _ratio(answer, np.log(2.0))
    if not ok and ratio is not None and np.isclose(ratio, 0.0):
        detail += " Null wäre der Loss nur für y·f → ∞."
    return report(ok, task, detail, hint)
