"""Figures for why verification is cheap: the roofline, speedup against batch, measured t(n)/t(1).

Every number comes from `speclab.roofline`; these functions only draw it.
"""

from __future__ import annotations

import math

import numpy as np

from .. import roofline as rl
from ..limits import ROOFLINE_RANGE
from . import _checks
from ._axes import BASELINE, DRAFT, TARGET, axes, baseline, name_shared_y_once

#: The largest K the roofline figures draw.
MAX_PICTURED_K = 256


def _hardware(accelerator, params, bytes_per_param) -> tuple:
    """An Accelerator, and params and bytes_per_param as numbers in the roofline's range."""
    accelerator = _checks.instance(accelerator, rl.Accelerator, "accelerator", "a roofline.Accelerator (e.g. rl.H100_SXM)")
    return (accelerator, _checks.number(params, "params", *ROOFLINE_RANGE),
            _checks.number(bytes_per_param, "bytes_per_param", *ROOFLINE_RANGE))

BATCHES = np.geomspace(1, 1024, 241)


def plot_roofline(accelerator=rl.H100_SXM, params=7e9, k=4, batches=(1, 32), bytes_per_param=2.0, ax=None):
    """The roofline (attainable FLOP/s against FLOP/byte) with its ridge and the decoder's steps.

    For each batch size, a circle marks the plain step (1 token per sequence) and a square the
    verification pass (k+1 tokens); both sit far left of the ridge at small batches.
    """
    accelerator, params, bytes_per_param = _hardware(accelerator, params, bytes_per_param)
    k = _checks.as_count(k, "k", 1, MAX_PICTURED_K)
    batches = _checks.whole(batches, "batches", minimum=1, maximum=10**9)
    fig, ax = axes(ax, figsize=(6.5, 4.2))
    bw, peak = accelerator.bandwidth, accelerator.peak_flops
    intensity = np.geomspace(0.1, 1e5, 400)
    ax.loglog(intensity, rl.attainable_flops(intensity, bw, peak) / 1e12, color="black", linewidth=2,
              label=f"{accelerator.name} roofline")
    ridge = rl.ridge_point(bw, peak)
    ax.axvline(ridge, color=BASELINE, linestyle=":", linewidth=1.2)
    ax.annotate(f"ridge point\n{ridge:.0f} FLOP/byte", (ridge, peak / 1e12), xytext=(6, -34),
                textcoords="offset points", fontsize=9)
    colours = (TARGET, DRAFT, "#2ca02c", "#9467bd")
    for batch, colour in zip(batches, colours):
        for tokens, marker, what in ((1, "o", "plain step"), (k + 1, "s", f"verify K+1 = {k + 1}")):
            ai = rl.arithmetic_intensity(params, tokens, batch, bytes_per_param)
            ax.plot(ai, rl.attainable_flops(ai, bw, peak) / 1e12, marker, color=colour, markersize=8,
                    label=f"batch {batch}, {what}")
    ax.set(xlabel="arithmetic intensity (FLOP per byte moved)", ylabel="attainable TFLOP/s",
           title=f"Roofline: {params / 1e9:g}B parameters, {bytes_per_param:g} bytes each")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1.0))      # beside the axes: off the ridge line
    return fig


def plot_batch_speedup(alphas=(0.6, 0.8, 0.9), k=4, c=0.05, params=7e9, accelerator=rl.H100_SXM,
                       bytes_per_param=2.0, kv_bytes=0.0, ax=None):
    """Speedup against batch size, one curve per alpha, each break-even batch marked."""
    accelerator, params, bytes_per_param = _hardware(accelerator, params, bytes_per_param)
    alphas = _checks.reals(alphas, "alphas", low=0.0, high=1.0)
    k = _checks.as_count(k, "k", 1, MAX_PICTURED_K)
    c = _checks.number(c, "c", 0.0, 100.0)
    kv_bytes = _checks.number(kv_bytes, "kv_bytes", 0.0, ROOFLINE_RANGE[1])
    fig, ax = axes(ax, figsize=(6.5, 4.2))
    hw = (params, accelerator.bandwidth, accelerator.peak_flops)
    highest = 1.0
    for alpha in alphas:
        edge = rl.breakeven_batch(alpha, k, c, *hw, bytes_per_param, kv_bytes)
        marked = math.isfinite(edge) and edge <= BATCHES[-1]
        # the break-even batch in the legend, not beside its triangle: there the numbers of close
        # triangles stacked up next to the wrong curves
        label = f"alpha = {alpha:g}" + (f" (break-even batch {edge:.0f})" if marked else "")
        speeds = rl.batch_speedup(alpha, k, c, *hw, BATCHES, bytes_per_param, kv_bytes)
        highest = max(highest, float(np.max(speeds)))
        line, = ax.semilogx(BATCHES, speeds, linewidth=2, label=label)
        if marked:
            ax.plot(edge, 1.0, "v", color=line.get_color(), markersize=7, markeredgecolor="white", zorder=5)
    baseline(ax)
    ax.set(xlabel="batch size (sequences decoded together)", ylabel="speedup (x)", ylim=(0, None),
           title=f"Speedup vs batch, {bytes_per_param:g} bytes/param\n"
                 f"{accelerator.name}, {params / 1e9:g}B, K = {k}, c = {c:g}" + (", with KV cache" if kv_bytes else ""))
    ax.set_ylim(0, 1.6 * highest)                  # headroom: the legend sits above every curve
    name_shared_y_once(ax)
    ax.legend(fontsize=9, loc="upper right")
    return fig


#: How each kernel's measured curve is labelled and drawn.
KERNEL_STYLE = {"stock": ("torch's stock kernel (this CPU)", "o--"), "column": ("speclab's column kernel (this CPU)", "o-")}


def plot_kernel_growth(growth: dict, params, accelerator=rl.H100_SXM, bytes_per_param=2.0, ax=None):
    """t(n)/t(1) measured for each kernel (median, bars from min to max over paired blocks, as
    `speclab.real.measure.timing.kernel_growth` returns), beside the roofline's GPU model."""
    accelerator, params, bytes_per_param = _hardware(accelerator, params, bytes_per_param)
    _check_growth(growth)
    fig, ax = axes(ax, figsize=(7.0, 4.4))
    for (kernel, spreads), color in zip(sorted(growth.items(), reverse=True), (TARGET, "#6a1b9a")):
        n = np.arange(1, len(spreads) + 1)
        median = np.array([g.median for g in spreads])
        low, high = median - [g.low for g in spreads], [g.high for g in spreads] - median
        label, style = KERNEL_STYLE[kernel]
        ax.errorbar(n, median, yerr=[low, high], fmt=style, color=color, capsize=3, label=label + ", min-max")
    n = np.arange(1, max(len(v) for v in growth.values()) + 1)
    _modelled_beside(ax, n, params, accelerator, bytes_per_param)
    return fig


def _modelled_beside(ax, n, params, accelerator, bytes_per_param) -> None:
    """The roofline's t(n)/t(1) on `accelerator` at batch 1, the line t = n t(1), axes and legend."""
    modelled = rl.step_seconds(params, accelerator.bandwidth, accelerator.peak_flops, n, 1, bytes_per_param)
    ax.plot(n, modelled / modelled[0], "s-", color=DRAFT, label=f"modelled: {accelerator.name}, batch 1")
    ax.plot(n, n, ":", color=BASELINE, label="every token paid in full (t = n t(1))")
    ax.set(xlabel="tokens scored in one pass n", ylabel="t(n) / t(1)", ylim=(0, None),
           title=f"Cost of verifying n tokens, {params / 1e6:.0f}M parameters")
    ax.legend(fontsize=9, loc="upper left")


def _check_growth(growth) -> None:
    """growth: {"column" and/or "stock": [Spread, ...]} with finite low <= median <= high > 0."""
    allowed = f"growth must map some of {sorted(KERNEL_STYLE)} to non-empty lists of Spread (kernel_growth's result)"
    if not isinstance(growth, dict) or not growth or not set(growth) <= set(KERNEL_STYLE):
        raise ValueError(f"{allowed}; got {_checks.short_repr(growth)}")
    for spreads in growth.values():
        try:
            ok = len(spreads) > 0 and all(0 < g.low <= g.median <= g.high < math.inf for g in spreads)
        except (TypeError, AttributeError):
            ok = False
        if not ok:
            raise ValueError(f"{allowed}; got {_checks.short_repr(spreads)}")


def plot_verify_cost(measured_seconds, params, accelerator=rl.H100_SXM, bytes_per_param=2.0,
                     measured_label="measured on this CPU", ax=None):
    """t(n)/t(1), the cost of scoring n tokens in one pass over one token: measured beside modelled.

    `measured_seconds[i]` is the time of a pass over i+1 tokens (as `target_pass_seconds` returns);
    the modelled curve is the roofline's for the same model on `accelerator`, batch 1.
    """
    accelerator, params, bytes_per_param = _hardware(accelerator, params, bytes_per_param)
    measured = _checks.reals(measured_seconds, "measured_seconds", low=0.0)
    if measured.ndim != 1 or measured.size < 2 or not np.all(measured > 0):
        raise ValueError("measured_seconds must be a 1-D array of at least 2 positive timings")
    fig, ax = axes(ax, figsize=(6.5, 4.2))
    n = np.arange(1, measured.size + 1)
    ax.plot(n, measured / measured[0], "o-", color=TARGET, label=measured_label)
    _modelled_beside(ax, n, params, accelerator, bytes_per_param)
    return fig
