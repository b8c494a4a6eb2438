"""The figure of the initialisation study (notebooks 06 and 07), on :class:`~dl_helpers.plotting.BlitFigure`.

All numbers come from :func:`dl_helpers.init_study.run_study`; this module only draws them.

* :class:`StudyFigure` -- four panels: activation histograms of up to eight layers (ridge
  plot), the fraction of saturated / dead units, the standard deviations of z_l and a_l with
  the theory √(c·E[a²_{l-1}]), and ‖∂C/∂W_l‖_F. ``update(result)`` changes the data of the
  existing artists; axes are redrawn only when their limits or labels change.
* :func:`render_study` -- the slider's render function
  ``(variance_factor, activation, depth) -> PNG``, one reused figure.
* :data:`ACTIVATION_LABELS`, :data:`SCHEME_LABELS`, :func:`variance_label`,
  :func:`variance_choices` -- readable German names for legends and controls;
  :data:`ACTIVATION_STYLES` -- one line style per activation for comparison plots.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .init_study import (SCHEME_MARKS, STUDY_ACTIVATIONS, VARIANCE_GRID, StudyResult,
                         predicted_z_var, run_study)
from .plotting import COLORS, BlitFigure, new_figure

__all__ = ["StudyFigure", "render_study", "ACTIVATION_LABELS", "ACTIVATION_STYLES", "SCHEME_LABELS",
           "variance_label", "variance_choices", "activation_choices", "STUDY_GRIDS"]

#: Readable names of the activations (legends, titles, dropdowns).
ACTIVATION_LABELS: dict[str, str] = {
    "sigmoid": "Sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU",
    "elu": "ELU", "gelu": "GELU", "identity": "Identität"}
#: Readable names of the initialisation schemes of ``dl_helpers.initializers``.
SCHEME_LABELS: dict[str, str] = {
    "lecun_normal": "LeCun-normal", "lecun_uniform": "LeCun-gleichverteilt",
    "glorot_normal": "Glorot-normal", "glorot_uniform": "Glorot-gleichverteilt",
    "he_normal": "He-normal", "he_uniform": "He-gleichverteilt",
    "heuristic": "Heuristik U(±1/√d)"}

#: Colour, line style and marker per activation, so that curves lying on top of each other
#: (ReLU, leaky ReLU and ELU often do) stay distinguishable: ``ax.plot(x, y, **ACTIVATION_STYLES[name])``.
ACTIVATION_STYLES: dict[str, dict] = {
    "sigmoid": dict(color=COLORS["blue"], ls="-", marker="o", ms=5),
    "tanh": dict(color=COLORS["orange"], ls="-", marker="s", ms=5),
    "relu": dict(color=COLORS["green"], ls="-", marker="D", ms=7, mfc="none", lw=2.5),
    "leaky_relu": dict(color=COLORS["red"], ls="--", marker="x", ms=7),
    "elu": dict(color=COLORS["purple"], ls=":", marker="^", ms=5, lw=2),
    "gelu": dict(color=COLORS["sky"], ls="-.", marker="v", ms=5)}

_N_RIDGES = 8
_FLOOR = 1e-30  # log panels: values below (float32 underflow) are drawn at the floor


def variance_label(factor: float) -> str:
    """``"2 (He)"``: the factor with the scheme names that sit at this value."""
    names = [n for n, v in SCHEME_MARKS.items() if np.isclose(v, factor)]
    text = f"{factor:.3g}"
    return f"{text} ({'/'.join(names)})" if names else text


def variance_choices(grid=VARIANCE_GRID) -> list[tuple[str, float]]:
    """``(label, c)`` pairs for a slider over the variance factors."""
    return [(variance_label(c), float(c)) for c in grid]


def activation_choices(names=STUDY_ACTIVATIONS) -> list[tuple[str, str]]:
    """``(label, name)`` pairs for an activation dropdown."""
    return [(ACTIVATION_LABELS.get(n, n), n) for n in names]


#: Grids of :func:`render_study` for ``interactive(render_study, **STUDY_GRIDS)``: 6 × 6 × 5 =
#: 180 pictures (c ≈ 1/3 is the old heuristic U(±1/√d), 1 LeCun/Glorot, 2 He, 16 the sigmoid's
#: Taylor value). The full slider grids are ``variance_choices()`` and ``DEPTH_GRID``.
STUDY_GRIDS = {"variance_factor": variance_choices(VARIANCE_GRID[3:5] + VARIANCE_GRID[6:11:2]
                                                   + VARIANCE_GRID[-1:]),
               "activation": activation_choices(), "depth": [2, 5, 10, 20, 50]}


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _decade_label(value: float, _pos=None) -> str:
    """Tick label ``10ⁿ`` as plain text: matplotlib's default log labels are mathtext, and
    laying out mathtext costs several ms per label on every full redraw."""
    if not np.isfinite(value) or value <= 0:
        return ""
    return "10" + str(int(round(np.log10(value)))).translate(_SUPERSCRIPT)


def _log_limits(*arrays) -> tuple[float, float]:
    """y-limits of a log panel: whole decades around the data with half a decade to spare
    (a function of the data only, so the same result always gives the same picture)."""
    vals = np.concatenate([np.ravel(a) for a in arrays]).astype(float)
    vals = np.maximum(vals[np.isfinite(vals)], _FLOOR)
    if vals.size == 0:
        return 1e-3, 1e3
    lo, hi = np.log10(vals.min()), np.log10(vals.max())
    return 10.0 ** np.floor(lo - 0.5), 10.0 ** np.ceil(hi + 0.5)


class StudyFigure(BlitFigure):
    """Four-panel figure of a :class:`~dl_helpers.init_study.StudyResult`, updated in place.

    Parameters
    ----------
    figsize, dpi : size (default 9 × 5 in at 90 dpi: 810 × 450 px, fits a laptop screen)

    Attributes ``ridges`` (one filled step patch per histogram row) and ``lines`` (dict
    ``"z_std", "z_theory", "a_std", "grad", "sat", "dead"`` -> Line2D) are the moving artists.
    """

    def __init__(self, figsize=(9.0, 5.0), dpi: float = 90.0):
        fig, axes = new_figure(2, 2, figsize=figsize, dpi=dpi,
                               gridspec_kw={"left": 0.08, "right": 0.985, "bottom": 0.09,
                                            "top": 0.88, "wspace": 0.2, "hspace": 0.45})
        super().__init__(fig)
        (self.ax_hist, self.ax_std), (self.ax_sat, self.ax_grad) = axes
        for ax in (self.ax_std, self.ax_grad):      # log y-axes move with the data: their
            self.animate(ax.yaxis)                  # limits change without a full redraw
            for spine in ax.spines.values():        # (drawn over the grid, as in a full draw)
                self.animate(spine)
        self.ridges = []
        for i in range(_N_RIDGES):
            patch = self.ax_hist.stairs(np.zeros(1), [0.0, 1.0], baseline=0.0, fill=True,
                                        alpha=0.8, edgecolor="k", linewidth=0.5,
                                        color=COLORS["sky"], zorder=_N_RIDGES - i)
            self.ridges.append(self.animate(patch))
        self.ax_hist.set(xlabel="Aktivierung $a_l$", title="Histogramme der Aktivierungen")
        self.ax_hist.tick_params(axis="y", length=0)
        self.ax_hist.xaxis.set_major_locator(MaxNLocator(nbins=5))
        self.ax_hist.grid(False)

        def line(ax, fmt, color, label, **kw):
            kw.setdefault("ms", 3.5)
            return self.animate(ax.plot([], [], fmt, color=color, label=label, **kw)[0])

        self.lines = {
            "z_std": line(self.ax_std, "o-", COLORS["blue"], r"Std$(z_l)$ Simulation"),
            "z_theory": line(self.ax_std, "--", COLORS["black"],
                             r"Theorie $\sqrt{c\,E[a_{l-1}^2]}$", lw=1.2),
            "a_std": line(self.ax_std, "s:", COLORS["orange"], r"Std$(a_l)$"),
            "grad": line(self.ax_grad, "o-", COLORS["green"], None),
            "sat": line(self.ax_sat, "o-", COLORS["red"], r"gesättigt ($|\sigma'| < 5\,\%$ max)"),
            "dead": line(self.ax_sat, "x--", COLORS["purple"], "tot (für alle Eingaben)", ms=6),
        }
        self.ax_std.set(yscale="log", title="Signal im Vorwärtslauf")
        self.ax_grad.set(yscale="log", xlabel="Schicht $l$",
                         title=r"Gradientennorm $\|\partial C/\partial W_l\|_F$")
        self.ax_sat.set(ylim=(-0.03, 1.03), xlabel="Schicht $l$",
                        title="Anteil gesättigter / toter Einheiten")
        for ax in (self.ax_sat, self.ax_std, self.ax_grad):
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        for ax in (self.ax_std, self.ax_grad):      # cheap log ticks: decades, plain text
            ax.yaxis.set_major_locator(LogLocator(numticks=6))
            ax.yaxis.set_major_formatter(FuncFormatter(_decade_label))
            ax.yaxis.set_minor_locator(NullLocator())
        for ax in axes.ravel():                     # fixed positions: a redraw measures less
            ax.title.set_y(1.0)
            ax.xaxis.set_label_coords(0.5, -0.2)
        # one legend above the panels, outside the data: static, never hidden by a curve
        # (the setting itself is shown by the controls next to the figure)
        handles = [self.lines[k] for k in ("z_std", "z_theory", "a_std", "sat", "dead")]
        fig.legend(handles=handles, loc="upper center", ncol=5, fontsize=8, frameon=False,
                   handlelength=2.2, columnspacing=1.2, bbox_to_anchor=(0.5, 1.0))
        self._static_key = None

    def update(self, result: StudyResult) -> None:
        """Show ``result``: new data for the moving artists; new axis limits or labels make
        the next redraw a full one. The pixel buffer is current afterwards."""
        if not isinstance(result, StudyResult):
            raise TypeError(f"result must be a StudyResult from run_study, "
                            f"got {type(result).__name__}")
        layers, edges = result.layers, result.hist_edges
        for i, patch in enumerate(self.ridges):      # one row per layer, each scaled to 0.9
            if i < len(result.hist_layers):
                counts = result.hist_counts[i]
                top2 = np.sort(counts)[-2:]
                # an atom (ReLU: half the values are exactly 0) would flatten the rest: then
                # scale by the second-highest bin and clip the atom
                peak = top2[0] if top2[1] > 3 * top2[0] > 0 else top2[1]
                height = np.minimum(counts / peak, 1.0) if peak > 0 else counts
                patch.set_data(i + 0.9 * height, edges, baseline=i)
                patch.set_visible(True)
            else:
                patch.set_visible(False)
        z_std = np.sqrt(result.z_var)
        theory = np.sqrt(predicted_z_var(result.activation, result.variance_factor,
                                         result.depth))
        for name, values in (("z_std", z_std), ("z_theory", theory), ("a_std", result.a_std),
                             ("grad", result.grad_norm)):
            self.lines[name].set_data(layers, np.maximum(values, _FLOOR))
        self.lines["sat"].set_data(layers, result.saturated)
        self.lines["dead"].set_data(layers, result.dead)
        key = (result.activation, result.depth, result.batch, result.width)
        if key != self._static_key:                 # histogram axis, layer ticks, its title
            k = len(result.hist_layers)
            self.ax_hist.set(xlim=(edges[0], edges[-1]), ylim=(-0.1, k + 0.05),
                             yticks=np.arange(k) + 0.3,
                             yticklabels=[f"l = {j}" for j in result.hist_layers],
                             title=f"{ACTIVATION_LABELS.get(result.activation, result.activation)}"
                                   f": Histogramme von $a_l$ (je {result.batch}·{result.width} Werte)")
            for ax in (self.ax_sat, self.ax_std):   # ax_grad: its own x range, same layers
                ax.set_xlim(0.5, result.depth + 0.5)
            self.ax_grad.set_xlim(0.5, result.depth + 0.5)
            self._static_key = key
            self.invalidate()
        self.ax_std.set_ylim(*_log_limits(z_std, theory, result.a_std))
        self.ax_grad.set_ylim(*_log_limits(result.grad_norm))
        self.redraw()


_FIGURE: StudyFigure | None = None


def render_study(variance_factor: float | str = 1.0, activation: str = "tanh",
                 depth: int = 10) -> bytes:
    """PNG of the study for one setting (run_study with its default size + one reused figure).

    The slider's render function: grids in :data:`STUDY_GRIDS`. A scheme name such as
    ``"he_normal"`` works as ``variance_factor`` too (see ``run_study``).
    """
    global _FIGURE
    if _FIGURE is None:
        _FIGURE = StudyFigure()
    _FIGURE.update(run_study(variance_factor, activation, depth))
    return _FIGURE.png()
