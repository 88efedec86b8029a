"""Shared figure helpers: get an axes to draw on, and the course's colours."""

from __future__ import annotations

import matplotlib.pyplot as plt

TARGET = "#1f77b4"      # p, the target
DRAFT = "#ff7f0e"       # q, the draft
OVERLAP = "#2ca02c"     # min(p, q), the accepted mass
RESIDUAL = "#d62728"    # norm(max(0, p - q))
BASELINE = "0.55"       # the 1x line of plain decoding
BASELINE_TEXT = "0.35"  # text naming that line: darker than the line, so it reads on white (8.5:1)

#: One colour per draft/target pair, shared by every figure and explorer that shows the pair
#: (notebook 10 draws the same pairs in static figures and in the temperature explorer).
PAIR_COLOURS = {"synthetic, agreement 0.8": "tab:blue", "synthetic, agreement 0.6": "tab:orange",
                "synthetic, agreement 0.3": "tab:green", "SmolLM2, early exit 27/30": "tab:purple"}

#: One colour per acceptance probability, so "alpha = 0.85" looks the same in every panel.
ALPHA_COLOURS = {0.3: "C0", 0.5: "C1", 0.7: "C2", 0.85: "C3", 0.95: "C4",
                 0.6: "C8", 0.8: "C5", 0.9: "C9"}


def darker(colour, factor: float = 0.7):
    """`colour` with its RGB scaled by `factor`: text in a line's hue that still reads on white."""
    from matplotlib.colors import to_rgb

    return tuple(factor * v for v in to_rgb(colour))


def alpha_colour(alpha: float):
    """The colour of an alpha: its ALPHA_COLOURS entry, else its place on viridis (by value, not by order)."""
    import matplotlib

    return ALPHA_COLOURS.get(round(float(alpha), 6), matplotlib.colormaps["viridis"](0.85 * float(alpha)))


#: The widest a course figure is drawn, in inches: 940 px at the inline backend's 100 dpi, under
#: the 1,000 px a notebook page shows at 100 % without shrinking the figure and its text.
PAGE_WIDTH = 9.4


def panels(ncols: int, height: float = 3.8, **subplots_kw):
    """(figure, axes): a row of `ncols` axes as wide as the page (PAGE_WIDTH), for a cell that draws
    several figures side by side; keyword arguments go to `plt.subplots` (constrained layout by default)."""
    from .._validate import as_count, as_real_in

    ncols = as_count(ncols, "ncols", minimum=1, maximum=4)
    height = as_real_in(height, "height", 1.0, 12.0)
    subplots_kw.setdefault("layout", "constrained")
    return plt.subplots(1, ncols, figsize=(PAGE_WIDTH, height), **subplots_kw)


def axes(ax=None, figsize=(6.0, 4.0)):
    """Return (figure, axes): the given axes and its figure, or a new single-axes figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def name_shared_y_once(ax) -> None:
    """Clear the y label of a panel past the first column that shares its y axis: the first panel's
    label names the shared axis."""
    spec = ax.get_subplotspec()
    if spec is not None and not spec.is_first_col() and len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
        ax.set_ylabel("")


def baseline(ax) -> None:
    """Draw the speedup = 1 line that plain autoregressive decoding sits on."""
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1, label="plain decoding (1x)")
