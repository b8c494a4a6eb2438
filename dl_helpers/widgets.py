"""Display layer of the initialisation study (notebooks 06 and 07).

All numbers come from :func:`dl_helpers.init_study.run_study`; this module only draws them:

* :class:`StudyFigure` -- one matplotlib figure with four panels (activation histograms by
  layer as a ridge plot, saturated/dead fraction, std vs layer, ‖∂C/∂W_l‖ vs layer). Its
  ``update(result)`` changes the existing artists in place (``set_data``, step-patch values,
  axis limits); it never clears axes or creates a new figure. Redraws blit: the data artists
  are drawn over a cached background in which only the panels whose axes changed are
  re-rendered (each in a fixed pixel region, with a small per-panel image cache).
* :class:`StudyWidget` -- ipywidgets controls (variance factor on a log grid with the
  LeCun/Glorot/He points as buttons, activation, depth) over one ``StudyFigure`` shown in an
  ``ipywidgets.Image``. Works in JupyterLab and, with a live kernel, in the book.
* :func:`render_study_png` -- the same figure as PNG bytes for one grid point; the static
  site precomputes ``VARIANCE_GRID × STUDY_ACTIVATIONS × DEPTH_GRID`` with it.
"""
from __future__ import annotations


import functools
import weakref

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from .live_plots import canvas_png
from .init_study import (DEFAULT_BATCH, DEFAULT_WIDTH, DEPTH_GRID, SCHEME_MARKS,
                         STUDY_ACTIVATIONS, VARIANCE_GRID, StudyResult, predicted_z_var,
                         prefetch_study, run_study, single_threaded_blas, stop_prefetch)

__all__ = ["StudyFigure", "StudyWidget", "render_study_png", "study_figure_png", "decade_label",
           "VARIANCE_GRID", "DEPTH_GRID", "STUDY_ACTIVATIONS", "ACTIVATION_GRID",
           "variance_label", "nearest_grid_value"]

#: The slider grids (also for precomputing the static images): variance factors c, the
#: activation names of the dropdown, the depths.
ACTIVATION_GRID: tuple[str, ...] = STUDY_ACTIVATIONS

_N_RIDGES = 8
_FLOOR = 1e-30  # log-scale panels show values below this (float32 underflow) at the floor
_COLORS = {"z": "#1f77b4", "a": "#ff7f0e", "theory": "0.35", "grad": "#2ca02c",
           "sat": "#d62728", "dead": "#9467bd"}


def variance_label(factor: float) -> str:
    """Short label of a variance factor, with the scheme names that sit at this value."""
    names = [n for n, v in SCHEME_MARKS.items() if np.isclose(v, factor)]
    text = f"{factor:.3g}"
    return f"{text} ({'/'.join(names)})" if names else text


def nearest_grid_value(value: float, grid=VARIANCE_GRID) -> float:
    """Grid entry nearest to ``value`` on a log scale."""
    grid = np.asarray(grid, dtype=float)
    return float(grid[np.argmin(np.abs(np.log(grid) - np.log(float(value))))])


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def decade_label(value: float, _pos=None) -> str:
    """Tick label ``10ⁿ`` in plain text (Unicode superscripts). matplotlib's default log
    labels are mathtext, and parsing a new mathtext label costs ~10 ms -- on every slider
    move that changes the limits of a log panel."""
    if not np.isfinite(value) or value <= 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return f"{value:.3g}"
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def _log_limits(current, *arrays) -> tuple[float, float]:
    """y-limits of a log panel: on a lattice of whole decades around the data.

    "Sticky": the ``current`` limits are kept while the data fit inside them with little
    spare room -- then the axes (ticks, labels) do not change and a redraw can blit. Data
    spanning many decades (deep, unstable networks move a lot per slider step) get a coarser
    lattice of ``step ≈ span/6`` decades.
    """
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    vals = vals[np.isfinite(vals)]
    vals = np.maximum(vals, _FLOOR)
    if vals.size == 0:
        return 1e-3, 1e3
    lo, hi = np.log10(vals.min() / 2.0), np.log10(vals.max() * 2.0)
    step = max(1, int(round((hi - lo) / 6)))
    new_lo, new_hi = step * np.floor(lo / step), step * np.ceil(hi / step)
    if new_hi - new_lo < 2:  # keep at least two decades visible
        new_lo, new_hi = np.floor((lo + hi) / 2 - 1), np.ceil((lo + hi) / 2 + 1)
    if current is not None:
        cur_lo, cur_hi = np.log10(current[0]), np.log10(current[1])
        spare = (cur_hi - cur_lo) - (hi - lo)
        if cur_lo <= lo and hi <= cur_hi and spare <= 2 * step + 2:
            return current
    # spare room of one lattice step on each side, so the next slider step still fits
    return float(10.0 ** (new_lo - step)), float(10.0 ** (new_hi + step))


#: Legend box of the std panel in axes fractions (width, height), corners tried in the order
#: of matplotlib's loc="best".
_LEGEND_BOX = (0.36, 0.36)
_CORNERS = ("upper right", "upper left", "lower left", "lower right")


def _legend_corner(layers, x_max, ylim, curves, current: str | None = None) -> str:
    """Corner of the std panel whose legend box covers the fewest curve points (log y).

    Sticky like the limits: the ``current`` corner is kept while it covers no point, so a
    slider move does not re-render the panel just to move the legend."""
    x = np.asarray(layers, dtype=float)
    fine = np.linspace(x[0], x[-1], 4 * x.size)
    lo, hi = np.log10(ylim[0]), np.log10(ylim[1])
    fx = (fine - 0.5) / (x_max - 0.5)
    best, best_count = _CORNERS[0], None
    fys = [(np.interp(fine, x, np.log10(np.maximum(np.nan_to_num(c, nan=_FLOOR), _FLOOR)))
            - lo) / (hi - lo) for c in curves]
    w, h = _LEGEND_BOX
    for corner in ((current,) if current in _CORNERS else ()) + _CORNERS:
        in_x = fx >= 1 - w if "right" in corner else fx <= w
        count = sum(int(np.count_nonzero(in_x & ((fy >= 1 - h) if "upper" in corner
                                                    else (fy <= h)))) for fy in fys)
        if best_count is None or count < best_count:
            best, best_count = corner, count
        if best_count == 0:
            break
    return best


#: rcParams groups that decide how the study figure looks; pinned to matplotlib's defaults.
_RC_GROUPS = ("font.", "text.", "mathtext.", "axes.", "xtick.", "ytick.", "grid.", "legend.",
              "lines.", "markers.", "patch.", "hatch.", "path.", "agg.", "image.", "figure.")


@functools.lru_cache(maxsize=1)
def _study_rc() -> dict:
    return {k: v for k, v in mpl.rcParamsDefault.items() if k.startswith(_RC_GROUPS)}


def _pinned_style(method):
    """Run ``method`` under matplotlib's default style, whatever the notebook set
    (``plotting.use_style`` changes fonts and grids, which would move the panels out of
    their fixed pixel regions and switch the per-panel redraw off). Only the settings that
    differ are swapped (none, usually: then no ``rc_context`` at all)."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        rc = mpl.rcParams
        changed = {k: v for k, v in _study_rc().items()  # raw values: no validation cost
                   if not _same_setting(dict.__getitem__(rc, k), v)}
        if not changed:
            return method(*args, **kwargs)
        with mpl.rc_context(changed):
            return method(*args, **kwargs)
    return wrapper


def _same_setting(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except ValueError:  # array-valued settings
        return bool(np.array_equal(a, b))


class StudyFigure:
    """Four-panel figure of a :class:`~dl_helpers.init_study.StudyResult`, updated in place.

    Attributes
    ----------
    fig : matplotlib.figure.Figure
    ridges : list of StepPatch           one per histogram row (unused rows invisible)
    lines : dict[str, Line2D]            "z_std", "z_theory", "a_std", "grad", "sat", "dead"
    suptitle : Text or None              the setting (activation, depth, c); None without title

    ``title=False`` leaves out the title line that names the setting: the live widget shows
    it in its controls right above the figure, and re-rendering ~45 glyphs costs ~3.5 ms per
    move. Static pictures keep it.
    """

    @_pinned_style
    def __init__(self, figsize=(10.0, 6.4), dpi: int = 80, title: bool = True):
        # Fixed margins instead of a layout engine: constrained layout would re-measure every
        # text on each redraw and cost more than the rest of the drawing.
        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        gs = self.fig.add_gridspec(2, 2, width_ratios=(1.0, 1.15), left=0.085, right=0.985,
                                   bottom=0.075, top=0.905 if title else 0.94, wspace=0.2,
                                   hspace=0.32)
        self.ax_hist = self.fig.add_subplot(gs[0, 0])
        self.ax_sat = self.fig.add_subplot(gs[1, 0])
        self.ax_std = self.fig.add_subplot(gs[0, 1])
        self.ax_grad = self.fig.add_subplot(gs[1, 1], sharex=self.ax_std)

        edges = np.linspace(-1, 1, 2)
        self.ridges = []
        for i in range(_N_RIDGES):
            patch = self.ax_hist.stairs(np.zeros(1) + i, edges, baseline=i, fill=True,
                                        alpha=0.75, edgecolor="k", linewidth=0.6)
            patch.set_zorder(_N_RIDGES - i)
            self.ridges.append(patch)
        self.ax_hist.set_xlabel(r"Aktivierung $a_l$")
        self.ax_hist.tick_params(axis="y", length=0)
        self.ax_hist.set_title("Histogramme der Aktivierungen", y=1.0)

        lz, = self.ax_std.plot([], [], "o-", ms=3, color=_COLORS["z"], label=r"Std$(z_l)$")
        lt, = self.ax_std.plot([], [], "--", color=_COLORS["theory"],
                               label=r"Theorie $\sqrt{c\,E[a_{l-1}^2]}$")
        la, = self.ax_std.plot([], [], "s-", ms=3, color=_COLORS["a"], label=r"Std$(a_l)$")
        self.ax_std.set_yscale("log")
        self.ax_std.set_title("Signal im Vorwärtslauf", y=1.0)
        # legend corner chosen per update by _legend_corner (like loc="best", but part of
        # the panel's axes state, so the cached panel image never shows a stale position)
        self.std_legend = self.ax_std.legend(loc="upper right", fontsize=8)
        lg, = self.ax_grad.plot([], [], "o-", ms=3, color=_COLORS["grad"])
        self.ax_grad.set_yscale("log")
        for ax in (self.ax_sat, self.ax_std):  # layers are integers (ax_grad shares x)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (self.ax_std, self.ax_grad):  # plain-text labels: no mathtext per move
            ax.yaxis.set_major_formatter(FuncFormatter(decade_label))
            ax.yaxis.set_minor_formatter(NullFormatter())
        self.ax_grad.set_xlabel("Schicht $l$")
        self.ax_grad.set_title(r"Gradientennorm $\|\partial C/\partial W_l\|_F$", y=1.0)
        ls, = self.ax_sat.plot([], [], "o-", ms=3, color=_COLORS["sat"],
                               label=r"gesättigt ($|\sigma'| < 5\%$ max)")
        ld, = self.ax_sat.plot([], [], "s-", ms=3, color=_COLORS["dead"],
                               label="tot (für alle Eingaben)")
        self.ax_sat.set_ylim(-0.03, 1.03)
        self.ax_sat.set_xlabel("Schicht $l$")
        self.ax_sat.set_title("Anteil gesättigter / toter Einheiten", y=1.0)
        self.ax_sat.legend(loc="upper left", fontsize=8)
        self.lines = {"z_std": lz, "z_theory": lt, "a_std": la, "grad": lg, "sat": ls,
                      "dead": ld}
        self.suptitle = self.fig.suptitle("") if title else None
        self.result: StudyResult | None = None
        # Blitting: the data artists are "animated" (left out of a full draw); the static rest
        # (axes, ticks, labels, legends) is cached as a background and only redrawn when the
        # axes themselves change (limits, tick labels).
        self._animated = sorted([*self.ridges, *self.lines.values()], key=lambda a: a.zorder)
        if self.suptitle is not None:
            self._animated.append(self.suptitle)
        for artist in self._animated:
            artist.set_animated(True)
        # Per-panel redraw: the figure is cut into four fixed pixel regions, one per panel
        # (with its ticks, tick labels and title). When only one panel's axes change (the
        # typical slider move: a log panel's limits), only that region is cleared and that
        # panel redrawn; panel images are also cached by their axes state, so returning to
        # an earlier state costs a copy.
        self._panels = (self.ax_hist, self.ax_sat, self.ax_std, self.ax_grad)
        self._regions = self._panel_regions()
        self._region_cache: dict = {}
        self._partial_ok = None  # checked at the first full draw (regions contain panels)
        self._axes_state = None
        self._background = None
        self._background_state = None

    def _panel_regions(self):
        """Pixel boxes (display coordinates) of the four panels: the figure split between
        the columns (a quarter into the gap, the right panels' log tick labels need the room)
        and between the rows (bottom titles vs. top x labels)."""
        from matplotlib.transforms import Bbox

        W, H = self.fig.bbox.width, self.fig.bbox.height
        left, right = self.ax_hist.bbox, self.ax_std.bbox
        top, bottom = self.ax_hist.bbox, self.ax_sat.bbox
        xs = round(left.x1 + 0.25 * (right.x0 - left.x1))
        ys = round(bottom.y1 + 0.37 * (top.y0 - bottom.y1))
        return (Bbox([[0, ys], [xs, H]]), Bbox([[0, 0], [xs, ys]]),
                Bbox([[xs, ys], [W, H]]), Bbox([[xs, 0], [W, ys]]))

    @_pinned_style
    def update(self, result: StudyResult) -> None:
        """Show ``result``: change data and limits of the existing artists."""
        self.result = result
        layers = result.layers
        # Ridge plot: each histogram scaled to its own maximum, one row per shown layer.
        edges = result.hist_edges
        for i, patch in enumerate(self.ridges):
            if i < len(result.hist_layers):
                counts = result.hist_counts[i]
                top2 = np.sort(counts)[-2:]
                # A single atom (ReLU: half of all values are exactly 0) would flatten the
                # rest; then scale by the second-highest bin and clip the atom.
                peak = top2[0] if top2[1] > 3 * top2[0] > 0 else top2[1]
                values = i + 0.9 * (np.minimum(counts / peak, 1.0) if peak > 0 else counts)
                patch.set_data(values, edges, baseline=i)
                patch.set_visible(True)
            else:
                patch.set_visible(False)
        k = len(result.hist_layers)
        self.ax_hist.set_xlim(edges[0], edges[-1])
        self.ax_hist.set_ylim(-0.1, k + 0.05)
        self.ax_hist.set_yticks(np.arange(k) + 0.3)
        self.ax_hist.set_yticklabels([f"l = {j}" for j in result.hist_layers])

        z_std = np.sqrt(result.z_var)
        theory = np.sqrt(predicted_z_var(result.activation, result.variance_factor,
                                         result.depth))
        self.lines["z_std"].set_data(layers, np.maximum(z_std, _FLOOR))
        self.lines["z_theory"].set_data(layers, np.maximum(theory, _FLOOR))
        self.lines["a_std"].set_data(layers, np.maximum(result.a_std, _FLOOR))
        self.lines["grad"].set_data(layers, np.maximum(result.grad_norm, _FLOOR))
        self.lines["sat"].set_data(layers, result.saturated)
        self.lines["dead"].set_data(layers, result.dead)
        for ax in (self.ax_std, self.ax_sat):
            ax.set_xlim(0.5, result.depth + 0.5)
        current = self._axes_state is not None
        std_lim = _log_limits(self.ax_std.get_ylim() if current else None,
                              z_std, theory, result.a_std)
        grad_lim = _log_limits(self.ax_grad.get_ylim() if current else None, result.grad_norm)
        self.ax_std.set_ylim(*std_lim)
        self.ax_grad.set_ylim(*grad_lim)
        corner = _legend_corner(layers, (result.depth + 0.5), std_lim,
                                (z_std, theory, result.a_std),
                                self._axes_state[2][0][1] if current else None)
        self.std_legend.set_loc(corner)
        # axes state of each panel (order of self._panels): a redraw re-renders exactly the
        # panels whose state changed
        self.ax_hist.set_title(f"Histogramme der Aktivierungen (je {result.batch}·"
                               f"{result.width} Werte)", y=1.0)
        self._axes_state = ((tuple(edges[[0, -1]]), tuple(result.hist_layers), result.batch,
                             result.width),
                            (result.depth,), ((result.depth, corner), std_lim),
                            ((result.depth,), grad_lim))
        # Plain and short: the title is redrawn on every move, and Agg renders text glyph by
        # glyph (~0.1 ms each); batch and width are in the (static) histogram title.
        if self.suptitle is not None:
            self.suptitle.set_text(
                f"{result.activation}, Tiefe L = {result.depth}, "
                f"Var(w) = c/d mit c = {variance_label(result.variance_factor)}")

    @_pinned_style
    def draw(self, full: bool = False) -> None:
        """Render into the Agg buffer -- what a redraw costs, without PNG encoding.

        The static part (axes, ticks, labels, legends) comes from a cached background; only
        the panels whose axes changed since (limits, tick labels) are re-rendered, each in its
        own pixel region (or restored from the per-panel cache), then the data artists are
        drawn on top (blitting). ``full=True`` forces a complete draw of the figure.
        """
        canvas = self.fig.canvas
        state = self._axes_state
        if full or self._background is None or self._partial_ok is False:
            if full or self._background_state != state:
                self._full_background()
            else:
                canvas.restore_region(self._background)
        else:
            canvas.restore_region(self._background)
            if self._background_state != state:
                old = self._background_state or (None,) * len(self._panels)
                for i, (ax, region) in enumerate(zip(self._panels, self._regions)):
                    if state[i] == old[i]:
                        continue
                    cached = self._region_cache.get((i, state[i]))
                    if cached is not None:
                        canvas.restore_region(cached)
                    elif ax in (self.ax_std, self.ax_grad) and old[i] is not None \
                            and old[i][0] == state[i][0]:  # only the y-limits changed
                        self._redraw_y_strip(ax, region)
                        self._cache_region(i, state[i], canvas.copy_from_bbox(region))
                    else:
                        self._clear_region(region)
                        self.fig.draw_artist(ax)  # animated data artists are skipped
                        self._cache_region(i, state[i], canvas.copy_from_bbox(region))
                self._background = canvas.copy_from_bbox(self.fig.bbox)
                self._background_state = state
        for artist in self._animated:
            if artist.get_visible():
                self.fig.draw_artist(artist)

    def _redraw_y_strip(self, ax, region) -> None:
        """Re-render only the strip of a log panel left of its plot area (y ticks and tick
        labels, left spine) -- what a change of the y-limits alone changes, at half the cost
        of the whole panel (title, legend and x axis stay as they are).

        The axes' frame, axes and title are drawn unclipped in matplotlib's order and
        everything right of the strip is then put back from the buffer, so the pixels equal
        a full draw (``tests/test_widgets.py``).
        """
        buf = np.asarray(self.fig.canvas.buffer_rgba())
        h = buf.shape[0]
        x0, y0, x1, y1 = (int(round(v)) for v in region.extents)
        xs = int(np.ceil(ax.bbox.x0 + 1.5))  # strip: region.x0 … xs (incl. the left spine)
        rest = buf[h - y1:h - y0, xs:x1].copy()
        buf[h - y1:h - y0, x0:xs] = self._face_rgba()
        renderer = self.fig.canvas.get_renderer()
        ax.patch.draw(renderer)
        # x axis and title only where they reach into the strip (integer layer ticks sit
        # ≥ half a layer right of the left edge, so normally they do not)
        parts = [*ax.spines.values(), ax.yaxis]
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        if ticks and ax.transData.transform((min(ticks), 1.0))[0] < xs + 24:
            parts.append(ax.xaxis)
        if ax.title.get_window_extent(renderer).x0 < xs + 1:
            parts.append(ax.title)
        # the children's order of Axes.draw (stable sort by zorder; the axes lie below the
        # spines with the default axes.axisbelow = "line")
        for artist in sorted(parts, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        buf[h - y1:h - y0, xs:x1] = rest

    def _face_rgba(self) -> np.ndarray:
        return np.round(255 * np.asarray(to_rgba(self.fig.get_facecolor()))).astype(np.uint8)

    def _full_background(self) -> None:
        canvas = self.fig.canvas
        canvas.draw()  # animated artists are skipped here
        if self._partial_ok is None:
            self._freeze_label_positions()
            self._partial_ok = self._regions_contain_panels()
            canvas.draw()
        self._background = canvas.copy_from_bbox(self.fig.bbox)
        self._background_state = self._axes_state
        if self._axes_state is not None:
            for i, region in enumerate(self._regions):
                self._cache_region(i, self._axes_state[i], canvas.copy_from_bbox(region))

    def _freeze_label_positions(self) -> None:
        """Keep the axis labels where the first draw put them (their tick labels have a fixed
        height), so later draws skip measuring the tick labels of the axis and of the axes
        sharing it (matplotlib does that on every draw of an axis with an automatic label
        position, even of an empty label)."""
        for ax in self._panels:
            _, y_px = ax.xaxis.label.get_position()
            _, y_ax = ax.transAxes.inverted().transform((0.0, y_px))
            ax.xaxis.set_label_coords(0.5, y_ax)
            x_px, _ = ax.yaxis.label.get_position()
            x_ax, _ = ax.transAxes.inverted().transform((x_px, 0.0))
            ax.yaxis.set_label_coords(x_ax, 0.5)

    def _regions_contain_panels(self) -> bool:
        """Whether every panel (with widest possible log tick labels) lies inside its region
        with a pixel to spare -- otherwise the per-panel redraw is switched off."""
        renderer = self.fig.canvas.get_renderer()
        limits = [ax.get_ylim() for ax in (self.ax_std, self.ax_grad)]
        try:
            for ax in (self.ax_std, self.ax_grad):
                ax.set_ylim(1e-38, 1e38)
            for ax, region in zip(self._panels, self._regions):
                bb = ax.get_tightbbox(renderer)
                if not (bb.x0 >= region.x0 + 1 and bb.x1 <= region.x1 - 1
                        and bb.y0 >= region.y0 + 1 and bb.y1 <= region.y1 - 1):
                    return False
            return True
        finally:
            for ax, lim in zip((self.ax_std, self.ax_grad), limits):
                ax.set_ylim(*lim)

    def _clear_region(self, region) -> None:
        buf = np.asarray(self.fig.canvas.buffer_rgba())
        h = buf.shape[0]
        x0, y0, x1, y1 = (int(round(v)) for v in region.extents)
        buf[h - y1:h - y0, x0:x1] = self._face_rgba()

    def _cache_region(self, i: int, key, region_copy) -> None:
        cache = self._region_cache
        cache[(i, key)] = region_copy
        if len(cache) > 64:  # drop the oldest entries
            for old in list(cache)[:len(cache) - 64]:
                del cache[old]

    def to_png(self, redraw: bool = True) -> bytes:
        """Draw (see :meth:`draw`; skipped with ``redraw=False`` right after a ``draw()``)
        and encode the Agg buffer as PNG. Use this rather than ``fig.savefig``: the data
        artists are animated and a plain savefig would omit them."""
        if redraw:
            self.draw()
        return canvas_png(self.fig, compress_level=3)


_PNG_FIGURE: StudyFigure | None = None


def study_figure_png(result: StudyResult) -> bytes:
    """PNG bytes of a result, drawn with one reused module-level :class:`StudyFigure`."""
    global _PNG_FIGURE
    if _PNG_FIGURE is None:
        _PNG_FIGURE = StudyFigure()
    _PNG_FIGURE.update(result)
    return _PNG_FIGURE.to_png()


def render_study_png(variance_factor: float | str, activation: str, depth: int, *,
                     width: int = DEFAULT_WIDTH, batch: int = DEFAULT_BATCH,
                     seed: int = 0, num_threads: int | None = None) -> bytes:
    """Run the study for one (variance factor, activation, depth) and return a PNG.

    For the static site: loop over ``VARIANCE_GRID × STUDY_ACTIVATIONS × DEPTH_GRID``.
    """
    return study_figure_png(run_study(variance_factor, activation, depth, width=width,
                                      batch=batch, seed=seed, num_threads=num_threads))


class StudyWidget:
    """Sliders for variance factor, activation and depth over one :class:`StudyFigure`.

    Parameters
    ----------
    variance_factor : float
        Start value (snapped to the nearest entry of ``VARIANCE_GRID``).
    activation : str
    depth : int
        Start value (snapped to the nearest entry of ``DEPTH_GRID``).
    controls : tuple of str
        Which controls to show, subset of ("variance", "activation", "depth"); the others
        stay at their start values (notebook 06 uses ("activation", "depth")).
    width, batch, seed : int
        Passed to :func:`run_study`.
    num_threads : int, optional
        torch threads per recomputation (see :func:`run_study`).
    prefetch : bool
        Use the student's idle time: compute the values the controls can take next in the
        background, nearest first (:meth:`next_settings`,
        :func:`~dl_helpers.init_study.prefetch_study`) -- after each move, and in IPython
        also whenever a cell has finished and the kernel waits (:meth:`prefetch_idle`,
        for the widget shown or moved last). A move to a prefetched value costs only the
        redraw; any other move cancels the prefetch within one layer, and so does the start
        of every cell, so a background pass never competes with the student's code. (A
        headless run, nbval or the book build, starts the next cell at once: the idle
        prefetch waits ``IDLE_DELAY_S`` before its first pass and so computes nothing.)

    Attributes ``variance``, ``activation``, ``depth`` are the ipywidgets (set their
    ``value`` to update programmatically), ``figure`` the :class:`StudyFigure`, ``widget``
    the container to display.
    """

    def __init__(self, variance_factor: float = 1.0, activation: str = "tanh",
                 depth: int = 10, *, controls=("variance", "activation", "depth"),
                 width: int = DEFAULT_WIDTH, batch: int = DEFAULT_BATCH, seed: int = 0,
                 num_threads: int | None = None, prefetch: bool = True):
        import ipywidgets as W

        unknown = set(controls) - {"variance", "activation", "depth"}
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; choose from "
                             "'variance', 'activation', 'depth'")
        if activation not in STUDY_ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of: "
                             + ", ".join(STUDY_ACTIVATIONS))
        self._kw = {"width": width, "batch": batch, "seed": seed, "num_threads": num_threads}
        self.prefetch = bool(prefetch)
        self._controls = tuple(controls)
        self.figure = StudyFigure(title=False)  # the controls above name the setting
        self.variance = W.SelectionSlider(
            options=[(f"{v:.3g}", v) for v in VARIANCE_GRID],
            value=nearest_grid_value(variance_factor), description="c = d·Var(w)",
            continuous_update=False, style={"description_width": "initial"},
            layout=W.Layout(width="420px"))
        self.activation = W.Dropdown(options=list(STUDY_ACTIVATIONS), value=activation,
                                     description="σ")
        depth_value = min(DEPTH_GRID, key=lambda d: abs(d - depth))
        self.depth = W.SelectionSlider(options=list(DEPTH_GRID), value=depth_value,
                                       description="Tiefe L", continuous_update=False)
        self.buttons = []
        for name, value in (("LeCun/Glorot (c=1)", 1.0), ("He (c=2)", 2.0),
                            ("Heuristik U(±1/√d) (c≈1/3)", 1.0 / 3.0)):
            b = W.Button(description=name, layout=W.Layout(width="auto"))
            b.on_click(lambda _b, v=value: setattr(self.variance, "value",
                                                   nearest_grid_value(v)))
            self.buttons.append(b)
        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width="900px"))
        for w in (self.variance, self.activation, self.depth):
            w.observe(self._on_change, names="value")
        rows = []
        if "variance" in controls:
            rows.append(W.HBox([self.variance, *self.buttons]))
        rows.append(W.HBox([w for name, w in (("activation", self.activation),
                                               ("depth", self.depth)) if name in controls]))
        self.widget = W.VBox([*rows, self.image])
        self.update()

    def compute(self) -> StudyResult:
        return run_study(self.variance.value, self.activation.value, self.depth.value,
                         **self._kw)

    def update(self) -> StudyResult:
        """Recompute for the current control values, redraw the one figure in place and hand
        its PNG to the ``Image`` widget (no new figure, no new output area)."""
        result = self.compute()  # first stops (or waits for) a running prefetch
        # BLAS single-threaded for the redraw: its small NumPy products would otherwise wake
        # OpenBLAS's workers, which then spin and slow the next pass (see single_threaded_blas;
        # entered only after the prefetch has stopped, whose pass changes the same setting)
        with single_threaded_blas():
            self.figure.update(result)
            png = self.figure.to_png()
        self.image.value = png
        return result

    def _on_change(self, change) -> None:
        self.update()
        if self.prefetch:
            _IdleHooks.track(self)
            prefetch_study(self.next_settings(change), **self._kw)

    #: seconds the idle prefetch waits after a cell before its first pass
    IDLE_DELAY_S = 0.25

    def prefetch_idle(self) -> int:
        """Start the background computation of :meth:`next_settings` after ``IDLE_DELAY_S``
        (called by the IPython hook when a cell has finished). Returns the number of results
        queued: 0 with ``prefetch=False`` or when all are cached."""
        if not self.prefetch:
            return 0
        return prefetch_study(self.next_settings(), delay=self.IDLE_DELAY_S, **self._kw)

    def next_settings(self, change=None) -> list[tuple[float, str, int]]:
        """Likely next ``(variance_factor, activation, depth)`` after ``change`` (an
        ipywidgets change dict or None), most likely first: every other value of the visible
        sliders, nearer ones first; on a tie the slider that moved, in the direction it moved.
        (Stepping on, stepping back and small jumps are served first; after ~1.5 s of idle
        time at depth 50 every value on the sliders is ready.)"""
        current = [self.variance.value, self.activation.value, self.depth.value]
        moved = change["owner"] if change is not None else None
        ranked = []
        for w, grid, pos, name in ((self.variance, VARIANCE_GRID, 0, "variance"),
                                   (self.depth, DEPTH_GRID, 2, "depth")):
            if name not in self._controls:
                continue
            i = grid.index(w.value)
            ahead = -1 if w is moved and change["new"] < change["old"] else 1
            for k in range(len(grid)):
                if k != i:
                    setting = list(current)
                    setting[pos] = grid[k]
                    ranked.append(((abs(k - i), w is not moved, (k - i) * ahead < 0),
                                   tuple(setting)))
        if "activation" in self._controls:
            # the dropdown has no "nearer": every other activation at the current slider
            # values ranks after the sliders' direct neighbours, before the farther values
            ranked += [((1, self.activation is not moved, True), (current[0], act, current[2]))
                       for act in STUDY_ACTIVATIONS if act != current[1]]
        return [setting for _, setting in sorted(ranked, key=lambda item: item[0])]

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
        if self.prefetch:
            _IdleHooks.track(self)


class _IdleHooks:
    """IPython event hooks of the idle prefetch (registered once per kernel, on the first
    display of a :class:`StudyWidget`): ``pre_run_cell`` stops a running prefetch,
    ``post_run_cell`` starts :meth:`StudyWidget.prefetch_idle` of the widget shown or moved
    last (held by a weak reference: the hooks themselves keep no widget alive)."""

    widget = None  # weakref.ref to a StudyWidget, or None
    shell = None  # the IPython shell the hooks are registered with

    @classmethod
    def track(cls, widget: StudyWidget) -> None:
        cls.widget = weakref.ref(widget)
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover -- ipywidgets depends on IPython
            return
        shell = get_ipython()
        if shell is not None and shell is not cls.shell:
            shell.events.register("pre_run_cell", cls.before_cell)
            shell.events.register("post_run_cell", cls.after_cell)
            cls.shell = shell

    @staticmethod
    def before_cell(info=None) -> None:
        stop_prefetch()

    @classmethod
    def after_cell(cls, result=None) -> None:
        widget = cls.widget() if cls.widget is not None else None
        if widget is not None:
            widget.prefetch_idle()
