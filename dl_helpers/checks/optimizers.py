"""Checkers for notebook 05 (optimisers: GD, SGD, momentum, Adam; Folien (16)–(17), (55)–(61)).

Never raising: a wrong answer or an exception in the student's code becomes German feedback.
The references are independent of the student's formulas: the update kernels of
``torch.optim.SGD`` / ``torch.optim.Adam`` (float64, through
:class:`dl_helpers.trajectories.TorchOptimKernel`, which avoids the classes' slow first import of
``torch._dynamo``) for the update rules, ``numpy.linalg.eigvalsh`` for the
stability limit and the explicit mean over the minibatch for the stochastic gradient.
"""
from __future__ import annotations

import numpy as np
import torch

from ..trajectories import TorchOptimKernel
from ..optimizers import SGD, Adam
from ._answers import reject_stub_value
from ._core import (NONE_MESSAGE, Feedback, compare, reject_non_function, report, report_stub,
                    run_student_code)

__all__ = ["check_stability_limit", "check_momentum_step", "check_adam_step",
           "check_minibatch_gradient"]

_RTOL, _ATOL = 1e-8, 1e-12


def _close(a, b) -> bool:
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.all(np.isfinite(a)) and np.allclose(a, b, rtol=1e-8, atol=1e-12)


def _tuple(result, n: int, names: str):
    """Return an error text if ``result`` is not a tuple/list of n entries, else None."""
    if isinstance(result, (tuple, list)) and len(result) == n:
        return None
    got = "None (fehlt ein `return`?)" if result is None else type(result).__name__
    if isinstance(result, (tuple, list)):
        got = f"{type(result).__name__} mit {len(result)} Einträgen"
    return f"Erwartet wurde ein Tupel {names}, erhalten: {got}."


# ------------------------------------------------------------------ stability limit
def check_stability_limit(answer, H) -> Feedback:
    """Largest stable learning rate of GD on ½ xᵀHx: η_max = 2 / λ_max(H)."""
    task = "Stabilitätsgrenze η_max"
    hint = ("Zerlege die Bewegung in die Eigenrichtungen von H: in jeder Richtung wird der Abstand "
            "zum Minimum pro Schritt mit einem festen Faktor multipliziert. Welche Richtung "
            "wird zuerst instabil?",
            "In Eigenrichtung λ ist der Faktor (1 − ηλ); stabil heißt |1 − ηλ| < 1 für ALLE "
            "Eigenwerte. Die Eigenwerte liefert np.linalg.eigvalsh(H_rot).",
            "η_max = 2 / λ_max(H).")
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    expected = 2.0 / lam[-1]
    if (stub := reject_stub_value(answer, task, hint)) is not None:
        return stub
    ok, detail = compare(answer, expected, rtol=1e-6, atol=0.0)
    if not ok and np.ndim(answer) == 0 and answer is not None and not isinstance(answer, str):
        try:
            a = float(answer)
        except (TypeError, ValueError):
            a = np.nan
        if np.isclose(a, 1.0 / lam[-1], rtol=1e-6):
            detail += " Das ist 1/λ_max (der beste Schritt entlang der steilsten Richtung), die Grenze ist doppelt so groß."
        elif np.isclose(a, 2.0 / lam[0], rtol=1e-6):
            detail += " Du hast den kleinsten Eigenwert genommen: die steilste Richtung (größtes λ) begrenzt η."
        elif np.isclose(a, 2.0 / np.max(np.diag(H)), rtol=1e-6) or np.isclose(a, 2.0 / np.max(np.abs(H)), rtol=1e-6):
            detail += " H ist gedreht: die Diagonaleinträge sind nicht die Eigenwerte (np.linalg.eigvalsh)."
    return report(ok, task, detail, hint)


# ------------------------------------------------------------------ momentum (Folien (55)-(56))
def _momentum_cases(seed: int = 11):
    rng = np.random.default_rng(seed)
    for shape, lr, beta in [((2,), 0.1, 0.9), ((3,), 0.01, 0.5), ((2, 2), 0.3, 0.0)]:
        yield (rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape), lr, beta)


def check_momentum_step(student_fn) -> Feedback:
    """``student_fn(theta, v, grad, lr, beta) -> (theta_new, v_new)`` in the slides' form
    v ← β v + η ∇L, θ ← θ − v (Folien (55)–(56)); checked step by step and over 20 steps
    against ``torch.optim.SGD(momentum=β)`` (the slides' v equals η times torch's buffer)."""
    task = "Momentum-Schritt (Folien (55)–(56))"
    hint = ("Momentum hat ein Gedächtnis: die Geschwindigkeit v mischt die alte Geschwindigkeit "
            "mit dem aktuellen Gradienten, und θ bewegt sich dann um diese Geschwindigkeit.",
            "Reihenfolge beachten: erst v aktualisieren (55), dann θ mit dem NEUEN v (56). In der "
            "Folienform steckt die Lernrate η schon in v.",
            "v ← β·v + η·∇L, dann θ ← θ − v.")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    for theta, v, g, lr, beta in _momentum_cases():
        v_ref = beta * v + lr * g
        th_ref = theta - v_ref
        ran, result = run_student_code(student_fn, theta.copy(), v.copy(), g.copy(), lr, beta)
        if not ran:
            return report(False, task, result, hint)
        if result is None:
            return report_stub(task, hint, NONE_MESSAGE)
        err = _tuple(result, 2, "(theta_new, v_new)")
        if err:
            return report(False, task, err, hint)
        th, vn = result
        ok_v, detail_v = compare(vn, v_ref, _RTOL, _ATOL, name_slips=False)
        ok_t, detail_t = compare(th, th_ref, _RTOL, _ATOL, name_slips=False)
        if ok_v and ok_t:
            continue
        extra = ""
        if _close(vn, beta * v + g):
            extra = " Dein v ist torch' Form (ohne η); in der Folienform steckt η schon in v."
        elif _close(th, theta + v_ref):
            extra = " Das Vorzeichen ist umgedreht: θ wird um v *verringert* (−∇L zeigt bergab)."
        elif _close(th, theta - v):
            extra = " θ muss mit dem neuen v aktualisiert werden, nicht mit dem alten."
        elif beta > 0 and _close(th, theta - lr * g):
            extra = " Das ist ein reiner Gradientenschritt: der Term β·v (das Gedächtnis) fehlt."
        elif _close(vn, beta * v - lr * g):
            extra = (" Das Vorzeichen in v ist umgedreht: die Folien addieren η∇L und ziehen v dann "
                     "von θ ab.")
        part = f"v_new: {detail_v}" if not ok_v else f"theta_new: {detail_t}"
        return report(False, task, f"(lr={lr}, beta={beta}) {part}{extra}", hint)
    # 20 steps against torch.optim.SGD on a quadratic
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    lr, beta = 0.05, 0.9
    theta, v = np.array([1.0, -1.5]), np.zeros(2)
    x = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    opt = TorchOptimKernel(SGD(lr=lr, momentum=beta), [x])  # = torch.optim.SGD's update
    Ht = torch.tensor(H)
    for t in range(20):
        ran, result = run_student_code(student_fn, theta.copy(), v.copy(), H @ theta, lr, beta)
        if not ran or _tuple(result, 2, ""):
            return report(False, task, f"Schritt {t + 1} der 20-Schritt-Probe schlug fehl.", hint)
        theta, v = (np.asarray(r, dtype=np.float64) for r in result)
        opt.zero_grad()
        (0.5 * x @ Ht @ x).backward()
        opt.step()
    ok, detail = compare(theta, x.detach().numpy(), 1e-9, 1e-12)
    if not ok:
        return report(False, task, f"Nach 20 Schritten weicht θ von torch.optim.SGD ab: {detail}", hint)
    return report(True, task, "(3 Einzelschritte und 20 Schritte = torch.optim.SGD(momentum=0.9))", hint)


# ------------------------------------------------------------------ Adam (Folien (57)-(61))
def _adam_variant(theta, m, v, g, t, lr, b1, b2, eps, *, bias=True, eps_inside=False, t_shift=0):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    tt = t + t_shift
    mh = m / (1 - b1 ** tt) if bias else m
    vh = v / (1 - b2 ** tt) if bias else v
    denom = np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps
    return theta - lr * mh / denom, m, v


def check_adam_step(student_fn) -> Feedback:
    """``student_fn(theta, m, v, grad, t, lr, beta1, beta2, eps) -> (theta_new, m_new, v_new)``
    with the step number t = 1, 2, …; ten steps on random gradients must reproduce
    ``torch.optim.Adam`` (float64) parameter by parameter."""
    task = "Adam-Schritt mit Bias-Korrektur (Folien (57)–(61))"
    hint = ("Adam führt zwei gleitende Mittelwerte: einen des Gradienten und einen seines "
            "Quadrats. Weil beide bei 0 starten, sind sie anfangs zu klein und werden korrigiert.",
            "Die Korrektur teilt durch (1 − βᵗ) mit der Schrittnummer t (ab 1); der Schritt ist "
            "der korrigierte erste Moment geteilt durch die Wurzel des korrigierten zweiten, "
            "ε steht außerhalb der Wurzel. Zurückgegeben werden die UNkorrigierten Momente.",
            "m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ); v̂ = v/(1−β₂ᵗ); "
            "θ = θ − lr·m̂/(√v̂ + ε).")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    rng = np.random.default_rng(21)
    lr, b1, b2, eps = 0.01, 0.9, 0.99, 1e-3  # a large eps makes its placement visible
    theta0 = rng.normal(size=3)
    grads = rng.normal(size=(10, 3))
    x = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    opt = TorchOptimKernel(Adam(lr=lr, betas=(b1, b2), eps=eps), [x])  # = torch.optim.Adam's update
    theta, m, v = theta0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        ran, result = run_student_code(student_fn, theta.copy(), m.copy(), v.copy(), g.copy(), t,
                                       lr, b1, b2, eps)
        if not ran:
            return report(False, task, f"Schritt t={t}: {result}", hint)
        if result is None and t == 1:
            return report_stub(task, hint, NONE_MESSAGE)
        err = _tuple(result, 3, "(theta_new, m_new, v_new)")
        if err:
            return report(False, task, err, hint)
        x.grad = torch.tensor(g.copy())
        opt.step()
        expected = x.detach().numpy().copy()
        ok, detail = compare(result[0], expected, 1e-9, 1e-12, name_slips=False)
        if not ok:
            extra = ""
            variants = {
                " Die Bias-Korrektur fehlt (m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)).": dict(bias=False),
                " ε gehört außerhalb der Wurzel: √v̂ + ε.": dict(eps_inside=True),
                " Exponent der Bias-Korrektur um eins verschoben: im t-ten Schritt ist es βᵗ (t ab 1).":
                    dict(t_shift=1),
                " Exponent der Bias-Korrektur um eins verschoben (βᵗ mit t ab 1, nicht βᵗ⁻¹).":
                    dict(t_shift=-1),
            }
            for text, kw in variants.items():
                if t + kw.get("t_shift", 0) < 1:
                    continue
                if _close(result[0], _adam_variant(theta, m, v, g, t, lr, b1, b2, eps, **kw)[0]):
                    extra = text
                    break
            return report(False, task, f"Schritt t={t}, theta_new: {detail}{extra}", hint)
        m_ref = b1 * m + (1 - b1) * g
        v_ref = b2 * v + (1 - b2) * g * g
        for name, got, exp in (("m_new", result[1], m_ref), ("v_new", result[2], v_ref)):
            ok, detail = compare(got, exp, 1e-9, 1e-12)
            if not ok:
                extra = " Gib die *unkorrigierten* Momente zurück; m̂, v̂ werden in jedem Schritt neu berechnet." \
                    if _close(got, exp / (1 - (b1 if name == "m_new" else b2) ** t)) else ""
                return report(False, task, f"Schritt t={t}, {name}: {detail}{extra}", hint)
        theta, m, v = expected, m_ref, v_ref
    return report(True, task, "(10 Schritte = torch.optim.Adam, float64)", hint)


# ------------------------------------------------------------------ minibatch gradient (Folien (84))
def check_minibatch_gradient(student_fn) -> Feedback:
    """``student_fn(theta, x_batch, y_batch) -> grad`` (shape (2,)) of the minibatch loss
    1/(2B) Σ_{i∈B} (w xᵢ + b − yᵢ)² with θ = (w, b): the *mean* over the batch (Folien (84))."""
    task = "Minibatch-Gradient der MSE"
    hint = ("Leite den Minibatch-Verlust nach w und nach b ab; das Ergebnis ist ein Vektor mit "
            "zwei Einträgen. Der Verlust ist ein Mittelwert über den Batch (Folie (84)).",
            "Mit dem Residuum r_i = w·x_i + b − y_i: die Ableitung nach w enthält zusätzlich x_i, "
            "die nach b nicht; der Faktor 1/2 hebt sich gegen die 2 aus dem Quadrat weg.",
            "r = w*x + b - y; Gradient = (np.mean(r * x), np.mean(r)).")
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    rng = np.random.default_rng(31)
    for B in (1, 5, 16):
        theta = rng.normal(size=2)
        xb, yb = rng.normal(size=B), rng.normal(size=B)
        r = theta[0] * xb + theta[1] - yb
        expected = np.array([np.mean(r * xb), np.mean(r)])
        ran, result = run_student_code(student_fn, theta.copy(), xb.copy(), yb.copy())
        if not ran:
            return report(False, task, result, hint)
        if result is None:
            return report_stub(task, hint, NONE_MESSAGE)
        ok, detail = compare(result, expected, _RTOL, _ATOL, name_slips=False)
        if not ok:
            extra = ""
            if B > 1 and _close(result, B * expected):
                extra = " Das ist die Summe über den Batch (Folie (46)); die Verlustfunktion mittelt (Folie (84))."
            elif _close(result, 2 * expected):
                extra = " Faktor 2 zu viel: die Ableitung von ½r² ist r."
            elif _close(result, -expected):
                extra = " Das Vorzeichen ist umgedreht: r = ŷ − y, nicht y − ŷ."
            else:
                detail = compare(result, expected, _RTOL, _ATOL)[1]
            return report(False, task, f"(B={B}) {detail}{extra}", hint)
    return report(True, task, "(Batchgrößen 1, 5, 16 getestet)", hint)
