"""Figures for token trees: the tree itself, its attention mask, and chain vs tree at a node budget."""

from __future__ import annotations

import numpy as np

from ..theory import expected_tokens
from ..trees.theory import best_tree, expected_tokens_tree, node_acceptance
from ..trees.shape import ROOT, TreeShape
from ._axes import BASELINE, DRAFT, TARGET, axes

#: Node colours run from rarely accepted (light) to often accepted (dark).
NODE_CMAP = "Greens"


def tree_layout(shape: TreeShape):
    """(x, y) for the root (index 0) and every node (index i+1): x is the depth, leaves spread along y.

    Leaves take consecutive rows in depth-first order; a parent sits at the mean of its children.
    """
    x = np.concatenate([[0], shape.depths]).astype(float)
    y = np.zeros(len(shape) + 1)
    next_row = [0.0]

    def place(u):
        kids = [c for c in shape.children[u + 1] if c >= 0]
        if not kids:
            y[u + 1] = next_row[0]
            next_row[0] += 1.0
            return
        for c in kids:
            place(c)
        y[u + 1] = np.mean([y[c + 1] for c in kids])

    place(ROOT)
    return x, y


def tree_edges(shape: TreeShape, x, y) -> list:
    """Line segments parent -> child, in the coordinates of `tree_layout`."""
    return [[(x[parent + 1], y[parent + 1]), (x[i + 1], y[i + 1])] for i, parent in enumerate(shape.parents)]


def plot_tree(shape: TreeShape, alpha: float = 0.7, tokens=None, ax=None):
    """Draw the tree, each node shaded by P(it is accepted) under i.i.d. alpha; returns the figure."""
    from matplotlib.collections import LineCollection

    fig, ax = axes(ax, figsize=(6.0, 4.0))
    x, y = tree_layout(shape)
    probs = node_acceptance(shape, alpha) if len(shape) else np.zeros(0)
    ax.add_collection(LineCollection(tree_edges(shape, x, y), colors="0.6", linewidths=1.2, zorder=1))
    ax.scatter(x[:1], y[:1], s=260, color=TARGET, zorder=2)
    dots = ax.scatter(x[1:], y[1:], s=260, c=probs, cmap=NODE_CMAP, vmin=0, vmax=1, edgecolors="0.3", zorder=2)
    for i in range(len(shape)):
        label = str(tokens[i]) if tokens is not None else str(i)
        ax.text(x[i + 1], y[i + 1], label, ha="center", va="center", fontsize=7, zorder=3)
    fig.colorbar(dots, ax=ax, label="P(node accepted)", fraction=0.05)
    ax.set(xlabel="depth (draft tokens after the context)", yticks=[],
           title=f"{len(shape)} nodes, depth {shape.max_depth}: {expected_tokens_tree(shape, alpha):.2f} "
                 f"tokens per pass at alpha = {alpha:g}")
    ax.set_xlim(-0.5, max(shape.max_depth, 1) + 0.5)
    ax.set_ylim(max(y) + 0.7, -0.7)
    return fig


def plot_attention_mask(shape: TreeShape, ax=None):
    """The tree attention mask: row i may attend to column j (root first, then the nodes)."""
    fig, ax = axes(ax, figsize=(4.0, 4.0))
    mask = shape.attention_mask()
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
    labels = ["root"] + [str(i) for i in range(len(shape))]
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set(xlabel="attends to (key)", ylabel="node (query)", title="tree attention mask")
    return fig


def plot_chain_vs_tree(n_nodes: int = 16, alphas=None, ax=None):
    """Tokens per target pass at a budget of n_nodes: a chain of n_nodes vs the best tree of n_nodes."""
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    alphas = np.linspace(0.02, 0.98, 49) if alphas is None else np.asarray(alphas, dtype=float)
    chain = expected_tokens(alphas, n_nodes)
    tree = np.array([expected_tokens_tree(best_tree(n_nodes, a), a) for a in alphas])
    ax.plot(alphas, chain, color=DRAFT, linewidth=2, label=f"chain of {n_nodes}")
    ax.plot(alphas, tree, color=TARGET, linewidth=2, label=f"best tree of {n_nodes} nodes")
    ax.fill_between(alphas, chain, tree, color=TARGET, alpha=0.12, label="what the tree adds")
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
    ax.set(xlabel="alpha (i.i.d. acceptance per node tried)", ylabel="tokens per target pass",
           title=f"Same verification budget ({n_nodes} nodes scored in one pass)")
    ax.legend(fontsize=8, loc="upper left")
    return fig
