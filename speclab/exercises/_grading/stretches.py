"""Text whose difficulty changes: stretches the draft finds easy, then stretches it finds hard.

`SwitchingPair` is a `SyntheticPair` whose target is the same all along, while its draft
alternates between a good one (high agreement) and a poor one every `stretch` tokens, as when
boilerplate gives way to reasoning. The simulator runs it like any pair; per position the
acceptance probability alpha_t = sum(min(p_t, q_t)) jumps between two levels.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_count
from ...synthetic import SyntheticPair
from ...theory import optimal_k

#: How far past k_max the label looks for the best K, to say what the cap hides.
UNCAPPED_K = 256


class SwitchingPair(SyntheticPair):
    """`stretch` easy tokens (draft agreement `easy`), then `stretch` hard ones, and so on."""

    def __init__(self, easy: float = 0.95, hard: float = 0.0, stretch: int = 50, vocab_size: int = 100,
                 seed: int = 0):
        super().__init__(vocab_size=vocab_size, agreement=easy, seed=seed)
        self.hard_pair = SyntheticPair(vocab_size=vocab_size, agreement=hard, seed=seed)  # same targets
        self.stretch = as_count(stretch, "stretch", minimum=1)

    def is_hard(self, n_positions: int) -> np.ndarray:
        """True at the positions of the hard stretches (the text starts easy)."""
        return (np.arange(as_count(n_positions, "n_positions")) // self.stretch) % 2 == 1

    def distributions(self, n_positions: int):
        p, easy_q = super().distributions(n_positions)
        _, hard_q = self.hard_pair.distributions(n_positions)
        return p, np.where(self.is_hard(len(p))[:, None], hard_q, easy_q)

    def __repr__(self) -> str:
        return (f"SwitchingPair(easy={self.agreement}, hard={self.hard_pair.agreement}, stretch={self.stretch}, "
                f"vocab_size={self.vocab_size}, seed={self.seed})")


def plot_stretches(pair: SwitchingPair, num_tokens: int, c: float, k_max: int = 16, ax=None):
    """alpha_t along the text, hard stretches shaded, with the best K (up to k_max) for each kind."""
    from matplotlib.patches import Patch

    from ...plots._axes import axes

    fig, ax = axes(ax, figsize=(8.0, 3.0))
    alpha, hard = pair.alpha(num_tokens), pair.is_hard(num_tokens)
    ax.plot(np.arange(num_tokens), alpha, color="0.3", linewidth=0.8, label=r"$\alpha_t = \sum \min(p_t, q_t)$")
    for start in range(pair.stretch, num_tokens, 2 * pair.stretch):
        ax.axvspan(start, min(start + pair.stretch, num_tokens), color="#d62728", alpha=0.12, linewidth=0)
    for name, where, y in (("easy", ~hard, 1.04), ("hard", hard, 0.08)):
        mean = float(alpha[where].mean())
        ax.text(pair.stretch / 2, y, f"{name}: mean alpha {mean:.2f}, best K there {_best_k_text(mean, c, k_max)}",
                fontsize=9, va="center", bbox=dict(facecolor="white", edgecolor="none", pad=1.0))  # reads on shading
    ax.set(xlim=(0, num_tokens), ylim=(0, 1.12), xlabel="position in the text (tokens)",
           ylabel=r"acceptance probability $\alpha_t$", title="Easy stretches (white) and hard ones (shaded)")
    handles, _ = ax.get_legend_handles_labels()      # the shading explained even when a caller retitles the axes
    ax.legend(handles=handles + [Patch(color="#d62728", alpha=0.12, label="hard stretch")], loc="lower right",
              fontsize=9)
    fig.tight_layout()
    return fig


def _best_k_text(alpha: float, c: float, k_max: int) -> str:
    """The best K up to k_max, or, when the cap binds, "16+ (capped; 19 unbounded)"."""
    best, unbounded = optimal_k(alpha, c, k_max), optimal_k(alpha, c, UNCAPPED_K)
    return str(best) if unbounded == best else f"{k_max}+ (capped; {unbounded} unbounded)"
