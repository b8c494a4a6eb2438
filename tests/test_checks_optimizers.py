"""Tests for dl_helpers.checks.optimizers: right answers pass, typical mistakes get a specific
German hint, stubs and crashing code never raise."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers.checks import optimizers as chk
from dl_helpers.landscapes import quadratic_hessian

H = quadratic_hessian((2.0, 50.0), angle=0.5)


# ------------------------------------------------------------------ reference solutions
def momentum_ok(theta, v, grad, lr, beta):
    v = beta * v + lr * grad
    return theta - v, v


def adam_ok(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def minibatch_ok(theta, x, y):
    r = theta[0] * x + theta[1] - y
    return np.array([np.mean(r * x), np.mean(r)])


def stub(*args):
    ...  # TODO


def crash(*args):
    raise RuntimeError("boom")


def test_correct_answers_pass(feedback):
    assert chk.check_stability_limit(2 / np.linalg.eigvalsh(H).max(), H)
    assert chk.check_momentum_step(momentum_ok)
    assert chk.check_adam_step(adam_ok)
    assert chk.check_minibatch_gradient(minibatch_ok)
    out = feedback()
    assert out.count("richtig!") == 4


@pytest.mark.parametrize("checker", [chk.check_momentum_step, chk.check_adam_step,
                                     chk.check_minibatch_gradient])
@pytest.mark.parametrize("fn", [stub, crash, None, 3.0])
def test_stubs_and_crashes_never_raise(checker, fn, feedback):
    fb = checker(fn)
    assert not fb
    assert ("noch nicht gelöst" if fn is stub else "noch nicht richtig") in feedback()


@pytest.mark.parametrize("answer", [None, ..., "0.04", np.nan, [1.0, 2.0]])
def test_stability_limit_stub_answers(answer, feedback):
    assert not chk.check_stability_limit(answer, H)
    assert ("noch nicht gelöst" if answer is Ellipsis else "noch nicht richtig") in feedback()


@pytest.mark.parametrize("answer, phrase", [
    (1 / 50.0, "1/λ_max"),
    (2 / 2.0, "kleinsten Eigenwert"),
    (2 / H.diagonal().max(), "Diagonaleinträge"),
])
def test_stability_limit_mistakes(answer, phrase, feedback):
    assert not chk.check_stability_limit(answer, H)
    assert phrase in feedback()


def _momentum_torch_form(theta, v, grad, lr, beta):
    v = beta * v + grad
    return theta - lr * v, v


def _momentum_wrong_sign(theta, v, grad, lr, beta):
    v = beta * v + lr * grad
    return theta + v, v


def _momentum_old_v(theta, v, grad, lr, beta):
    return theta - v, beta * v + lr * grad


def _momentum_plain_gd(theta, v, grad, lr, beta):
    return theta - lr * grad, beta * v + lr * grad


@pytest.mark.parametrize("fn, phrase", [
    (_momentum_torch_form, "torch' Form"),
    (_momentum_wrong_sign, "Vorzeichen"),
    (_momentum_old_v, "neuen v"),
    (_momentum_plain_gd, "Gedächtnis"),
    (lambda theta, v, grad, lr, beta: theta - lr * grad, "Tupel"),
])
def test_momentum_mistakes(fn, phrase, feedback):
    assert not chk.check_momentum_step(fn)
    assert phrase in feedback()


def _adam(bias=True, eps_inside=False, t_shift=0, corrected_moments=False):
    def fn(theta, m, v, grad, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        tt = t + t_shift
        mh = m / (1 - beta1 ** tt) if bias else m
        vh = v / (1 - beta2 ** tt) if bias else v
        den = np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps
        if corrected_moments:
            return theta - lr * mh / den, mh, vh
        return theta - lr * mh / den, m, v
    return fn


@pytest.mark.parametrize("fn, phrase", [
    (_adam(bias=False), "Bias-Korrektur fehlt"),
    (_adam(eps_inside=True), "außerhalb der Wurzel"),
    (_adam(t_shift=1), "verschoben"),
    (_adam(corrected_moments=True), "unkorrigierten"),
])
def test_adam_mistakes(fn, phrase, feedback):
    assert not chk.check_adam_step(fn)
    assert phrase in feedback()


@pytest.mark.parametrize("fn, phrase", [
    (lambda th, x, y: minibatch_ok(th, x, y) * len(x), "Summe"),
    (lambda th, x, y: 2 * minibatch_ok(th, x, y), "Faktor 2"),
    (lambda th, x, y: -minibatch_ok(th, x, y), "Vorzeichen"),
    (lambda th, x, y: minibatch_ok(th, x, y)[::-1], "Größte Abweichung"),
])
def test_minibatch_mistakes(fn, phrase, feedback):
    assert not chk.check_minibatch_gradient(fn)
    assert phrase in feedback()


def test_checkers_do_not_modify_inputs_of_later_trials():
    """A student function that changes its arguments in place must not corrupt the reference."""
    def inplace_momentum(theta, v, grad, lr, beta):
        v *= beta
        v += lr * grad
        theta -= v
        return theta, v
    assert chk.check_momentum_step(inplace_momentum)
