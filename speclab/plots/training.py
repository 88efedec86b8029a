"""The draft's training curve: loss per step and held-out acceptance per drafting depth."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .._validate import short_repr
from ._axes import axes


def _field(record, name):
    return record[name] if isinstance(record, dict) else getattr(record, name)


def plot_training(record, ax=None):
    """Loss (top panel) and held-out greedy agreement at depth 1, 2, ... (bottom panel) against step.

    `record` is a TrainingRecord or its dict (as saved with the draft). ax: None for a new figure,
    or a pair of axes (loss, acceptance). Two panels, not two y axes on one: on one panel the falling
    loss ran through the rising acceptance markers.
    """
    if ax is None:
        fig, (ax, lower) = plt.subplots(2, 1, figsize=(7.0, 5.0), sharex=True, layout="constrained")
    else:
        ax, lower = ax
        fig = ax.figure
    ax.plot(_field(record, "steps"), _field(record, "loss"), color="0.45", linewidth=1)
    ax.set_ylabel("training loss\n(cross-entropy to the target)")
    ax.set_title("Self-distillation: the draft learns to say what the target would say")
    rows = _field(record, "heldout_acceptance")
    for depth in range(len(rows[0]) if rows else 0):
        lower.plot(_field(record, "heldout_steps"), [row[depth] for row in rows], marker="o",
                   markersize=max(7 - 1.5 * depth, 3), label=f"draft {depth + 1}")   # equal points stay visible
    lower.set_ylim(-0.04, 1.0)            # below 0: a marker at acceptance 0 shows whole, above the spine
    lower.set_xlabel("training step")
    lower.set_ylabel("held-out greedy\nagreement")
    if rows:
        lower.legend(loc="upper left", fontsize=9, title="acceptance at depth", title_fontsize=9, ncols=len(rows[0]))
    return fig


def plot_draft_scaling(curve, ax=None):
    """Held-out acceptance at depth 1, 2, ... against the tokens the draft was trained on (log axis),
    each point labelled with its writing + fitting time.

    `curve` is the dict `benchmarks/bench_draft_scaling.py` writes (its "points" list), e.g. the
    shipped draft's `scaling.json`.
    """
    points = _scaling_points(curve)
    fig, ax = axes(ax, figsize=(7.0, 4.2))
    tokens = [p["tokens"] for p in points]
    depths = len(points[0]["heldout_acceptance"])
    for depth in range(depths):
        ax.semilogx(tokens, [p["heldout_acceptance"][depth] for p in points], "o-", label=f"draft {depth + 1}",
                    markersize=max(8 - 2 * depth, 3))    # smaller on top: equal points stay visible
    for p in points:
        minutes = (p["write_seconds"] + p["fit_seconds"]) / 60
        ax.annotate(f"{minutes:.0f} min" if minutes >= 1 else f"{60 * minutes:.0f} s", (p["tokens"], p["heldout_acceptance"][0]),
                    xytext=(0, 8), textcoords="offset points", ha="center", fontsize=9, color="0.3")
    ax.set(xlabel="tokens of self-written training text (log scale)", ylim=(0, 1),
           ylabel="held-out greedy agreement", title="More text, better draft: the draft's scaling curve")
    ax.legend(fontsize=9, loc="upper left", title="acceptance at depth", title_fontsize=9)
    return fig


def _scaling_points(curve) -> list:
    """The curve's points, each with tokens > 0, acceptances in [0, 1] and seconds >= 0; one ValueError otherwise."""
    allowed = ("curve must be the dict bench_draft_scaling.py writes: 'points', a non-empty list of dicts with "
               "tokens > 0, heldout_acceptance (numbers in [0, 1]), write_seconds and fit_seconds >= 0")
    try:
        points = list(curve["points"])
        ok = bool(points) and all(
            p["tokens"] > 0 and p["write_seconds"] >= 0 and p["fit_seconds"] >= 0
            and len(p["heldout_acceptance"]) == len(points[0]["heldout_acceptance"]) > 0
            and all(0 <= a <= 1 for a in p["heldout_acceptance"]) for p in points)
    except (TypeError, KeyError, IndexError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{allowed}; got {short_repr(curve)}")
    return points
