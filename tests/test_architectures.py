"""Tests for dl_helpers.architectures (our counters == torch modules == published figures) and
dl_helpers.architecture_studies (receptive field, separable saving, compound scaling, gradient flow).

Parameter counts and shapes of the full ImageNet architectures are checked on torch's ``meta``
device (no weights allocated); real forward passes with random weights use small inputs.
Multiply-adds are compared with ``torch.utils.flop_counter`` (FLOPs of conv/matmul = 2·MACs).
"""
import math

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from dl_helpers import architecture_studies as studies
from dl_helpers import architectures as arch
from dl_helpers.architectures import (ARCHITECTURES, BatchNorm, Conv, Flatten, Linear, Pool,
                                      Residual, build_torch, summarize)

KEYS = list(ARCHITECTURES)
#: Small input for real forward passes (every architecture here accepts it except the original AlexNet)
SMALL = (3, 64, 64)


@pytest.fixture(scope="module")
def meta_models():
    return {k: build_torch(a.layers, a.input_shape, device="meta") for k, a in ARCHITECTURES.items()}


@pytest.mark.parametrize("key", KEYS)
def test_params_equal_torch_and_published(key, meta_models):
    a = ARCHITECTURES[key]
    ours = summarize(a.layers, a.input_shape).params
    torch_count = sum(p.numel() for p in meta_models[key].parameters())
    assert ours == torch_count == a.published_params


@pytest.mark.parametrize("key", KEYS)
def test_per_layer_params_equal_torch_modules(key, meta_models):
    a = ARCHITECTURES[key]
    modules = dict(meta_models[key].named_modules())
    for row in summarize(a.layers, a.input_shape).rows:
        assert sum(p.numel() for p in modules[row.name].parameters()) == row.params, row.name


@pytest.mark.parametrize("key", KEYS)
def test_macs_equal_torch_flop_counter(key, meta_models):
    a = ARCHITECTURES[key]
    shape = a.input_shape if key == "alexnet_original" else SMALL
    model = build_torch(a.layers, shape, device="meta")
    counter = FlopCounterMode(display=False)
    with counter:
        out = model(torch.zeros(1, *shape, device="meta"))
    s = summarize(a.layers, shape)
    assert counter.get_total_flops() == 2 * s.macs_of("conv", "linear")
    assert tuple(out.shape[1:]) == s.output_shape == (1000,)


@pytest.mark.parametrize("key", KEYS)
def test_published_gmacs(key):
    a = ARCHITECTURES[key]
    if a.published_gmacs is None:
        pytest.skip("no published figure")
    gmacs = summarize(a.layers, a.input_shape).macs_of("conv", "linear") / 1e9
    assert round(gmacs, 3 if a.published_gmacs < 10 else 2) == a.published_gmacs


@pytest.mark.parametrize("key", ["alexnet", "resnet18", "resnet50", "mobilenet_v2", "vgg16"])
def test_real_forward_small_input(key):
    a = ARCHITECTURES[key]
    model = build_torch(a.layers, SMALL, seed=1).eval()
    s = summarize(a.layers, SMALL)
    with torch.no_grad():
        out = model(torch.randn(2, *SMALL, generator=torch.Generator().manual_seed(0)))
    assert out.shape == (2, 1000) and torch.isfinite(out).all()
    assert s.params == a.published_params       # adaptive pooling: size does not change params


def test_intermediate_shapes_match_torch():
    a = ARCHITECTURES["resnet18"]
    model = build_torch(a.layers, SMALL, device="meta")
    shapes = {}
    for name, mod in model.named_modules():
        if name:
            mod.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
    model(torch.zeros(1, *SMALL, device="meta"))
    for row in summarize(a.layers, SMALL).rows:
        assert shapes[row.name] == row.out_shape, row.name


def test_build_is_seeded():
    layers = (Conv(4, 3, padding=1), BatchNorm(), Flatten(), Linear(3))
    m1, m2 = build_torch(layers, (2, 5, 5), seed=3), build_torch(layers, (2, 5, 5), seed=3)
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(p1, p2)


@pytest.mark.parametrize("c_in,c_out,k,groups,bias", [
    (3, 64, 11, 1, True), (64, 64, 3, 64, False), (32, 96, 1, 1, False), (96, 256, 5, 2, True),
])
def test_conv_counters_vs_torch(c_in, c_out, k, groups, bias):
    conv = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias, padding=k // 2, device="meta")
    assert arch.conv_params(c_in, c_out, k, groups=groups, bias=bias) == sum(p.numel() for p in conv.parameters())
    counter = FlopCounterMode(display=False)
    with counter:
        out = conv(torch.zeros(1, c_in, 9, 9, device="meta"))
    assert 2 * arch.conv_macs(c_in, c_out, k, out.shape[-1], groups=groups) == counter.get_total_flops()


def test_small_counters():
    assert arch.linear_params(9216, 4096) == 9216 * 4096 + 4096
    assert arch.linear_macs(3, 4) == 12
    assert arch.batchnorm_params(64) == sum(p.numel() for p in torch.nn.BatchNorm2d(64).parameters())
    assert arch.batchnorm_macs(2, 3, 4) == 24
    assert arch.pool_macs("max", 8, 2, 4) == 0
    assert arch.pool_macs("avg", 8, 2, 4) == 8 * 16 * 4


def test_adaptive_pool_window_sum():
    # AdaptiveAvgPool 1 -> 6 repeats the pixel: 6 windows of length 1 per axis
    s = summarize((arch.AdaptiveAvgPool(6),), (2, 1, 1))
    assert s.output_shape == (2, 6, 6) and s.macs == 2 * 36
    s = summarize((arch.AdaptiveAvgPool(1),), (2, 7, 7))
    assert s.macs == 2 * 49


@pytest.mark.parametrize("layers,shape,match", [
    ((Conv(8, 7),), (3, 5, 5), "kernel_size=7"),
    ((Linear(10),), (3, 4, 4), "Flatten"),
    ((Conv(8, 3, groups=2),), (3, 8, 8), "groups=2"),
    ((Residual((Conv(8, 3, padding=1),)),), (4, 8, 8), "same shape"),
    ((Pool("median", 2),), (3, 8, 8), "kind"),
    (("conv",), (3, 8, 8), "unknown layer"),
    ((Flatten(), BatchNorm()), (3, 4, 4), r"\(C, H, W\)"),
])
def test_bad_specs_are_rejected(layers, shape, match):
    with pytest.raises((ValueError, TypeError), match=match):
        summarize(layers, shape)


def test_bad_input_shape():
    with pytest.raises(ValueError, match="input_shape"):
        summarize((Flatten(),), (3, 8))
    with pytest.raises(ValueError, match="architecture"):
        arch.get_architecture("lenet")


def test_format_summary_lists_conv_rows():
    a = ARCHITECTURES["alexnet"]
    text = arch.format_summary(summarize(a.layers, a.input_shape))
    assert "61 100 840" in text and text.count("conv") == 5


# --- receptive field -------------------------------------------------------------------------
def _torch_receptive_field(kernels, strides):
    """Side length of the input region that influences the centre output (all-ones weights)."""
    size = 1 + sum((k - 1) * math.prod(strides[:i]) for i, k in enumerate(kernels)) + 2 * math.prod(strides) + 8
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    h = x
    for k, s in zip(kernels, strides):
        h = torch.nn.functional.conv2d(h, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s)
    c = h.shape[-1] // 2
    h[0, 0, c, c].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1)).flatten()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize("kernels,strides", [
    ([3], [1]), ([3, 3], [1, 1]), ([3] * 5, [1] * 5), ([7, 3, 3], [2, 2, 1]), ([11, 5, 3], [4, 1, 1]),
])
def test_receptive_field_vs_torch_gradient(kernels, strides):
    assert studies.receptive_field(kernels, strides)[-1] == _torch_receptive_field(kernels, strides)


def test_receptive_field_stacked_3x3_and_errors():
    np.testing.assert_array_equal(studies.receptive_field([3] * 4), [3, 5, 7, 9])
    assert studies.receptive_field([3, 3], dilations=[1, 2])[-1] == 7
    with pytest.raises(ValueError, match="length"):
        studies.receptive_field([3, 3], strides=[1])
    with pytest.raises(ValueError, match="at least one"):
        studies.receptive_field([])


# --- depthwise separable ---------------------------------------------------------------------
@pytest.mark.parametrize("c_in,c_out,k", [(32, 64, 3), (128, 256, 3), (512, 512, 3), (16, 24, 5)])
def test_separable_ratio_formula_vs_counted(c_in, c_out, k):
    counts = studies.separable_counts(c_in, c_out, k, out_size=14)
    assert counts.params_ratio == pytest.approx(studies.separable_ratio(c_out, k), rel=1e-12)
    assert counts.macs_ratio == pytest.approx(studies.separable_ratio(c_out, k), rel=1e-12)
    dw = torch.nn.Conv2d(c_in, c_in, k, groups=c_in, bias=False, device="meta")
    pw = torch.nn.Conv2d(c_in, c_out, 1, bias=False, device="meta")
    std = torch.nn.Conv2d(c_in, c_out, k, bias=False, device="meta")
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert counts.params_separable == n(dw) + n(pw) and counts.params_standard == n(std)


# --- compound scaling ------------------------------------------------------------------------
def test_compound_scaling_constraint():
    a, b, g = studies.EFFICIENTNET_COEFFS
    assert a * b ** 2 * g ** 2 == pytest.approx(1.9203, abs=1e-4)
    s = studies.compound_scaling(2)
    assert (s.depth, s.width, s.resolution) == pytest.approx((1.44, 1.21, 1.3225))
    assert s.flops_factor == pytest.approx(s.depth * s.width ** 2 * s.resolution ** 2)


def test_scaled_baseline_macs_scale_as_predicted():
    base = summarize(*studies.scaled_baseline()).macs_of("conv", "linear")
    # width 2 on all hidden layers: the MACs of conv layers with C_in = C_out scale exactly by 4
    wide = summarize(*studies.scaled_baseline(width=2.0)).macs_of("conv", "linear")
    assert 3.5 < wide / base <= 4.0
    deep = summarize(*studies.scaled_baseline(depth=2.0)).macs_of("conv", "linear")
    assert 2.0 < deep / base < 2.4          # added layers have C_in = C_out: a bit above 2
    hi = summarize(*studies.scaled_baseline(resolution=2.0)).macs_of("conv", "linear")
    assert hi / base == pytest.approx(4.0, rel=0.02)
    for phi in (1, 2, 3):
        s = studies.compound_scaling(phi)
        ratio = summarize(*studies.scaled_baseline(s.depth, s.width, s.resolution)).macs_of("conv", "linear") / base
        assert ratio == pytest.approx(s.flops_factor, rel=0.35)


# --- gradient flow ---------------------------------------------------------------------------
def test_gradient_flow_shapes_and_normalisation():
    g = studies.gradient_flow(8, "relu", width=16, n=8)
    assert g.layer.shape == g.plain.shape == g.skip.shape == (9,)
    assert g.plain[-1] == g.skip[-1] == 1.0


def test_gradient_flow_skip_keeps_gradient_plain_sigmoid_vanishes():
    g = studies.gradient_flow(30, "sigmoid", width=32, n=16)
    assert g.plain[0] < 1e-10 and g.skip.min() > 0.5


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_gradient_flow_numpy_equals_torch_autograd(act):
    ours, ref = studies.gradient_flow(12, act, width=16, n=8), studies.gradient_flow_torch(12, act, width=16, n=8)
    np.testing.assert_array_equal(ours.layer, ref.layer)
    np.testing.assert_allclose(ours.plain, ref.plain, rtol=1e-10, atol=0)
    np.testing.assert_allclose(ours.skip, ref.skip, rtol=1e-10, atol=0)


def test_gradient_flow_matches_identity_formula():
    """(89): ∂L/∂x = ∂L/∂y (∂F/∂x + I) -- with one block, compare with the Jacobian of F."""
    width = 5
    g = studies.gradient_flow(1, "tanh", width=width, n=1, seed=4)
    rng = np.random.default_rng(4)                       # the same draws as gradient_flow
    W1, W2 = rng.normal(0, width ** -0.5, (width, width)), rng.normal(0, width ** -0.5, (width, width))
    x, v = rng.normal(size=width), rng.normal(size=width)
    J = W2 @ np.diag(1 - np.tanh(W1 @ x) ** 2) @ W1     # Jacobian of F(x) = W2 tanh(W1 x)
    assert g.plain[0] == pytest.approx(np.linalg.norm(v @ J) / np.linalg.norm(v), rel=1e-12)
    assert g.skip[0] == pytest.approx(np.linalg.norm(v @ (J + np.eye(width))) / np.linalg.norm(v), rel=1e-12)


def test_gradient_flow_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        studies.gradient_flow(5, "elu")
    with pytest.raises((TypeError, ValueError), match="depth"):
        studies.gradient_flow(0)
