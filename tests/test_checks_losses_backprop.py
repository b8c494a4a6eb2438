"""Exercise checkers of notebooks 03 and 04: accept correct answers, reject typical mistakes
with a German message, never raise (also not on the notebook stubs)."""
import numpy as np
import pytest

from dl_helpers.checks import backprop as cb
from dl_helpers.checks import losses as cl
from dl_helpers.worked_example import slides_example


# ------------------------------------------------------------------ reference solutions
def mse_ok(y_hat, y):
    return np.sum((y_hat - y) ** 2) / (2 * y_hat.shape[0])


def bce_ok(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def lse_ok(Z):
    c = Z.max(axis=1, keepdims=True)
    return (c + np.log(np.exp(Z - c).sum(axis=1, keepdims=True)))[:, 0]


def cce_ok(Z, y):
    return np.mean(lse_ok(Z) - Z[np.arange(len(y)), y])


def dense_ok(dZ, A_prev, W):
    return dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W


def aug_ok(dZ, A_prev):
    return dZ.T @ np.hstack([A_prev, np.ones((A_prev.shape[0], 1))])


def central_ok(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        g[idx] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def stub(*args):  # what the student's "... # TODO" cell defines
    ...


CORRECT = [
    (cl.check_mse, mse_ok), (cl.check_bce_with_logits, bce_ok), (cl.check_logsumexp, lse_ok),
    (cl.check_cce_with_logits, cce_ok), (cb.check_dense_backward, dense_ok),
    (cb.check_augmented_gradient, aug_ok), (cb.check_central_difference, central_ok),
]


@pytest.mark.parametrize("checker, fn", CORRECT, ids=lambda v: getattr(v, "__name__", ""))
def test_correct_solution_accepted(checker, fn, feedback):
    assert checker(fn)
    assert "richtig" in feedback()


@pytest.mark.parametrize("checker", [c for c, _ in CORRECT], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [stub, None, 3.0, lambda *a: 1 / 0, lambda *a: "text"])
def test_stub_and_garbage_rejected_without_raising(checker, bad, feedback):
    assert not checker(bad)
    assert ("noch nicht gelöst" if bad is stub else "noch nicht richtig") in feedback()


@pytest.mark.parametrize("checker, answer", [
    (cb.check_hidden_delta, ...), (cb.check_hidden_delta, None), (cb.check_hidden_delta, [1.0]),
    (cl.check_logistic_at_boundary, ...), (cl.check_logistic_at_boundary, 0.0),
])
def test_value_checkers_reject_without_raising(checker, answer, feedback):
    assert not checker(answer)
    assert ("noch nicht gelöst" if answer is Ellipsis else "noch nicht richtig") in feedback()


def test_value_checkers_accept():
    ex = slides_example(x=cb.EXERCISE_X, z_target=cb.EXERCISE_TARGET)
    assert cb.check_hidden_delta(ex.y * (1 - ex.y) * (ex.U @ ex.delta_out))
    assert cl.check_logistic_at_boundary(np.log(2))


# ------------------------------------------------------------ typical mistakes, with diagnosis
def test_mse_missing_half(feedback):
    assert not cl.check_mse(lambda yh, y: np.sum((yh - y) ** 2) / yh.shape[0])
    assert "1/2" in feedback()


def test_mse_mean_over_all_entries(feedback):
    assert not cl.check_mse(lambda yh, y: np.mean((yh - y) ** 2))
    out = feedback()
    assert "noch nicht richtig" in out


def test_naive_bce_fails_on_large_logits(feedback):
    def naive(z, y):
        p = 1 / (1 + np.exp(-z))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert not cl.check_bce_with_logits(naive)
    out = feedback()
    assert "1000" in out and "NaN" in out


def test_bce_without_minus_sign(feedback):  # the Skript's version
    assert not cl.check_bce_with_logits(lambda z, y: -bce_ok(z, y))
    assert "Minuszeichen" in feedback()


def test_naive_logsumexp_and_cce(feedback):
    assert not cl.check_logsumexp(lambda Z: np.log(np.exp(Z).sum(axis=1)))
    assert "Zeilenmaximum" in feedback()

    def naive_cce(Z, y):
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        return -np.mean(np.log(P[np.arange(len(y)), y]))
    assert not cl.check_cce_with_logits(naive_cce)
    out = feedback()
    assert "noch nicht richtig" in out and "logsumexp" in out

    def cce_without_minus(Z, y):
        lse = np.log(np.exp(Z - Z.max(1, keepdims=True)).sum(1)) + Z.max(1)
        return np.mean(Z[np.arange(len(y)), y] - lse)
    assert not cl.check_cce_with_logits(cce_without_minus)
    assert "Minuszeichen" in feedback()


def test_skript_cce_rejected():
    """The Skript's 'categorical' CE (sum of per-class binary CEs, without minus) is wrong."""
    def skript_cce(Z, y):
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        Y = np.eye(Z.shape[1])[y]
        return np.mean(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1))
    assert not cl.check_cce_with_logits(skript_cce)


def test_hidden_delta_transposed(feedback):
    ex = slides_example(x=cb.EXERCISE_X, z_target=cb.EXERCISE_TARGET)
    assert not cb.check_hidden_delta(ex.y * (1 - ex.y) * (ex.U.T @ ex.delta_out))
    assert "transponiert" in feedback()
    assert not cb.check_hidden_delta(ex.delta_hidden / 2)
    assert "Faktor 2" in feedback()
    # the default example's δ (wrong input) is not accepted
    assert not cb.check_hidden_delta(slides_example().delta_hidden)


def test_dense_backward_mistakes(feedback):
    assert not cb.check_dense_backward(lambda dZ, A, W: (A.T @ dZ, dZ.sum(0), dZ @ W))
    assert not cb.check_dense_backward(lambda dZ, A, W: (dZ.T @ A, dZ, dZ @ W))
    assert not cb.check_dense_backward(lambda dZ, A, W: dZ.T @ A)
    assert not cb.check_dense_backward(lambda dZ, A, W: (dZ.T @ A, dZ.sum(0)))
    out = feedback()
    assert out.count("noch nicht richtig") == 4 and "Tupel" in out and "2 Einträgen" in out


def test_augmented_missing_bias_column(feedback):
    assert not cb.check_augmented_gradient(lambda dZ, A: dZ.T @ A)
    assert "Bias-Spalte" in feedback()


def test_central_difference_mistakes(feedback):
    def forward_diff(f, x, eps=1e-6):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[idx] = eps
            g[idx] = (f(x + e) - f(x)) / eps
        return g

    def mutating(f, x, eps=1e-6):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            x[idx] += eps
            fp = f(x)
            x[idx] -= 2 * eps
            g[idx] = (fp - f(x)) / (2 * eps)
        return g

    assert not cb.check_central_difference(forward_diff)
    assert not cb.check_central_difference(lambda f, x, eps=1e-6: 2 * central_ok(f, x, eps))
    assert "2ε" in feedback()
    assert not cb.check_central_difference(mutating)
    assert "verändert" in feedback()


def test_untouched_stub_gets_an_explicit_message(feedback):
    assert not cl.check_logistic_at_boundary(...)
    assert not cb.check_hidden_delta(...)
    out = feedback()
    assert out.count("Du hast noch keine Lösung eingetragen") == 2
    assert out.count("noch nicht gelöst") == 2 and "Tipp" not in out
