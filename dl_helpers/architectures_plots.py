"""Figures for notebook 09 (numbers from :mod:`dl_helpers.architectures`).

* :func:`render_gradient_flow` -- gradient norm per block with and without skip connections
  for one (depth, activation); the render function of the notebook's ``interactive`` figure.
* :func:`plot_cost_overview` -- parameters vs. multiply-adds of the slides' architectures.
* :func:`plot_receptive_field` -- receptive field of n stacked 3×3 convs vs. parameters of one
  large kernel.
"""
from __future__ import annotations

import numpy as np

from .architectures import ARCHITECTURES, conv_params, gradient_flow, receptive_field, summarize
from .live_plots import new_figure
from .plotting import COLORS

__all__ = ["ACTIVATION_LABELS", "render_gradient_flow", "plot_cost_overview", "plot_receptive_field"]

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
    ax.set_xlabel("Multiply-Adds pro Bild (GMACs, Conv + Linear)")
    ax.set_ylabel("Parameter (Millionen)")
    ax.set_title("Rechenaufwand und Größe (224×224, 1000 Klassen)")
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
    return ax
