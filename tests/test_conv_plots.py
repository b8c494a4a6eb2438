"""Tests for dl_helpers.conv_plots: the geometry numbers, and that every figure renders."""
import numpy as np
import pytest
import torch

from dl_helpers.conv_plots import (GEOMETRY_GRIDS, conv_geometry, plot_feature_maps,
                                   plot_filters, render_conv_geometry)


@pytest.mark.parametrize("k", GEOMETRY_GRIDS["kernel_size"])
@pytest.mark.parametrize("s", GEOMETRY_GRIDS["stride"])
@pytest.mark.parametrize("p", GEOMETRY_GRIDS["padding"])
def test_geometry_matches_torch_and_receptive_field(k, s, p):
    g = conv_geometry(k, s, p, size=7)
    x = torch.zeros(1, 1, 7, 7, requires_grad=True)
    out = torch.nn.functional.conv2d(x, torch.ones(1, 1, k, k), padding=p, stride=s)
    assert g.out_size == out.shape[-1]
    # rows of the padded input that some window reaches: gradient of the sum is nonzero there
    xp = torch.zeros(1, 1, 7 + 2 * p, 7 + 2 * p, requires_grad=True)
    torch.nn.functional.conv2d(xp, torch.ones(1, 1, k, k), stride=s).sum().backward()
    assert g.used == np.flatnonzero(xp.grad[0, 0, :, 0].numpy()).max() + 1
    assert (g.first, g.last) == ((0, k), (s * (g.out_size - 1), s * (g.out_size - 1) + k))
    # two stacked layers: receptive field (extent) of one output pixel = K + (K − 1)·S
    x2 = torch.zeros(1, 1, 40, 40, requires_grad=True)
    w = torch.ones(1, 1, k, k)
    y = torch.nn.functional.conv2d(torch.nn.functional.conv2d(x2, w, stride=s), w, stride=s)
    y[0, 0, 0, 0].backward()
    rows = np.flatnonzero(x2.grad[0, 0, :, 0].numpy())      # extent (gaps if S > K)
    assert rows.max() - rows.min() + 1 == g.receptive_field_2


def test_figures_render():
    for k, s, p in [(3, 2, 1), (2, 3, 0), (5, 1, 2)]:
        fig = render_conv_geometry(k, s, p)
        fig.canvas.draw()
        assert "H_out" in fig._suptitle.get_text()
    rng = np.random.default_rng(0)
    plot_filters(rng.normal(size=(8, 1, 3, 3))).canvas.draw()
    plot_feature_maps(rng.normal(size=(8, 8)), rng.normal(size=(8, 8, 8))).canvas.draw()


def test_geometry_rejects_too_large_kernel():
    with pytest.raises(ValueError, match="kernel_size=9"):
        render_conv_geometry(9, 1, 0)


def test_render_is_a_pure_function_of_the_controls():
    def pixels(fig):
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    a = pixels(render_conv_geometry(3, 2, 1))
    assert np.array_equal(a, pixels(render_conv_geometry(3, 2, 1)))
    assert not np.array_equal(a, pixels(render_conv_geometry(3, 1, 1)))
