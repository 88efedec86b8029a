"""A timeline of plain and speculative decoding: draft steps and target passes along modelled time.

Like Leviathan et al.'s trace diagram: one lane per method, a box per model call, drawn from the
round records of a simulated run and the cost model that timed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rounds import RoundRecord
from ..simulator import CostModel
from ._checks import MAX_ITEMS
from ._axes import DRAFT, TARGET, axes


@dataclass(frozen=True)
class Segment:
    """One model call on the timeline: when it starts, how long it takes, and what it yields."""

    start: float      # ms
    duration: float   # ms
    model: str        # "draft" or "target"
    tokens: int = 0   # tokens emitted when this call ends (target passes only)


def timeline_segments(records, cost) -> dict:
    """{"plain": [...], "speculative": [...]}: the calls each method makes for the same tokens.

    Speculative: per round, k draft steps of cost.draft_ms, then one target pass costing
    cost.round_ms(k) - k * draft_ms, which emits the round's tokens. Plain: one target step per token.
    """
    if not isinstance(records, (list, tuple)) or len(records) > MAX_ITEMS \
            or not all(isinstance(r, RoundRecord) for r in records):
        raise ValueError(f"records must be a list of at most {MAX_ITEMS:,} speclab RoundRecord objects")
    if not isinstance(cost, CostModel):
        raise ValueError(f"cost must be a speclab CostModel; got {type(cost).__name__}")
    speculative, t = [], 0.0
    for rec in records:
        for _ in range(rec.k):
            speculative.append(Segment(t, cost.draft_ms, "draft"))
            t += cost.draft_ms
        verify_ms = float(cost.round_ms(rec.k)) - rec.k * cost.draft_ms
        speculative.append(Segment(t, verify_ms, "target", len(rec.emitted)))
        t += verify_ms
    n_tokens = sum(len(rec.emitted) for rec in records)
    plain = [Segment(i * cost.target_ms, cost.target_ms, "target", 1) for i in range(n_tokens)]
    return {"plain": plain, "speculative": speculative}


def plot_timeline(records, cost, ax=None):
    """Two lanes over modelled time: plain decoding (one target step per token) and speculative
    decoding (k draft steps, then one target pass labelled with the tokens it emitted).
    """
    lanes = timeline_segments(records, cost)
    fig, ax = axes(ax, figsize=(10.0, 2.8))
    colours = {"draft": DRAFT, "target": TARGET}
    for row, name in enumerate(("speculative", "plain")):
        height = 0.6
        for seg in lanes[name]:
            ax.broken_barh([(seg.start, seg.duration)], (row - height / 2, height),
                           facecolors=colours[seg.model], edgecolor="white", linewidth=0.8)
            if seg.model == "target" and name == "speculative":
                ax.text(seg.start + seg.duration / 2, row, f"+{seg.tokens}", ha="center", va="center",
                        color="white", fontsize=9, fontweight="bold")
        end = lanes[name][-1].start + lanes[name][-1].duration if lanes[name] else 0.0
        n_tokens = sum(seg.tokens for seg in lanes[name])
        # right-aligned at the lane's end, so the longest lane's label stays inside the axes
        ax.text(end, row + 0.34, f"{n_tokens} tokens in {end:.0f} ms", ha="right", va="bottom", fontsize=9)
    ax.set_yticks([0, 1], ["speculative", "plain"])
    ax.set_ylim(-0.6, 2.0)
    ax.set_xlabel("modelled time (ms)")
    ax.legend(handles=[_patch(DRAFT, f"draft step ({cost.draft_ms:g} ms)"),
                       _patch(TARGET, f"target pass ({cost.target_ms:g} ms; +n = tokens it emits)")],
              loc="upper right", fontsize=9, ncol=2, frameon=False)
    ax.set_title("The same tokens, two ways: one target pass per token, or per round")
    return fig


def _patch(colour, label):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)
