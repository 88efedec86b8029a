"""Figures for token trees: the tree itself, its attention mask, and chain vs tree at a node budget."""

from __future__ import annotations

import numpy as np

from ..theory import expected_tokens
from ..trees.theory import best_tree, expected_tokens_tree, node_acceptance
from ..trees.shape import ROOT, TreeShape
from . import _checks
from ._axes import BASELINE, DRAFT, TARGET, axes

#: Node colours run from rarely accepted (light) to often accepted (dark).
NODE_CMAP = "Greens"

#: The most nodes a tree figure draws (one dot, label and mask row each).
MAX_PICTURED_NODES = 256


def _pictured(shape) -> TreeShape:
    """`shape` itself when it is a TreeShape small enough to draw."""
    shape = _checks.instance(shape, TreeShape, "shape", "a TreeShape (e.g. TreeShape.full((2, 2)))")
    if len(shape) > MAX_PICTURED_NODES:
        raise ValueError(f"shape must have at most {MAX_PICTURED_NODES} nodes to be drawn; got {len(shape):,}")
    return shape


def tree_layout(shape: TreeShape):
    """(x, y) for the root (index 0) and every node (index i+1): x is the depth, leaves spread along y.

    Leaves take consecutive rows in depth-first order; a parent sits at the mean of its children.
    """
    shape = _pictured(shape)
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
    shape = _pictured(shape)
    x, y = _checks.reals(x, "x"), _checks.reals(y, "y")
    if x.shape != (len(shape) + 1,) or y.shape != x.shape:
        raise ValueError(f"x and y must hold one coordinate for the root and each node ({len(shape) + 1}); "
                         f"got {x.size} and {y.size}")
    return [[(x[parent + 1], y[parent + 1]), (x[i + 1], y[i + 1])] for i, parent in enumerate(shape.parents)]


def plot_tree(shape: TreeShape, alpha: float = 0.7, tokens=None, ax=None):
    """Draw the tree, each node shaded by P(it is accepted) under i.i.d. alpha; returns the figure."""
    from matplotlib.collections import LineCollection

    shape, alpha = _pictured(shape), _checks.number(alpha, "alpha", 0.0, 1.0)
    if tokens is not None:
        tokens = _checks.whole(tokens, "tokens", maximum=2**62) if len(shape) else []
        if len(tokens) != len(shape):
            raise ValueError(f"tokens must hold one token id per node ({len(shape)}); got {len(tokens)}")
    fig, ax = axes(ax, figsize=(6.0, 4.0))
    x, y = tree_layout(shape)
    probs = node_acceptance(shape, alpha) if len(shape) else np.zeros(0)
    ax.add_collection(LineCollection(tree_edges(shape, x, y), colors="0.6", linewidths=1.2, zorder=1))
    ax.scatter(x[:1], y[:1], s=420, color=TARGET, zorder=2)
    dots = ax.scatter(x[1:], y[1:], s=420, c=probs, cmap=NODE_CMAP, vmin=0, vmax=1, edgecolors="0.3", zorder=2)
    for i in range(len(shape)):
        label = str(tokens[i]) if tokens is not None else str(i)
        ink = "white" if probs[i] > 0.55 else "black"         # readable on dark and light shades
        ax.text(x[i + 1], y[i + 1], label, ha="center", va="center", fontsize=10, color=ink, zorder=3)
    # on the left: on the right its label ran into the ylabel of a panel beside it
    fig.colorbar(dots, ax=ax, label="P(node accepted)", fraction=0.05, location="left", pad=0.03)
    ax.set(xlabel="depth (draft tokens after the context)", yticks=[],
           title=f"{len(shape)} nodes, depth {shape.max_depth}: {expected_tokens_tree(shape, alpha):.2f} "
                 f"tokens per pass at alpha = {alpha:g}")
    ax.set_xlim(-0.5, max(shape.max_depth, 1) + 0.5)
    ax.set_xticks(range(max(shape.max_depth, 1) + 1))      # depths are whole numbers
    ax.set_ylim(max(y) + 0.7, -0.7)
    return fig


def plot_attention_mask(shape: TreeShape, ax=None):
    """The tree attention mask: row i may attend to column j (root first, then the nodes)."""
    shape = _pictured(shape)
    fig, ax = axes(ax, figsize=(4.0, 4.0))
    mask = shape.attention_mask()
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
    labels = ["root"] + [str(i) for i in range(len(shape))]
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels, fontsize=9)
    ax.set_yticks(ticks, labels, fontsize=9)
    ax.set(xlabel="attends to (key)", ylabel="node (query)", title="tree attention mask")
    return fig


def plot_chain_vs_tree(n_nodes: int = 16, alphas=None, ax=None):
    """Tokens per target pass at a budget of n_nodes: a chain of n_nodes vs the best tree of n_nodes."""
    n_nodes = _checks.as_count(n_nodes, "n_nodes", 1, MAX_PICTURED_NODES)
    alphas = np.linspace(0.02, 0.98, 49) if alphas is None else _checks.reals(alphas, "alphas", low=0.0, high=1.0)
    if alphas.size > 201:
        raise ValueError(f"alphas must hold at most 201 values (one best tree is grown per alpha); got {alphas.size}")
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    chain = expected_tokens(alphas, n_nodes)
    tree = np.array([expected_tokens_tree(best_tree(n_nodes, a), a) for a in alphas])
    ax.plot(alphas, chain, color=DRAFT, linewidth=2, label=f"chain of {n_nodes}")
    ax.plot(alphas, tree, color=TARGET, linewidth=2, label=f"best tree of {n_nodes} nodes")
    ax.fill_between(alphas, chain, tree, color=TARGET, alpha=0.12, label="what the tree adds")
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1, label="plain decoding (1 token per pass)")
    ax.set(xlabel="alpha (i.i.d. acceptance per node tried)", ylabel="tokens per target pass",
           title=f"Same verification budget ({n_nodes} nodes scored in one pass)")
    ax.legend(fontsize=9, loc="upper left")
    return fig
