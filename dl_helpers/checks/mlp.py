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
from ._core import Feedback, check_function, check_value, compare, report, report_stub, run_student_code

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
    hint = ("Zähle Schicht für Schicht: jede Schicht hat eine Gewichtsmatrix und einen Bias. "
            "widths[0] ist die Eingabe und hat selbst keine Parameter.",
            "Schicht l verbindet d_{l−1} Eingänge mit d_l Neuronen: W_l hat d_l × d_{l−1} "
            "Einträge, b_l hat d_l Einträge.",
            "Σ_{l=1..L} (d_{l−1}·d_l + d_l), z. B. sum(a*b + b for a, b in zip(widths, widths[1:])).")
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
    hint = ("Ein Netz ist eine Verkettung: die Ausgabe einer Schicht ist die Eingabe der "
            "nächsten. Eine Schleife über die Schichten genügt.",
            "Jede Schicht rechnet erst die Vor-Aktivierung (lineare Abbildung mit W und b) und "
            "wendet dann ihre eigene Aktivierungsfunktion an. x ist hier EIN Beispiel (1-D).",
            "a = x; für jede Schicht (W, b) mit σ: z = W @ a + b, a = σ(z); am Ende return a.")
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
            return report(False, task, out, hint)
        ok, detail = compare(out, expected, rtol=1e-10, atol=1e-12)
        if not ok:
            return report(False, task, f"Test {trial + 1} (Breiten {widths}, Aktivierungen "
                           f"{act_names}): {detail}", hint)
    return report(True, task, f"({n_trials} zufällige Netze getestet)", None)


def _as_two_layers(params):
    """Extract ((W1, b1), (W2, b2)) from the student's answer or return a German complaint."""
    if params is None:
        return None, "Erhalten None; erwartet ist eine Liste [(W1, b1), (W2, b2)]."
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
    hint = ("Die Konstruktion (28)–(30) funktioniert mit der Sprungfunktion. Wie kann die "
            "Sigmoid einer Sprungfunktion möglichst ähnlich werden?",
            "σ(k·z) wird für großes k immer steiler. Nimm die Gewichte und Biases der "
            "Sprung-Konstruktion und skaliere sie.",
            "Multipliziere alle Gewichte und Biases der Konstruktion (28)–(30) mit k = 10.")
    if params is Ellipsis:
        return report_stub(task, hint)
    layers, problem = _as_two_layers(params)
    if layers is None:
        return report(False, task, problem, hint)
    ran, out = run_student_code(predict, layers, XOR_INPUTS, ["sigmoid", "sigmoid"])
    if not ran:
        return report(False, task, out, hint)
    out = out[:, 0]
    table = ", ".join(f"{tuple(int(v) for v in x)} → {o:.3f}" for x, o in zip(XOR_INPUTS, out))
    worst = float(np.max(np.abs(out - XOR_TARGETS)))
    if worst < tol:
        return report(True, task, f"Ausgaben: {table}.", None)
    return report(False, task, f"Ausgaben: {table}; größte Abweichung vom XOR-Ziel "
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
    hint = ("Probiere die Breiten der Reihe nach aus, statt zu raten: gesucht ist die KLEINSTE "
            "Breite, die die Fehlerschranke unterschreitet.",
            "Erhöhe n in einer Schleife, bis interpolating_network(...).max_error < ε ist, "
            "und gib das erste solche n an.")
    if (rejected := reject_stub_value(value, task, hint)) is not None:
        return rejected
    expected = min_width_reference(target, tol, activation)
    return check_value(value, expected, task=task, rtol=0, atol=0.5, hint=hint)
