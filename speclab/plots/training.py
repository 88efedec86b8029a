"""The draft's training curve: loss per step and held-out acceptance per drafting depth."""

from __future__ import annotations

from ._axes import axes


def _field(record, name):
    return record[name] if isinstance(record, dict) else getattr(record, name)


def plot_training(record, ax=None):
    """Loss (left axis) and held-out greedy agreement at depth 1, 2, ... (right axis) against step.

    `record` is a TrainingRecord or its dict (as saved with the draft).
    """
    fig, ax = axes(ax, figsize=(7.0, 4.0))
    ax.plot(_field(record, "steps"), _field(record, "loss"), color="0.45", linewidth=1, label="training loss")
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (cross-entropy to the target)")
    right = ax.twinx()
    rows = _field(record, "heldout_acceptance")
    for depth in range(len(rows[0]) if rows else 0):
        right.plot(_field(record, "heldout_steps"), [row[depth] for row in rows], marker="o",
                   label=f"held-out acceptance, draft {depth + 1}")
    right.set_ylim(0, 1)
    right.set_ylabel("greedy agreement with the target (held out)")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    right.legend(lines[0] + more[0], lines[1] + more[1], loc="center right", fontsize=8)
    ax.set_title("Self-distillation: the draft learns to say what the target would say")
    return fig
