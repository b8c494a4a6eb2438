"""Exercise checkers for notebook 02 (MLP and universal approximation; Skript §1 Def. 1.0.3,
Folien (15), (28)–(30)).

Checkers never raise on a wrong answer or on an unsolved stub (``...``); they print German
feedback and return a :class:`~dl_helpers.checks._core.Feedback`.

Checkers::

    check_count_parameters(fn)       fn(widths) -> Σ_l (d_{l−1} d_l + d_l)
    check_forward_pass(fn)           fn(params, x, activations) -> α^(L)(x) for ONE sample x
    check_xor_sigmoid_network(params)  [(W1, b1), (W2, b2)] with sigmoid computes XOR
    check_min_width(value, target, tol)  smallest ReLU width with max error < tol
"""
from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..approximation import interpolating_network
from ..network import Layer, count_parameters, predict
from ._answers import reject_stub_value, reject_unsolved_function
from ._core import Feedback, _compare, _report, check_function, check_value, run_student_code

__all__ = ["check_count_parameters", "check_forward_pass", "check_xor_sigmoid_network",
           "check_min_width", "XOR_INPUTS", "XOR_TARGETS", "min_width_reference"]

#: The four inputs of the XOR truth table (rows) and the targets, Folien (24)–(27).
XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


def check_count_parameters(student_fn) -> Feedback:
    """Check ``student_fn(widths)`` (widths = [d_0, …, d_L]) against Σ (d_{l−1} d_l + d_l)."""
    def make_inputs(rng):
        L = int(rng.integers(1, 6))
        return ([int(d) for d in rng.integers(1, 200, size=L + 1)],)

    task = "Parameterzahl"
    hint = ("Schicht l hat eine Gewichtsmatrix W_l mit d_l × d_{l−1} Einträgen und einen "
            "Bias b_l mit d_l Einträgen; summiere über l = 1, …, L (d_0 ist die Eingabe).")
    if (rejected := reject_unsolved_function(student_fn, task, hint, [2, 3, 1])) is not None:
        return rejected
    return check_function(student_fn, count_parameters, make_inputs, task=task, n_trials=8,
                          rtol=0, atol=0.5, hint=hint)


def check_forward_pass(student_fn) -> Feedback:
    """Check a forward pass for one sample: ``student_fn(params, x, activations)``.

    params : list of (W, b) with W of shape (d_l, d_{l−1}); x : ndarray of shape (d_0,);
    activations : list of L callables σ_l. Expected: α^(L)(x), an ndarray of shape (d_L,).
    """
    task = "Vorwärtsdurchlauf α^(L)(x)"
    hint = ("Starte mit a = x und wiederhole für jede Schicht: z = W @ a + b (α̃), "
            "dann a = σ(z) (α). Gib das letzte a zurück.")
    probe = ([Layer(np.eye(2), np.zeros(2))], np.ones(2), [get_activation("relu")])
    if (rejected := reject_unsolved_function(student_fn, task, hint, *probe)) is not None:
        return rejected
    names = ["relu", "tanh", "sigmoid", "identity"]
    rng = np.random.default_rng(0)
    n_trials = 6
    for trial in range(n_trials):
        widths = [int(d) for d in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
        params = [Layer(rng.normal(size=(o, i)), rng.normal(size=o))
                  for i, o in zip(widths[:-1], widths[1:])]
        act_names = [str(n) for n in rng.choice(names, size=len(params))]
        acts = [get_activation(n) for n in act_names]
        x = rng.normal(size=widths[0])
        expected = predict(params, x[None, :], acts)[0]
        ran, out = run_student_code(student_fn, [Layer(W.copy(), b.copy()) for W, b in params],
                                    x.copy(), acts)
        if not ran:
            return _report(False, task, out, hint)
        ok, detail = _compare(out, expected, rtol=1e-10, atol=1e-12)
        if not ok:
            return _report(False, task, f"Test {trial + 1} (Breiten {widths}, Aktivierungen "
                           f"{act_names}): {detail}", hint)
    return _report(True, task, f"({n_trials} zufällige Netze getestet)", None)


def _as_two_layers(params):
    """Extract ((W1, b1), (W2, b2)) from the student's answer or return a German complaint."""
    if params is Ellipsis or params is None:
        return None, "Noch keine Antwort: ersetze `...` durch [(W1, b1), (W2, b2)]."
    try:
        (W1, b1), (W2, b2) = params
        W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (W1, b1, W2, b2))
    except (TypeError, ValueError):
        return None, "Erwartet ist eine Liste [(W1, b1), (W2, b2)] aus zwei Schichten."
    want = {"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2": (1,)}
    got = {"W1": W1.shape, "b1": b1.shape, "W2": W2.shape, "b2": b2.shape}
    for key, shape in want.items():
        if got[key] != shape:
            return None, f"{key} muss die Form {shape} haben, hat aber {got[key]}."
    if not all(np.all(np.isfinite(a)) for a in (W1, b1, W2, b2)):
        return None, "Die Gewichte enthalten NaN oder unendlich."
    return [Layer(W1, b1), Layer(W2, b2)], ""


def check_xor_sigmoid_network(params, tol: float = 0.1) -> Feedback:
    """Check that a 2-2-1 network with sigmoid in BOTH layers computes XOR within ``tol``.

    params : [(W1, b1), (W2, b2)] with W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,).
    Passes if |f(x) − XOR(x)| < tol for all four inputs of the truth table.
    """
    task = "XOR-Netz mit Sigmoid"
    hint = ("Die Konstruktion (28)–(30) funktioniert mit der Sprungfunktion. Mit der Sigmoid "
            "musst du alle Gewichte und Biases mit einem Faktor k multiplizieren, damit "
            "σ(k·z) der Sprungfunktion nahe kommt (probiere k = 10).")
    layers, problem = _as_two_layers(params)
    if layers is None:
        return _report(False, task, problem, hint)
    ran, out = run_student_code(predict, layers, XOR_INPUTS, ["sigmoid", "sigmoid"])
    if not ran:
        return _report(False, task, out, hint)
    out = out[:, 0]
    table = ", ".join(f"{tuple(int(v) for v in x)} → {o:.3f}" for x, o in zip(XOR_INPUTS, out))
    worst = float(np.max(np.abs(out - XOR_TARGETS)))
    if worst < tol:
        return _report(True, task, f"Ausgaben: {table}.", None)
    return _report(False, task, f"Ausgaben: {table}; größte Abweichung vom XOR-Ziel "
                   f"{worst:.3f} (erlaubt < {tol}).", hint)


def min_width_reference(target, tol: float, activation: str = "relu", max_width: int = 4096) -> int:
    """Smallest width n with ``interpolating_network(target, n, activation).max_error < tol``."""
    for n in range(1, max_width + 1):
        if interpolating_network(target, n, activation).max_error < tol:
            return n
    raise ValueError(f"no width up to max_width={max_width} reaches tol={tol}")


def check_min_width(value, target: str = "sin", tol: float = 0.01,
                    activation: str = "relu") -> Feedback:
    """Check the smallest width of the constructive network with max error below ``tol``."""
    task = f"Minimale Breite ({activation}, Ziel {target!r}, ε = {tol})"
    hint = ("Erhöhe n in einer Schleife, bis interpolating_network(...).max_error < ε ist, "
            "und gib das erste solche n an.")
    if (rejected := reject_stub_value(value, task, hint)) is not None:
        return rejected
    expected = min_width_reference(target, tol, activation)
    return check_value(value, expected, task=task, rtol=0, atol=0.5, hint=hint)
