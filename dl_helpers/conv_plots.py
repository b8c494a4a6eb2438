"""Figures for notebook 08 (CNN): filters, feature maps and the geometry of one conv layer.

* :func:`plot_filters` -- the learned kernels of a conv layer as small images;
* :func:`plot_feature_maps` -- an input image and the feature maps of one layer;
* :func:`render_conv_geometry` -- the render function of the interactive figure over kernel
  size / stride / padding (``interactive(render_conv_geometry, kernel_size=[...], ...)``):
  the padded input grid with the receptive field of the first and the last output pixel,
  the output grid and the output-size formula with numbers.

All functions return a new ``matplotlib.figure.Figure`` (own Agg canvas, no pyplot); the
numbers behind the geometry figure come from :func:`conv_geometry` (pure, tested).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_positive_int
from .conv import conv_output_size
from .plotting import new_figure
from .plotting import COLORS

__all__ = ["plot_filters", "plot_feature_maps", "ConvGeometry", "conv_geometry",
           "render_conv_geometry", "GEOMETRY_GRIDS", "GEOMETRY_LABELS"]

#: Control values of the interactive figure in notebook 08 (3 · 3 · 3 = 27 pictures).
GEOMETRY_GRIDS = {"kernel_size": [1, 2, 3, 5], "stride": [1, 2, 3], "padding": [0, 1, 2]}
#: German labels of the controls.
GEOMETRY_LABELS = {"kernel_size": "Kernelgröße K", "stride": "Schrittweite S",
                   "padding": "Padding P"}


def _grid_of_axes(n: int, ncols: int, *, size: float = 1.3, title_space: float = 0.0):
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(size * ncols, size * nrows + title_space),
                           dpi=100, squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def plot_filters(W, *, title: str = "Gelernte Filter", ncols: int = 8):
    """The kernels of a conv layer, one small image per output channel (input channel 0).

    W : (C_out, C_in, K_h, K_w). Colour scale symmetric around 0 (blue < 0 < red), shared by
    all filters so that their strengths can be compared.
    """
    W = as_array(W, "W", ndim=4)
    lim = float(np.max(np.abs(W[:, 0]))) or 1.0
    fig, axes = _grid_of_axes(len(W), ncols, title_space=0.4)
    for k, ax in enumerate(axes[:len(W)]):
        im = ax.imshow(W[k, 0], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"Filter {k}", fontsize=9)
    fig.colorbar(im, ax=list(axes[:len(W)]), shrink=0.8, label="Gewicht")
    fig.suptitle(title)
    return fig


def plot_feature_maps(image, maps, *, title: str = "Feature Maps", ncols: int = 9):
    """An input image and its feature maps.

    image : (H, W) the input (channel 0);  maps : (C, H', W') one layer's output for it.
    """
    image = as_array(image, "image", ndim=2)
    maps = as_array(maps, "maps", ndim=3)
    fig, axes = _grid_of_axes(len(maps) + 1, ncols, title_space=0.4)
    axes[0].imshow(image, cmap="gray_r")
    axes[0].set_title("Eingabe", fontsize=9)
    for k, ax in enumerate(axes[1:len(maps) + 1]):
        ax.imshow(maps[k], cmap="viridis")
        ax.set_title(f"Kanal {k}", fontsize=9)
    fig.suptitle(title)
    return fig


class ConvGeometry(NamedTuple):
    """Numbers of one conv layer on a square input (one axis; the other is the same).

    size, kernel_size, stride, padding : int;  out_size : H_out;
    used : number of padded rows that some window covers (the rest is ignored);
    first, last : (start, stop) row range of the first and the last window in padded coords;
    receptive_field_2 : receptive field of one pixel after two such layers, K + (K−1)·S.
    """

    size: int
    kernel_size: int
    stride: int
    padding: int
    out_size: int
    used: int
    first: tuple
    last: tuple
    receptive_field_2: int


def conv_geometry(kernel_size: int, stride: int, padding: int, size: int = 7) -> ConvGeometry:
    """The numbers behind :func:`render_conv_geometry` (ValueError if the kernel does not fit)."""
    out = conv_output_size(size, kernel_size, stride, padding)
    k, s = kernel_size, stride
    last_start = s * (out - 1)
    return ConvGeometry(size, k, s, padding, out, last_start + k, (0, k), (last_start, last_start + k),
                        k + (k - 1) * s)


def render_conv_geometry(kernel_size: int = 3, stride: int = 1, padding: int = 0, size: int = 7):
    """Figure: padded input (left) and output (right) of one conv layer on a size×size input.

    The first output pixel (blue) and the last one (orange) are shown with their receptive
    field in the input; padding cells are grey, input cells that no window reaches (the stride
    does not fit) are marked red. The title gives the output-size formula with numbers.
    """
    from matplotlib.patches import Rectangle

    size = check_positive_int(size, "size")
    g = conv_geometry(kernel_size, stride, padding, size)
    padded = size + 2 * padding
    fig, (ax_in, ax_out) = new_figure(1, 2, figsize=(8.4, 4.6), dpi=90,
                                      gridspec_kw={"width_ratios": [padded, max(g.out_size, 3)]})
    for ax, n in ((ax_in, padded), (ax_out, g.out_size)):
        ax.set_xlim(-0.05, max(n, 3) + 0.05)
        ax.set_ylim(max(n, 3) + 0.05, -0.05)
        ax.set_aspect("equal")
        ax.axis("off")
    # input grid: padding grey, input white, ignored rows/columns red
    for r in range(padded):
        for c in range(padded):
            inside = padding <= r < padding + size and padding <= c < padding + size
            color = "white" if inside else "#DDDDDD"
            if inside and (r >= g.used or c >= g.used):
                color = "#F4C7B8"
            ax_in.add_patch(Rectangle((c, r), 1, 1, facecolor=color, edgecolor="#999999", lw=0.8))
    for (r0, r1), color, lw in ((g.last, COLORS["orange"], 3.0), (g.first, COLORS["blue"], 3.0)):
        ax_in.add_patch(Rectangle((r0, r0), r1 - r0, r1 - r0, fill=False, edgecolor=color, lw=lw))
    for r in range(g.out_size):
        for c in range(g.out_size):
            ax_out.add_patch(Rectangle((c, r), 1, 1, facecolor="white", edgecolor="#999999", lw=0.8))
    last = g.out_size - 1
    ax_out.add_patch(Rectangle((last, last), 1, 1, facecolor=COLORS["orange"], alpha=0.8))
    ax_out.add_patch(Rectangle((0, 0), 1, 1, facecolor=COLORS["blue"], alpha=0.8))
    ax_in.set_title(f"Eingabe {size}×{size} mit Padding P = {padding}\n"
                    f"(grau: Padding, rot: von keinem Fenster erreicht)", fontsize=10)
    ax_out.set_title(f"Ausgabe {g.out_size}×{g.out_size}", fontsize=10)
    num = size + 2 * padding - kernel_size
    fig.suptitle(f"H_out = ⌊(H + 2P − K)/S⌋ + 1 = ⌊({size} + {2 * padding} − {kernel_size})/"
                 f"{stride}⌋ + 1 = ⌊{num}/{stride}⌋ + 1 = {g.out_size}", fontsize=12, y=0.98)
    fig.subplots_adjust(top=0.80, bottom=0.10, left=0.02, right=0.98, wspace=0.1)
    fig.text(0.5, 0.03, f"Rezeptives Feld eines Ausgabepixels: {kernel_size}×{kernel_size} "
             f"(blau/orange); nach zwei solchen Schichten: {g.receptive_field_2}×"
             f"{g.receptive_field_2}", ha="center", fontsize=10)
    return fig
