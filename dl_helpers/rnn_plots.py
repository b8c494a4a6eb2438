"""Figures for notebook 10 (numbers from :mod:`dl_helpers.rnn_study`).

* :func:`render_gradient_flow` -- ‖∂L/∂x_t‖ against t for RNN and LSTM (log scale), a pure
  function of (seq_len, weight_scale, forget_bias) for :func:`dl_helpers.interactive.interactive`;
* :func:`plot_gate_trace` -- gates i, f, o and the cell state of one LSTM unit over two
  sequences with opposite labels (which gate opens when);
* :func:`plot_learning_curves` -- training loss and test accuracy of several runs.

Every function builds a fresh figure with :func:`dl_helpers.plotting.new_figure` (no pyplot
state, nothing to close), so calling it twice with the same values gives the same picture.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .plotting import COLORS, new_figure
from .rnn_study import MemoryRun, input_gradient_norms

__all__ = ["GRID_SEQ_LEN", "GRID_WEIGHT_SCALE", "GRID_FORGET_BIAS", "render_gradient_flow",
           "plot_gate_trace", "plot_learning_curves"]

#: Control values of the interactive figure (4 · 7 · 3 = 84 pictures).
GRID_SEQ_LEN = [10, 25, 50, 100]
GRID_WEIGHT_SCALE = [0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0]
GRID_FORGET_BIAS = [0.0, 1.0, 3.0]

_CELL_STYLE = {"rnn": ("RNN (tanh)", COLORS["blue"]), "lstm": ("LSTM", COLORS["orange"])}


def render_gradient_flow(seq_len: int = 50, weight_scale: float = 1.0,
                         forget_bias: float = 0.0) -> Figure:
    """‖∂L/∂x_t‖ over t for RNN and LSTM with L = ⟨g, h_T⟩ (mean over 16 sequences, H = 32).

    seq_len : T;  weight_scale : spectral radius of W_hh (both cells);  forget_bias : the LSTM's
    forget-gate bias b_f (the RNN has no forget gate).
    """
    fig, ax = new_figure(figsize=(7.0, 4.0))
    fig.set_layout_engine("constrained")
    t = np.arange(1, seq_len + 1)
    for cell, (label, color) in _CELL_STYLE.items():
        norms = input_gradient_norms(cell, seq_len, weight_scale, forget_bias=forget_bias)
        ax.semilogy(t, np.maximum(norms, 1e-30), color=color, lw=2, label=label)
    ax.set_ylim(1e-24, 1e12)                   # smaller values leave the plot at the bottom
    ax.set_xlim(1, max(seq_len, 2))
    ax.set_xlabel("Zeitschritt t der Eingabe $x_t$")
    ax.set_ylabel(r"$\Vert \partial L / \partial x_t \Vert$  (Verlust an $h_T$)")
    ax.set_title(f"T = {seq_len}, Skalierung von $W_{{hh}}$: {weight_scale:g}, "
                 f"Forget-Bias $b_f$ = {forget_bias:g}", fontsize=10)
    ax.legend(loc="lower right")
    return fig


def _memory_unit(trace_pos: dict, trace_neg: dict) -> int:
    """The unit whose final cell state differs most between the two sequences."""
    return int(np.argmax(np.abs(trace_pos["c"][-1] - trace_neg["c"][-1])))


def plot_gate_trace(trace_pos: dict, trace_neg: dict, x_pos, x_neg) -> Figure:
    """Gates and cell state of the LSTM unit that stores the sign, for a + and a − sequence.

    trace_pos, trace_neg : dicts of :func:`~dl_helpers.rnn_study.lstm_gate_trace` ((T, H) each);
    x_pos, x_neg : the two input sequences (T, 2).
    """
    u = _memory_unit(trace_pos, trace_neg)
    T = trace_pos["c"].shape[0]
    t = np.arange(T)
    fig, axes = new_figure(3, 1, figsize=(9.0, 6.5), sharex=True)
    fig.set_layout_engine("constrained")
    for x, style, sign in ((x_pos, "-", "+1"), (x_neg, "--", "−1")):
        x = np.asarray(x)
        axes[0].plot(t, x[:, 0], style, color=COLORS["black"], label=f"Kanal 0 (Vorzeichen {sign})")
    axes[0].plot(t, np.asarray(x_pos)[:, 1], color=COLORS["grey"], lw=0.8, label="Kanal 1 (Rauschen)")
    axes[0].set_ylabel("Eingabe $x_t$")
    gate_labels = {"i": ("Input-Gate $i_t$", COLORS["green"]), "f": ("Forget-Gate $f_t$", COLORS["blue"]),
                   "o": ("Output-Gate $o_t$", COLORS["red"])}
    for trace, style in ((trace_pos, "-"), (trace_neg, "--")):
        for name, (label, color) in gate_labels.items():
            axes[1].plot(t, trace[name][:, u], style, color=color,
                         label=label if style == "-" else None)
        axes[2].plot(t, trace["c"][:, u], style, color=COLORS["purple"],
                     label="Zellzustand $C_t$" + (" (Folge +1)" if style == "-" else " (Folge −1)"))
    axes[1].set_ylim(-0.05, 1.05)
    axes[1].set_ylabel(f"Gates, Einheit {u}")
    axes[2].set_ylabel(f"$C_t$, Einheit {u}")
    axes[2].set_xlabel("Zeitschritt t")
    for ax in axes:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    return fig


def plot_learning_curves(runs: dict[str, MemoryRun], *, window: int = 10) -> Figure:
    """Training loss (moving average over ``window`` steps) and test accuracy of several runs.

    runs : display label -> :class:`~dl_helpers.rnn_study.MemoryRun`.
    """
    fig, (ax_loss, ax_acc) = new_figure(1, 2, figsize=(10.0, 3.8))
    fig.set_layout_engine("constrained")
    colors = [COLORS["blue"], COLORS["orange"], COLORS["green"], COLORS["purple"]]
    for (label, run), color in zip(runs.items(), colors):
        kernel = np.ones(window) / window
        smooth = np.convolve(run.loss, kernel, mode="valid")
        ax_loss.plot(np.arange(window, len(run.loss) + 1), smooth, color=color, label=label)
        ax_acc.plot(run.eval_steps, run.accuracy, color=color, marker=".", label=label)
    ax_loss.axhline(np.log(2), color=COLORS["grey"], ls=":", label="Raten (ln 2)")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("Trainingsschritt")
    ax_loss.set_ylabel("BCE (gleitender Mittelwert)")
    ax_acc.axhline(0.5, color=COLORS["grey"], ls=":", label="Raten (50 %)")
    ax_acc.set_ylim(0.3, 1.05)
    ax_acc.set_xlabel("Trainingsschritt")
    ax_acc.set_ylabel("Testgenauigkeit")
    ax_acc.legend(fontsize=9)
    return fig
