"""Tests of dl_helpers.activations: NumPy vs torch float64, derivatives vs autograd, properties."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dl_helpers.activations import (ACTIVATIONS, Activation, activation_names, get_activation, sigmoid,
                                    softmax, softmax_jacobian)
from dl_helpers.gradcheck import numerical_gradient
from strategies import extreme_floats, float_arrays, logit_matrices, small_floats

TOL = 1e-10
DIFFERENTIABLE = activation_names(differentiable_only=True)
# A fixed grid that contains the kinks (0) and moderately large values.
GRID = np.r_[np.linspace(-6, 6, 241), [0.0, -0.0, 1e-8, -1e-8, 30.0, -30.0]]


def _torch_value_and_grad(act: Activation, z: np.ndarray):
    """torch value and autograd derivative (None for sign/step: heaviside has no backward)."""
    t = torch.tensor(z, dtype=torch.float64, requires_grad=act.name in DIFFERENTIABLE)
    out = act.f_torch(t)
    if not t.requires_grad:
        return out.numpy(), None
    out.sum().backward()
    return out.detach().numpy(), t.grad.numpy()


def test_table_contents():
    assert set(ACTIVATIONS) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu",
                                "sign", "step"}
    assert "sign" not in DIFFERENTIABLE and "step" not in DIFFERENTIABLE


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_value_matches_torch_on_grid(name):
    act = ACTIVATIONS[name]
    value, _ = _torch_value_and_grad(act, GRID)
    assert act.f(GRID).shape == GRID.shape
    assert np.max(np.abs(act.f(GRID) - value)) <= TOL


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivative_matches_autograd_on_grid(name):
    act = ACTIVATIONS[name]
    _, grad = _torch_value_and_grad(act, GRID)
    assert np.max(np.abs(act.df(GRID, act.f(GRID)) - grad)) <= TOL
    assert np.max(np.abs(act.derivative(GRID) - grad)) <= TOL


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=30, deadline=None)
@given(z=float_arrays())
def test_value_and_derivative_match_torch_any_shape(name, z):
    act = ACTIVATIONS[name]
    value, grad = _torch_value_and_grad(act, z)
    assert act(z).shape == z.shape
    assert np.max(np.abs(act.f(z) - value)) <= TOL
    assert np.max(np.abs(act.derivative(z) - grad)) <= TOL


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivative_matches_central_difference(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 13) + 0.05  # away from the kink at 0
    num = np.array([numerical_gradient(lambda v: act.f(v).sum(), np.array([zi])) for zi in z]).ravel()
    assert np.max(np.abs(num - act.derivative(z))) < 1e-7


@pytest.mark.parametrize("name", ["sign", "step"])
def test_piecewise_constant_have_zero_derivative(name):
    act = ACTIVATIONS[name]
    assert np.all(act.derivative(GRID) == 0.0)


def test_sign_and_step_at_zero():
    assert ACTIVATIONS["step"](np.array([0.0]))[0] == 1.0  # "≥" convention of Folien (18)
    assert ACTIVATIONS["sign"](np.array([0.0]))[0] == 0.0  # numpy/torch convention


@settings(max_examples=60, deadline=None)
@given(z=float_arrays(elements=extreme_floats))
def test_sigmoid_symmetry_and_range(z):
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert np.all((s >= 0) & (s <= 1))
    assert np.allclose(sigmoid(-z), 1.0 - s, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@settings(max_examples=25, deadline=None)
@given(z=float_arrays(elements=extreme_floats))
def test_all_activations_finite_at_extremes(name, z):
    act = ACTIVATIONS[name]
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow warnings
        a = act.f(z)
        d = act.df(z, a)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_f_and_df_accept_python_scalars(name):
    """f/df are called with floats in notebooks; the result equals the array version."""
    act = ACTIVATIONS[name]
    for z in (-1.5, 0.0, 2.0, 3):
        a = act.f(z)
        assert np.shape(a) == () and float(a) == act.f(np.array([float(z)]))[0]
        assert float(act.df(z, a)) == act.df(np.array([float(z)]), np.array([float(a)]))[0]


def test_scalar_input():
    assert sigmoid(np.array(0.0)) == pytest.approx(0.5)
    assert ACTIVATIONS["tanh"].derivative(0.0) == pytest.approx(1.0)


# ------------------------------------------------------------------------ softmax
@settings(max_examples=60, deadline=None)
@given(Z=logit_matrices(elements=extreme_floats))
def test_softmax_rows_sum_to_one_and_stable(Z):
    P = softmax(Z)
    assert np.all(np.isfinite(P)) and np.all(P >= 0)
    assert np.allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(Z=logit_matrices(), c=st.floats(-500, 500))
def test_softmax_shift_invariant(Z, c):
    assert np.allclose(softmax(Z + c), softmax(Z), rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(Z=logit_matrices())
def test_softmax_matches_torch(Z):
    ref = torch.softmax(torch.tensor(Z), dim=1).numpy()
    assert np.max(np.abs(softmax(Z) - ref)) <= TOL


def test_softmax_axis0():
    Z = np.arange(6.0).reshape(2, 3)
    assert np.allclose(softmax(Z, axis=0).sum(axis=0), 1.0)


@settings(max_examples=30, deadline=None)
@given(z=hnp.arrays(np.float64, st.integers(1, 6), elements=small_floats))
def test_softmax_jacobian_matches_autograd(z):
    J_ref = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), torch.tensor(z))
    J = softmax_jacobian(z)
    assert J.shape == (z.size, z.size)
    assert np.max(np.abs(J - J_ref.numpy())) <= TOL
    assert np.allclose(J.sum(axis=0), 0.0, atol=1e-12)  # columns: Σ_i ∂s_i/∂z_j = 0


# ------------------------------------------------------------------------ lookup / bad input
def test_get_activation_lookup():
    assert get_activation("ReLU") is ACTIVATIONS["relu"]
    assert get_activation(sigmoid) is sigmoid


def test_get_activation_unknown_name_lists_choices():
    with pytest.raises(ValueError, match=r"activation 'relu6'.*sigmoid"):
        get_activation("relu6")


def test_get_activation_wrong_type():
    with pytest.raises(TypeError, match="activation"):
        get_activation(3)


def test_softmax_rejects_nan_and_bad_shape():
    with pytest.raises(ValueError, match=r"\bz\b.*NaN"):
        softmax(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"\bz\b.*dimension"):
        softmax(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"\bz\b.*dimension"):
        softmax_jacobian(np.zeros((2, 2)))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_is_preserved(name):
    """σ and σ' keep float32 (the fast study and benchmark paths rely on it)."""
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 13, dtype=np.float32)
    a = act.f(z)
    assert a.dtype == np.float32
    assert act.df(z, a).dtype == np.float32


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_call_and_derivative_keep_float32_and_name_z(name):
    act = ACTIVATIONS[name]
    z32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert act(z32).dtype == np.float32 and act.derivative(z32).dtype == np.float32
    assert act([1, -2]).dtype == np.float64                      # ints become float64
    assert np.allclose(act(z32), act(z32.astype(np.float64)), atol=1e-6)
    with pytest.raises(TypeError, match=r"^z must be array-like"):
        act("1.0")
    with pytest.raises(TypeError, match=r"^z must be array-like"):
        act.derivative(None)


def test_softmax_keeps_float32_and_checks_axis():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    p = softmax(z)
    assert p.dtype == np.float32 and np.allclose(p.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(softmax(z, axis=0).sum(axis=0), 1.0, atol=1e-6)
    assert np.allclose(softmax(z, axis=-2), softmax(z, axis=0))
    before = z.copy()
    softmax(z)
    assert np.array_equal(z, before)                             # input not modified
    for bad in (2, -3, 1.0, True, None):
        with pytest.raises(ValueError, match=r"^axis must be an integer in \[-2, 1\]"):
            softmax(z, axis=bad)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_torch_derivative_matches_autograd(name, dtype):
    """``df_torch`` (no autograd, used by hand-written backward passes) = autograd of f_torch."""
    act = ACTIVATIONS[name]
    z = torch.tensor(GRID, dtype=dtype)
    a = act.f_torch(z)
    df = act.df_torch(z, a)
    assert df.dtype == dtype and df.shape == z.shape
    _, grad = _torch_value_and_grad(act, GRID)
    ref = np.zeros_like(GRID) if grad is None else grad
    tol = TOL if dtype == torch.float64 else 1e-6
    assert np.max(np.abs(df.double().numpy() - ref)) <= tol


def test_softmax_rejects_an_empty_class_axis():
    with pytest.raises(ValueError, match=r"\bz\b.*at least one entry.*axis -1.*\(3, 0\)"):
        softmax(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"\bz\b.*at least one entry.*axis 0"):
        softmax(np.zeros((0, 3)), axis=0)
    assert softmax(np.zeros((0, 3))).shape == (0, 3)     # no rows: nothing to normalise
