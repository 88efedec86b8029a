"""Figures for the course notebooks: every function takes `ax=None` and returns the figure.

One idea per module: `speedup` (the closed-form curves), `acceptance` (p, q and the residual),
`lossless` (emitted tokens against p), `benchmark` (simulated grids and bands).
"""

from .acceptance import plot_acceptance, plot_residual
from .benchmark import plot_grid_heatmap, plot_policy_comparison, plot_speedup_vs_acceptance
from .lossless import plot_lossless
from .speedup import (plot_accepted_fraction, plot_optimal_k, plot_speedup_vs_alpha,
                      plot_speedup_vs_cost, plot_speedup_vs_k, plot_verify_growth)
from .training import plot_training

__all__ = [
    "plot_acceptance", "plot_residual", "plot_grid_heatmap", "plot_policy_comparison",
    "plot_speedup_vs_acceptance", "plot_lossless", "plot_accepted_fraction", "plot_optimal_k",
    "plot_speedup_vs_alpha", "plot_speedup_vs_cost", "plot_speedup_vs_k", "plot_verify_growth",
    "plot_training",
]
