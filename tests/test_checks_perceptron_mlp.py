"""Checkers of notebooks 01 and 02: right answers pass, wrong answers and stubs fail quietly."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers.checks import mlp as cm
from dl_helpers.checks import perceptron as cp


def stub(*args, **kwargs):
    ...  # TODO  (what an unsolved exercise cell defines)


def boom(*args, **kwargs):
    raise RuntimeError("kaputt")


#: Answers of the wrong kind: no function at all, or functions returning nonsense.
WRONG_KIND = [stub, boom, 42, ..., "np.sign", None,
              lambda *a: "text", lambda *a: [1, 2, 3], lambda *a: np.zeros((7, 7)),
              lambda *a: ("a", "b"), lambda *a: {"w": 1}, lambda *a: np.nan]


# ------------------------------------------------------------------ notebook 01
def boundary_ok(x1, w, b, theta):
    return (theta - b - w[0] * x1) / w[1]


def boundary_sign_error(x1, w, b, theta):
    return -w[0] / w[1] * x1 - (b + theta) / w[1]


def update_ok(w, b, x, y, lr):
    if y * (w @ x + b) <= 0:
        return w + lr * y * x, b + lr * y
    return w, b


def update_always(w, b, x, y, lr):
    return w + lr * y * x, b + lr * y


def update_strict(w, b, x, y, lr):          # '< 0' never leaves w = 0
    if y * (w @ x + b) < 0:
        return w + lr * y * x, b + lr * y
    return w, b


def update_no_lr(w, b, x, y, lr):            # forgets the learning rate
    if y * (w @ x + b) <= 0:
        return w + y * x, b + y
    return w, b


def update_no_bias(w, b, x, y, lr):
    if y * (w @ x + b) <= 0:
        return w + lr * y * x, b
    return w, b


def novikoff_ok(X, y, w, b):
    Xa = np.hstack([X, np.ones((len(X), 1))])
    v = np.append(w, b)
    return (np.linalg.norm(Xa, axis=1).max() / (np.min(y * (Xa @ v)) / np.linalg.norm(v))) ** 2


def novikoff_not_augmented(X, y, w, b):
    return (np.linalg.norm(X, axis=1).max() / (np.min(y * (X @ w + b)) / np.linalg.norm(w))) ** 2


@pytest.mark.parametrize("checker, good, bads", [
    (cp.check_decision_boundary, boundary_ok, [boundary_sign_error]),
    (cp.check_perceptron_update, update_ok, [update_always, update_strict, update_no_bias,
                                                   update_no_lr]),
    (cp.check_novikoff_bound, novikoff_ok, [novikoff_not_augmented]),
])
def test_function_checkers(checker, good, bads, feedback):
    assert checker(good)
    assert "richtig" in feedback()
    for bad in bads + WRONG_KIND:
        fb = checker(bad)
        assert not fb, bad
        out = feedback()
        if bad is stub or bad is Ellipsis:
            assert "noch nicht gelöst" in out and "Tipp" not in out
        else:
            assert "noch nicht richtig" in out and "Tipp" in out


def test_update_checker_rejects_non_pair(feedback):
    assert not cp.check_perceptron_update(lambda w, b, x, y, lr: w)
    assert "Paar" in feedback()


@pytest.mark.parametrize("checker", [cp.check_decision_boundary, cp.check_perceptron_update,
                                     cp.check_novikoff_bound, cm.check_count_parameters,
                                     cm.check_forward_pass])
def test_stub_and_non_function_messages(checker, feedback):
    """The shared screening (checks._answers) names the problem instead of a generic mismatch."""
    assert not checker(...)
    assert "Du hast noch keine Lösung eingetragen" in feedback()
    assert not checker("not a function")
    assert "Erwartet war eine Funktion, erhalten str" in feedback()
    assert not checker(stub)
    out = feedback()
    assert "gibt noch nichts zurück (None)" in out and "Test 1" not in out   # short message


@pytest.mark.parametrize("checker", [cp.check_xor_best_accuracy, cm.check_min_width])
def test_value_stub_message(checker, feedback):
    assert not checker(...)
    out = feedback()
    assert "noch nicht gelöst" in out and "Du hast noch keine Lösung eingetragen" in out


def test_novikoff_reference_matches_bruteforce_definition():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) + 3.0
    w, b = np.array([1.0, -1.0]), 0.2
    keep = np.abs(X @ w + b) > 0.1
    X = X[keep]
    y = np.sign(X @ w + b)
    R = max(np.sqrt(x @ x + 1.0) for x in X)
    gamma = min(yi * (x @ w + b) for x, yi in zip(X, y)) / np.sqrt(w @ w + b * b)
    assert cp.novikoff_bound_reference(X, y, w, b) == pytest.approx((R / gamma) ** 2, rel=1e-12)


def test_xor_best_accuracy_is_really_three_quarters():
    # brute force over many random lines: never 4/4, 3/4 reached
    rng = np.random.default_rng(1)
    X, t = cm.XOR_INPUTS, cm.XOR_TARGETS
    V = rng.normal(size=(20000, 3))
    pred = (X @ V[:, :2].T + V[:, 2] >= 0)
    acc = (pred == t[:, None].astype(bool)).mean(axis=0)
    assert acc.max() == pytest.approx(0.75)
    assert cp.check_xor_best_accuracy(0.75)
    assert not cp.check_xor_best_accuracy(1.0)
    assert not cp.check_xor_best_accuracy(...)
    assert not cp.check_xor_best_accuracy("0.75")


# ------------------------------------------------------------------ notebook 02
def count_ok(widths):
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def count_no_bias(widths):
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))


def count_input_bias(widths):
    return sum(a * b + a for a, b in zip(widths[:-1], widths[1:]))


def forward_ok(params, x, activations):
    a = x
    for (W, b), sigma in zip(params, activations):
        a = sigma(W @ a + b)
    return a


def forward_activation_first(params, x, activations):
    a = x
    for (W, b), sigma in zip(params, activations):
        a = W @ sigma(a) + b
    return a


def forward_no_last_activation(params, x, activations):
    a = x
    for l, ((W, b), sigma) in enumerate(zip(params, activations)):
        z = W @ a + b
        a = z if l == len(params) - 1 else sigma(z)
    return a


@pytest.mark.parametrize("checker, good, bads", [
    (cm.check_count_parameters, count_ok, [count_no_bias, count_input_bias]),
    (cm.check_forward_pass, forward_ok, [forward_activation_first, forward_no_last_activation]),
])
def test_mlp_function_checkers(checker, good, bads, feedback):
    assert checker(good)
    feedback()
    for bad in bads + WRONG_KIND:
        assert not checker(bad), bad
        out = feedback()
        assert ("noch nicht gelöst" if bad is stub or bad is Ellipsis else "noch nicht richtig") in out


def _xor_layers(k):
    W1 = k * np.array([[1.0, 1.0], [-1.0, -1.0]])
    b1 = k * np.array([-0.5, 1.5])
    W2 = k * np.array([[1.0, 1.0]])
    b2 = k * np.array([-1.5])
    return [(W1, b1), (W2, b2)]


def test_xor_checker_rejects_lecture_weights_and_accepts_scaled(feedback):
    assert not cm.check_xor_sigmoid_network(_xor_layers(1.0))   # Folien (28)-(30) as printed
    assert "0.424" in feedback()
    assert cm.check_xor_sigmoid_network(_xor_layers(10.0))


@pytest.mark.parametrize("answer", [..., None, [(1, 2)], [(np.eye(3), np.zeros(3)), (1, 1)],
                                    [(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.full(1, np.nan))]])
def test_xor_checker_survives_bad_answers(answer, feedback):
    assert not cm.check_xor_sigmoid_network(answer)
    assert ("noch nicht gelöst" if answer is Ellipsis else "noch nicht richtig") in feedback()


def test_min_width_checker():
    n = cm.min_width_reference("sin", 0.01)
    # the ReLU interpolant's error bound h²π²/8 ≤ 0.01 with h = 2/n gives n ≥ π·√50 ≈ 22.2
    assert n <= 23
    from dl_helpers.approximation import interpolating_network
    assert interpolating_network("sin", n, "relu").max_error < 0.01
    assert interpolating_network("sin", n - 1, "relu").max_error >= 0.01
    assert cm.check_min_width(n, "sin", 0.01)
    assert not cm.check_min_width(n + 1, "sin", 0.01)
    assert not cm.check_min_width(..., "sin", 0.01)
