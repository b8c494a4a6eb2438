"""Exercise checkers for notebook 00 (Mathe-Refresher).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks._core.Feedback`;
none of them raises, whatever the student passes (including the stub ``...``).

* :func:`check_layer_shapes`        -- shapes in ``Z = A @ W.T + b`` and the parameter count;
* :func:`check_l2_norm`             -- a function computing the Euclidean norm;
* :func:`check_central_difference`  -- a function computing (f(x+h) − f(x−h)) / (2h);
* :func:`check_chain_rule_value`    -- d/dx σ(ln(1 + x²)) at x = 1 (= 2/9);
* :func:`check_quadratic_gradient`  -- a function computing ∇(xᵀAx) = (A + Aᵀ)x.
"""
from __future__ import annotations

import math

import numpy as np

from ._answers import NONE_MESSAGE, STUB_MESSAGE, is_stub, reject_non_function, returns_none
from ._core import Feedback, _compare, _report, check_function, run_student_code

__all__ = ["LAYER_TASK", "check_layer_shapes", "check_l2_norm", "check_central_difference",
           "check_chain_rule_value", "check_quadratic_gradient", "CHAIN_RULE_POINT",
           "chain_rule_reference"]

#: The layer of exercise 1: batch of m rows, d_in inputs, d_out neurons.
LAYER_TASK = {"m": 5, "d_in": 4, "d_out": 3}

#: Exercise 4 asks for d/dx σ(ln(1 + x²)) at this point.
CHAIN_RULE_POINT = 1.0


def _as_shape(answer):
    """Tuple of ints or None (when the answer is not a shape)."""
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        return (int(answer),)
    if isinstance(answer, (tuple, list)) and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in answer):
        return tuple(int(s) for s in answer)
    return None


def check_layer_shapes(shape_Z, shape_b, n_params) -> Feedback:
    """Exercise 1: shapes in a dense layer with the batch as rows (``Z = A @ W.T + b``).

    The layer has ``d_out = 3`` neurons and ``d_in = 4`` inputs; the batch ``A`` has
    ``m = 5`` rows. Expected: ``shape_Z == (5, 3)``, ``shape_b == (3,)``, ``n_params == 15``.
    """
    task = "Formen einer Schicht"
    m, d_in, d_out = LAYER_TASK["m"], LAYER_TASK["d_in"], LAYER_TASK["d_out"]
    if any(is_stub(a) for a in (shape_Z, shape_b, n_params)):
        return _report(False, task, STUB_MESSAGE, "Trage alle drei Antworten ein.")
    problems = []
    sz = _as_shape(shape_Z)
    if sz is None:
        problems.append(f"shape_Z sollte ein Tupel ganzer Zahlen sein, z. B. (2, 7); erhalten {shape_Z!r}.")
    elif sz != (m, d_out):
        if sz == (d_out, m):
            problems.append(f"shape_Z = {sz}: das ist die Spaltenform der Vorlesung (W x). Im Buch "
                            "stehen die Beispiele als Zeilen.")
        else:
            problems.append(f"shape_Z = {sz} stimmt nicht.")
    sb = _as_shape(shape_b)
    if sb is None:
        problems.append(f"shape_b sollte ein Tupel sein, z. B. (7,); erhalten {shape_b!r}.")
    elif sb != (d_out,):
        if sb in ((1, d_out), (d_out, 1)):
            problems.append(f"shape_b = {sb}: b ist ein 1-D-Vektor; NumPy-Broadcasting erledigt den Rest.")
        else:
            problems.append(f"shape_b = {sb} stimmt nicht.")
    expected_params = d_out * d_in + d_out
    try:
        n_ok = float(n_params) == expected_params
    except (TypeError, ValueError):
        n_ok = False
        problems.append(f"n_params sollte eine Zahl sein; erhalten {n_params!r}.")
    else:
        if not n_ok:
            if float(n_params) == d_out * d_in:
                problems.append(f"n_params = {n_params}: die Bias-Einträge fehlen noch.")
            else:
                problems.append(f"n_params = {n_params} stimmt nicht.")
    if problems:
        return _report(False, task, " ".join(problems),
                       "W hat die Form (d_out, d_in); jede Zeile von A ist ein Beispiel; "
                       "b hat einen Eintrag pro Neuron.")
    return _report(True, task, f"Z hat die Form {sz}, b die Form {sb}, "
                               f"die Schicht hat {expected_params} Parameter.", None)


def check_l2_norm(student_fn) -> Feedback:
    """Exercise 2: ``student_fn(x)`` returns ||x||₂ for a 1-D array ``x``."""
    task = "L2-Norm"
    if is_stub(student_fn):
        return _report(False, task, STUB_MESSAGE, None)
    if callable(student_fn):
        # A common slip: forgetting the square root returns ||x||² -- say so explicitly.
        x = np.array([3.0, -4.0, 12.0])
        ran, out = run_student_code(student_fn, x.copy())
        if ran and out is None:
            return _report(False, task, NONE_MESSAGE, None)
        if ran and out is not None:
            ok, _ = _compare(out, 169.0, 1e-9, 1e-12)
            if ok:
                return _report(False, task, f"Für x = (3, -4, 12) kommt {out} heraus: das ist ||x||², "
                                            "nicht ||x||.", "Die Wurzel fehlt noch.")
            ok, _ = _compare(out, 19.0, 1e-9, 1e-12)
            if ok:
                return _report(False, task, "Für x = (3, -4, 12) kommt 19 heraus: das ist die L1-Norm.",
                               "Quadriere die Einträge, summiere, ziehe die Wurzel.")

    def make_inputs(rng):
        return (rng.normal(size=int(rng.integers(1, 9))) * 10.0 ** rng.integers(-2, 3),)

    return check_function(student_fn, reference=lambda x: np.sqrt(np.sum(x * x)),
                          make_inputs=make_inputs, task=task, n_trials=8,
                          hint="||x||₂ = Wurzel aus der Summe der quadrierten Einträge.")


# Test functions for the central difference: (name, f, h) -- smooth, cheap, vectorised.
_FD_CASES = (
    ("sin", np.sin, 1e-3),
    ("exp", np.exp, 1e-4),
    ("x³", lambda x: x ** 3, 1e-2),
    ("tanh", np.tanh, 1e-3),
)


def check_central_difference(student_fn) -> Feedback:
    """Exercise 3: ``student_fn(f, x, h)`` returns (f(x + h) − f(x − h)) / (2h).

    Compared with the same quotient (not with the exact derivative), so the student's
    result must match to rounding; a forward or backward difference is named explicitly.
    """
    task = "Zentraler Differenzenquotient"
    if (rejected := reject_non_function(student_fn, task, None)) is not None:
        return rejected
    if returns_none(student_fn, np.sin, 0.5, 1e-3):
        return _report(False, task, NONE_MESSAGE, None)
    rng = np.random.default_rng(0)
    for name, f, h in _FD_CASES:
        x = float(rng.uniform(-1.5, 1.5))
        expected = (f(x + h) - f(x - h)) / (2 * h)
        ran, out = run_student_code(student_fn, f, x, h)
        if not ran:
            return _report(False, task, out, None)
        ok, detail = _compare(out, expected, 1e-7, 1e-12)
        if ok:
            continue
        forward = (f(x + h) - f(x)) / h
        backward = (f(x) - f(x - h)) / h
        half = (f(x + h) - f(x - h)) / h
        if _compare(out, forward, 1e-9, 1e-12)[0]:
            why = "Das ist der Vorwärts-Differenzenquotient (f(x+h) − f(x))/h."
        elif _compare(out, backward, 1e-9, 1e-12)[0]:
            why = "Das ist der Rückwärts-Differenzenquotient (f(x) − f(x−h))/h."
        elif _compare(out, half, 1e-9, 1e-12)[0]:
            why = "Der Abstand zwischen x−h und x+h ist 2h, nicht h."
        else:
            why = detail
        return _report(False, task, f"Für f = {name}, x = {x:.4f}, h = {h:g}: {why}",
                       "Werte f rechts (x+h) und links (x−h) aus und teile durch den Abstand 2h.")
    return _report(True, task, f"({len(_FD_CASES)} Testfunktionen bestanden)", None)


def _sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u))


def chain_rule_reference(x: float = CHAIN_RULE_POINT) -> float:
    """d/dx σ(ln(1 + x²)) = σ'(u) · 2x / (1 + x²) with u = ln(1 + x²) and σ' = σ(1 − σ)."""
    u = math.log1p(x * x)
    s = _sigmoid(u)
    return s * (1.0 - s) * 2.0 * x / (1.0 + x * x)


def check_chain_rule_value(value) -> Feedback:
    """Exercise 4: the number d/dx σ(ln(1 + x²)) at x = 1 (exactly 2/9)."""
    task = "Kettenregel"
    if is_stub(value):
        return _report(False, task, STUB_MESSAGE, None)
    x = CHAIN_RULE_POINT
    expected = chain_rule_reference(x)
    u = math.log1p(x * x)
    outer_only = _sigmoid(u) * (1 - _sigmoid(u))
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _report(False, task, f"Erwartet war eine Zahl, erhalten {type(value).__name__}.", None)
    if math.isclose(v, expected, rel_tol=1e-6, abs_tol=1e-12):
        return _report(True, task, f"d/dx σ(ln(1+x²)) bei x = 1 ist {expected:.6f} (= 2/9).", None)
    if math.isclose(v, outer_only / (1.0 + x * x), rel_tol=1e-6):
        hint = "Die innere Ableitung von ln(1 + x²) ist 2x/(1 + x²): der Faktor 2x fehlt."
    elif math.isclose(v, outer_only * 2.0 * x, rel_tol=1e-6):
        hint = "Die innere Ableitung von ln(1 + x²) ist 2x/(1 + x²): der Nenner fehlt."
    elif math.isclose(v, _sigmoid(u), rel_tol=1e-6):
        hint = "Das ist σ(u) selbst; gefragt ist die Ableitung."
    else:
        hint = "Äußere Ableitung σ'(u) = σ(u)(1 − σ(u)) an u = ln 2, mal innere Ableitung 2x/(1 + x²)."
    return _report(False, task, f"Erhalten {v:.6g}.", hint)


def check_quadratic_gradient(student_fn) -> Feedback:
    """Exercise 5: ``student_fn(A, x)`` returns ∇ₓ(xᵀAx) = (A + Aᵀ)x for square A of shape (n, n)."""
    task = "Gradient von xᵀAx"
    if is_stub(student_fn):
        return _report(False, task, STUB_MESSAGE, None)
    if callable(student_fn):
        rng = np.random.default_rng(1)
        A = rng.normal(size=(3, 3))
        x = rng.normal(size=3)
        ran, out = run_student_code(student_fn, A.copy(), x.copy())
        if ran and out is None:
            return _report(False, task, NONE_MESSAGE, None)
        if ran:
            if _compare(out, 2 * A @ x, 1e-9, 1e-12)[0]:
                return _report(False, task, "Du gibst 2Ax zurück; das gilt nur für symmetrisches A.",
                               "Leite xᵀAx = Σ_ij x_i a_ij x_j nach x_k ab: x_k kommt als x_i und als x_j vor.")
            if _compare(out, A @ x, 1e-9, 1e-12)[0] or _compare(out, A.T @ x, 1e-9, 1e-12)[0]:
                return _report(False, task, "Du gibst nur einen der beiden Summanden zurück.",
                               "x kommt in xᵀAx zweimal vor: Produktregel!")

    def make_inputs(rng):
        n = int(rng.integers(1, 6))
        return rng.normal(size=(n, n)), rng.normal(size=n)

    return check_function(student_fn, reference=lambda A, x: (A + A.T) @ x, make_inputs=make_inputs,
                          task=task, n_trials=6,
                          hint="∂/∂x_k Σ_ij x_i a_ij x_j = Σ_j a_kj x_j + Σ_i x_i a_ik.")
