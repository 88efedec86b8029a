"""Where a round's time goes: one stacked bar of its parts in plain steps, beside the formula's charge."""

from __future__ import annotations

from ._axes import axes

#: One colour per part, the order a round runs them.
PART_COLOURS = {"drafting": "tab:green", "target pass": "tab:blue", "draft catch-up": "tab:olive",
                "cache crop": "tab:purple", "bookkeeping": "tab:grey"}


def plot_round_profile(per_round_steps: dict, charged: float | None = None, ax=None):
    """per_round_steps: part -> plain steps per round (RoundProfile.per_round_steps()); charged: what
    the speedup formula charges a round (k c + t(k+1)/t(1)), drawn as a second bar when given."""
    fig, ax = axes(ax, figsize=(6.4, 3.2))
    left = 0.0
    for part, colour in PART_COLOURS.items():
        width = float(per_round_steps.get(part, 0.0))
        ax.barh(1, width, left=left, color=colour, label=part, height=0.6)
        left += width
    labels = ["measured"]
    if charged is not None:
        ax.barh(0, charged, color="white", edgecolor="black", hatch="//", height=0.6)
        labels = ["the formula", "measured"]
    ax.set_yticks(range(2 - len(labels), 2), labels)
    ax.set_xlabel("plain decoding steps per round")
    ax.set_xlim(0, max(left, charged or 0.0) * 1.15)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, fontsize=9, frameon=False)
    fig.tight_layout()
    return fig
