"""Numbers and claims in notebook prose and book/hinweise.md that no checked cell prints.

Each test recomputes a number independently (closed form, torch, a FLOP counter) and also
checks that the prose still states it, so a change on either side fails here. Claims that
*are* printed by a cell tagged ``nbval-check-output`` are covered by nbval instead.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from dl_helpers import network
from dl_helpers.activations import get_activation
from dl_helpers.losses import logistic_loss

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "lecture_nb"
HINWEISE = ROOT / "book" / "_hinweise"
BOX = "{admonition} Hinweis zur Vorlesung"


def _markdown(nb_prefix: str) -> str:
    (path,) = NB_DIR.glob(f"{nb_prefix}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _hinweis(fragment: str) -> str:
    return (HINWEISE / fragment).read_text(encoding="utf-8")


def _says(text: str, phrase: str) -> None:
    flat = " ".join(text.split())
    assert phrase in flat, f"prose no longer states {phrase!r}"


# --- 03: logistic loss threshold and the breaking points of the naive BCE ---------------------
def test_logistic_loss_below_one_percent_from_margin_4_6():
    threshold = -math.log(math.expm1(0.01))             # log(1 + e^{-m}) = 0.01
    assert round(threshold, 1) == 4.6
    assert logistic_loss([4.5], [1.0]) > 0.01 > logistic_loss([4.7], [1.0])
    assert round(logistic_loss([1.0], [1.0]), 3) == 0.313
    _says(_markdown("03"), r"y f \approx 4.6")
    _says(_hinweis("03_losses.md"), r"yf \approx 4.6")


def _bce_naive(z, y):
    # the unstable form of notebook 03: first p = sigma(z), then log p
    p = 1.0 / (1.0 + np.exp(-z))
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_naive_bce_breaks_above_37_and_below_minus_710():
    with np.errstate(all="ignore"):
        z_pos = np.arange(30.0, 40.0, 1e-3)
        z_neg = np.arange(-760.0, -700.0, 1e-3)
        for y in (0.0, 1.0):
            first_bad = z_pos[~np.isfinite(_bce_naive(z_pos, y))].min()
            last_bad = z_neg[~np.isfinite(_bce_naive(z_neg, y))].max()
            assert 36.5 < first_bad < 37.0                  # "z ≳ 37"
            assert -710.0 < last_bad < -709.5               # "z ≲ -710"
            assert np.isfinite(_bce_naive(np.float64(-40.0), y))   # z = -40 still works
        assert 1.0 - 1.0 / (1.0 + np.exp(-40.0)) == 0.0     # 1 - sigma(40) is exactly 0 ...
    assert round(math.exp(-40) * 1e18) == 4                 # ... although it is 4e-18
    text = _markdown("03")
    _says(text, r"z \gtrsim 37")
    _says(text, r"z \lesssim -710")


# --- 04 / 07: cost of the backward pass --------------------------------------------------------
def _flops(widths, batch, input_grad):
    model = torch.nn.Sequential(*[torch.nn.Linear(a, b, bias=False)
                                  for a, b in zip(widths[:-1], widths[1:])])
    X = torch.randn(batch, widths[0], requires_grad=input_grad)
    with FlopCounterMode(display=False) as counter:
        out = model(X)
    forward = counter.get_total_flops()
    with FlopCounterMode(display=False) as counter:
        out.sum().backward()
    return forward, counter.get_total_flops()


def test_backward_costs_twice_the_forward_flops():
    forward, backward = _flops([64, 128, 128, 10], 256, input_grad=True)
    assert backward == 2 * forward                   # dW and dA: two matrix products per layer
    forward, backward = _flops([128] * 11, 256, input_grad=False)
    assert backward / forward == pytest.approx(2 - 1 / 10)   # the input needs no gradient
    _says(_markdown("04"), "etwa **doppelt** so viele Rechenoperationen")


def test_study_at_depth_50_is_about_1_25_gflop():
    forward, backward = _flops([128] * 51, 256, input_grad=False)   # width 128, batch 256
    assert round((forward + backward) / 1e9, 2) == 1.25     # the study needs no input gradient
    assert round((forward + backward) / forward) == 3
    _says(_markdown("07"), "rund 1,25 GFLOP")


# --- 02: the slides' XOR weights with a sigmoid ------------------------------------------------
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _xor_net(k):
    return [network.Layer(k * np.array([[1.0, 1.0], [-1.0, -1.0]]), k * np.array([-0.5, 1.5])),
            network.Layer(k * np.array([[1.0, 1.0]]), k * np.array([-1.5]))]


def _xor_sigmoid(k):
    return network.predict(_xor_net(k), XOR_X, ["sigmoid", "sigmoid"])[:, 0]


def test_xor_with_sigmoid_values_and_scale():
    def sig(t):
        return 1.0 / (1.0 + np.exp(-t))

    h = sig(XOR_X @ np.array([[1.0, -1.0], [1.0, -1.0]]) + np.array([-0.5, 1.5]))
    reference = sig(h.sum(axis=1) - 1.5)                      # written out by hand
    np.testing.assert_allclose(_xor_sigmoid(1.0), reference, rtol=0, atol=1e-15)
    assert np.round(reference, 3).tolist() == [0.424, 0.437, 0.437, 0.424]

    def correct(k):
        return bool(np.all((_xor_sigmoid(k) > 0.5) == np.array([0, 1, 1, 0], bool)))

    lo, hi = 1.0, 10.0                                        # bisection on the scale k
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if correct(mid) else (mid, hi)
    assert round(hi, 3) == 2.197
    assert np.max(np.abs(_xor_sigmoid(10.0) - [0, 1, 1, 0])) < 0.01
    _says(_hinweis("02_mlp.md"), r"$0.424, 0.437, 0.437, 0.424$")
    _says(_hinweis("02_mlp.md"), r"k\approx2.197")


# --- 00: composition versus product ------------------------------------------------------------
def test_composition_is_not_the_product():
    x = 0.5
    assert round(math.tanh(2 * x + 1), 6) == 0.964028
    assert round(math.tanh(x) * (2 * x + 1), 6) == 0.924234
    _says(_hinweis("00_refresher.md"), "0{,}964028")


# --- 05: the Taylor example on 1/2 x^T diag(1, 10) x ------------------------------------------
def test_taylor_example_numbers():
    H = np.diag([1.0, 10.0])
    x = np.array([-2.0, 1.0])
    g = H @ x

    def f(v):
        return 0.5 * v @ H @ v

    assert g @ g == 104 and g @ H @ g / 2 == 502              # f(x - eta g) - f(x) = -104 eta + 502 eta^2
    assert f(x - 0.25 * g) - f(x) == pytest.approx(5.375)
    assert -0.25 * (g @ g) == -26
    assert round(104 / 502, 3) == 0.207
    _says(_markdown("05"), r"104/502 \approx 0.207")


# --- 06: the delta product has factors W_i^T diag(sigma'(z_i)) --------------------------------
def test_delta_product_matches_backprop_for_non_square_layers():
    rng = np.random.default_rng(0)
    widths = [3, 5, 2, 4, 6]                                  # no two neighbours equal
    acts = ["sigmoid"] * 4
    params = network.init_mlp(widths, rng, init="glorot_normal")
    X = rng.normal(size=(1, 3))
    cache = network.forward(params, X, acts)
    dA_out = rng.normal(size=(1, widths[-1]))
    grads = network.backward(params, cache, acts, dA_out)
    sig = get_activation("sigmoid")

    def dsig(i):                                               # sigma'(z_i) of layer i (1-based)
        return sig.df(cache.Z[i - 1][0], cache.A[i][0])

    L = len(params)
    for l in range(1, L + 1):
        delta_l = np.diag(dsig(l)) @ _chain(params, dsig, l, L) @ dA_out[0]
        np.testing.assert_allclose(np.outer(delta_l, cache.A[l - 1][0]), grads[l - 1].W,
                                   rtol=1e-12, atol=1e-14)
    _says(_markdown("06"), r"$W_i^{\top}\operatorname{diag}(\sigma'(z_i))$ der Form $d_{i-1}\times d_i$")


def _chain(params, dsig, l, L):
    """prod_{i=l+1}^{L} W_i^T diag(sigma'(z_i)), shape (d_l, d_L)."""
    product = np.eye(params[l - 1].W.shape[0])
    for i in range(l + 1, L + 1):
        product = product @ params[i - 1].W.T @ np.diag(dsig(i))
    return product


def test_gelu_derivative_vanishes_only_near_minus_0_75():
    gelu = get_activation("gelu")
    z = np.linspace(-6, 0, 600_001)
    d = gelu.df(z, gelu.f(z))
    sign_changes = z[:-1][np.diff(np.sign(d)) != 0]
    assert len(sign_changes) == 1 and round(sign_changes[0], 2) == -0.75
    elu = get_activation("elu")
    assert np.all(elu.df(z, elu.f(z)) > 0)
    _says(_markdown("06"), r"$z \approx -0.75$")


# --- boxes and book/_hinweise stay in sync ----------------------------------------------------
FRAGMENTS = {"00": "00_refresher.md", "01": "01_perceptron.md", "02": "02_mlp.md", "03": "03_losses.md",
             "04": "04_backprop.md", "05": "05_optimizers.md", "06": "06_activations.md",
             "07": "07_init.md"}
# lecture equation numbers "(49)" (not "sigma'(0)", not list markers "(1) Die ...") and "Bsp. 5.1.1"
REFERENCE = re.compile(r"(?<![\w'])\((\d{1,3})\)(?!\s+[A-ZÄÖÜ])|Bsp\. (\d\.\d\.\d)")


@pytest.mark.parametrize("prefix", sorted(FRAGMENTS))
def test_every_box_reference_is_in_the_hinweise_fragment(prefix):
    (path,) = NB_DIR.glob(f"{prefix}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    boxes = [c.source[c.source.index(BOX):] for c in nb.cells
             if c.cell_type == "markdown" and BOX in c.source]
    fragment = _hinweis(FRAGMENTS[prefix])
    fragment_refs = {a or b for a, b in REFERENCE.findall(fragment)}
    for box in boxes:
        box = box[:box.index("```", len(BOX))]
        refs = {a or b for a, b in REFERENCE.findall(box)}
        missing = refs - fragment_refs
        assert not missing, f"{path.name}: box cites {sorted(missing)}, book/_hinweise does not"
    assert bool(boxes) == bool(fragment.count("\n- **")), path.name


def test_no_erratum_blames_the_lecture_for_the_lost_tanh_minus():
    # the slides' "1 tanh^2(x)" is a minus lost in the text extraction, not a lecture error
    for text in (_hinweis("06_activations.md"), _markdown("06")):
        assert "fehlen in der tanh-Formel" not in text and "(tanh):**" not in text
