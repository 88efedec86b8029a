"""What every explorer shares: the `Explorer` base class, blitted frames, PNG frames, slider events.

Each factory returns an `Explorer`, an ipywidgets VBox with:
  .controls  {name: slider}      set `.value` from code (tests do) or drag it in the page
  .readouts  {name: HTML widget} the numbers shown as text, CSS class `speclab-readout-<name>`
  .values    {name: number}      the raw numbers behind the readouts, from the last frame
  .figure    the matplotlib Figure; .png its last frame as PNG bytes (what the page shows)
The figure is shown as a PNG image in an Output widget, so the explorers run unchanged in Colab,
JupyterLab and Binder with the inline backend (no ipympl, no widget extension), on ipywidgets 7.7.1
(Colab's) as on 8.x. Displayed, an explorer's output holds a still picture as `image/png` beside
the widget view (`Explorer.mimebundle`): the current frame with the settings, the readouts and a
line saying that a live notebook gives sliders under it (`still_png`). GitHub's preview, nbviewer
and a stored notebook show that picture.

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
import html
import math
import re
import struct
import textwrap
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
from matplotlib.transforms import Affine2D


_SLIDER = dict(continuous_update=True, style={"description_width": "170px"},
               layout=widgets.Layout(width="460px"))

#: Font sizes of every explorer figure (points; the figures are drawn at dpi 80, so a point is 10/9
#: of a pixel). SMALLEST, 11.5 pt, is 12.8 px: no less than 9 pt in a figure drawn at 100 dpi.
SMALLEST = 11.5
STYLE = {"font.size": 12, "axes.titlesize": 12.5, "axes.labelsize": 12, "xtick.labelsize": SMALLEST,
         "ytick.labelsize": SMALLEST, "legend.fontsize": SMALLEST}
#: zlib level of the frame PNG: 1 is about twice as fast to encode as the default 6, for files
#: about a tenth larger on these flat-coloured figures (benchmarks/bench_widgets.py measures it).
PNG_COMPRESS_LEVEL = 1
#: The mime type under which a front end with a widget manager shows a widget (ipywidgets 7 and 8).
WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
#: The last line of an explorer's stored picture: a viewer without a kernel shows no sliders.
LIVE_NOTE = "Run this cell in a live notebook to drag the sliders."


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

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:
        """The widget view for a live front end, the current frame as a PNG for a static one.

        A front end with a widget manager ranks the widget view first and shows the sliders (the
        browser tests check JupyterLab 4 and the classic Notebook 6.5); GitHub's preview and
        nbviewer cannot show a widget without a kernel and fall back to the picture, as does a
        front end without the widget extension."""
        return self.mimebundle()

    def _ipython_display_(self, **kwargs) -> None:
        """Show `mimebundle()`: ipywidgets 7 displays widgets through this hook, which IPython
        prefers to `_repr_mimebundle_` (the hook of ipywidgets 8), so both take one path."""
        from IPython.display import display

        bundle = self.mimebundle()
        display(bundle, raw=True)
        if WIDGET_VIEW_MIMETYPE in bundle and hasattr(self, "_handle_displayed"):
            self._handle_displayed(**kwargs)          # ipywidgets 7's on_displayed callbacks

    def mimebundle(self) -> dict:
        """What the notebook stores for this explorer: the widget view (while the widget is open),
        the still picture (`still_png`) and a line of text naming the settings."""
        text = textwrap.fill(f"{type(self).__name__}({_arguments(self.settings())})", 100,
                             subsequent_indent="    ", break_on_hyphens=False)      # a stored line fits the page
        data = {"text/plain": text,
                "image/png": base64.b64encode(self.still_png()).decode("ascii")}
        if self.comm is not None and self._view_name is not None:
            data[WIDGET_VIEW_MIMETYPE] = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        return data

    def still_png(self) -> bytes:
        """The current frame with `caption_lines` under it, as one PNG: what a viewer without a kernel
        (GitHub, nbviewer, a stored notebook) shows in place of the sliders and readouts. Encoded at
        zlib's default level: a sixth smaller than a frame's, for about 20 ms once per display."""
        frame = np.asarray(self.figure.canvas.buffer_rgba())
        return encode_rgba(np.concatenate([frame, self._caption_pixels(frame.shape[1])]), compress_level=6)

    def caption_lines(self) -> list:
        """The settings, the readouts and `LIVE_NOTE`, as lines of plain text that fit the frame's width."""
        width = int(self.figsize[0] * self.dpi / (0.6 * self._caption_points() * self.dpi / 72))  # characters
        settings = [f"{control.description}: {_shown(control.value)}" for control in self.controls.values()]
        readouts = [_plain(widget.value) for widget in self.readouts.values()]
        return [*_packed(settings, width), *_packed(readouts, width), LIVE_NOTE]

    def _caption_points(self) -> float:
        return float(self.style.get("font.size", 12))

    def _caption_pixels(self, width_px: int) -> np.ndarray:
        """`caption_lines` drawn on white, `width_px` wide: RGBA rows to go under the frame."""
        lines, points = self.caption_lines(), self._caption_points()
        line_px = 1.6 * points * self.dpi / 72
        height_px = int(math.ceil(line_px * (len(lines) + 0.5)))
        # Half a pixel more than asked: Agg truncates the canvas size to whole pixels.
        strip = Figure(figsize=((width_px + 0.5) / self.dpi, (height_px + 0.5) / self.dpi), dpi=self.dpi)
        FigureCanvasAgg(strip)
        for number, line in enumerate(lines):
            strip.text(8 / width_px, 1 - (number + 0.75) * line_px / height_px, line, fontsize=points, va="center",
                       color="0.3" if line == LIVE_NOTE else "black", style="italic" if line == LIVE_NOTE else "normal")
        strip.canvas.draw()
        return np.asarray(strip.canvas.buffer_rgba())[:, :width_px]

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


def _packed(items, width: int, separator: str = "  \u00b7  ") -> list:
    """`items` joined by `separator` into lines of at most `width` characters, breaking between
    items (an item longer than a line is wrapped on its own)."""
    lines = []
    for item in items:
        if lines and len(lines[-1]) + len(separator) + len(item) <= width:
            lines[-1] += separator + item
        else:
            lines += textwrap.wrap(item, width)
    return lines


def _plain(readout_html: str) -> str:
    """A readout's HTML as plain text (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", readout_html))


def _shown(value) -> str:
    """A control's value as a caption shows it: numbers without trailing zeros."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _arguments(settings: dict) -> str:
    """Settings as call arguments, `alpha=0.8, k=4`: the explorer's plain-text form."""
    return ", ".join(f"{name}={value!r}" for name, value in settings.items())


def _from_page(control) -> bool:
    """Whether the control's current change came from the page (a comm message), not from code.

    ipywidgets holds the property lock while it applies a state update sent by the browser."""
    return bool(getattr(control, "_property_lock", None))


def encode_png(canvas, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """The canvas's current pixels as an 8-bit RGBA PNG, written directly with zlib.

    Rows go in unfiltered and RGBA as Agg holds them: on these flat-coloured figures that takes
    about a third of the time of Pillow's encoder (which picks a filter per row and cannot be
    told not to, and needs an RGB copy) for files about a tenth larger."""
    return encode_rgba(np.asarray(canvas.buffer_rgba()), compress_level)


def encode_rgba(rgba: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An RGBA pixel array [height, width, 4] of uint8 as a PNG (see `encode_png`)."""
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
