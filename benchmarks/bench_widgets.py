"""Cost of one explorer update while a slider is dragged: recompute + readouts + frame + PNG.

Each case drags one slider across its range in its own steps, as a hand does; every step is one
update, timed from setting the value to the PNG bytes being ready (what the page is sent). The
parts come from the explorer's own timings: compute (theory and readouts), refresh (moving the
artists), render (restoring the cached background and drawing the moving artists, or a full
redraw when something static changed), encode (the PNG) and show (handing it to the Output
widget; in a notebook the kernel then sends it to the page). Cases are interleaved over several
rounds so a burst of load on a shared machine hits all of them; the spread across rounds is
printed. A second table measures PNG encoding on its own: this encoder against Pillow's, at zlib
levels 1 and 6, with the image size.

Run: .venv/bin/python benchmarks/bench_widgets.py   (target: median under 40 ms per explorer)
"""

import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from speclab import widgets  # noqa: E402
from speclab.widgets import _frames as machinery  # noqa: E402
from speclab.widgets.roofline import roofline_explorer  # noqa: E402

TARGET_MS = 40.0
ROUNDS = 3
STEPS = 20           # updates per case and round
PARTS = ("compute", "refresh", "render", "encode", "show")
#: explorer -> (factory, the sliders dragged)
EXPLORERS = {
    "speedup": (widgets.speedup_explorer, ("alpha", "k", "c", "verify_growth")),
    "acceptance": (widgets.acceptance_explorer, ("agreement", "position")),
    "trace": (widgets.trace_explorer, ("agreement", "k", "seed")),
    "roofline": (roofline_explorer, ("batch",)),
    "tree": (widgets.tree_explorer, ("alpha", "nodes", "branching", "depth")),
    "temperature": (widgets.temperature_explorer, ("temperature",)),
}


def drag(slider, steps: int):
    """Values a hand dragging the slider from its value passes through, one slider step apart,
    bouncing off the ends of the range (a selection slider: one stop apart)."""
    if hasattr(slider, "options"):
        grid = np.asarray(list(slider.options))
    else:
        grid = np.round(np.arange(slider.min, slider.max + slider.step / 2, slider.step), 10)
    start = int(np.argmin(np.abs(grid - slider.value)))
    path = np.concatenate([grid[start:], grid[::-1], grid])[1: steps + 1]
    return [type(slider.value)(v) for v in path]


def time_updates(explorer, control: str, steps: int) -> list:
    """(total seconds, timings) per update for one drag."""
    slider = explorer.controls[control]
    out = []
    for value in drag(slider, steps):
        start = time.perf_counter()
        slider.value = value                 # a change from code draws the frame synchronously
        out.append((time.perf_counter() - start, dict(explorer.timings)))
    return out


def run_cases() -> dict:
    explorers = {name: factory() for name, (factory, _) in EXPLORERS.items()}
    results = {(name, control): [] for name, (_, controls) in EXPLORERS.items() for control in controls}
    round_medians = {name: [] for name in EXPLORERS}
    for _ in range(ROUNDS):
        for name, (_, controls) in EXPLORERS.items():
            this_round = []
            for control in controls:
                updates = time_updates(explorers[name], control, STEPS)
                results[name, control] += updates
                this_round += [total for total, _ in updates]
            round_medians[name].append(statistics.median(this_round))
    return results, round_medians, explorers


def ms(seconds) -> str:
    return f"{1000 * seconds:6.1f}"


def print_updates(results, round_medians, explorers) -> list:
    print(f"{'explorer (slider dragged)':<30} {'median':>7} " + " ".join(f"{p:>8}" for p in PARTS)
          + f" {'full redraws':>13}")
    over = []
    for name in EXPLORERS:
        rows = {control: updates for (n, control), updates in results.items() if n == name}
        everything = [u for updates in rows.values() for u in updates]
        for control, updates in rows.items():
            print(_row(f"  {control}", updates))
        print(_row(f"{name} explorer, all", everything))
        median = statistics.median(total for total, _ in everything)
        spread = ", ".join(ms(m).strip() for m in round_medians[name])
        print(f"{'':<30} median per round: {spread} ms; frame {_png_size(explorers[name])}")
        if median > TARGET_MS / 1000:
            over.append(name)
    return over


def _row(label: str, updates) -> str:
    total = statistics.median(t for t, _ in updates)
    parts = " ".join(f"{ms(statistics.median(timing[p] for _, timing in updates)):>8}" for p in PARTS)
    full = sum(timing["full_redraw"] for _, timing in updates)
    return f"{label:<30} {ms(total):>7} {parts} {full:>6} of {len(updates):<4}"


def _png_size(explorer) -> str:
    width, height = explorer.figure.canvas.get_width_height()
    return f"{width} x {height} px, PNG {len(explorer.png) / 1024:.0f} KiB"


def print_encoding(explorer, repeats: int = 15) -> None:
    """PNG encoding alone, on the speedup explorer's current frame."""
    canvas = explorer.figure.canvas
    rgba = np.asarray(canvas.buffer_rgba())

    def pillow(level):
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buffer, format="png", compress_level=level)
        return buffer.getvalue()

    encoders = {"this encoder, zlib level 1": lambda: machinery.encode_png(canvas, 1),
                "this encoder, zlib level 6": lambda: machinery.encode_png(canvas, 6),
                "Pillow (RGB), level 1": lambda: pillow(1),
                "Pillow (RGB), level 6": lambda: pillow(6)}
    times = {name: [] for name in encoders}
    for _ in range(repeats):                         # interleaved
        for name, encode in encoders.items():
            start = time.perf_counter()
            encode()
            times[name].append(time.perf_counter() - start)
    print(f"\nPNG encoding of one {_png_size(explorer).split(',')[0]} frame ({repeats} interleaved repeats)")
    for name, encode in encoders.items():
        print(f"  {name:<28} median {ms(statistics.median(times[name]))} ms  (min {ms(min(times[name])).strip()})"
              f"  {len(encode()) / 1024:5.0f} KiB")


def main() -> int:
    load = os.getloadavg()[0]
    # Outside a notebook nothing is displayed; keep any terminal output of ipywidgets quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        results, round_medians, explorers = run_cases()
    print(f"median per update, ms ({ROUNDS} interleaved rounds of {STEPS} steps per slider; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    over = print_updates(results, round_medians, explorers)
    print_encoding(explorers["speedup"])
    print(f"\ntarget: median under {TARGET_MS:.0f} ms per explorer; "
          f"{'all within' if not over else 'over: ' + ', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
