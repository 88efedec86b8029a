"""Render round records: a text table, a figure of rounds, and coloured HTML of emitted tokens.

Statuses per position: accepted (the target agreed), rejected (first disagreement), skipped
(drafts after a rejection, thrown away), correction (from the residual), bonus (from p after
k acceptances) and plain (a round with no drafts: one ordinary target step).
"""

from __future__ import annotations

import html

from ._validate import ArgumentTypeError, as_count
from .rounds import ACCEPTED, BONUS, CORRECTION, PLAIN, REJECTED, SKIPPED, RoundRecord

COLOURS = {
    ACCEPTED: "#4caf50",
    REJECTED: "#e53935",
    SKIPPED: "#bdbdbd",
    CORRECTION: "#fb8c00",
    BONUS: "#1e88e5",
    PLAIN: "#8e24aa",
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


def plot_rounds(records, ax=None, decode=None, max_rounds: int = 12):
    """A grid of rounds (rows) by draft slot (columns), each cell coloured by its status."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    records = _check_records(records)[:as_count(max_rounds, "max_rounds", minimum=1, maximum=1000)]
    width = max((rec.k for rec in records), default=0) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * width + 2, 0.55 * len(records) + 1.4))
    for row, rec in enumerate(records):
        for col, (token, status) in enumerate(rec.cells()):
            ax.add_patch(Rectangle((col, row), 0.95, 0.9, color=COLOURS[status]))
            ax.text(col + 0.47, row + 0.45, _label(token, decode)[:8], ha="center", va="center", fontsize=8)
    ax.set_xlim(0, width)
    ax.set_ylim(len(records), 0)
    ax.set_yticks([r + 0.45 for r in range(len(records))], [f"round {r + 1}" for r in range(len(records))])
    ax.set_xticks([c + 0.47 for c in range(width)], [f"slot {c + 1}" for c in range(width)])
    ax.tick_params(length=0)
    ax.set_frame_on(False)
    ax.legend(handles=[Patch(color=c, label=s) for s, c in COLOURS.items()],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
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
