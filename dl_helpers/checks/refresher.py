"""Exercise checkers for notebook 00 (Mathe-Refresher).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks._core.Feedback`;
none of them raises, whatever the student passes (including the stub ``...``). Hints come in
levels (conceptual first, the formula last; see :mod:`dl_helpers.checks._core`).

* :func:`check_layer_shapes`        -- shapes in ``Z = A @ W.T + b`` and the parameter count;
* :func:`check_l2_norm`             -- a function computing the Euclidean norm;
* :func:`check_central_difference`  -- a function computing (f(x+h) − f(x−h)) / (2h);
* :func:`check_chain_rule`          -- a function computing d/dx σ(ln(1 + x²)), checked at
  :data:`CHAIN_RULE_POINTS`, where no factor of the chain rule is 0 or ±1;
* :func:`check_quadratic_gradient`  -- a function computing ∇(xᵀAx) = (A + Aᵀ)x.
"""
from __future__ import annotations

import math

import numpy as np

from ._answers import is_stub, reject_unsolved_function
from ._core import Feedback, check_function, compare, report, report_stub, run_student_code

__all__ = ["LAYER_TASK", "check_layer_shapes", "check_l2_norm", "check_central_difference",
           "check_chain_rule", "check_chain_rule_value", "check_quadratic_gradient",
           "CHAIN_RULE_POINTS", "chain_rule_reference", "chain_rule_factors"]

#: The layer of exercise 1: batch of m rows, d_in inputs, d_out neurons.
LAYER_TASK = {"m": 5, "d_in": 4, "d_out": 3}

#: Exercise 4 checks d/dx σ(ln(1 + x²)) at these points. At x = 1 the inner derivative
#: 2x/(1 + x²) is 1 and at x = 0.5 the factor 2x is 1: a missing factor would go unnoticed.
CHAIN_RULE_POINTS = (-1.5, 0.3, 2.5)


def _as_shape(answer):
    """Tuple of ints or None (when the answer is not a shape)."""
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        return (int(answer),)
    if isinstance(answer, (tuple, list)) and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in answer):
        return tuple(int(s) for s in answer)
    return None


LAYER_HINT = ("Überlege für jede Größe, welche Achse wofür steht: eine Zeile von A ist ein Beispiel, "
              "eine Spalte von Z gehört zu einem Neuron.",
              "W hat die Form (d_out, d_in); Z = A @ W.T + b hat eine Zeile pro Beispiel und eine "
              "Spalte pro Neuron; b hat einen Eintrag pro Neuron.",
              "Parameter: alle Einträge von W (d_out · d_in) plus alle Einträge von b (d_out).")


def check_layer_shapes(shape_Z, shape_b, n_params) -> Feedback:
    """Exercise 1: shapes in a dense layer with the batch as rows (``Z = A @ W.T + b``).

    The layer has ``d_out = 3`` neurons and ``d_in = 4`` inputs; the batch ``A`` has
    ``m = 5`` rows. Expected: ``shape_Z == (5, 3)``, ``shape_b == (3,)``, ``n_params == 15``.
    """
    task = "Formen einer Schicht"
    m, d_in, d_out = LAYER_TASK["m"], LAYER_TASK["d_in"], LAYER_TASK["d_out"]
    if all(is_stub(a) for a in (shape_Z, shape_b, n_params)):
        return report_stub(task, LAYER_HINT)
    problems = []
    sz = _as_shape(shape_Z)
    if is_stub(shape_Z):
        problems.append("shape_Z fehlt noch (steht noch `...`).")
    elif sz is None:
        problems.append(f"shape_Z sollte ein Tupel ganzer Zahlen sein, z. B. (2, 7); erhalten {shape_Z!r}.")
    elif sz != (m, d_out):
        if sz == (d_out, m):
            problems.append(f"shape_Z = {sz}: das ist die Spaltenform der Vorlesung (W x), also "
                            "transponiert. Im Buch stehen die Beispiele als Zeilen.")
        else:
            problems.append(f"shape_Z = {sz} stimmt nicht.")
    sb = _as_shape(shape_b)
    if is_stub(shape_b):
        problems.append("shape_b fehlt noch (steht noch `...`).")
    elif sb is None:
        problems.append(f"shape_b sollte ein Tupel sein, z. B. (7,); erhalten {shape_b!r}.")
    elif sb != (d_out,):
        if sb in ((1, d_out), (d_out, 1)):
            problems.append(f"shape_b = {sb}: b ist ein 1-D-Vektor; NumPy-Broadcasting erledigt den Rest.")
        else:
            problems.append(f"shape_b = {sb} stimmt nicht.")
    expected_params = d_out * d_in + d_out
    if is_stub(n_params):
        problems.append("n_params fehlt noch (steht noch `...`).")
    else:
        try:
            n_ok = float(n_params) == expected_params
        except (TypeError, ValueError):
            problems.append(f"n_params sollte eine Zahl sein; erhalten {n_params!r}.")
        else:
            if not n_ok:
                if float(n_params) == d_out * d_in:
                    problems.append(f"n_params = {n_params}: die Bias-Einträge fehlen noch.")
                else:
                    problems.append(f"n_params = {n_params} stimmt nicht.")
    if problems:
        return report(False, task, " ".join(problems), LAYER_HINT)
    return report(True, task, f"Z hat die Form {sz}, b die Form {sb}, "
                              f"die Schicht hat {expected_params} Parameter.")


L2_HINT = ("Die L2-Norm ist die gewöhnliche Länge eines Vektors (Satz des Pythagoras in d "
           "Dimensionen).",
           "Quadriere jeden Eintrag, summiere die Quadrate und ziehe am Ende die Wurzel.",
           "||x||₂ = np.sqrt(np.sum(x**2)).")


def check_l2_norm(student_fn) -> Feedback:
    """Exercise 2: ``student_fn(x)`` returns ||x||₂ for a 1-D array ``x``."""
    task = "L2-Norm"
    if (rejected := reject_unsolved_function(student_fn, task, L2_HINT, np.ones(3))) is not None:
        return rejected
    # Common slips named explicitly: the missing square root (||x||²) and the L1 norm.
    x = np.array([3.0, -4.0, 12.0])
    ran, out = run_student_code(student_fn, x.copy())
    if ran and compare(out, 169.0, 1e-9, 1e-12)[0]:
        return report(False, task, f"Für x = (3, -4, 12) kommt {out} heraus: das ist ||x||², "
                                   "nicht ||x||: die Wurzel fehlt.", L2_HINT)
    if ran and compare(out, 19.0, 1e-9, 1e-12)[0]:
        return report(False, task, "Für x = (3, -4, 12) kommt 19 heraus: das ist die L1-Norm "
                                   "(Summe der Beträge).", L2_HINT)

    def make_inputs(rng):
        return (rng.normal(size=int(rng.integers(1, 9))) * 10.0 ** rng.integers(-2, 3),)

    return check_function(student_fn, reference=lambda x: np.sqrt(np.sum(x * x)),
                          make_inputs=make_inputs, task=task, n_trials=8, hint=L2_HINT)


# Test functions for the central difference: (name, f, h) -- smooth, cheap, vectorised.
_FD_CASES = (
    ("sin", np.sin, 1e-3),
    ("exp", np.exp, 1e-4),
    ("x³", lambda x: x ** 3, 1e-2),
    ("tanh", np.tanh, 1e-3),
)

FD_HINT = ("Der zentrale Quotient schaut symmetrisch um x: einmal ein Stück nach rechts, einmal "
           "gleich weit nach links.",
           "Werte f an x + h und an x − h aus und teile die Differenz durch den Abstand der "
           "beiden Stellen.",
           "(f(x + h) − f(x − h)) / (2 * h).")


def check_central_difference(student_fn) -> Feedback:
    """Exercise 3: ``student_fn(f, x, h)`` returns (f(x + h) − f(x − h)) / (2h).

    Compared with the same quotient (not with the exact derivative), so the student's
    result must match to rounding; a forward or backward difference is named explicitly.
    """
    task = "Zentraler Differenzenquotient"
    if (rejected := reject_unsolved_function(student_fn, task, FD_HINT, np.sin, 0.5, 1e-3)) is not None:
        return rejected
    rng = np.random.default_rng(0)
    for name, f, h in _FD_CASES:
        x = float(rng.uniform(-1.5, 1.5))
        expected = (f(x + h) - f(x - h)) / (2 * h)
        ran, out = run_student_code(student_fn, f, x, h)
        if not ran:
            return report(False, task, out, FD_HINT)
        ok, detail = compare(out, expected, 1e-7, 1e-12)
        if ok:
            continue
        forward = (f(x + h) - f(x)) / h
        backward = (f(x) - f(x - h)) / h
        if compare(out, forward, 1e-9, 1e-12)[0]:
            why = "Das ist der Vorwärts-Differenzenquotient: er schaut nur nach rechts."
        elif compare(out, backward, 1e-9, 1e-12)[0]:
            why = "Das ist der Rückwärts-Differenzenquotient: er schaut nur nach links."
        else:
            why = detail
        return report(False, task, f"Für f = {name}, x = {x:.4f}, h = {h:g}: {why}", FD_HINT)
    return report(True, task, f"({len(_FD_CASES)} Testfunktionen bestanden)")


def _sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u))


def chain_rule_factors(x: float) -> dict[str, float]:
    """The factors of d/dx σ(ln(1 + x²)) = σ'(u) · 2x · 1/(1 + x²), u = ln(1 + x²)."""
    s = _sigmoid(math.log1p(x * x))
    return {"σ'(u)": s * (1.0 - s), "2x": 2.0 * x, "1/(1+x²)": 1.0 / (1.0 + x * x)}


def chain_rule_reference(x: float) -> float:
    """d/dx σ(ln(1 + x²)) = σ'(u) · 2x / (1 + x²) with u = ln(1 + x²) and σ' = σ(1 − σ) (9), (11)."""
    return math.prod(chain_rule_factors(x).values())


CHAIN_HINT = ("Die Funktion ist eine Verkettung: außen σ, innen u(x) = ln(1 + x²). Nach der "
              "Kettenregel (9) brauchst du beide Ableitungen.",
              "Die äußere Ableitung kennst du aus (11): σ'(u) = σ(u)(1 − σ(u)), ausgewertet an "
              "u = ln(1 + x²). Die innere Ableitung ist selbst wieder eine Kette (ln außen, "
              "1 + x² innen).",
              "d/dx σ(ln(1 + x²)) = σ(u)(1 − σ(u)) · 2x / (1 + x²) mit u = ln(1 + x²).")


def check_chain_rule(student_fn) -> Feedback:
    """Exercise 4: ``student_fn(x)`` returns d/dx σ(ln(1 + x²)) for a float x.

    Checked at :data:`CHAIN_RULE_POINTS`, where none of the factors σ'(u), 2x, 1/(1 + x²) is
    0 or ±1, so forgetting any of them is noticed; the missing factor is named.
    """
    task = "Kettenregel"
    if not callable(student_fn) and not is_stub(student_fn):
        return report(False, task, "Gesucht ist jetzt eine Funktion dfdx(x), die für jedes x "
                                   f"die Ableitung liefert; erhalten {type(student_fn).__name__}.",
                      CHAIN_HINT)
    if (rejected := reject_unsolved_function(student_fn, task, CHAIN_HINT, 1.0)) is not None:
        return rejected
    for x in CHAIN_RULE_POINTS:
        expected = chain_rule_reference(x)
        ran, out = run_student_code(student_fn, x)
        if not ran:
            return report(False, task, out, CHAIN_HINT)
        ok, detail = compare(out, expected, 1e-6, 1e-12)
        if ok:
            continue
        f = chain_rule_factors(x)
        missing = {  # answer = expected / factor  ->  what the student left out
            "Die äußere Ableitung σ'(u) fehlt.": f["σ'(u)"],
            "Die innere Ableitung fehlt ganz: u(x) = ln(1 + x²) hängt von x ab.": f["2x"] * f["1/(1+x²)"],
            "Die innere Ableitung ist unvollständig: ln(1 + x²) ist selbst eine Verkettung, "
            "deren innere Ableitung fehlt.": f["2x"],
            "Die innere Ableitung ist unvollständig: die Ableitung des Logarithmus fehlt.":
                f["1/(1+x²)"],
        }
        why = detail
        for text, factor in missing.items():
            if compare(out, expected / factor, 1e-6, 1e-12)[0]:
                why = f"{text} (Erhalten {float(np.asarray(out)):.6g}, erwartet {expected:.6g}.)"
                break
        else:
            if compare(out, _sigmoid(math.log1p(x * x)), 1e-6, 1e-12)[0]:
                why = "Das ist der Funktionswert σ(u) selbst; gefragt ist die Ableitung."
        return report(False, task, f"An der Stelle x = {x}: {why}", CHAIN_HINT)
    points = ", ".join(str(x) for x in CHAIN_RULE_POINTS)
    return report(True, task, f"(geprüft an x = {points}; bei x = 1 ergibt sich "
                              f"{chain_rule_reference(1.0):.6f} = 2/9)")


check_chain_rule_value = check_chain_rule  # former name


QUAD_HINT = ("x kommt in xᵀAx zweimal vor (links und rechts von A): beide Vorkommen tragen zum "
             "Gradienten bei, wie bei der Produktregel.",
             "Schreibe xᵀAx = Σ_ij x_i a_ij x_j und leite nach x_k ab: x_k steht einmal als x_i "
             "und einmal als x_j in der Summe.",
             "∇ₓ(xᵀAx) = (A + Aᵀ) x.")


def check_quadratic_gradient(student_fn) -> Feedback:
    """Exercise 5: ``student_fn(A, x)`` returns ∇ₓ(xᵀAx) = (A + Aᵀ)x for square A of shape (n, n)."""
    task = "Gradient von xᵀAx"
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    if (rejected := reject_unsolved_function(student_fn, task, QUAD_HINT, A.copy(), x.copy())) is not None:
        return rejected
    ran, out = run_student_code(student_fn, A.copy(), x.copy())
    if ran:
        if compare(out, 2 * A @ x, 1e-9, 1e-12)[0]:
            return report(False, task, "Du gibst 2Ax zurück; das gilt nur für symmetrisches A.",
                          QUAD_HINT)
        if compare(out, A @ x, 1e-9, 1e-12)[0] or compare(out, A.T @ x, 1e-9, 1e-12)[0]:
            return report(False, task, "Du gibst nur einen der beiden Summanden zurück.", QUAD_HINT)

    def make_inputs(rng):
        n = int(rng.integers(2, 6))
        return rng.normal(size=(n, n)), rng.normal(size=n)

    return check_function(student_fn, reference=lambda A, x: (A + A.T) @ x, make_inputs=make_inputs,
                          task=task, n_trials=6, hint=QUAD_HINT)
