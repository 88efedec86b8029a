"""What the two KV caches hold after a round, what is cropped, and what is fed next round.

The rules are those of `speclab.real` (decoder.py, draft_model.py, kv_cache.py):

* target: its cache holds every token but the last; a round feeds that last token plus the k
  drafts in one pass, then crops back to the context plus the accepted drafts. The round's extra
  token (correction or bonus) is not in the cache: it is the first token fed next round.
* draft: it feeds one token per step, and its k-th draft is sampled but never fed. It crops to
  the context plus the accepted drafts too. After a rejection it is then one token short (the
  correction); after a bonus it is two short (the k-th draft and the bonus), so it is fed two.
"""

from __future__ import annotations

from ._axes import PAGE_WIDTH, axes

CONTEXT, KEPT, CROPPED, NEVER_FED, FED_NEXT = "context", "kept draft", "cropped", "never fed", "fed next round"
STYLE = {  # face colour, hatch
    CONTEXT: ("#cfd8dc", None),
    KEPT: ("#4caf50", None),
    CROPPED: ("#ffcdd2", "xx"),
    NEVER_FED: ("white", ".."),      # dense enough to show in the legend's small swatch
    FED_NEXT: ("#fff3e0", None),
}


#: The most drafts, and context positions, the picture draws (one cell each).
MAX_PICTURED = 64


def kv_rollback(k: int, n_accepted: int, context: int = 3) -> dict:
    """Per row, (column, label, status) cells after one round with `n_accepted` of `k` drafts.

    Columns are sequence positions: 0..context-1 the context, then the drafts x1..xk (the extra
    token takes position context + n_accepted). Rows: "target cache", "target feeds next",
    "draft cache", "draft feeds next".
    """
    from .._validate import as_count

    k = as_count(k, "k", minimum=1, maximum=MAX_PICTURED)
    context = as_count(context, "context", minimum=1, maximum=MAX_PICTURED)
    n = as_count(n_accepted, "n_accepted")
    if n > k:
        raise ValueError(f"n_accepted must lie in 0..k = 0..{k}; got {n}")
    extra = "bonus" if n == k else "correction"
    ctx = [(i, f"c{i + 1}", CONTEXT) for i in range(context)]
    # The target scored all k drafts in one pass and keeps the accepted ones.
    target = ctx + [(context + i, f"x{i + 1}", KEPT if i < n else CROPPED) for i in range(k)]
    # The draft fed x1..x(k-1) one step at a time; xk came from the last step's logits, unfed.
    draft = ctx + [(context + i, f"x{i + 1}", NEVER_FED if i == k - 1 else KEPT if i < n else CROPPED)
                   for i in range(k)]
    fed_target = [(context + n, extra, FED_NEXT)]
    fed_draft = [(context + k - 1, f"x{k}", FED_NEXT)] if n == k else []
    return {"target cache": target, "target feeds next": fed_target,
            "draft cache": draft, "draft feeds next": fed_draft + fed_target}


def plot_kv_rollback(k: int = 4, n_accepted: int = 1, context: int = 3, ax=None):
    """The cells of `kv_rollback` as a grid: one row per cache or next input, one column per position."""
    from matplotlib.patches import Patch, Rectangle

    rows = kv_rollback(k, n_accepted, context)
    width = context + k + (n_accepted == k)       # a bonus needs one column past the drafts; a correction none
    fig, ax = axes(ax, figsize=(min(0.8 * width + 2.0, PAGE_WIDTH), 3.4))
    for row, cells in enumerate(rows.values()):
        for col, label, status in cells:
            face, hatch = STYLE[status]
            ax.add_patch(Rectangle((col, row), 0.92, 0.8, facecolor=face, hatch=hatch,
                                   edgecolor="#e65100" if status == FED_NEXT else "0.4",
                                   linewidth=1.8 if status == FED_NEXT else 0.8))
            ax.text(col + 0.46, row + 0.4, label, ha="center", va="center", fontsize=10,
                    bbox=dict(facecolor="white", edgecolor="none", pad=2.5) if hatch else None)
    ax.set_xlim(0, width)
    ax.set_ylim(len(rows), 0)
    ax.set_yticks([r + 0.4 for r in range(len(rows))], list(rows))
    ax.set_xticks([c + 0.46 for c in range(width)], [str(c + 1) for c in range(width)], fontsize=9)
    ax.set_xlabel("sequence position")
    ax.tick_params(length=0)
    ax.set_frame_on(False)
    outcome = "all accepted: bonus" if n_accepted == k else f"x{n_accepted + 1} rejected: correction"
    ax.set_title(f"KV caches after a round, K = {k}, {n_accepted} accepted ({outcome})", fontsize=10)
    # Below the grid, not beside it: the figure stays as wide as its columns (within the page).
    ax.legend(handles=[Patch(facecolor=STYLE[s][0], hatch=STYLE[s][1], edgecolor="0.4", label=s)
                       for s in STYLE], loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False, fontsize=9,
              ncols=len(STYLE) if width >= 7 else 3, columnspacing=1.2, handlelength=1.5)
    return fig
