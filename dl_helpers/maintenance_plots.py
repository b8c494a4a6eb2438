"""Figures of notebook 13 (predictive maintenance); the numbers come from :mod:`.maintenance`.

* :func:`plot_sensor_traces` -- a few sensors of a few units over the life (raw or normalised);
* :func:`plot_phm_score` -- the asymmetric PHM'08 score of one unit vs. the prediction error;
* :func:`plot_life` -- predicted and true (capped) RUL over the cycles of one test unit;
* :func:`plot_data_size` -- a metric vs. the number of training units (mean and every seed);
* :func:`render_life` -- :func:`plot_life` on a new figure, for ``interactive()``.
"""
from __future__ import annotations

import numpy as np

from .plotting import new_figure
from .maintenance import MODEL_LABELS, RUL_CAP, SENSOR_NAMES, Fleet, StudyResult, phm_score
from .plotting import COLORS

__all__ = ["MODEL_COLORS", "plot_sensor_traces", "plot_phm_score", "plot_life",
           "plot_data_size", "render_life"]

MODEL_COLORS = {"ridge": COLORS["grey"], "hgb": COLORS["green"], "cnn": COLORS["blue"],
                "lstm": COLORS["red"]}


def plot_sensor_traces(axes, fleet: Fleet, sensors, units, x=None, *, against_rul: bool = True,
                       **line_kw):
    """One panel per sensor name: its values (``x`` (n, S), default the raw sensors) for the
    given units, plotted against the true RUL (failure at the right, 0) or against the cycle.
    ``line_kw`` go to ``ax.plot`` (e.g. ``ls="none", marker="."`` for raw, jumping values)."""
    style = {"lw": 0.8, "alpha": 0.85, **line_kw}
    values = fleet.sensors if x is None else np.asarray(x)
    for ax, name in zip(np.atleast_1d(axes), sensors):
        s = SENSOR_NAMES.index(name)
        for i, u in enumerate(units):
            rows = fleet.unit == u
            t = fleet.rul[rows] if against_rul else fleet.cycle[rows]
            ax.plot(t, values[rows, s], label=f"Einheit {u}", color=f"C{i}", **style)
        if against_rul:
            ax.invert_xaxis()
        ax.set(title=name, xlabel="Restlebensdauer (Zyklen)" if against_rul else "Zyklus")
    return axes


def plot_phm_score(ax, d_max: float = 40.0):
    """Score of one unit, s(d) for d = prediction - truth in [-d_max, d_max], next to d²/100."""
    d = np.linspace(-d_max, d_max, 401)
    s = np.array([phm_score([v], [0.0]) for v in d])
    ax.plot(d, s, color=COLORS["red"], label="PHM'08-Score $s(d)$")
    ax.plot(d, d ** 2 / 100, "--", color=COLORS["grey"], label="$d^2/100$ (symmetrisch)")
    ax.axvline(0, color="k", lw=0.6)
    ax.text(-0.95 * d_max, 0.8 * s.max(), "zu früh:\n$e^{-d/13}-1$", va="top")
    ax.text(0.35 * d_max, 0.8 * s.max(), "zu spät:\n$e^{d/10}-1$", va="top")
    ax.set(xlabel="Fehler $d$ = Vorhersage − Wahrheit (Zyklen)", ylabel="Score einer Einheit")
    ax.legend(loc="upper center")
    return ax


def plot_life(ax, study: StudyResult, unit_index: int = 0, size: int | None = None,
              models=None):
    """Predicted RUL of every model and the capped true RUL over the cycles of one test unit."""
    size = study.sizes[-1] if size is None else size
    if size not in study.sizes:
        raise ValueError(f"size must be one of {study.sizes}, got {size}")
    if not 0 <= unit_index < len(study.display_units):
        raise ValueError(f"unit_index must be in 0..{len(study.display_units) - 1}")
    t = study.life_cycles
    ax.plot(t, study.life_true[unit_index], color="k", lw=2, label="wahre RUL (gekappt)")
    for name in models or study.models:
        ax.plot(t, study.life[(size, name)][unit_index], lw=1.2, color=MODEL_COLORS[name],
                label=MODEL_LABELS[name])
    end = np.flatnonzero(np.isfinite(study.life_true[unit_index]))[-1]
    ax.axvline(t[end], color=COLORS["grey"], ls=":", lw=1)
    ax.set(xlim=(0, t[end] + 5), ylim=(-5, RUL_CAP + 20), xlabel="Zyklus",
           ylabel="RUL (Zyklen)",
           title=f"Testeinheit {study.display_units[unit_index]}, {size} Trainingseinheiten")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_data_size(ax, study: StudyResult, metric: str = "rmse"):
    """``metric`` ("rmse" or "score") vs. the number of training units: the mean over the seeds
    as a line, every seed as a small dot (with few seeds that shows the spread honestly)."""
    if metric not in ("rmse", "score"):
        raise ValueError(f"metric must be 'rmse' or 'score', got {metric!r}")
    values = study.rmse if metric == "rmse" else study.score
    sizes = np.array(study.sizes)
    for k, name in enumerate(study.models):
        x = sizes * (1 + 0.03 * (k - 1.5))            # small offset: the dots do not overlap
        ax.plot(x, values[:, :, k].mean(axis=1), marker="o", color=MODEL_COLORS[name],
                label=MODEL_LABELS[name])
        ax.plot(np.repeat(x, values.shape[1]), values[:, :, k].ravel(), ".", ms=4, alpha=0.6,
                color=MODEL_COLORS[name])
    ax.set_xscale("log")
    if metric == "score":
        ax.set_yscale("log")       # the score grows exponentially: outliers dominate
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set(xlabel="Anzahl Trainingseinheiten",
           ylabel="RMSE (Zyklen)" if metric == "rmse" else "PHM'08-Score (log.)")
    ax.legend(fontsize=8)
    return ax


def render_life(study: StudyResult, unit_index: int, size: int):
    """:func:`plot_life` on a fresh figure (no pyplot): the picture for one slider position."""
    fig, ax = new_figure(figsize=(7.0, 4.0), dpi=90)
    plot_life(ax, study, unit_index, size)
    fig.tight_layout()
    return fig
