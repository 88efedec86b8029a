"""speclab: an interactive course on speculative decoding, and the exact package under it.

Notation (Leviathan et al. 2023): p = target distribution, q = draft distribution, k = drafts
per round (the paper's gamma), c = cost of a draft step over a target step, alpha = expected
per-token acceptance probability E[sum_x min(p(x), q(x))].
"""

from . import metrics
from .iid import IIDResult, simulate_iid
from .policies import AdaptiveK, FixedK
from .proposals import (
    ObservedProposals,
    effective_alpha,
    observed_proposals,
    proposal_speedup,
    proposal_speedups,
    proposal_tokens,
)
from .rounds import RoundRecord
from .simulator import CostModel, SimulationResult, SyntheticPair, simulate
from .stats import chi_square_test
from .sweep import SweepResult, sweep
from .theory import (
    accepted_fraction,
    acceptance_rate,
    alpha_for_tokens,
    breakeven_alpha,
    expected_tokens,
    optimal_k,
    speedup,
    tokens_per_round_pmf,
)
from .trace import plot_rounds, rounds_table, tokens_html
from .verify import Verification, residual, verify, verify_greedy

__version__ = "0.1.0"

_LAZY_MODULES = ("widgets", "plots", "exercises")


def __getattr__(name):
    """`sl.widgets`, `sl.plots` and `sl.exercises` load on first use (ipywidgets is slow to import)."""
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'speclab' has no attribute {name!r}")

__all__ = [
    "AdaptiveK", "CostModel", "FixedK", "IIDResult", "RoundRecord", "SimulationResult", "SweepResult",
    "SyntheticPair", "Verification", "accepted_fraction", "acceptance_rate", "alpha_for_tokens", "breakeven_alpha",
    "chi_square_test", "expected_tokens", "metrics", "optimal_k", "plot_rounds", "residual", "rounds_table",
    "simulate", "simulate_iid", "speedup", "sweep", "tokens_html", "tokens_per_round_pmf", "verify",
    "verify_greedy",
]
