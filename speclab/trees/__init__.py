"""Token trees: many candidate continuations checked in one target pass (SpecInfer's rule).

One idea per module: `shape` (where each node hangs), `verification` (THE tree acceptance rule),
`theory` (exact expected accepted length, the best tree at a node budget, sibling rates),
`simulation` (seeded Monte Carlo rounds on a synthetic pair, or under the i.i.d. model) and
`measured` (trees with runners-up at every depth, planned from a real draft's measured hit rates
and pass costs).

    from speclab.trees import TreeShape, verify_tree, best_tree, simulate_tree
"""

from .measured import best_branches, branch_speedup
from .simulation import TreeSimulation, simulate_tree, simulate_tree_iid
from .theory import (best_tree, best_tree_tokens, expected_accepted, expected_tokens_tree, full_tree_accepted,
                     node_acceptance, sibling_rates, tree_speedup)
from .shape import ROOT, TreeShape
from .verification import TreeVerification, decide_tree, verify_tree

__all__ = [
    "ROOT", "TreeShape", "TreeVerification", "decide_tree", "verify_tree",
    "best_tree", "best_tree_tokens", "expected_accepted", "expected_tokens_tree", "full_tree_accepted",
    "node_acceptance", "sibling_rates", "tree_speedup",
    "TreeSimulation", "simulate_tree", "simulate_tree_iid",
    "best_branches", "branch_speedup",
]
