"""Interactive explorers for the notebooks: sliders in, readouts and a figure out.

Each factory returns an `Explorer`, an ipywidgets VBox with:
  .controls  {name: slider}      set `.value` from code (tests do) or drag it in the page
  .readouts  {name: HTML widget} the numbers shown as text, CSS class `speclab-readout-<name>`
  .values    {name: number}      the raw numbers behind the readouts, from the last frame
  .figure    the matplotlib Figure; .png its last frame as PNG bytes (what the page shows)
The figure is shown as a PNG image in an Output widget, so the explorers run unchanged in Colab,
JupyterLab and Binder with the inline backend (no ipympl, no widget extension).

Writing an explorer (subclass `Explorer`):
  compute(**controls) -> values   pure: theory / simulator calls only, no drawing
  describe(values) -> {readout name: html}
  build(figure)      once: axes, static artists, and the artists that move. Register every
                     artist that `refresh` changes with `self.animate(artist, ...)` (lines,
                     points, bars, texts, an axes' `ax.title`); it returns what it was given.
  refresh(values)    move the registered artists to the new values (set_data, set_text, ...).
Frames are then fast without further work: the static parts (axes, ticks, labels, legends) are
drawn once into a cached background; each frame restores that background and draws only the
registered artists on top (Agg's copy_from_bbox / restore_region), then encodes the PNG.
The background is redrawn only when something static changed, which matplotlib reports itself:
any change to an unregistered artist (an axis limit, tick labels, a legend) marks the figure
stale, and a stale figure gets one full redraw. So keep axis limits fixed where a fixed range
reads well (`axis_top` snaps a top to a doubling ladder), set limits or tick labels only when
their value changes (`set_limits` does), and expect a slow frame whenever they do. Registered
artists are drawn above every static one. A registered Text costs about half a millisecond a
frame: let titles name what is plotted (the sliders and readouts show the values), and draw many
short labels as one `GlyphLabels` and many bars as one `BarSeries` (one draw call each).

Slider events: while a slider is dragged in the page, its values arrive faster than frames.
A change that comes from the page only marks the explorer dirty and schedules one frame on the
kernel's event loop; the frame reads the controls' newest values when it runs, so queued events
coalesce (the latest value wins, no backlog) and the last frame shows where the slider stopped.
A change made from code draws at once, so `.values` is current when the assignment returns.
"""

from __future__ import annotations

import asyncio
import base64
import math
import struct
import time
import zlib

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, ScaledTranslation
from matplotlib.ticker import MaxNLocator

from .. import theory
from .._validate import as_count, in_ranges
from ..plots._axes import BASELINE, DRAFT, OVERLAP, RESIDUAL, TARGET
from ..rounds import PLAIN
from ..trace import COLOURS, LEGEND_LABELS, cell_boxes, decorate_round_grid
from ..verify import residual

_SLIDER = dict(continuous_update=True, style={"description_width": "170px"},
               layout=widgets.Layout(width="460px"))

#: Font sizes of every explorer figure (points; the figures are drawn at dpi 80).
STYLE = {"font.size": 12, "axes.titlesize": 12.5, "axes.labelsize": 12, "xtick.labelsize": 11,
         "ytick.labelsize": 11, "legend.fontsize": 10.5}
#: zlib level of the frame PNG: 1 is about twice as fast to encode as the default 6, for files
#: about a tenth larger on these flat-coloured figures (benchmarks/bench_widgets.py measures it).
PNG_COMPRESS_LEVEL = 1


class Explorer(widgets.VBox):
    """Controls on top, text readouts below them, then the figure; any change updates all three.

    Subclasses provide `compute`, `describe`, `build` and `refresh` (see the module docstring);
    `build` registers the artists that `refresh` moves with `self.animate(...)`, everything else
    is static and drawn once into the cached background.
    """

    readout_names: tuple = ()
    figsize = (12.0, 3.6)
    dpi = 80
    style = STYLE

    def __init__(self, controls: dict):
        super().__init__()
        self.controls = dict(controls)
        self.readouts = {name: widgets.HTML().add_class("speclab-readout").add_class(f"speclab-readout-{name}")
                         for name in self.readout_names}
        self.values: dict = {}
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(self.figure)
        self.png = b""
        self.moving: list = []
        self.full_redraws = 0            # frames that had to redraw the static background
        self.frames = 0
        self.timings: dict = {}          # seconds spent in each part of the last frame
        self._built = False
        self._background = None
        self._frame_scheduled = False
        self.output = widgets.Output()
        self.children = [widgets.VBox(list(self.controls.values())),
                         widgets.HBox(list(self.readouts.values()),
                                      layout=widgets.Layout(flex_flow="row wrap", grid_gap="6px 24px")),
                         self.output]
        self.add_class("speclab-explorer")
        for control in self.controls.values():
            control.observe(self._control_changed, names="value")
        self.draw_frame()

    # ------------------------------------------------------------------ the subclass contract
    def compute(self, **params) -> dict:
        raise NotImplementedError

    def describe(self, values: dict) -> dict:
        raise NotImplementedError

    def build(self, figure) -> None:
        raise NotImplementedError

    def refresh(self, values: dict) -> None:
        raise NotImplementedError

    def animate(self, *artists):
        """Register artists that `refresh` moves (drawn every frame); returns what it was given.

        Accepts artists or (nested) iterables of them: a BarContainer, a list of lines."""
        for artist in _flatten(artists):
            artist.set_animated(True)
            self.moving.append(artist)
            self.animate(*_side_titles(artist))
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self) -> None:
        """Redraw the static background on the next frame (after a change matplotlib cannot see)."""
        self._background = None

    # ------------------------------------------------------------------ events and frames
    def schedule(self, callback) -> None:
        """Run `callback` once the kernel has handled the events already waiting (call_soon),
        or at once where no event loop runs (a script)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            callback()
        else:
            loop.call_soon(callback)

    def _control_changed(self, change) -> None:
        if _from_page(change["owner"]):
            if not self._frame_scheduled:        # one frame pending at most: it reads the newest values
                self._frame_scheduled = True
                self.schedule(self._draw_scheduled_frame)
        else:
            self.draw_frame()

    def _draw_scheduled_frame(self) -> None:
        """draw_frame for the event loop, where an exception would only reach the kernel's log:
        show it in the explorer's output instead."""
        try:
            self.draw_frame()
        except Exception as error:  # noqa: BLE001 - shown to the learner, not swallowed
            self._frame_scheduled = False
            self.output.outputs = ({"output_type": "stream", "name": "stderr",
                                    "text": f"{type(error).__name__}: {error}\n"},)

    def settings(self) -> dict:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def draw_frame(self) -> None:
        """Compute, describe and draw the controls' current settings: readouts, figure, PNG, page."""
        self._frame_scheduled = False
        start = time.perf_counter()
        self.values = self.compute(**self.settings())
        for name, html in self.describe(self.values).items():
            self.readouts[name].value = html
        computed = time.perf_counter()
        with matplotlib.rc_context(self.style):      # fonts of texts made or restyled while drawing
            if not self._built:
                self.build(self.figure)
                self._built = True
            self.refresh(self.values)
            refreshed = time.perf_counter()
            full = self._render()
        rendered = time.perf_counter()
        self.png = encode_png(self.figure.canvas)
        encoded = time.perf_counter()
        _show_png(self.output, self.png)
        self.frames += 1
        self.full_redraws += full
        self.timings = {"compute": computed - start, "refresh": refreshed - computed,
                        "render": rendered - refreshed, "encode": encoded - rendered,
                        "show": time.perf_counter() - encoded, "full_redraw": full}

    def _render(self) -> bool:
        """Restore the static background (redrawing it first if anything static changed), then draw
        the registered artists over it; returns whether the background was redrawn."""
        canvas = self.figure.canvas
        full = self._background is None or self.figure.stale
        if full:
            canvas.draw()                        # skips animated (registered) artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in sorted(self.moving, key=lambda a: a.get_zorder()):
            self.figure.draw_artist(artist)
        return full


class GlyphLabels(PathCollection):
    """Many short labels (token ids) drawn as one collection of glyph outlines: one draw call a
    frame, where one Text artist per label costs about half a millisecond each.

    `xy` are the labels' anchors in `transform` coordinates (data by default): their centres, or
    their left or right ends with `ha`, moved by `offset` points; `set_texts` changes what they
    read ("" hides one). Register it with `Explorer.animate` like any artist.
    """

    def __init__(self, ax, xy, size: float = 11.0, transform=None, ha: str = "center", offset=(0.0, 0.0),
                 **kwargs):
        self.size, self.ha, self.offset = size, ha, offset
        super().__init__([], offsets=np.asarray(xy, dtype=float), offset_transform=transform or ax.transData,
                         transform=Affine2D().scale(ax.figure.dpi / 72.0), facecolors=kwargs.pop("color", "black"),
                         edgecolors="none", **kwargs)
        ax.add_collection(self, autolim=False)
        self.texts = [""] * len(self.get_offsets())
        self._glyphs: dict = {}

    def set_texts(self, texts) -> None:
        self.texts = [str(t) for t in texts]
        self.set_paths([self._centred_path(text) for text in self.texts])

    def _centred_path(self, text: str):
        """The outline of `text` in points, placed on the origin (cached: few distinct labels).

        Across by its own width (`ha`), up and down centred on the height of a digit, so that all
        labels share one baseline; then moved by `offset`."""
        key = (text, self.ha, tuple(self.offset))
        if key not in self._glyphs:
            if not text.strip():
                self._glyphs[key] = Path(np.empty((0, 2)))
            else:
                path = TextPath((0, 0), text, size=self.size)
                x0, x1 = path.vertices[:, 0].min(), path.vertices[:, 0].max()
                anchor = {"left": x0, "right": x1, "center": (x0 + x1) / 2}[self.ha]
                digit_height = TextPath((0, 0), "0", size=self.size).vertices[:, 1].max()
                shift = Affine2D().translate(self.offset[0] - anchor, self.offset[1] - digit_height / 2)
                self._glyphs[key] = shift.transform_path(path)
        return self._glyphs[key]


class BarSeries(PolyCollection):
    """One series of bars (at `x`, all `width` wide, from 0) drawn as one collection: one draw
    call a frame, where a BarContainer's Rectangles cost one each. `set_heights` moves them."""

    def __init__(self, ax, x, width: float, **kwargs):
        self.x, self.width = np.asarray(x, dtype=float), width
        kwargs.setdefault("facecolors", kwargs.pop("color", None))
        super().__init__(self._outlines(np.zeros_like(self.x)), edgecolors="none", **kwargs)
        ax.add_collection(self, autolim=False)

    def set_heights(self, heights) -> None:
        self.heights = np.asarray(heights, dtype=float)
        self.set_verts(self._outlines(self.heights))

    def _outlines(self, heights):
        left, right, base = self.x - self.width / 2, self.x + self.width / 2, np.zeros_like(heights)
        return np.stack([np.column_stack(corner) for corner in
                         ((left, base), (left, heights), (right, heights), (right, base))], axis=1)


def _flatten(items):
    """The artists in a (nested) iterable of artists."""
    for item in items:
        if isinstance(item, matplotlib.artist.Artist):
            yield item
        else:
            yield from _flatten(item)


def _side_titles(artist) -> list:
    """An axes' left and right titles when `artist` is its centre title: `ax.set_title` touches all
    three, so registering the title registers its two (usually empty) siblings with it."""
    ax = artist.axes
    if ax is None or artist is not getattr(ax, "title", None):
        return []
    return [title for title in (getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))
            if title is not None and not title.get_animated()]


def _from_page(control) -> bool:
    """Whether the control's current change came from the page (a comm message), not from code.

    ipywidgets holds the property lock while it applies a state update sent by the browser."""
    return bool(getattr(control, "_property_lock", None))


def encode_png(canvas, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """The canvas's current pixels as an 8-bit RGBA PNG, written directly with zlib.

    Rows go in unfiltered and RGBA as Agg holds them: on these flat-coloured figures that takes
    about a third of the time of Pillow's encoder (which picks a filter per row and cannot be
    told not to, and needs an RGB copy) for files about a tenth larger."""
    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)      # column 0: filter type 0 (none)
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows, compress_level)) + _png_chunk(b"IEND", b""))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _show_png(output, png: bytes) -> None:
    """Make this frame the only output of the explorer's Output widget.

    Set as the widget's `outputs` state (what ipywidgets' `append_display_data` does) rather than
    captured with `with output: display(...)`: capturing works only while the message that caused
    the frame is being handled, and a coalesced frame is drawn after that. Showing PNG bytes rather
    than the Figure keeps the result independent of the notebook's matplotlib backend (no ipympl,
    no second copy drawn by the inline backend).
    """
    output.outputs = ({"output_type": "display_data", "metadata": {},
                       "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                "text/plain": "<explorer figure>"}},)


def readout(label: str, value: str, unit: str = "") -> str:
    """The HTML of one readout: a label and its value, the value in a `speclab-value` element."""
    return f'{label}: <b class="speclab-value">{value}</b>{unit}'


def fmt(x, digits: int = 3) -> str:
    """A readout number with fixed decimals, or 'none' for nan (e.g. no break-even alpha)."""
    return "none" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def axis_top(x: float, bases=(1.5,)) -> float:
    """The smallest of `bases` times a power of two at or above x > 0: where an axis showing x ends.

    Axis tops snap to this ladder, so a dragged curve leaves its axis (and the cached background)
    alone until it outgrows the axis or shrinks below half of it (with one base; two bases such
    as (1, 1.5) give a finer ladder, for axes that move with rarely dragged sliders)."""
    return min(base * 2.0 ** math.ceil(math.log2(x / base) - 1e-12) for base in bases)


def set_limits(ax, *, xlim=None, ylim=None) -> None:
    """Set axis limits only when they differ from the current ones (setting them marks the figure
    stale, which costs a full redraw, even when the value is the same)."""
    if xlim is not None and tuple(ax.get_xlim()) != tuple(xlim):
        ax.set_xlim(*xlim)
    if ylim is not None and tuple(ax.get_ylim()) != tuple(ylim):
        ax.set_ylim(*ylim)


def _visible_top(ax) -> float:
    """The highest finite y among the axes' visible lines (at least 1)."""
    tops = [np.nanmax(line.get_ydata()) for line in ax.lines
            if line.get_visible() and np.size(line.get_ydata()) and np.isfinite(np.nanmax(line.get_ydata()))]
    return max(tops + [1.0])


# ----------------------------------------------------------------------------- speedup explorer

class SpeedupExplorer(Explorer):
    """alpha, K, c and verification growth in; speedup, tokens per round, best K, break-even out.

    Left: speedup against alpha for K = 1, 2, 4, 8, your K (bold) and the best K (dotted), the
    Part 4 picture, with the break-even alpha of your K marked. Middle: speedup against K at your
    alpha, best K starred. Right: the best K against alpha at your c, the Part 7 picture.
    """

    readout_names = ("speedup", "expected_tokens", "optimal_k", "breakeven_alpha", "accepted_fraction")
    figsize = (12.0, 3.9)
    reference_ks = (1, 2, 4, 8)
    k_max_plot = 16
    alpha_grid = np.linspace(0.0, 1.0, 201)

    def compute(self, alpha, k, c, verify_growth) -> dict:
        best = theory.optimal_k(alpha, c, verify_growth=verify_growth)
        return {
            "alpha": alpha, "k": k, "c": c, "verify_growth": verify_growth,
            "speedup": theory.speedup(alpha, k, c, verify_growth),
            "expected_tokens": theory.expected_tokens(alpha, k),
            "optimal_k": best,
            "optimal_speedup": theory.speedup(alpha, best, c, verify_growth),
            "breakeven_alpha": theory.breakeven_alpha(c, k, verify_growth),
            "accepted_fraction": theory.accepted_fraction(alpha, k),
        }

    def describe(self, v: dict) -> dict:
        return {
            "speedup": readout("speedup", fmt(v["speedup"]), "x"),
            "expected_tokens": readout("tokens per round", fmt(v["expected_tokens"])),
            "optimal_k": readout("best K", str(v["optimal_k"]), f" ({fmt(v['optimal_speedup'])}x)"),
            "breakeven_alpha": readout("break-even alpha at this K", fmt(v["breakeven_alpha"])),
            "accepted_fraction": readout("accepted/drafted", fmt(v["accepted_fraction"])),
        }

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.26)
        self.ax_alpha, self.ax_k, self.ax_best = figure.subplots(1, 3)
        ax = self.ax_alpha
        self.lines_ref = self.animate([ax.plot([], [], linewidth=1, alpha=0.6, label=f"K = {k}")[0]
                                       for k in self.reference_ks])
        self.line_yours, = ax.plot([], [], color="black", linewidth=2.5, label="your K")
        self.line_best, = ax.plot([], [], ":", color="purple", linewidth=1.5, label="best K")
        self.point_alpha, = ax.plot([], [], "o", color="red", markersize=8, zorder=5)
        self.line_breakeven = ax.axvline(0.0, color="red", linewidth=1.2, linestyle=":",
                                         label="break-even alpha")
        self.label_breakeven = GlyphLabels(ax, [(0.0, 1.0)], size=STYLE["font.size"] - 1, color="red")
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        # Titles name what is plotted, not the slider values (the sliders and readouts show those):
        # a static title is drawn once, a changing one costs its glyphs in every frame.
        ax.set(title="Speedup vs alpha at your K, c, g", xlabel="alpha", ylabel="speedup (x)", xlim=(0, 1))
        ax.legend(loc="upper left", ncols=2, handlelength=1.5, columnspacing=1.0)
        self.animate(self.line_yours, self.line_best, self.point_alpha, self.line_breakeven, self.label_breakeven)

        ax = self.ax_k
        self.line_k, = ax.plot([], [], "o-", markersize=3, linewidth=1.5)
        self.star_k, = ax.plot([], [], "*", color="purple", markersize=14, zorder=5)
        self.point_k, = ax.plot([], [], "o", color="red", markersize=8, zorder=6)
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set(title="Speedup vs K at your alpha (star: best K)", xlabel="drafts per round K",
               ylabel="speedup (x)", xlim=(-0.5, self.k_max_plot + 0.5))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.animate(self.line_k, self.star_k, self.point_k)

        ax = self.ax_best
        self.line_opt, = ax.step([], [], where="mid", linewidth=2, color="purple")
        self.point_opt, = ax.plot([], [], "o", color="red", markersize=8, zorder=5)
        ax.set(title="Best K vs alpha at your c, g", xlabel="alpha", ylabel="best K", xlim=(0, 1), ylim=(-0.5, 33))
        self.animate(self.line_opt, self.point_opt)

    def refresh(self, v: dict) -> None:
        alpha, k, c, growth = v["alpha"], v["k"], v["c"], v["verify_growth"]
        grid = self.alpha_grid
        if getattr(self, "_curves_for", None) != (k, c, growth):    # alpha alone moves only the points
            self._curves_for = (k, c, growth)
            for line, k_ref in zip(self.lines_ref, self.reference_ks):
                line.set_data(grid, theory.speedup(grid, k_ref, c, growth))
            self.line_yours.set_data(grid, theory.speedup(grid, k, c, growth))
            self.best_k = theory.optimal_k(grid, c, verify_growth=growth)
            self.line_best.set_data(grid, theory.speedup(grid, self.best_k, c, growth))
            self.line_opt.set_data(grid[:-1], self.best_k[:-1])
            self._mark_breakeven(v["breakeven_alpha"])
            set_limits(self.ax_alpha, ylim=(0.0, axis_top(_visible_top(self.ax_alpha), bases=(1.0, 1.5))))
        self.point_alpha.set_data([alpha], [v["speedup"]])

        ks = np.arange(self.k_max_plot + 1)
        gains = theory.speedup(alpha, ks, c, growth)
        self.line_k.set_data(ks, gains)
        best = min(v["optimal_k"], self.k_max_plot)
        self.star_k.set_data([best], [gains[best]])
        self.point_k.set_data([k], [v["speedup"]])
        set_limits(self.ax_k, ylim=(0.0, axis_top(1.05 * _visible_top(self.ax_k))))

        self.point_opt.set_data([alpha], [v["optimal_k"]])

    def _mark_breakeven(self, breakeven: float) -> None:
        """The dotted line at the break-even alpha of your K (named in the legend), its value beside it."""
        shown = not math.isnan(breakeven)
        self.line_breakeven.set_visible(shown)
        self.label_breakeven.set_visible(shown)
        if shown:
            self.line_breakeven.set_xdata([breakeven, breakeven])
            # Beside the crossing, on the side of the 1x line your-K curve is not on, away from the edge.
            left = breakeven > 0.8
            self.label_breakeven.ha, self.label_breakeven.offset = ("right", (-4, 9)) if left else ("left", (4, -9))
            self.label_breakeven.set_offsets([(breakeven, 1.0)])
            self.label_breakeven.set_texts([f"{breakeven:.2f}"])


def speedup_explorer(alpha: float = 0.8, k: int = 4, c: float = 0.1, verify_growth: float = 0.0) -> SpeedupExplorer:
    """Sliders for alpha, K, c and verification growth; live speedup readouts and curves.

    Each starting value must lie in its slider's range: alpha and c in [0, 1], k in 1..16,
    verify_growth in [0, 0.2] (a slider would silently clamp it otherwise).
    """
    alpha, k, c, verify_growth = in_ranges(alpha=(alpha, 0.0, 1.0), k=(k, 1, 16), c=(c, 0.0, 1.0),
                                                  verify_growth=(verify_growth, 0.0, 0.2))
    controls = {
        "alpha": widgets.FloatSlider(value=alpha, min=0.0, max=1.0, step=0.01,
                                     description="alpha (acceptance)", **_SLIDER),
        "k": widgets.IntSlider(value=k, min=1, max=16, step=1, description="K (drafts per round)", **_SLIDER),
        "c": widgets.FloatSlider(value=c, min=0.0, max=1.0, step=0.01, description="c (draft/target cost)",
                                 **_SLIDER),
        "verify_growth": widgets.FloatSlider(value=verify_growth, min=0.0, max=0.2, step=0.01,
                                             description="verify growth g (per draft)", **_SLIDER),
    }
    return SpeedupExplorer(controls)


# ----------------------------------------------------------------------------- acceptance explorer

class AcceptanceExplorer(Explorer):
    """Agreement and position in; p and q bars, alpha and the residual out."""

    readout_names = ("alpha", "rejection")
    figsize = (12.0, 3.6)

    def __init__(self, controls: dict, vocab_size: int, seed: int):
        self.vocab_size, self.seed = vocab_size, seed
        super().__init__(controls)

    def compute(self, agreement, position) -> dict:
        from ..synthetic import SyntheticPair

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=self.seed)
        p, q = pair.target(position), pair.draft(position)
        alpha = theory.acceptance_rate(p, q)
        return {"agreement": agreement, "position": position, "p": p, "q": q,
                "residual": residual(p, q), "alpha": alpha, "rejection": 1.0 - alpha}

    def describe(self, v: dict) -> dict:
        return {"alpha": readout("alpha = sum of min(p, q)", fmt(v["alpha"])),
                "rejection": readout("P(a draft is rejected) = 1 - alpha", fmt(v["rejection"]))}

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.12)
        self.ax_bars, self.ax_res = figure.subplots(1, 2, sharey=True)
        x = np.arange(self.vocab_size)
        zeros = np.zeros(self.vocab_size)
        self.bars_p = BarSeries(self.ax_bars, x - 0.2, 0.4, color=TARGET, label="p (target)")
        self.bars_q = BarSeries(self.ax_bars, x + 0.2, 0.4, color=DRAFT, label="q (draft)")
        self.ticks_overlap = self.ax_bars.hlines(zeros, x - 0.4, x + 0.4, color=OVERLAP, linewidth=2.5,
                                                 label="min(p, q)")
        self.ax_bars.legend(loc="upper right")
        self.bars_ref = BarSeries(self.ax_res, x, 0.8, color=TARGET, alpha=0.25, label="p (for reference)")
        self.bars_res = BarSeries(self.ax_res, x, 0.5, color=RESIDUAL, label="residual norm(max(0, p - q))")
        self.ax_res.legend(loc="upper right")
        self.note = self.ax_res.text(0.5, 0.5, "p = q: every draft is accepted,\nno residual is needed",
                                     transform=self.ax_res.transAxes, ha="center", va="center")
        # The token ids under the bars change order with the position: registered texts, not tick
        # labels (new tick labels would redraw the whole figure).
        self.token_ids = []
        for ax in (self.ax_bars, self.ax_res):
            ax.set_xticks(x, [""] * self.vocab_size)
            ax.set_xlim(-0.6, self.vocab_size - 0.4)
            ax.set_xlabel("token id (most likely under p first)")
            below_ticks = ax.get_xaxis_transform() + ScaledTranslation(0, -13 / 72, figure.dpi_scale_trans)
            self.token_ids.append(GlyphLabels(ax, np.column_stack([x, np.zeros(self.vocab_size)]),
                                              size=STYLE["xtick.labelsize"], transform=below_ticks, clip_on=False))
            ax.xaxis.labelpad = 16
        self.ax_bars.set_title("p and q at your position: alpha = the overlap")
        self.ax_res.set_title("where a rejected draft's replacement comes from")
        self.ax_bars.set_ylabel("probability")
        self.animate(self.bars_p, self.bars_q, self.ticks_overlap, self.bars_ref, self.bars_res, self.note,
                     self.token_ids)

    def refresh(self, v: dict) -> None:
        p, q, res = v["p"], v["q"], v["residual"]
        order = np.argsort(-p, kind="stable")
        no_residual = v["alpha"] > 1.0 - 1e-12
        self.bars_p.set_heights(p[order])
        self.bars_q.set_heights(q[order])
        self.bars_ref.set_heights(p[order])
        self.bars_res.set_heights(np.zeros_like(res) if no_residual else res[order])
        x = np.arange(self.vocab_size)
        overlap = np.minimum(p, q)[order]
        self.ticks_overlap.set_segments([[(xi - 0.4, y), (xi + 0.4, y)] for xi, y in zip(x, overlap)])
        self.note.set_visible(no_residual)
        for labels in self.token_ids:
            labels.set_texts(order)
        top = max(p.max(), q.max(), 0.0 if no_residual else res.max())
        set_limits(self.ax_bars, ylim=(0.0, axis_top(1.15 * top, bases=(1.0,))))


def acceptance_explorer(agreement: float = 0.6, position: int = 0, vocab_size: int = 12,
                        seed: int = 0) -> AcceptanceExplorer:
    """An agreement slider over a small synthetic pair: p and q bars, alpha, the residual.

    agreement in [0, 1], position in 0..20 (the slider's ranges), vocab_size in 2..64 (one bar
    pair per token), seed >= 0.
    """
    agreement, position, vocab_size = in_ranges(agreement=(agreement, 0.0, 1.0), position=(position, 0, 20),
                                                       vocab_size=(vocab_size, 2, 64))
    seed = as_count(seed, "seed")
    controls = {
        "agreement": widgets.FloatSlider(value=agreement, min=0.0, max=1.0, step=0.05,
                                         description="draft/target agreement", **_SLIDER),
        "position": widgets.IntSlider(value=position, min=0, max=20, description="position t", **_SLIDER),
    }
    return AcceptanceExplorer(controls, vocab_size=vocab_size, seed=seed)


# ----------------------------------------------------------------------------- trace explorer

class TraceExplorer(Explorer):
    """Agreement, K and seed in; one simulated decode's rounds (figure) and its counts out.

    The figure is `speclab.trace.plot_rounds`'s grid: rounds by output position, a rejected draft
    and its correction splitting one column."""

    readout_names = ("target_passes", "tokens_per_round", "accepted_fraction")
    figsize = (10.0, 4.2)
    shown_rounds = 8

    def __init__(self, controls: dict, num_tokens: int, vocab_size: int):
        self.num_tokens, self.vocab_size = num_tokens, vocab_size
        super().__init__(controls)

    def compute(self, agreement, k, seed) -> dict:
        from ..simulator import SyntheticPair, simulate

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=0)
        res = simulate(pair, num_tokens=self.num_tokens, k=k, trials=1, seed=seed)
        return {"agreement": agreement, "k": k, "seed": seed, "rounds": res.rounds,
                "target_passes": res.target_passes, "tokens_per_round": res.mean_tokens_per_round,
                "accepted_fraction": res.acceptance_rate}

    def describe(self, v: dict) -> dict:
        return {
            "target_passes": readout(f"target passes for {self.num_tokens} tokens", str(v["target_passes"]),
                                     f" (plain decoding: {self.num_tokens})"),
            "tokens_per_round": readout("tokens per round", fmt(v["tokens_per_round"], 2)),
            "accepted_fraction": readout("accepted/drafted", fmt(v["accepted_fraction"], 2)),
        }

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.1, right=0.76, bottom=0.15, top=0.92)
        self.ax = ax = figure.add_subplot()
        # Cells are drawn as `speclab.trace.plot_rounds` draws them (`trace.cell_boxes`): a rejected
        # draft and its correction split one column. One collection of cells, recoloured and
        # reshaped per frame; token labels as one collection for whole cells, one for half cells.
        self.cells = ax.add_collection(PolyCollection([], edgecolors="none"), autolim=False)
        self.labels = GlyphLabels(ax, np.empty((0, 2)), size=11)
        self.half_labels = GlyphLabels(ax, np.empty((0, 2)), size=9.5)
        # Fixed axes for every K (the widest round has K + 1 output positions): K moves only the cells.
        # K >= 1, so no round is a plain step: the legend names the five statuses drawn.
        decorate_round_grid(ax, self.shown_rounds, self.controls["k"].max + 1,
                            statuses=[status for status in LEGEND_LABELS if status != PLAIN])
        ax.set_title("The first rounds of one decode: one row per target pass")
        self.animate(self.cells, self.labels, self.half_labels)

    def refresh(self, v: dict) -> None:
        boxes = cell_boxes(v["rounds"][: self.shown_rounds])
        self.cells.set_verts([[(col, top), (col + 0.95, top), (col + 0.95, top + height), (col, top + height)]
                              for _, col, top, height, _, _ in boxes])
        self.cells.set_facecolor([COLOURS[status] for *_, status in boxes])
        for labels, split in ((self.labels, False), (self.half_labels, True)):
            placed = [(col + 0.475, top + height / 2, token) for _, col, top, height, token, _ in boxes
                      if (height < 0.9) == split]          # cell_boxes' whole cells are 0.9 high
            labels.set_offsets(np.array([(x, y) for x, y, _ in placed]).reshape(-1, 2))
            labels.set_texts([token for *_, token in placed])


def trace_explorer(agreement: float = 0.75, k: int = 4, seed: int = 0, num_tokens: int = 40,
                   vocab_size: int = 100) -> TraceExplorer:
    """Re-run one seeded decode of `num_tokens` tokens as you move agreement, K or the seed.

    agreement in [0, 1], k in 1..8 and seed in 0..50 (the sliders' ranges); num_tokens in
    1..2000 and vocab_size in 2..10000, so that every slider step stays fast.
    """
    agreement, k, seed, num_tokens, vocab_size = in_ranges(
        agreement=(agreement, 0.0, 1.0), k=(k, 1, 8), seed=(seed, 0, 50), num_tokens=(num_tokens, 1, 2000),
        vocab_size=(vocab_size, 2, 10_000))
    controls = {
        "agreement": widgets.FloatSlider(value=agreement, min=0.0, max=1.0, step=0.05,
                                         description="draft/target agreement", **_SLIDER),
        "k": widgets.IntSlider(value=k, min=1, max=8, description="K (drafts per round)", **_SLIDER),
        "seed": widgets.IntSlider(value=seed, min=0, max=50, description="seed", **_SLIDER),
    }
    return TraceExplorer(controls, num_tokens=num_tokens, vocab_size=vocab_size)
