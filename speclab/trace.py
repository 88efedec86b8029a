"""Render round records: a text table, a figure of rounds, and coloured HTML of emitted tokens.

Statuses per position: accepted (the target agreed), rejected (first disagreement), skipped
(drafts after a rejection, thrown away), correction (from the residual), bonus (from p after
k acceptances) and plain (a round with no drafts: one ordinary target step).
"""

from __future__ import annotations

import html

from ._validate import ArgumentTypeError, as_count, short_repr
from .rounds import ACCEPTED, BONUS, CORRECTION, PLAIN, REJECTED, SKIPPED, RoundRecord

COLOURS = {
    ACCEPTED: "#4caf50",
    REJECTED: "#e53935",
    SKIPPED: "#bdbdbd",
    CORRECTION: "#fb8c00",
    BONUS: "#1e88e5",
    PLAIN: "#8e24aa",
}
#: How a round grid's legend names each status, in legend order (a split cell: the rejected draft
#: on top, its correction below).
LEGEND_LABELS = {
    ACCEPTED: "accepted",
    REJECTED: "rejected (top half)",
    CORRECTION: "correction (below it)",
    SKIPPED: "skipped",
    BONUS: "bonus",
    PLAIN: "plain (no drafts)",
}


def _check_records(records) -> list:
    if isinstance(records, (str, bytes)) or not hasattr(records, "__iter__"):
        raise ArgumentTypeError("records must be a list of speclab RoundRecord objects (e.g. result.rounds)")
    records = list(records)
    if not all(isinstance(r, RoundRecord) for r in records):
        raise ArgumentTypeError("records must be a list of speclab RoundRecord objects (e.g. result.rounds)")
    return records


def _label(token: int, decode) -> str:
    return str(token) if decode is None else decode(int(token))


def rounds_table(records, decode=None) -> str:
    """A fixed-width text table: one line per round with each draft's status and the extra token."""
    records = _check_records(records)
    lines = [f"{'round':>5}  {'pos':>4}  {'k':>2}  {'acc':>3}  drafts (status)  ->  extra token"]
    for number, rec in enumerate(records, start=1):
        marks = {ACCEPTED: "+", REJECTED: "x", SKIPPED: "."}
        drafts = " ".join(f"{_label(t, decode)}{marks[s]}" for t, s in zip(rec.draft_tokens, rec.draft_statuses()))
        extra = f"{_label(rec.next_token, decode)} ({rec.extra_status()})"
        lines.append(f"{number:>5}  {rec.position:>4}  {rec.k:>2}  {rec.n_accepted:>3}  {drafts or '-'}  ->  {extra}")
    lines.append("legend: + accepted, x rejected, . skipped (discarded after a rejection)")
    return "\n".join(lines)


def column_layers(record: RoundRecord) -> list:
    """What each column of a round shows, top to bottom: one (token, status), or two where a
    rejected draft and its correction share the output position (the draft above, the correction below).
    """
    return [[(record.rejected_draft, REJECTED), (token, status)] if status == CORRECTION else [(token, status)]
            for token, status in record.cells()]


def cell_boxes(records, cell_height: float = 0.9) -> list:
    """Where every round's cells go in a grid of rounds (rows) by output position (columns):
    (row, column, top, height, token, status) per cell, from `column_layers`. A column of two
    layers is split: the rejected draft fills the top half, its correction the bottom half."""
    boxes = []
    for row, record in enumerate(records):
        for col, layers in enumerate(column_layers(record)):
            height = cell_height / len(layers)
            boxes += [(row, col, row + i * height, height, token, status) for i, (token, status) in enumerate(layers)]
    return boxes


def decorate_round_grid(ax, rounds: int, width: int, statuses=tuple(LEGEND_LABELS)) -> None:
    """Axes of a round grid: rows named by round, columns by output position within the round,
    and a legend of `statuses` (the ones the figure can show) beside it."""
    from matplotlib.patches import Patch

    ax.set_xlim(0, width)
    ax.set_ylim(rounds, 0)
    ax.set_yticks([r + 0.45 for r in range(rounds)], [f"round {r + 1}" for r in range(rounds)])
    ax.set_xticks([c + 0.47 for c in range(width)], [f"+{c + 1}" for c in range(width)])
    ax.set_xlabel("output position within the round")
    ax.tick_params(length=0)
    ax.set_frame_on(False)
    ax.legend(handles=[Patch(color=COLOURS[s], label=LEGEND_LABELS[s]) for s in statuses],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def plot_rounds(records, ax=None, decode=None, max_rounds: int = 12):
    """A grid of rounds (rows) by output position within the round (columns), coloured by status.

    A rejected draft and the correction that replaces it share a column (the same output
    position): the top half shows the rejected draft, the bottom half the correction.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle

    if ax is not None and not isinstance(ax, Axes):
        raise ArgumentTypeError(f"ax must be None (a new figure) or a matplotlib Axes to draw on; "
                                f"got {short_repr(ax)} ({type(ax).__name__})")
    records = _check_records(records)[:as_count(max_rounds, "max_rounds", minimum=1, maximum=1000)]
    width = max((rec.k for rec in records), default=0) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * width + 2, 0.55 * len(records) + 1.4))
    for _, col, top, height, token, status in cell_boxes(records):
        ax.add_patch(Rectangle((col, top), 0.95, height, color=COLOURS[status]))
        ax.text(col + 0.47, top + height / 2, _label(token, decode)[:8], ha="center", va="center",
                fontsize=9)
    shown = {status for rec in records for _, status in rec.cells()}
    decorate_round_grid(ax, len(records), width, [s for s in LEGEND_LABELS if s != PLAIN or PLAIN in shown])
    ax.set_title("Speculative rounds: drafts, then the target's verdict")
    return ax.figure


def tokens_html(records, decode=None) -> str:
    """The emitted text, each token's background showing how it was produced."""
    records = _check_records(records)
    spans, seen = [], set()
    for number, rec in enumerate(records, start=1):
        statuses = [ACCEPTED] * rec.n_accepted + [rec.extra_status()]
        seen.update(statuses)
        for token, status in zip(rec.emitted, statuses):
            text = html.escape(_label(token, decode)).replace("\n", "&#8629;<br>")
            spans.append(f'<span title="round {number}: {status}" style="background:{COLOURS[status]}33;'
                         f'border-bottom:2px solid {COLOURS[status]};padding:0 1px">{text}</span>')
    legend = " ".join(f'<span style="background:{COLOURS[s]}33;border-bottom:2px solid {COLOURS[s]}">{s}</span>'
                      for s in (ACCEPTED, CORRECTION, BONUS, PLAIN) if s in seen)
    separator = "" if decode is not None else " "
    return (f'<div style="font-family:monospace;line-height:1.8">{separator.join(spans)}</div>'
            f'<div style="font-size:smaller">{legend}</div>')
