"""The roofline explorer: set sliders from code; every readout equals speclab.roofline's closed form."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from speclab import roofline as rl  # noqa: E402
from speclab.widgets.roofline import roofline_explorer  # noqa: E402

SETTINGS = [  # params (B), bandwidth (TB/s), peak (TFLOP/s), weight bytes per parameter, K, batch, alpha
    (7.0, 3.35, 989.0, 2.0, 4, 1, 0.8),
    (7.0, 3.35, 989.0, 2.0, 4, 96, 0.8),
    (7.0, 3.35, 989.0, 0.5, 4, 32, 0.6),       # int4 weights: slower already at batch 32
    (70.0, 2.0, 312.0, 1.0, 8, 512, 0.6),
    (0.5, 0.3, 121.0, 4.0, 2, 32, 0.95),
    (7.0, 3.35, 989.0, 2.0, 4, 16, 0.1),       # slower at every batch: no break-even
]


def shown(explorer, name) -> str:
    return explorer.readouts[name].value.split('class="speclab-value">')[1].split("</b>")[0]


@pytest.fixture(scope="module")
def explorer():
    return roofline_explorer()


def test_controls_readouts_and_first_frame(explorer):
    assert set(explorer.controls) == {"params_b", "bandwidth_tbs", "peak_tflops", "bytes_per_param", "k", "batch",
                                      "alpha"}
    assert set(explorer.readouts) == {"step_ms", "bound", "verify_cost", "speedup", "breakeven_batch"}
    assert explorer.png.startswith(b"\x89PNG")
    assert len(explorer.moving) >= 10, "every artist refresh moves is registered"
    # The defaults are the H100 SXM datasheet figures and a 7B fp16 model: 4.179 ms per step.
    assert shown(explorer, "step_ms") == "4.179"
    assert shown(explorer, "bound") == "memory-bound"


@pytest.mark.parametrize("params_b, bw, peak, weight, k, batch, alpha", SETTINGS)
def test_readouts_equal_the_closed_form(explorer, params_b, bw, peak, weight, k, batch, alpha):
    settings = dict(params_b=params_b, bandwidth_tbs=bw, peak_tflops=peak, bytes_per_param=weight, k=k,
                    batch=batch, alpha=alpha)
    for name, value in settings.items():
        explorer.controls[name].value = value
    assert explorer.controls["params_b"].value == params_b        # a stop on the track, held exactly
    hw = (params_b * 1e9, bw * 1e12, peak * 1e12)
    v = explorer.values
    assert v["step_seconds"] == rl.step_seconds(*hw, 1, batch, weight)
    assert v["verify_cost"] == rl.verify_cost_ratio(*hw, k, batch, weight)
    assert v["speedup"] == rl.batch_speedup(alpha, k, 0.05, *hw, batch, weight)
    assert v["compute_bound"] == rl.is_compute_bound(*hw, k + 1, batch, weight)
    edge = rl.breakeven_batch(alpha, k, 0.05, *hw, weight)
    assert (math.isnan(edge) and math.isnan(v["breakeven_batch"])) or v["breakeven_batch"] == edge
    assert shown(explorer, "step_ms") == f"{rl.step_seconds(*hw, 1, batch, weight) * 1e3:.3f}"
    assert shown(explorer, "verify_cost") == f"{rl.verify_cost_ratio(*hw, k, batch, weight):.3f}"
    assert shown(explorer, "speedup") == f"{rl.batch_speedup(alpha, k, 0.05, *hw, batch, weight):.3f}"
    assert shown(explorer, "bound") == ("compute-bound" if rl.is_compute_bound(*hw, k + 1, batch, weight)
                                        else "memory-bound")
    assert shown(explorer, "breakeven_batch").startswith("never") if math.isnan(edge) else \
        shown(explorer, "breakeven_batch") == f"{edge:.1f}"


def test_batch_past_break_even_reads_slower(explorer):
    for name, value in dict(params_b=7.0, bandwidth_tbs=3.35, peak_tflops=989.0, bytes_per_param=2.0, k=4,
                            alpha=0.8).items():
        explorer.controls[name].value = value
    edge = explorer.values["breakeven_batch"]
    stops = explorer.controls["batch"].options
    explorer.controls["batch"].value = max(b for b in stops if b < edge)
    assert explorer.values["speedup"] > 1.0
    explorer.controls["batch"].value = min(b for b in stops if b > edge)
    assert explorer.values["speedup"] < 1.0
    assert shown(explorer, "bound") == "compute-bound"


def test_batch_32_with_int4_weights_is_slower():
    e = roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5)
    assert e.values["speedup"] == rl.batch_speedup(0.6, 4, 0.05, 7e9, 3.35e12, 989e12, 32, 0.5) < 1.0
    assert shown(e, "breakeven_batch") == f"{rl.breakeven_batch(0.6, 4, 0.05, 7e9, 3.35e12, 989e12, 0.5):.1f}"


def test_moving_the_batch_slider_changes_the_figure(explorer):
    explorer.controls["batch"].value = 1
    before = explorer.png
    explorer.controls["batch"].value = 384
    assert explorer.png != before


def test_the_tracks_are_logarithmic_and_hold_the_text_s_values_exactly():
    """7B stays 7 (a log slider with a fixed step snapped it to 7.08); batches 1-64 get half the track."""
    e = roofline_explorer(params_b=7.0, batch=37)
    assert e.controls["params_b"].value == 7 and e.controls["params_b"].readout
    batches = list(e.controls["batch"].options)
    assert 37 in batches and batches == sorted(batches) and batches[0] == 1 and batches[-1] == 1024
    assert sum(b <= 64 for b in batches) >= len(batches) / 2
    assert e.controls["peak_tflops"].readout_format == ".0f"


def test_fixed_settings_are_validated():
    with pytest.raises(ValueError, match="c"):
        roofline_explorer(c=-0.1)
    with pytest.raises(ValueError, match="kv_bytes"):
        roofline_explorer(kv_bytes=-1)


def test_a_kv_cache_moves_the_break_even(explorer):
    with_kv = roofline_explorer(kv_bytes=2e8)
    plain = roofline_explorer()
    assert with_kv.values["breakeven_batch"] == rl.breakeven_batch(0.8, 4, 0.05, 7e9, 3.35e12, 989e12, kv_bytes=2e8)
    assert with_kv.values["breakeven_batch"] > plain.values["breakeven_batch"]


def test_break_even_batch_is_marked_and_labelled():
    e = roofline_explorer(alpha=0.8)
    edge = e.values["breakeven_batch"]
    assert e.line_edge.get_visible() and list(e.line_edge.get_xdata()) == [edge, edge]
    assert e.label_edge.texts == ["break-even", f"batch {edge:.0f}"]
    assert e.label_edge.ha == "right", "left of the line, inside the axes"
    e.controls["alpha"].value = 0.05                         # slower at every batch: nothing to mark
    assert math.isnan(e.values["breakeven_batch"]) and not e.label_edge.get_visible()
