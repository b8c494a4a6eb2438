"""Exercise checkers for notebook 11 (autoencoder, VAE; Folien (105)–(110)).

German feedback, never raising (also not on ``...`` or on an exception in the student's code).
The references are independent of :mod:`dl_helpers.vae`: ``torch.distributions`` for the KL
divergence, plain NumPy for the rest.

Checkers::

    check_kl_divergence(fn)        fn(mu, log_var) (n, k) -> KL per example (n,), closed form (107)
    check_reparameterize(fn)       fn(mu, log_var, eps) -> z = μ + exp(½ log σ²) ∘ ε  (108), (109)
    check_reparam_gradient(answer) (∂/∂μ, ∂/∂σ) of E[(μ + σε)²] at μ = 0.7, σ = 1.3
"""
from __future__ import annotations

import numpy as np
import torch

from ._core import Feedback, check_function, check_value, report_stub, run_student_code

__all__ = ["check_kl_divergence", "check_reparameterize", "check_reparam_gradient", "diagnose_mistake",
           "check_with_diagnosis"]


def _gauss_inputs(rng):
    n, k = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    return rng.normal(size=(n, k)), rng.normal(scale=0.8, size=(n, k))


def _kl_reference(mu, log_var):
    q = torch.distributions.Normal(torch.tensor(mu), torch.exp(0.5 * torch.tensor(log_var)))
    p = torch.distributions.Normal(torch.zeros(mu.shape, dtype=torch.float64), torch.ones(mu.shape, dtype=torch.float64))
    return torch.distributions.kl_divergence(q, p).sum(dim=1).numpy()


def diagnose_mistake(student_fn, args: tuple, wrong: dict[str, object]) -> str | None:
    """Run ``student_fn(*args)``; if its result equals one of the ``wrong`` values, return that diagnosis.

    ``wrong`` maps a German diagnosis to the result a typical mistake produces. Never raises.
    """
    ran, out = run_student_code(student_fn, *(np.copy(a) for a in args))
    if not ran or out is None:
        return None
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    for diagnosis, value in wrong.items():
        if out.shape == np.shape(value) and np.allclose(out, value, rtol=1e-6, atol=1e-9):
            return diagnosis
    return None


def check_with_diagnosis(student_fn, reference, make_inputs, wrong, *, task: str, hints: list[str]) -> Feedback:
    """:func:`check_function` whose first hint level names a recognised typical mistake.

    ``wrong(*args)`` returns {diagnosis: value of the mistake} for the probe inputs
    ``make_inputs(default_rng(99))``; the last hint level (the formula) is kept.
    """
    if student_fn is Ellipsis:
        return report_stub(task, hints)
    args = make_inputs(np.random.default_rng(99))
    diagnosis = diagnose_mistake(student_fn, args, wrong(*args))
    hint = hints if diagnosis is None else [diagnosis, hints[-1]]
    return check_function(student_fn, reference, make_inputs, task=task, hint=hint)


KL_HINTS = [
    "Die KL-Divergenz ist nie negativ und genau dann 0, wenn q der Prior N(0, I) ist. "
    "Prüfe das Vorzeichen und über welche Achse du summierst (eine Zahl pro Beispiel).",
    "D_KL = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²) mit σ_j² = exp(log_var_j); "
    "in NumPy: 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var, axis=1).",
]


def check_kl_divergence(student_fn) -> Feedback:
    """``student_fn(mu, log_var)`` with arrays (n, k) must return the closed-form KL per example (n,)."""
    return check_with_diagnosis(
        student_fn, _kl_reference, _gauss_inputs,
        lambda mu, lv: {
            "Du gibst genau −KL zurück: so steht die Formel auf Folie (107), dort fehlt das Minuszeichen "
            "(das ist die negative KL-Divergenz).": -_kl_reference(mu, lv),
            "Du summierst über alle Beispiele; gesucht ist eine KL pro Beispiel (Summe nur über axis=1).":
                np.sum(_kl_reference(mu, lv)),
            "Der Faktor ½ fehlt.": 2 * _kl_reference(mu, lv)},
        task="KL-Divergenz zum Prior (107)", hints=KL_HINTS)


REPARAM_HINTS = [
    "Der Encoder liefert log σ², nicht σ: die Standardabweichung musst du daraus erst berechnen "
    "(σ = exp(½ · log σ²)).",
    "z = mu + np.exp(0.5 * log_var) * eps",
]


def _reparam_reference(mu, log_var, eps):
    return mu + np.exp(0.5 * log_var) * eps


def _reparam_inputs(rng):
    mu, lv = _gauss_inputs(rng)
    return mu, lv, rng.standard_normal(mu.shape)


def check_reparameterize(student_fn) -> Feedback:
    """``student_fn(mu, log_var, eps)`` with arrays (n, k) must return z = μ + exp(½ log σ²) ∘ ε."""
    return check_with_diagnosis(
        student_fn, _reparam_reference, _reparam_inputs,
        lambda mu, lv, eps: {
            "Du multiplizierst ε mit der Varianz σ² = exp(log σ²) statt mit der Standardabweichung σ.":
                mu + np.exp(lv) * eps,
            "Du multiplizierst ε direkt mit log σ²; zuerst musst du σ daraus berechnen.": mu + lv * eps,
            "Du gibst nur μ zurück: ohne das Rauschen ε ist das kein Sample aus q.": mu},
        task="Reparametrisierung (108), (109)", hints=REPARAM_HINTS)


def check_reparam_gradient(answer) -> Feedback:
    """``answer = (d_mu, d_sigma)``: gradient of E[(μ + σε)²] = μ² + σ² at μ = 0.7, σ = 1.3, i.e. (1.4, 2.6)."""
    task = "Gradient durch die Stichprobe"
    hints = ["Schreibe den Erwartungswert E[(μ + σε)²] zuerst ohne ε: E[ε] = 0 und E[ε²] = 1.",
             "E[(μ + σε)²] = μ² + σ², also ∂/∂μ = 2μ und ∂/∂σ = 2σ."]
    if answer is not Ellipsis:
        try:
            a = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            a = None
        if a is not None and a.shape == (2,) and np.allclose(a, [1.4, 0.0]):
            hints = ["∂/∂μ stimmt. Der Gradient nach σ ist nicht 0: σ steckt über σ² im Erwartungswert "
                     "(der Term 2μσ·E[ε] fällt weg, σ²·E[ε²] nicht).", hints[-1]]
    return check_value(answer, np.array([1.4, 2.6]), task=task, hint=hints)
