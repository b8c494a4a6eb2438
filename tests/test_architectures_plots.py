"""Figures of notebook 09: the render function is pure (same values, same picture); the static
figures draw without errors and reject bad input."""
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dl_helpers.architectures_plots import (plot_cost_overview, plot_patches, plot_receptive_field,  # noqa: E402
                                            render_gradient_flow)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_render_gradient_flow_is_pure():
    a, b = render_gradient_flow(10, "sigmoid"), render_gradient_flow(10, "sigmoid")
    assert _png(a) == _png(b)
    assert _png(a) != _png(render_gradient_flow(10, "relu"))
    assert len(a.axes[0].lines) == 3                     # plain, skip, reference line at 1


def test_static_figures_draw():
    assert len(plot_cost_overview().collections) == 5
    ax = plot_receptive_field(channels=8, max_layers=3)
    assert len(ax.patches) == 6
    fig = plot_patches(np.arange(64.0).reshape(8, 8), 4)
    assert len(fig.axes) == 1 + 4
    with pytest.raises(ValueError, match="image"):
        plot_patches(np.zeros((2, 8, 8)), 4)
    with pytest.raises(ValueError, match="patch_size"):
        plot_patches(np.zeros((8, 8)), 3)
