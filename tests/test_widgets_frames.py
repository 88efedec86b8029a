"""The explorers' frame path: blitted frames equal full redraws, the background is redrawn exactly
when something static changed, slider events from the page coalesce to the newest value, and the
PNG is the canvas's pixels.
"""

import asyncio
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import ipywidgets  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import speclab as sl  # noqa: E402
from speclab.widgets import _frames as machinery  # noqa: E402
from speclab import widgets  # noqa: E402
from speclab.trace import COLOURS, column_layers  # noqa: E402
from speclab.widgets.roofline import roofline_explorer  # noqa: E402

#: (factory, [(control, value), ...]): moves that keep the axes and moves that change them.
MOVES = {
    "speedup": (widgets.speedup_explorer, [("alpha", 0.81), ("alpha", 0.83), ("alpha", 0.99), ("k", 9),
                                           ("c", 0.6), ("verify_growth", 0.2), ("alpha", 0.3), ("c", 0.0)]),
    "acceptance": (widgets.acceptance_explorer, [("agreement", 0.65), ("agreement", 0.0), ("position", 5),
                                                 ("agreement", 1.0), ("position", 6)]),
    "trace": (widgets.trace_explorer, [("seed", 3), ("seed", 4), ("k", 8), ("agreement", 0.2), ("k", 1)]),
    "roofline": (roofline_explorer, [("batch", 32), ("batch", 384), ("k", 8), ("alpha", 0.3), ("alpha", 0.05),
                                     ("alpha", 0.9),
                                     ("params_b", 70.0), ("bytes_per_param", 0.5), ("bandwidth_tbs", 1.0),
                                     ("peak_tflops", 2000.0), ("batch", 1024)]),
}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def fresh_frame(explorer) -> np.ndarray:
    """The same settings drawn with the background redrawn from scratch."""
    explorer.invalidate()
    explorer.draw_frame()
    assert explorer.timings["full_redraw"]
    return pixels(explorer.png)


@pytest.mark.parametrize("name", MOVES)
def test_every_frame_equals_a_full_redraw(name):
    factory, moves = MOVES[name]
    explorer = factory()
    blitted = 0
    for control, value in moves:
        explorer.controls[control].value = value
        blitted += not explorer.timings["full_redraw"]
        frame = pixels(explorer.png)
        np.testing.assert_array_equal(frame, fresh_frame(explorer), err_msg=f"{name}: {control} = {value}")
    assert blitted >= 2, "the moves include ones that keep the axes: those frames must blit"


def test_roofline_axes_are_fixed_so_every_frame_blits():
    factory, moves = MOVES["roofline"]
    e = factory()
    shown = set()
    for control, value in moves:
        e.controls[control].value = value
        assert not e.timings["full_redraw"], f"{control} = {value} redrew the background"
        shown.add(e.line_edge.get_visible())
    assert shown == {True, False}, "the moves show and hide the break-even batch"


def test_dragging_alpha_redraws_only_the_moving_artists():
    e = widgets.speedup_explorer(alpha=0.5, k=4, c=0.1)
    full_before = e.full_redraws
    for alpha in np.round(np.arange(0.51, 0.75, 0.01), 2):
        e.controls["alpha"].value = float(alpha)
    assert e.full_redraws - full_before <= 1, "alpha moves one axis top at most once over this range"
    assert e.values["speedup"] == sl.speedup(0.74, 4, 0.1)


def test_a_changed_axis_limit_redraws_the_background():
    e = widgets.speedup_explorer(alpha=0.3, k=4, c=0.1)
    top = e.ax_k.get_ylim()[1]
    e.controls["alpha"].value = 0.99                     # the speedup-vs-K curve rises past the top
    assert e.ax_k.get_ylim()[1] > top
    assert e.timings["full_redraw"]
    assert e.ax_k.get_ylim()[1] >= max(e.line_k.get_ydata())


class Dot(machinery.Explorer):
    """The smallest explorer: one registered point, and an unregistered title it sometimes changes."""

    readout_names = ("x",)
    figsize = (3.0, 2.0)

    def compute(self, x):
        return {"x": x}

    def describe(self, v):
        return {"x": machinery.readout("x", machinery.fmt(v["x"]))}

    def build(self, figure):
        self.ax = figure.subplots()
        self.ax.set(xlim=(0, 1), ylim=(0, 1))
        self.point = self.animate(self.ax.plot([], [], "o")[0])

    def refresh(self, v):
        self.point.set_data([v["x"]], [0.5])
        if v["x"] > 0.5:                                 # a static artist changed: matplotlib marks it
            self.ax.set_xlabel("right half")


def test_a_new_explorer_blits_by_registering_its_artists():
    e = Dot({"x": ipywidgets.FloatSlider(value=0.1, min=0, max=1, step=0.1)})
    assert e.timings["full_redraw"] and e.moving == [e.point] and e.point.get_animated()
    e.controls["x"].value = 0.2
    assert not e.timings["full_redraw"]
    e.controls["x"].value = 0.7                          # the unregistered xlabel changes
    assert e.timings["full_redraw"]
    np.testing.assert_array_equal(pixels(e.png), fresh_frame(e))


def test_animate_accepts_containers_and_registers_titles_with_their_siblings():
    e = widgets.acceptance_explorer()
    assert e.bars_p in e.moving and all(label in e.moving for label in e.token_ids)
    bars = e.ax_bars.bar([0, 1, 2], [0.1, 0.2, 0.3])
    assert e.animate(bars, [e.note]) == (bars, [e.note])
    assert all(bar in e.moving and bar.get_animated() for bar in bars)
    e.draw_frame()
    assert e.timings["full_redraw"], "adding bars changed the axes: one full redraw"
    title = e.ax_bars.title
    e.animate(title)
    assert title.get_animated() and all(t.get_animated() for t in (e.ax_bars._left_title, e.ax_bars._right_title))
    e.ax_bars.set_title("changed per frame")            # touches all three titles: still no full redraw
    e.draw_frame()
    assert not e.timings["full_redraw"]


def test_png_holds_the_canvas_pixels():
    e = widgets.speedup_explorer()
    canvas = np.asarray(e.figure.canvas.buffer_rgba())
    np.testing.assert_array_equal(pixels(e.png), canvas)
    assert machinery.encode_png(e.figure.canvas, compress_level=6) != e.png
    np.testing.assert_array_equal(pixels(machinery.encode_png(e.figure.canvas, compress_level=6)), canvas)


def test_acceptance_bars_are_p_q_and_the_residual_sorted_by_p():
    e = widgets.acceptance_explorer(agreement=0.4, position=3)
    p, q = e.values["p"], e.values["q"]
    order = np.argsort(-p, kind="stable")
    np.testing.assert_array_equal(e.bars_p.heights, p[order])
    np.testing.assert_array_equal(e.bars_q.heights, q[order])
    np.testing.assert_array_equal(e.bars_res.heights, np.maximum(p - q, 0.0)[order])
    tops = [path.vertices[:, 1].max() for path in e.bars_q.get_paths()]
    np.testing.assert_allclose(tops, q[order])
    assert e.token_ids[0].texts == [str(t) for t in order]


def drawn_columns(explorer) -> dict:
    """What the trace explorer's artists show, read back from them: {(row, column): [(label, rgba,
    (top, bottom)), ...] top to bottom}, every cell with the token label drawn inside it."""
    labels = [(tuple(xy), text) for glyphs in (explorer.labels, explorer.half_labels)
              for xy, text in zip(glyphs.get_offsets(), glyphs.texts)]
    columns = {}
    for path, rgba in zip(explorer.cells.get_paths(), explorer.cells.get_facecolor()):
        (left, top), (_, bottom) = path.vertices.min(axis=0), path.vertices.max(axis=0)
        inside = [text for (x, y), text in labels if left < x < left + 0.95 and top < y < bottom]
        assert len(inside) == 1, "one token label inside every cell"
        columns.setdefault((int(top), int(left)), []).append((inside[0], tuple(rgba), (top, bottom)))
    assert sum(map(len, columns.values())) == len(labels), "no label outside the cells"
    return {key: sorted(layers, key=lambda layer: layer[2]) for key, layers in columns.items()}


def test_trace_columns_are_the_rounds_column_layers():
    """A rejected draft and its correction share their output position's column: split, the
    rejected draft on top, the correction below, exactly as `trace.column_layers` describes."""
    e = widgets.trace_explorer(agreement=0.5, k=3, seed=2)
    records = e.values["rounds"][: e.shown_rounds]
    assert any(record.rejected_draft is not None for record in records), "the seeded run has rejections"
    drawn = drawn_columns(e)
    expected = {(row, col): [(str(token), matplotlib.colors.to_rgba(COLOURS[status])) for token, status in layers]
                for row, record in enumerate(records) for col, layers in enumerate(column_layers(record))}
    assert {key: [(text, rgba) for text, rgba, _ in layers] for key, layers in drawn.items()} == expected
    for row, record in enumerate(records):
        if record.rejected_draft is not None:
            (top, correction) = drawn[row, record.n_accepted]
            assert top[0] == str(record.rejected_draft) and correction[0] == str(record.next_token)
            assert top[2][1] == correction[2][0] == pytest.approx(row + 0.45), "halves of one cell"


def test_trace_legend_names_what_is_drawn():
    e = widgets.trace_explorer(agreement=0.5, k=3, seed=2)
    legend = e.ax.get_legend()
    named = {text.get_text(): matplotlib.colors.to_hex(handle.get_facecolor())
             for text, handle in zip(legend.get_texts(), legend.legend_handles)}
    drawn = set()
    for agreement, k, seed in [(0.5, 3, 2), (0.95, 8, 1), (0.1, 1, 4)]:
        e.controls["agreement"].value, e.controls["k"].value, e.controls["seed"].value = agreement, k, seed
        drawn |= {matplotlib.colors.to_hex(rgba) for rgba in e.cells.get_facecolor()}
    assert set(named.values()) == drawn, "every colour drawn is named, and only those"
    assert named["rejected (top half)"] == COLOURS["rejected"]
    assert named["correction (below it)"] == COLOURS["correction"]
    assert e.ax.get_xlabel() == "output position within the round"


# ----------------------------------------------------------------------------- slider events

def from_page(slider, value) -> None:
    """Apply a value the way a comm message from the browser does (ipywidgets' set_state)."""
    slider.set_state({"value": value})


def test_page_events_faster_than_frames_draw_only_the_newest():
    e = widgets.speedup_explorer(alpha=0.5)
    queued = []
    e.schedule = queued.append                           # frames wait until we run them
    frames = e.frames
    for alpha in np.round(np.linspace(0.51, 0.7, 20), 2):
        from_page(e.controls["alpha"], float(alpha))
    assert len(queued) == 1 and e.frames == frames, "twenty events, one frame scheduled, none drawn yet"
    queued.pop()()
    assert e.frames == frames + 1
    assert e.values["alpha"] == 0.7 and e.values["speedup"] == sl.speedup(0.7, 4, 0.1)
    assert machinery.fmt(sl.speedup(0.7, 4, 0.1)) in e.readouts["speedup"].value


def test_events_during_a_frame_get_one_more_frame_with_the_released_value():
    e = widgets.speedup_explorer(alpha=0.5)
    queued = []
    e.schedule = queued.append
    compute = e.compute
    arrivals = iter([0.61, 0.62, 0.63])

    def compute_while_events_arrive(**params):           # the page keeps sending while we draw
        for alpha in arrivals:
            from_page(e.controls["alpha"], alpha)
        return compute(**params)

    e.compute = compute_while_events_arrive
    from_page(e.controls["alpha"], 0.6)
    queued.pop()()
    assert e.values["alpha"] == 0.6, "that frame read its settings before the new events came"
    assert len(queued) == 1, "the events during the frame scheduled exactly one more"
    queued.pop()()
    assert e.values["alpha"] == 0.63 and not queued


def test_on_an_event_loop_a_burst_of_events_is_one_frame():
    e = widgets.speedup_explorer(alpha=0.5)
    frames = e.frames
    values = [round(0.5 + 0.01 * i, 2) for i in range(1, 31)]

    async def burst():
        loop = asyncio.get_running_loop()
        for alpha in values:                             # messages already waiting in the kernel
            loop.call_soon(from_page, e.controls["alpha"], alpha)
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(burst())
    assert e.frames == frames + 1
    assert e.values["alpha"] == values[-1]


def test_a_change_from_code_draws_at_once():
    e = widgets.speedup_explorer(alpha=0.5)
    e.schedule = lambda callback: pytest.fail("code changes must not be deferred")
    e.controls["alpha"].value = 0.9
    assert e.values["alpha"] == 0.9


def test_axis_tops_snap_to_a_ladder_that_holds_the_curve():
    assert [machinery.axis_top(x) for x in (0.7, 1.05, 1.5, 1.51, 3.1)] == [0.75, 1.5, 1.5, 3.0, 6.0]
    assert [machinery.axis_top(x, bases=(1.0, 1.5)) for x in (1.1, 2.5, 7.85, 8.1)] == [1.5, 3.0, 8.0, 12.0]
    for x in np.geomspace(0.01, 100, 57):
        assert x <= machinery.axis_top(x) < 2 * x and x <= machinery.axis_top(x, bases=(1.0, 1.5)) < 1.5 * x


def test_an_error_in_a_coalesced_frame_is_shown_in_the_explorer():
    e = Dot({"x": ipywidgets.FloatSlider(value=0.1, min=0, max=1, step=0.1)})
    queued = []
    e.schedule = queued.append

    def fail(x):
        raise ValueError(f"x = {x} is not allowed here")

    e.compute = fail
    from_page(e.controls["x"], 0.3)
    queued.pop()()                                       # must not raise into the event loop
    assert e.output.outputs[0]["text"] == "ValueError: x = 0.3 is not allowed here\n"
    e.compute = Dot.compute.__get__(e)
    from_page(e.controls["x"], 0.4)
    queued.pop()()
    assert e.values == {"x": 0.4} and e.output.outputs[0]["data"]["image/png"]
