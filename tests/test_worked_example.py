"""The slides' worked backprop example (dl_helpers.worked_example) against torch autograd."""
import numpy as np
import pytest

from dl_helpers.worked_example import (DEFAULT_TARGET, DEFAULT_U, DEFAULT_W, DEFAULT_X,
                                       slides_example, slides_example_torch)


def _random_case(seed, d_in=3, d_h=4, d_out=2):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=d_in), rng.normal(size=(d_in, d_h)), rng.normal(size=(d_h, d_out)),
            rng.uniform(size=d_out))


@pytest.mark.parametrize("case", ["default", 1, 2, 3])
def test_gradients_match_autograd(case):
    args = (DEFAULT_X, DEFAULT_W, DEFAULT_U, DEFAULT_TARGET) if case == "default" else _random_case(case)
    ex = slides_example(*args)
    loss, gW, gU = slides_example_torch(*args)
    assert abs(ex.loss - loss) <= 1e-12
    np.testing.assert_allclose(ex.grad_W, gW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ex.grad_U, gU, rtol=0, atol=1e-12)


def test_forward_values_by_hand():
    ex = slides_example()
    sig = lambda t: 1.0 / (1.0 + np.exp(-t))  # noqa: E731
    h = np.array([1.0 * 0.5 + 0.5 * 0.2, 1.0 * -0.3 + 0.5 * 0.8])
    np.testing.assert_allclose(ex.h, h, atol=1e-15)
    z = sig(sig(h) @ DEFAULT_U)
    np.testing.assert_allclose(ex.z, z, atol=1e-15)
    assert ex.loss == pytest.approx(np.sum((z - DEFAULT_TARGET) ** 2), abs=1e-15)


def test_update_step_and_layer_convention():
    ex = slides_example(lr=0.1)
    np.testing.assert_allclose(ex.W_new, DEFAULT_W - 0.1 * ex.grad_W)
    np.testing.assert_allclose(ex.U_new, DEFAULT_U - 0.1 * ex.grad_U)
    assert ex.W1.shape == (2, 2) and np.array_equal(ex.W1, DEFAULT_W.T)
    # a step along the negative gradient lowers the loss for a small learning rate
    assert slides_example(W=ex.W_new, U=ex.U_new).loss < ex.loss


def test_finite_differences():
    ex = slides_example()
    eps = 1e-6
    num = np.zeros_like(DEFAULT_W)
    for i in range(2):
        for j in range(2):
            Wp, Wm = DEFAULT_W.copy(), DEFAULT_W.copy()
            Wp[i, j] += eps
            Wm[i, j] -= eps
            num[i, j] = (slides_example(W=Wp).loss - slides_example(W=Wm).loss) / (2 * eps)
    assert np.max(np.abs(num - ex.grad_W)) / np.max(np.abs(ex.grad_W)) < 1e-7


@pytest.mark.parametrize("kwargs, match", [
    (dict(W=np.ones((3, 2))), "W must have shape"),
    (dict(U=np.ones((3, 2))), "U must have shape"),
    (dict(z_target=np.ones(3)), "z_target"),
    (dict(lr=-1.0), "lr"),
    (dict(x="abc"), "x"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        slides_example(**kwargs)
