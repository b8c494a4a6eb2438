"""Tests of dl_helpers.losses: torch parity (value + autograd gradient), gradient checks,
properties (non-negative, stable at ±1000), the lecture's sign errors, and bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers.activations import sigmoid, softmax
from dl_helpers.gradcheck import gradient_check
from dl_helpers.losses import (LOSSES, Loss, bce, bce_grad, bce_with_logits, bce_with_logits_grad, cce,
                               cce_grad, cce_with_logits, cce_with_logits_grad, get_loss,
                               logistic_loss, logistic_loss_grad, loss_names, mse, mse_grad, one_hot)
from strategies import (binary_problems, class_problems, extreme_floats, pm1_problems,
                        probability_vectors, regression_problems)

TOL = 1e-10


def _problem(name: str, rng: np.random.Generator, m: int = 6, k: int = 4, column: bool = False):
    """A random (output, target) pair valid for loss ``name``."""
    shape = (m, 1) if column else (m,)
    if name == "mse":
        return rng.normal(size=(m, k)), rng.normal(size=(m, k))
    if name == "logistic":
        return 3 * rng.normal(size=shape), rng.choice([-1.0, 1.0], size=m)
    if name == "bce":
        return rng.uniform(0.02, 0.98, size=shape), rng.integers(0, 2, size=m).astype(float)
    if name == "bce_with_logits":
        return 4 * rng.normal(size=shape), rng.integers(0, 2, size=m).astype(float)
    if name == "cce":
        return softmax(rng.normal(size=(m, k))), rng.integers(0, k, size=m)
    if name == "cce_with_logits":
        return 3 * rng.normal(size=(m, k)), rng.integers(0, k, size=m)
    raise AssertionError(name)


def _torch_reference(name, out, y):
    """Independent torch.nn.functional reference (not the table's twin) and its gradient."""
    t = torch.tensor(out, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y)
    if name == "mse":
        K = out.shape[1] if out.ndim == 2 else 1
        val = 0.5 * K * F.mse_loss(t, ty.double().reshape(t.shape))  # F averages over m·K, no 1/2
    elif name == "logistic":
        val = F.soft_margin_loss(t, ty.double().reshape(t.shape))
    elif name == "bce":
        val = F.binary_cross_entropy(t, ty.double().reshape(t.shape))
    elif name == "bce_with_logits":
        val = F.binary_cross_entropy_with_logits(t, ty.double().reshape(t.shape))
    elif name == "cce":
        val = F.nll_loss(torch.log(t), ty.long()) if ty.dim() == 1 else -(ty * torch.log(t)).sum() / len(t)
    elif name == "cce_with_logits":
        val = F.cross_entropy(t, ty.long() if ty.dim() == 1 else ty.double())
    val.backward()
    return val.item(), t.grad.numpy()


def test_table():
    assert loss_names() == ["mse", "logistic", "bce", "bce_with_logits", "cce", "cce_with_logits"]
    for name, loss in LOSSES.items():
        assert isinstance(loss, Loss) and loss.name == name
        assert get_loss(name.upper()) is loss and get_loss(loss) is loss


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("seed", range(5))
def test_value_and_grad_match_torch(name, seed):
    rng = np.random.default_rng(seed)
    out, y = _problem(name, rng, column=bool(seed % 2))
    loss = LOSSES[name]
    ref_val, ref_grad = _torch_reference(name, out, y)
    assert abs(loss.value(out, y) - ref_val) <= TOL
    g = loss.grad(out, y)
    assert g.shape == out.shape
    assert np.max(np.abs(g - ref_grad)) <= TOL


@pytest.mark.parametrize("name", list(LOSSES))
def test_torch_twin_in_table_matches(name):
    rng = np.random.default_rng(11)
    out, y = _problem(name, rng, column=True)
    t = torch.tensor(out, requires_grad=True)
    val = LOSSES[name].value_torch(t, torch.tensor(y))
    val.backward()
    assert abs(val.item() - LOSSES[name].value(out, y)) <= TOL
    assert np.max(np.abs(t.grad.numpy() - LOSSES[name].grad(out, y))) <= TOL


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("seed", range(3))
def test_gradient_check(name, seed):
    rng = np.random.default_rng(100 + seed)
    out, y = _problem(name, rng)
    loss = LOSSES[name]
    if name == "cce":  # P must stay a probability matrix: check along the softmax chart instead
        Z = np.log(out)
        res = gradient_check(lambda z: loss.value(softmax(z), y),
                             lambda z: _cce_chain(z, y), Z)
    else:
        res = gradient_check(lambda o: loss.value(o, y), lambda o: loss.grad(o, y), out)
    assert res.rel_error < 1e-7, res.rel_error


def _cce_chain(Z, y):
    """∂cce(softmax(Z))/∂Z via cce_grad and the softmax Jacobian, row by row."""
    P = softmax(Z)
    G = cce_grad(P, y)
    return np.stack([(np.diag(p) - np.outer(p, p)) @ g for p, g in zip(P, G)])


def test_cce_grad_elementwise_central_difference():
    """cce_grad also directly: perturb single entries of P (no renormalisation needed)."""
    P = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    y = np.array([1, 2])
    res = gradient_check(lambda p: cce(np.clip(p, 0, 1), y), lambda p: cce_grad(p, y), P)
    assert res.rel_error < 1e-7


def test_fused_gradients_equal_chain_rule():
    rng = np.random.default_rng(3)
    z, y = 2 * rng.normal(size=7), rng.integers(0, 2, 7).astype(float)
    p = sigmoid(z)
    assert np.allclose(bce_with_logits_grad(z, y), bce_grad(p, y) * p * (1 - p), atol=1e-14)
    Z, labels = rng.normal(size=(5, 3)), rng.integers(0, 3, 5)
    assert np.allclose(cce_with_logits_grad(Z, labels), _cce_chain(Z, labels), atol=1e-14)
    assert np.isclose(bce_with_logits(z, y), bce(p, y), atol=1e-12)
    assert np.isclose(cce_with_logits(Z, labels), cce(softmax(Z), labels), atol=1e-12)


def test_logistic_equals_bce_with_logits_of_shifted_labels():
    rng = np.random.default_rng(5)
    f, y01 = 3 * rng.normal(size=9), rng.integers(0, 2, 9).astype(float)
    assert np.isclose(logistic_loss(f, 2 * y01 - 1), bce_with_logits(f, y01), atol=1e-13)


def test_worked_values():
    # MSE with the 1/(2m): ((1-0)² + (2-4)²) / (2·2) = 5/4
    assert mse([1.0, 2.0], [0.0, 4.0]) == pytest.approx(1.25)
    assert np.allclose(mse_grad([1.0, 2.0], [0.0, 4.0]), [0.5, -1.0])
    # logistic loss at f = 0 is log 2 for either label (Skript: "≥ log 2" on the wrong side)
    assert logistic_loss([0.0, 0.0], [1, -1]) == pytest.approx(np.log(2))
    assert bce([0.5], [1]) == pytest.approx(np.log(2))
    assert cce([[0.25, 0.25, 0.5]], [2]) == pytest.approx(np.log(2))


def test_perfect_predictions_give_zero_loss():
    assert bce([0.0, 1.0], [0, 1]) == 0.0  # 0·log 0 = 0 (Skript §2.2)
    assert cce([[0.0, 1.0], [1.0, 0.0]], [1, 0]) == 0.0
    assert mse([[1.0, 2.0]], [[1.0, 2.0]]) == 0.0


def test_mse_column_output_with_vector_target():
    y_hat = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.5, 2.0, 2.0])
    assert mse(y_hat, y) == pytest.approx(mse(y_hat.ravel(), y))
    assert mse_grad(y_hat, y).shape == (3, 1)


def test_mse_multi_output_is_K_over_2_times_torch_mean():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    torch_mean = F.mse_loss(torch.tensor(a), torch.tensor(b)).item()
    assert mse(a, b) == pytest.approx(3 / 2 * torch_mean, abs=1e-12)


# ------------------------------------------------------------------------ lecture errors
def test_skript_bce_without_minus_is_negative():
    """Skript §2.2 Bsp. 2.2.2 as printed: (1/m)Σ[y log p + (1−y) log(1−p)] ≤ 0 -- the negative loss."""
    rng = np.random.default_rng(1)
    p, y = rng.uniform(0.05, 0.95, 20), rng.integers(0, 2, 20).astype(float)
    skript = np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert skript < 0
    assert np.isclose(-skript, bce(p, y))
    assert np.isclose(-skript, F.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item())


def test_skript_cce_is_not_the_categorical_cross_entropy():
    """Skript Bsp. 2.2.3 as printed (no minus, extra (1−y)log(1−p) terms) differs from torch's CE."""
    P = softmax(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 0.3]]))
    y = np.array([0, 2])
    Y = one_hot(y, 3)
    skript = np.mean(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1))
    ref = F.nll_loss(torch.log(torch.tensor(P)), torch.tensor(y)).item()
    assert np.isclose(cce(P, y), ref)
    assert skript < 0 and not np.isclose(-skript, ref)
    # -skript is the sum of K binary cross-entropies (multi-label loss)
    assert np.isclose(-skript, 3 * F.binary_cross_entropy(torch.tensor(P), torch.tensor(Y)).item())


# ------------------------------------------------------------------------ properties
@settings(max_examples=50, deadline=None)
@given(problem=regression_problems())
def test_mse_nonnegative_and_torch(problem):
    y_hat, y = problem
    v = mse(y_hat, y)
    assert v >= 0
    ref, grad = _torch_reference("mse", y_hat, y)
    assert abs(v - ref) <= TOL * max(1.0, abs(ref))
    assert np.max(np.abs(mse_grad(y_hat, y) - grad)) <= TOL


def _assert_stable_and_torch_equal(v, g, out, ref_name, ref_y):
    """Finite, non-negative value, finite gradient of the output's shape, equal to the torch
    reference ``ref_name`` evaluated at (out, ref_y) (value relative, gradient absolute)."""
    assert np.isfinite(v) and v >= 0 and np.all(np.isfinite(g))
    assert g.shape == out.shape
    ref, ref_grad = _torch_reference(ref_name, out, ref_y)
    assert abs(v - ref) <= TOL * max(1.0, abs(ref))
    assert np.max(np.abs(g - ref_grad)) <= TOL


@settings(max_examples=60, deadline=None)
@given(problem=pm1_problems(elements=extreme_floats))
def test_logistic_stable_nonnegative(problem):
    f, y = problem
    # F.soft_margin_loss itself overflows for y·f < -709 (value inf, gradient NaN), so the
    # reference at the extremes is the equivalent stable torch loss with labels (y + 1)/2.
    _assert_stable_and_torch_equal(logistic_loss(f, y), logistic_loss_grad(f, y), f,
                                   "bce_with_logits", (y + 1) / 2)


@settings(max_examples=60, deadline=None)
@given(problem=binary_problems(elements=extreme_floats))
def test_bce_with_logits_stable_nonnegative(problem):
    z, y = problem
    _assert_stable_and_torch_equal(bce_with_logits(z, y), bce_with_logits_grad(z, y), z,
                                   "bce_with_logits", y)


@settings(max_examples=60, deadline=None)
@given(problem=class_problems(elements=extreme_floats))
def test_cce_with_logits_stable_nonnegative(problem):
    Z, y = problem
    g = cce_with_logits_grad(Z, y)
    _assert_stable_and_torch_equal(cce_with_logits(Z, y), g, Z, "cce_with_logits", y)
    assert np.allclose(g.sum(axis=1), 0.0, atol=1e-12)  # softmax − one-hot rows sum to 0


@settings(max_examples=40, deadline=None)
@given(P=probability_vectors(), data=st.data())
def test_cce_probabilities_nonnegative(P, data):
    y = np.array(data.draw(st.lists(st.integers(0, P.shape[1] - 1), min_size=len(P), max_size=len(P))))
    v = cce(P, y)
    assert v >= 0 and np.isfinite(v)
    assert np.isclose(v, cce(P, one_hot(y, P.shape[1])))


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_probability_losses_at_saturated_outputs_are_finite(z):
    """σ(±1000) is exactly 1.0 / 0.0 in float64: bce/cce stay finite (log floor −100, like torch)."""
    p = sigmoid(np.array([z]))
    for y in (0.0, 1.0):
        v = bce(p, [y])
        assert np.isfinite(v) and v >= 0
        assert abs(v - F.binary_cross_entropy(torch.tensor(p), torch.tensor([y], dtype=torch.float64)).item()) <= TOL
        assert np.all(np.isfinite(bce_grad(p, [y])))
        t = torch.tensor(p, requires_grad=True)
        F.binary_cross_entropy(t, torch.tensor([y], dtype=torch.float64)).backward()
        # same ε clamp; torch stores ε = 1e-12 as float32 (9.99999996e-13), hence rtol 1e-8
        assert np.allclose(bce_grad(p, [y]), t.grad.numpy(), rtol=1e-8, atol=0)
    P = softmax(np.array([[z, -z, 0.0]]))
    for label in range(3):
        assert np.isfinite(cce(P, [label])) and np.all(np.isfinite(cce_grad(P, [label])))


def test_torch_soft_margin_overflows_where_ours_does_not():
    """Documented reason for the reference swap above: torch's soft-margin loss is not stable."""
    t = torch.tensor([-710.0], dtype=torch.float64, requires_grad=True)
    F.soft_margin_loss(t, torch.tensor([1.0], dtype=torch.float64)).backward()
    assert not torch.isfinite(t.grad).all()
    assert np.isfinite(logistic_loss_grad([-710.0], [1.0])).all()
    assert logistic_loss([-710.0], [1.0]) == pytest.approx(710.0)


def test_logits_losses_exact_at_extremes():
    assert bce_with_logits([1000.0], [0]) == pytest.approx(1000.0)
    assert bce_with_logits([1000.0], [1]) == 0.0
    assert cce_with_logits([[1000.0, -1000.0]], [1]) == pytest.approx(2000.0)
    assert logistic_loss([-1000.0], [1]) == pytest.approx(1000.0)
    assert np.allclose(bce_with_logits_grad([1000.0, -1000.0], [0, 1]), [0.5, -0.5])


def test_soft_targets_bce_and_cce():
    z, y = np.array([0.3, -1.2]), np.array([0.9, 0.1])
    ref = F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y)).item()
    assert abs(bce_with_logits(z, y) - ref) <= TOL
    Z, Y = np.array([[0.1, 2.0, -1.0]]), np.array([[0.2, 0.7, 0.1]])
    ref = F.cross_entropy(torch.tensor(Z), torch.tensor(Y)).item()
    assert abs(cce_with_logits(Z, Y) - ref) <= TOL


def test_one_hot():
    Y = one_hot([2, 0, 1, 2])
    assert Y.shape == (4, 3) and np.array_equal(Y.argmax(axis=1), [2, 0, 1, 2])
    assert one_hot([0, 1], 5).shape == (2, 5)
    with pytest.raises(ValueError, match="n_classes"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match=r"\by\b.*integer"):
        one_hot([0.5, 1])


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("fn", [logistic_loss, logistic_loss_grad])
def test_logistic_rejects_01_labels(fn):
    with pytest.raises(ValueError, match=r"\by\b.*-1 and \+1"):
        fn([0.5, -0.2], [0, 1])


@pytest.mark.parametrize("fn", [bce, bce_grad, bce_with_logits, bce_with_logits_grad])
def test_bce_rejects_pm1_labels(fn):
    with pytest.raises(ValueError, match=r"\by\b.*\[0, 1\]"):
        fn([0.5, 0.2], [-1, 1])


@pytest.mark.parametrize("fn", [bce, bce_grad])
def test_bce_rejects_logits_as_probabilities(fn):
    with pytest.raises(ValueError, match=r"\bp\b.*probabilities"):
        fn([1.5, -0.2], [0, 1])


def test_cce_rejects_non_probabilities_and_bad_labels():
    with pytest.raises(ValueError, match=r"\bP\b.*probabilities"):
        cce([[2.0, -1.0]], [0])
    with pytest.raises(ValueError, match=r"\by\b.*label 2.*K=2"):
        cce_with_logits([[2.0, -1.0]], [2])
    with pytest.raises(ValueError, match=r"\by\b.*integer"):
        cce_with_logits([[2.0, -1.0]], [0.5])
    with pytest.raises(ValueError, match=r"\by\b.*one-hot"):
        cce_with_logits([[2.0, -1.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"\by\b.*shape"):
        cce_with_logits([[2.0, -1.0], [0.0, 0.0]], [0, 1, 1])
    with pytest.raises(ValueError, match=r"\bZ\b.*dimension"):
        cce_with_logits([2.0, -1.0], [0])


@pytest.mark.parametrize("name", list(LOSSES))
def test_nan_output_rejected(name):
    out, y = _problem(name, np.random.default_rng(0))
    out = out.copy()
    out.flat[0] = np.nan
    arg = {"mse": "y_hat", "logistic": "f", "bce": "p", "bce_with_logits": "z", "cce": "P",
           "cce_with_logits": "Z"}[name]
    with pytest.raises(ValueError, match=rf"\b{arg}\b.*NaN"):
        LOSSES[name].value(out, y)
    with pytest.raises(ValueError, match=rf"\b{arg}\b.*NaN"):
        LOSSES[name].grad(out, y)


def test_nan_target_rejected():
    with pytest.raises(ValueError, match=r"\by\b.*NaN"):
        mse([1.0, 2.0], [np.nan, 1.0])


def test_shape_mismatch_rejected():
    with pytest.raises(ValueError, match=r"\by\b.*same shape"):
        mse(np.zeros((3, 2)), np.zeros((3,)))
    with pytest.raises(ValueError, match=r"\by\b.*same shape"):
        bce_with_logits(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"\by_hat\b.*at least one"):
        mse(np.zeros((0,)), np.zeros((0,)))
    with pytest.raises(TypeError, match=r"\by_hat\b"):
        mse("abc", [1.0])


def test_unknown_loss_name():
    with pytest.raises(ValueError, match=r"loss 'hinge'.*mse"):
        get_loss("hinge")


# ------------------------------------------------------------------------ issue 15: P must be rows of distributions
@pytest.mark.parametrize("fn", [cce, cce_grad])
@pytest.mark.parametrize("P, match", [
    (np.ones((3, 4)), r"row 0 sums to 4"),                            # was: loss −0.0
    (np.array([[0.5, 0.6], [0.3, 0.7]]), r"row 0 sums to 1\.1"),      # was: loss 0.602
    (np.array([[0.5, 0.5], [1.2, -0.2]]), r"no negative entries\); row 1"),
    (np.zeros((2, 0)), r"at least one class"),
])
def test_cce_rejects_rows_that_are_not_distributions(fn, P, match):
    y = np.zeros(len(P), dtype=int)
    with pytest.raises(ValueError, match=rf"\bP\b.*{match}"):
        fn(P, y)


def test_cce_accepts_float32_softmax_rows():
    Z = np.random.default_rng(0).normal(size=(50, 200)).astype(np.float32)
    P = softmax(Z)
    assert P.dtype == np.float32
    y = np.arange(50) % 200
    assert np.isfinite(cce(P, y)) and np.all(np.isfinite(cce_grad(P, y)))


def test_bce_grad_clamp_differs_from_torch_only_by_float32_epsilon():
    """At p ∈ {0, 1} both clamp p(1−p) at 1e-12; torch stores it as float32 (documented)."""
    p = np.array([0.0, 1.0, 0.3])
    y = np.array([1.0, 0.0, 1.0])
    ours = bce_grad(p, y)
    assert np.array_equal(ours[:2], np.array([-1.0, 1.0]) / 1e-12 / 3)
    t = torch.tensor(p, requires_grad=True)
    F.binary_cross_entropy(t, torch.tensor(y)).backward()
    ref = t.grad.numpy()
    rel = np.abs(ours - ref) / np.abs(ref)
    expected = 1e-12 / float(np.float32(1e-12)) - 1.0     # ≈ 4.0e-9
    assert np.allclose(rel[:2], expected, rtol=1e-6, atol=0) and 3.9e-9 < expected < 4.1e-9
    assert rel[2] < 1e-15
