"""The tree explorer (notebook 09): the best token tree at a node budget against the chain.

It follows `speclab.widgets.Explorer`'s contract: compute (pure calls into `speclab.trees`), describe (readouts), build (artists once, moving ones registered with animate)
and refresh (move them). Every axis limit and title is fixed, so a frame never redraws the
background: the titles name what is plotted and the readouts carry the numbers. Curves that
alpha does not move are computed once (the best tree at every budget) or when the tree changes.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import numpy as np

from .._validate import in_ranges
from ..trees import theory as tree_theory
from ..plots._axes import BASELINE, DRAFT, TARGET
from ..plots.trees import NODE_CMAP, tree_edges, tree_layout
from ..trees.shape import TreeShape
from ._frames import Explorer, fmt, readout

_SLIDER = dict(continuous_update=True, style={"description_width": "170px"}, layout=widgets.Layout(width="460px"))


# ----------------------------------------------------------------------------- trees

class TreeExplorer(Explorer):
    """alpha, node budget, branching and depth in; the tree, its mask and chain-vs-tree curves out.

    The tree is the best one (most expected tokens) with at most `branching` children per node,
    at most `depth` levels and at most `nodes` nodes, under i.i.d. acceptance alpha.
    """

    readout_names = ("tree", "chain", "best", "shape")
    figsize = (12.0, 4.0)
    max_nodes = 32
    alpha_grid = np.linspace(0.0, 1.0, 41)

    def __init__(self, controls: dict):
        # Tokens per pass of the best tree, [alpha on the grid, budget 0..max_nodes]: the right
        # panel's dotted curve for any budget is a column of this table.
        self.best_tokens = tree_theory.best_tree_tokens(self.max_nodes, self.alpha_grid)
        self._curves_for = None
        super().__init__(controls)

    def compute(self, alpha, nodes, branching, depth) -> dict:
        shape = tree_theory.best_tree(nodes, alpha, max_children=branching, max_depth=depth)
        best = tree_theory.best_tree(nodes, alpha)
        return {"alpha": alpha, "nodes": nodes, "branching": branching, "depth": depth, "shape": shape,
                "node_probs": tree_theory.node_acceptance(shape, alpha),
                "tokens_tree": tree_theory.expected_tokens_tree(shape, alpha),
                "tokens_chain": tree_theory.expected_tokens_tree(TreeShape.chain(nodes), alpha),
                "tokens_best": tree_theory.expected_tokens_tree(best, alpha), "best_shape": best}

    def describe(self, v: dict) -> dict:
        shape = v["shape"]
        return {"tree": readout("your tree: tokens per pass", fmt(v["tokens_tree"])),
                "chain": readout(f"chain of {v['nodes']}", fmt(v["tokens_chain"])),
                "best": readout(f"best tree of {v['nodes']}", fmt(v["tokens_best"]),
                                f" (depth {v['best_shape'].max_depth})"),
                "shape": readout("your tree uses", f"{len(shape)} nodes", f", depth {shape.max_depth}")}

    def build(self, figure) -> None:
        from matplotlib.collections import LineCollection, PolyCollection
        from matplotlib.ticker import FixedLocator, ScalarFormatter

        figure.subplots_adjust(left=0.03, right=0.99, bottom=0.15, top=0.88, wspace=0.25)
        grid = figure.add_gridspec(1, 3, width_ratios=(1.3, 1.0, 1.2))
        self.ax_tree = figure.add_subplot(grid[0])
        self.ax_mask = figure.add_subplot(grid[1])
        self.ax_curve = figure.add_subplot(grid[2])
        # Every panel keeps fixed limits: the tree and the mask are drawn in a unit box.
        ax = self.ax_tree
        self.edges = self.animate(ax.add_collection(LineCollection([], colors="0.6", linewidths=1.0, zorder=1)))
        self.dots = self.animate(ax.scatter(np.zeros(self.max_nodes + 1), np.zeros(self.max_nodes + 1), s=70,
                                            c=np.zeros(self.max_nodes + 1), cmap=NODE_CMAP, vmin=0, vmax=1,
                                            edgecolors="0.3", zorder=2))
        ax.set(xlabel="depth (root on the left)", xticks=[], yticks=[], xlim=(-0.05, 1.05), ylim=(1.07, -0.07))
        ax.set_title("your tree (shade: P(accepted))")
        # The mask as one collection of squares on a light box (an image is resampled in every frame).
        blues = matplotlib.colormaps["Blues"]
        self.mask_cells = self.animate(self.ax_mask.add_collection(
            PolyCollection([], facecolors=[blues(1 / 1.3)], edgecolors="none", antialiased=False), autolim=False))
        self.ax_mask.set_facecolor(blues(0.0))
        self.ax_mask.set(xlabel="attends to (root first)", ylabel="node (root first)", xticks=[], yticks=[],
                         xlim=(0, 1), ylim=(1, 0), aspect="equal", title="tree attention mask")
        ax = self.ax_curve
        self.line_chain, = self.animate(ax.plot([], [], color=DRAFT, linewidth=1.8, label="chain"))
        self.line_tree, = self.animate(ax.plot([], [], color="black", linewidth=2.2, label="your tree"))
        self.line_best, = self.animate(ax.plot([], [], ":", color=TARGET, linewidth=2, label="best tree"))
        self.point, = self.animate(ax.plot([], [], "o", color="red", markersize=7, zorder=5))
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set_yscale("log")
        ax.set(xlabel="alpha", ylabel="tokens per target pass (log scale)", xlim=(0, 1),
               ylim=(0.9, self.max_nodes + 2))
        ax.yaxis.set_major_locator(FixedLocator([1, 2, 4, 8, 16, 32]))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.legend(loc="upper left")
        ax.set_title("tokens per pass at your node budget")

    def refresh(self, v: dict) -> None:
        shape, n = v["shape"], v["nodes"]
        x, y = tree_layout(shape)
        x, y = x / max(x.max(), 1.0), (y / y.max() if y.max() > 0 else y + 0.5)    # into the unit box
        offsets = np.full((self.max_nodes + 1, 2), np.nan)
        offsets[: len(x)] = np.column_stack([x, y])
        colours = np.zeros(self.max_nodes + 1)
        colours[1: len(x)] = v["node_probs"]
        self.dots.set_offsets(offsets)
        self.dots.set_array(colours)
        self.edges.set_segments(tree_edges(shape, x, y))
        if self._curves_for != (shape, n):              # alpha alone moves the shading and the point
            self._curves_for = (shape, n)
            self.mask_cells.set_verts(_unit_squares(shape.attention_mask()))
            grid = self.alpha_grid
            self.line_chain.set_data(grid, tree_theory.expected_tokens_tree(TreeShape.chain(n), grid))
            self.line_tree.set_data(grid, tree_theory.expected_tokens_tree(shape, grid))
            self.line_best.set_data(grid, self.best_tokens[:, n])
        self.point.set_data([v["alpha"]], [v["tokens_tree"]])


def _unit_squares(mask) -> np.ndarray:
    """The True cells of a square boolean matrix as squares [cells, 4 corners, (x, y)] tiling the
    unit box: row i spans y in [i/n, (i+1)/n], column j spans x in [j/n, (j+1)/n]."""
    rows, cols = np.nonzero(mask)
    corners = np.array([(0, 0), (1, 0), (1, 1), (0, 1)])
    return (np.column_stack([cols, rows])[:, None, :] + corners) / len(mask)


def tree_explorer(alpha: float = 0.6, nodes: int = 16, branching: int = 4, depth: int = 16) -> TreeExplorer:
    """Sliders for alpha, the node budget, the branching factor and the depth of a token tree."""
    alpha, nodes, branching, depth = in_ranges(alpha=(alpha, 0.0, 1.0), nodes=(nodes, 1, TreeExplorer.max_nodes),
                                               branching=(branching, 1, 8), depth=(depth, 1, TreeExplorer.max_nodes))
    controls = {
        "alpha": widgets.FloatSlider(value=alpha, min=0.0, max=1.0, step=0.01, description="alpha (acceptance)",
                                     **_SLIDER),
        "nodes": widgets.IntSlider(value=nodes, min=1, max=TreeExplorer.max_nodes,
                                   description="node budget (one pass)", **_SLIDER),
        "branching": widgets.IntSlider(value=branching, min=1, max=8, description="max children per node",
                                       **_SLIDER),
        "depth": widgets.IntSlider(value=depth, min=1, max=TreeExplorer.max_nodes, description="max depth",
                                   **_SLIDER),
    }
    return TreeExplorer(controls)
