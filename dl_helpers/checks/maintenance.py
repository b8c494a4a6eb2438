"""Checkers for notebook 13 (predictive maintenance, RUL).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub).
"""
from __future__ import annotations

import numpy as np

from ..maintenance import capped_rul, fit_condition_normalizer, normalize_by_condition, phm_score
from ._core import (Feedback, check_function, check_value, compare, reject_non_function, report,
                    report_stub, run_student_code)

__all__ = ["check_capped_rul", "check_phm_score", "check_condition_zscore",
           "check_late_equivalent"]


def check_capped_rul(student_fn) -> Feedback:
    """``student_fn(rul, cap)`` -> min(rul, cap) elementwise, rul of shape (n,)."""
    def inputs(rng):
        return rng.integers(0, 300, size=int(rng.integers(5, 12))).astype(float), \
            float(rng.integers(60, 140))

    return check_function(
        student_fn, reference=lambda rul, cap: capped_rul(rul, cap), make_inputs=inputs,
        task="Gekappte Restlebensdauer",
        hint=("Solange die Einheit gesund ist, soll das Ziel konstant bleiben; erst in der "
              "Nähe des Ausfalls zählt es bis 0 herunter.",
              "Elementweise das Kleinere von wahrer RUL und Kappungsgrenze nehmen "
              "(nicht abschneiden bei 0 und nicht skalieren).",
              "np.minimum(rul, cap)."))


def check_phm_score(student_fn) -> Feedback:
    """``student_fn(y_pred, y_true)`` -> PHM'08 score (sum over units), inputs of shape (U,)."""
    def inputs(rng):
        u = int(rng.integers(6, 12))
        y_true = rng.integers(5, 126, size=u).astype(float)
        d = rng.uniform(-30, 30, size=u)
        d[:2] = (-17.0, 23.0)                      # always one early and one late unit
        return y_true + d, y_true

    return check_function(
        student_fn, reference=phm_score, make_inputs=inputs, task="PHM'08-Score",
        hint=("Zu späte Vorhersagen (d = Vorhersage − Wahrheit > 0) sollen teurer sein als "
              "gleich weit zu frühe; beide Äste wachsen exponentiell, und am Ende wird über die "
              "Einheiten summiert (nicht gemittelt).",
              "d = y_pred − y_true; für d < 0 kostet eine Einheit exp(−d/13) − 1, für d ≥ 0 "
              "exp(d/10) − 1. Prüfe Vorzeichen und welche Konstante zu welchem Ast gehört.",
              "d = y_pred - y_true; np.sum(np.where(d < 0, np.exp(-d / 13) - 1, "
              "np.exp(d / 10) - 1))."))


def check_condition_zscore(student_fn) -> Feedback:
    """``student_fn(sensors, condition, train_rows)`` -> z-scores per condition with mean and
    std fitted on the rows ``train_rows`` (bool (n,)) only, applied to all rows (n, S)."""
    task = "Normierung je Betriebszustand"
    hint = ("Jeder Betriebszustand hat seine eigenen typischen Sensorwerte: Mittelwert und "
            "Streuung gehören zu Zustand *und* Sensor. Und die Test-Einheiten dürfen die "
            "Statistik nicht beeinflussen.",
            "Für jeden Zustand k: Mittelwert und Standardabweichung (np.std, ddof=0) je Spalte "
            "nur aus den Zeilen mit train_rows & (condition == k); dann alle Zeilen mit "
            "condition == k damit normieren.",
            "mu = sensors[train_rows & (condition == k)].mean(axis=0), ebenso .std(axis=0); "
            "out[condition == k] = (sensors[condition == k] - mu) / sd.")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    rng = np.random.default_rng(3)
    for trial in range(4):
        n, s, k = 200, 4, 3
        condition = rng.integers(0, k, n)
        sensors = rng.uniform(0, 50, (k, s))[condition] + rng.normal(size=(n, s)) * \
            rng.uniform(0.5, 3, s)
        train_rows = np.arange(n) < 140
        sensors[~train_rows] += 2.0                   # test rows drift (degraded engines)
        norm = fit_condition_normalizer(sensors[train_rows], condition[train_rows], k)
        expected = normalize_by_condition(sensors, condition, norm)
        ran, out = run_student_code(student_fn, sensors.copy(), condition.copy(),
                                    train_rows.copy())
        if not ran:
            return report(False, task, out, hint)
        if out is None:
            return report_stub(task, hint, "Deine Funktion gibt noch nichts zurück (None).")
        ok, detail = compare(out, expected, rtol=1e-6, atol=1e-8)
        if not ok:
            leak = fit_condition_normalizer(sensors, condition, k)
            global_ = (sensors - sensors[train_rows].mean(0)) / sensors[train_rows].std(0)
            if compare(out, normalize_by_condition(sensors, condition, leak))[0]:
                detail = ("Du hast Mittelwert und Streuung aus *allen* Zeilen geschätzt, auch aus "
                          "denen der Test-Einheiten: das ist ein Datenleck.")
            elif compare(out, global_)[0]:
                detail = ("Du normierst mit einem Mittelwert über alle Betriebszustände; jeder "
                          "Zustand braucht seine eigenen Werte.")
            return report(False, task, f"Test {trial + 1}: {detail}", hint)
    return report(True, task, "(4 zufällige Tests bestanden)", hint)


def check_late_equivalent(answer) -> Feedback:
    """Lateness d > 0 that costs as much as a prediction 20 cycles too early: 200/13."""
    return check_value(
        answer, 200.0 / 13.0, task="Gleich teure Verspätung", rtol=1e-4,
        hint=("Setze die Kosten der beiden Äste gleich: einmal mit d = −20 (zu früh), einmal "
              "mit einem unbekannten d > 0 (zu spät).",
              "exp(20/13) − 1 = exp(d/10) − 1, also d/10 = 20/13.",
              "d = 10 · 20 / 13 ≈ 15.4 Zyklen."))
