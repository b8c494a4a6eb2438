"""Figures for notebook 09 (numbers from :mod:`dl_helpers.architectures` and
:mod:`dl_helpers.architecture_studies`).

* :func:`render_gradient_flow` -- gradient norm per block with and without skip connections
  for one (depth, activation); the render function of the notebook's ``interactive`` figure.
* :func:`plot_cost_overview` -- parameters vs. multiply-adds of the slides' architectures.
* :func:`plot_receptive_field` -- receptive field of n stacked 3×3 convs vs. parameters of one
  large kernel.
* :func:`plot_patches` -- a ViT's view of an image: the patch grid and the token sequence (93).
"""
from __future__ import annotations

import numpy as np

from .architecture_studies import gradient_flow, receptive_field
from .architectures import ARCHITECTURES, conv_params, summarize
from .attention import image_to_patches
from .plotting import new_figure
from .plotting import COLORS

__all__ = ["ACTIVATION_LABELS", "render_gradient_flow", "plot_cost_overview", "plot_receptive_field",
           "plot_patches"]

#: German/readable names of the activations offered by :func:`gradient_flow`.
ACTIVATION_LABELS = {"sigmoid": "Sigmoid", "tanh": "tanh", "relu": "ReLU"}


def render_gradient_flow(depth: int = 30, activation: str = "tanh", *, seed: int = 0):
    """Figure: ``‖∂L/∂h_l‖ / ‖∂L/∂h_L‖`` over the block index l, plain vs. with skips (89).

    A pure function of its arguments (same values → same picture); returns a new Figure.
    """
    flow = gradient_flow(depth, activation, seed=seed)
    fig, ax = new_figure(figsize=(6.4, 3.8), dpi=80)
    ax.semilogy(flow.layer, flow.plain, "o-", ms=3, color=COLORS["red"],
                label=r"ohne Skip: $h_l = F_l(h_{l-1})$")
    ax.semilogy(flow.layer, flow.skip, "s-", ms=3, color=COLORS["blue"],
                label=r"mit Skip: $h_l = h_{l-1} + F_l(h_{l-1})/\sqrt{L}$")
    ax.axhline(1.0, color=COLORS["grey"], lw=0.8, ls="--")
    low = min(1e-3, float(flow.plain.min()) / 3)
    ax.set_ylim(max(low, 1e-35), 10.0)
    ax.set_xlim(0, depth)
    ax.set_xlabel("Block $l$ (0 = Eingabe)")
    ax.set_ylabel(r"$\|\partial L/\partial h_l\| \,/\, \|\partial L/\partial h_L\|$")
    ax.set_title(f"Gradientenfluss durch {depth} Blöcke, Aktivierung {ACTIVATION_LABELS[activation]}")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def plot_cost_overview(ax=None, keys=("alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2")):
    """Scatter plot: parameters (millions) vs. GMACs (conv + linear) at 224×224; returns the Axes."""
    if ax is None:
        fig, ax = new_figure(figsize=(6.0, 4.0), dpi=80)
    for i, key in enumerate(keys):
        arch = ARCHITECTURES[key]
        s = summarize(arch.layers, arch.input_shape)
        x, y = s.macs_of("conv", "linear") / 1e9, s.params / 1e6
        ax.scatter([x], [y], s=60, color=list(COLORS.values())[i])
        ax.annotate(arch.name, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(0.15, 60)
    ax.set_ylim(1.5, 400)
    ax.set_xlabel("Multiply-Adds pro Bild (GMACs, Conv + Linear)")
    ax.set_ylabel("Parameter (Millionen)")
    ax.set_title("Rechenaufwand und Größe (224×224, 1000 Klassen)")
    ax.figure.tight_layout()
    return ax


def plot_receptive_field(channels: int = 64, max_layers: int = 5, ax=None):
    """Bars: parameters of n stacked 3×3 convs vs. one (2n+1)×(2n+1) conv, same receptive field.

    C → C channels, no bias; the receptive field 2n+1 is computed by :func:`receptive_field`.
    """
    if ax is None:
        fig, ax = new_figure(figsize=(6.0, 3.6), dpi=80)
    n = np.arange(1, max_layers + 1)
    rf = receptive_field([3] * max_layers)
    stacked = [k * conv_params(channels, channels, 3, bias=False) for k in n]
    single = [conv_params(channels, channels, int(r), bias=False) for r in rf]
    ax.bar(n - 0.2, stacked, 0.4, color=COLORS["blue"], label="n gestapelte 3×3-Convs")
    ax.bar(n + 0.2, single, 0.4, color=COLORS["orange"], label="eine Conv mit gleichem Feld")
    ax.set_xticks(n, [f"n={k}\n{r}×{r}" for k, r in zip(n, rf)])
    ax.set_ylabel(f"Parameter (C = {channels} → {channels})")
    ax.set_title("Gleiches rezeptives Feld, weniger Parameter")
    ax.legend(fontsize=9)
    ax.figure.tight_layout()
    return ax


def plot_patches(image, patch_size: int, fig=None):
    """Left: a grey image (H, W) with its P×P patch grid and token numbers; right: the N tokens.

    The tokens are the rows of :func:`dl_helpers.attention.image_to_patches`, each reshaped back
    to P×P for display. Returns the figure.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must have shape (H, W), got {image.shape}")
    tokens = image_to_patches(image[None, None], patch_size)[0]          # (N, P²)
    H, W = image.shape
    P, n_cols = patch_size, W // patch_size
    if fig is None:
        fig, _ = new_figure(figsize=(8.0, 3.2), dpi=80)
    fig.clear()
    left = fig.add_axes([0.02, 0.08, 0.3, 0.8])
    left.imshow(image, cmap="gray_r")
    for k in range(1, H // P):
        left.axhline(k * P - 0.5, color=COLORS["orange"], lw=1.5)
    for k in range(1, n_cols):
        left.axvline(k * P - 0.5, color=COLORS["orange"], lw=1.5)
    for i in range(len(tokens)):
        r, c = divmod(i, n_cols)
        left.text(c * P + 0.3, r * P + 1.3, str(i + 1), color=COLORS["blue"], fontsize=8)
    left.set_title(f"Bild {H}×{W}, Patches {P}×{P}")
    left.set_axis_off()
    for i, tok in enumerate(tokens):
        ax = fig.add_axes([0.36 + i * 0.62 / len(tokens), 0.35, 0.56 / len(tokens), 0.3])
        ax.imshow(tok.reshape(P, P), cmap="gray_r", vmin=image.min(), vmax=image.max())
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color(COLORS["grey"])
        ax.set_title(str(i + 1), fontsize=7, color=COLORS["blue"])
    fig.text(0.66, 0.8, f"Folge von N = {len(tokens)} Tokens der Länge P² = {P * P}",
             ha="center", fontsize=11)
    return fig
