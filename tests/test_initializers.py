"""Tests of dl_helpers.initializers: target variances vs empirical draws and vs torch.nn.init."""
import math

import numpy as np
import pytest
import torch

from dl_helpers.initializers import (INITIALIZERS, init_weight, initializer_names, target_variance,
                                     init_weight_torch)

RANDOM = [n for n, s in INITIALIZERS.items() if s.distribution != "constant"]
SCALED = ["lecun_normal", "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal",
          "he_uniform"]
D_IN, D_OUT = 400, 250  # fan_in ≠ fan_out so that the Glorot/LeCun/He variances all differ


def test_names():
    assert initializer_names() == ["zeros", "constant", "normal", "uniform", "lecun_normal",
                                   "lecun_uniform", "glorot_normal", "glorot_uniform",
                                   "he_normal", "he_uniform"]


@pytest.mark.parametrize("scheme", list(INITIALIZERS))
def test_shape_and_determinism(scheme):
    W = init_weight(scheme, 3, 5, np.random.default_rng(0))
    assert W.shape == (5, 3) and W.dtype == np.float64
    assert np.array_equal(W, init_weight(scheme, 3, 5, np.random.default_rng(0)))


@pytest.mark.parametrize("scheme", RANDOM)
def test_different_seeds_differ(scheme):
    a = init_weight(scheme, 4, 4, np.random.default_rng(0))
    b = init_weight(scheme, 4, 4, np.random.default_rng(1))
    assert not np.array_equal(a, b)


def test_documented_variances():
    fi, fo = D_IN, D_OUT
    expected = {
        "zeros": 0.0, "constant": 0.0, "normal": 0.01 ** 2, "uniform": 0.05 ** 2 / 3,
        "lecun_normal": 1 / fi, "lecun_uniform": 1 / fi,
        "glorot_normal": 2 / (fi + fo), "glorot_uniform": 2 / (fi + fo),
        "he_normal": 2 / fi, "he_uniform": 2 / fi,
    }
    for scheme, var in expected.items():
        assert target_variance(scheme, fi, fo) == pytest.approx(var, rel=1e-15), scheme
    assert target_variance("normal", fi, fo, std=0.3) == pytest.approx(0.09)
    assert target_variance("he_normal", fi, fo, gain=0.5) == pytest.approx(0.25 * 2 / fi)


@pytest.mark.parametrize("scheme", RANDOM)
def test_empirical_variance_within_2_percent(scheme):
    """A 1000 × 1000 draw: the sample variance has relative std ≈ 0.14 % (normal) -- 2 % is ~14σ."""
    W = init_weight(scheme, 1000, 1000, np.random.default_rng(42))
    target = target_variance(scheme, 1000, 1000)
    assert abs(W.var() / target - 1) < 0.02
    assert abs(W.mean()) < 5 * math.sqrt(target / W.size)


@pytest.mark.parametrize("scheme", RANDOM)
def test_empirical_variance_non_square(scheme):
    W = init_weight(scheme, D_IN, D_OUT * 4, np.random.default_rng(7))  # 400 000 entries
    assert abs(W.var() / target_variance(scheme, D_IN, D_OUT * 4) - 1) < 0.02


@pytest.mark.parametrize("scheme", [s for s in RANDOM if INITIALIZERS[s].distribution == "uniform"])
def test_uniform_bounds(scheme):
    W = init_weight(scheme, D_IN, D_OUT, np.random.default_rng(0))
    limit = math.sqrt(3 * target_variance(scheme, D_IN, D_OUT))
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit  # the support is really used


def test_glorot_uniform_limit_is_sqrt6_over_fan_sum():
    W = init_weight("glorot_uniform", D_IN, D_OUT, np.random.default_rng(0))
    assert np.abs(W).max() <= math.sqrt(6 / (D_IN + D_OUT))


def test_constant_and_zeros():
    rng = np.random.default_rng(0)
    assert np.all(init_weight("zeros", 3, 2, rng) == 0)
    assert np.all(init_weight("constant", 3, 2, rng, value=0.7) == 0.7)


def test_aliases():
    rng = np.random.default_rng(0)
    a = init_weight("xavier_uniform", 5, 4, rng)
    b = init_weight("glorot_uniform", 5, 4, np.random.default_rng(0))
    assert np.array_equal(a, b)
    assert target_variance("kaiming_normal", 10, 3) == target_variance("he_normal", 10, 3)


# ------------------------------------------------------------------------ torch twins
def _torch_std(scheme: str, d_in: int, d_out: int) -> float:
    """std² that torch.nn.init documents for the twin (formula, not a draw)."""
    w = torch.empty(d_out, d_in)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(w)
    gain = torch.nn.init.calculate_gain
    return {
        "lecun_normal": gain("linear") / math.sqrt(fan_in),
        "lecun_uniform": gain("linear") / math.sqrt(fan_in),
        "glorot_normal": math.sqrt(2.0 / (fan_in + fan_out)),
        "glorot_uniform": math.sqrt(2.0 / (fan_in + fan_out)),
        "he_normal": gain("relu") / math.sqrt(fan_in),   # kaiming_*_ default mode="fan_in"
        "he_uniform": gain("relu") / math.sqrt(fan_in),
    }[scheme]


@pytest.mark.parametrize("scheme", SCALED)
def test_target_variance_equals_torch_std_squared(scheme):
    assert target_variance(scheme, D_IN, D_OUT) == pytest.approx(_torch_std(scheme, D_IN, D_OUT) ** 2,
                                                                  rel=1e-12)


@pytest.mark.parametrize("scheme", RANDOM)
def test_torch_twin_draw_has_target_variance(scheme):
    g = torch.Generator().manual_seed(0)
    W = init_weight_torch(scheme, 1000, 500, generator=g)
    assert W.shape == (500, 1000) and W.dtype == torch.float64
    assert abs(W.var().item() / target_variance(scheme, 1000, 500) - 1) < 0.02


def test_torch_twin_linear_layer_shape_convention():
    """Our W has torch.nn.Linear's weight shape (d_out, d_in), so fan_in = d_in in both."""
    lin = torch.nn.Linear(7, 3)
    W = init_weight("he_normal", 7, 3, np.random.default_rng(0))
    assert W.shape == tuple(lin.weight.shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(lin.weight)
    assert (fan_in, fan_out) == (7, 3)


def test_skript_xavier_is_lecun_uniform():
    """Skript Bsp. 5.2.2 'Xavier' = U(±√3/√d_{n−1}): variance 1/d_{n−1}, i.e. LeCun uniform."""
    d_prev, d_next = 300, 100
    a = math.sqrt(3) / math.sqrt(d_prev)
    skript_var = a ** 2 / 3
    assert skript_var == pytest.approx(target_variance("lecun_uniform", d_prev, d_next))
    assert skript_var != pytest.approx(target_variance("glorot_uniform", d_prev, d_next))
    W = torch.empty(d_next, d_prev)
    torch.nn.init.xavier_uniform_(W, generator=torch.Generator().manual_seed(0))
    assert W.abs().max().item() > a  # torch's Xavier bound √(6/(300+100)) ≈ 0.122 > √3/√300 = 0.1


# ------------------------------------------------------------------------ bad input
def test_unknown_scheme():
    with pytest.raises(ValueError, match=r"init scheme 'xavier'.*glorot_normal"):
        init_weight("xavier", 2, 2, np.random.default_rng(0))


def test_bad_dimensions():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"d_in"):
        init_weight("he_normal", 0, 2, rng)
    with pytest.raises(TypeError, match=r"d_out"):
        init_weight("he_normal", 2, 2.5, rng)


def test_rng_required():
    with pytest.raises(TypeError, match=r"rng.*Generator"):
        init_weight("he_normal", 2, 2, 0)


def test_bad_keywords():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"std.*'he_normal'.*gain"):
        init_weight("he_normal", 2, 2, rng, std=1.0)
    with pytest.raises(ValueError, match=r"\bstd\b"):
        init_weight("normal", 2, 2, rng, std=-1.0)
    with pytest.raises(ValueError, match=r"\bgain\b"):
        init_weight("glorot_normal", 2, 2, rng, gain=float("nan"))
    with pytest.raises(ValueError, match=r"\bvalue\b"):
        init_weight("constant", 2, 2, rng, value=float("inf"))


@pytest.mark.parametrize("scheme, draw, kw", [
    ("lecun_normal", torch.nn.init.kaiming_normal_, dict(nonlinearity="linear")),
    ("lecun_uniform", torch.nn.init.kaiming_uniform_, dict(nonlinearity="linear")),
    ("he_normal", torch.nn.init.kaiming_normal_, dict(nonlinearity="relu")),
    ("he_uniform", torch.nn.init.kaiming_uniform_, dict(nonlinearity="relu")),
    ("glorot_normal", torch.nn.init.xavier_normal_, {}),
    ("glorot_uniform", torch.nn.init.xavier_uniform_, {}),
])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_torch_twin_is_exactly_torch_nn_init_times_gain(scheme, draw, kw, gain):
    W = init_weight_torch(scheme, 30, 20, generator=torch.Generator().manual_seed(3), gain=gain)
    ref = torch.empty(20, 30, dtype=torch.float64)
    if scheme.startswith("glorot"):
        draw(ref, gain=gain, generator=torch.Generator().manual_seed(3))
    else:
        draw(ref, generator=torch.Generator().manual_seed(3), **kw)
        ref = ref * gain
    assert torch.equal(W, ref)
    assert W.var().item() == pytest.approx(target_variance(scheme, 30, 20, gain=gain), rel=0.3)


def test_torch_twin_bad_generator():
    with pytest.raises(TypeError, match=r"generator.*torch\.Generator"):
        init_weight_torch("he_normal", 3, 2, generator=np.random.default_rng(0))
