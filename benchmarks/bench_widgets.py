"""Median update time of each explorer: one slider move = recompute + redraw + PNG (what the page shows).

Run: .venv/bin/python benchmarks/bench_widgets.py   (target: under 150 ms per update)
"""

import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speclab import widgets  # noqa: E402

TARGET_MS = 150.0
#: (factory, control to move, the values it visits); each value is one update.
CASES = {
    "speedup explorer (alpha)": (widgets.speedup_explorer, "alpha", [0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] * 3),
    "speedup explorer (K)": (widgets.speedup_explorer, "k", [1, 2, 3, 5, 8, 12, 16, 4] * 3),
    "acceptance explorer (agreement)": (widgets.acceptance_explorer, "agreement", [0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 0.2, 0.6] * 3),
    "trace explorer (seed)": (widgets.trace_explorer, "seed", list(range(1, 25))),
}


def median_update_ms(factory, control: str, values) -> float:
    # Outside a notebook, ipywidgets' clear_output writes terminal escape codes; keep them quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        return _median_update_ms(factory, control, values)


def _median_update_ms(factory, control: str, values) -> float:
    explorer = factory()
    explorer.controls[control].value = values[-1]          # warm-up: first draw builds the figure
    times = []
    for value in values:
        start = time.perf_counter()
        explorer.controls[control].value = value          # triggers the full update synchronously
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> int:
    print(f"{'explorer':<34} {'median update':>14}")
    slow = []
    for name, (factory, control, values) in CASES.items():
        ms = median_update_ms(factory, control, values)
        print(f"{name:<34} {ms:>11.1f} ms" + ("" if ms < TARGET_MS else "   (over target)"), flush=True)
        slow += [name] if ms >= TARGET_MS else []
    print(f"target: under {TARGET_MS:.0f} ms per update; {'all within' if not slow else 'over: ' + ', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
