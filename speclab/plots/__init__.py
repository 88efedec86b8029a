"""Figures for the course notebooks: every function takes `ax=None` and returns the figure.

One idea per module: `speedup` (the closed-form curves), `acceptance` (p, q and the residual),
`lossless` (emitted tokens against p), `benchmark` (simulated grids and bands), `timeline`
(draft steps and target passes along modelled time), `kv_cache` (what each cache holds after a
round), `training` (a draft's training curve); and, imported from their modules, `trees` (a tree,
its mask, chain against tree), `typical` (typical acceptance's speed against its bias),
`temperature` (alpha against temperature), `roofline` (a step on the roofline, batch size),
`engine_fit` (an engine's per-position acceptance against the i.i.d. curve) and `draft_map`
(every draft on the (alpha, c) speedup map). `panels(n)` gives a page-wide row of n axes for
figures drawn side by side.
"""

from ._axes import panels
from .acceptance import plot_acceptance, plot_residual
from .benchmark import plot_grid_heatmap, plot_policy_comparison, plot_speedup_vs_acceptance
from .kv_cache import kv_rollback, plot_kv_rollback
from .lossless import plot_lossless
from .speedup import (plot_accepted_fraction, plot_optimal_k, plot_speedup_vs_alpha,
                      plot_speedup_vs_cost, plot_speedup_vs_k, plot_verify_growth)
from .timeline import plot_timeline, timeline_segments
from .training import plot_draft_scaling, plot_training

__all__ = [
    "plot_acceptance", "plot_residual", "plot_grid_heatmap", "plot_policy_comparison",
    "plot_speedup_vs_acceptance", "plot_lossless", "plot_accepted_fraction", "plot_optimal_k",
    "plot_speedup_vs_alpha", "plot_speedup_vs_cost", "plot_speedup_vs_k", "plot_verify_growth",
    "kv_rollback", "plot_kv_rollback", "plot_timeline", "timeline_segments",
    "plot_draft_scaling", "plot_training", "panels",
]
