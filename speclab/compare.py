"""Compare k-policies (fixed k values, adaptive k) on the same synthetic pair, same seeds.

Every policy decodes the same text length with the same number of seeded trials and the same
cost model, so differences in speedup come from the policy alone (up to the 95% intervals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import ArgumentTypeError
from .simulator import CostModel, SyntheticPair, simulate


@dataclass(frozen=True)
class PolicyComparison:
    """Speedup and 95% interval for each named policy, in the order given."""

    names: tuple
    speedup: np.ndarray
    low: np.ndarray
    high: np.ndarray
    tokens_per_round: np.ndarray

    def best(self) -> str:
        """The name of the policy with the largest simulated speedup."""
        return self.names[int(np.argmax(self.speedup))]

    def table(self) -> str:
        """One line per policy: speedup, interval, tokens per round (two decimals, stable text)."""
        width = max(len(name) for name in self.names)
        return "\n".join(f"{name:<{width}}  {s:5.2f}x  (95% CI {lo:.2f}-{hi:.2f})  {t:5.2f} tokens/round"
                         for name, s, lo, hi, t in zip(self.names, self.speedup, self.low, self.high,
                                                      self.tokens_per_round))


def compare_policies(pair: SyntheticPair, policies: dict, num_tokens: int = 200, trials: int = 1000,
                     cost: CostModel | None = None, seed: int = 0) -> PolicyComparison:
    """Simulate each policy in `policies` ({name: FixedK/AdaptiveK/int k}) with identical settings."""
    if not isinstance(policies, dict):
        raise ArgumentTypeError(f"policies must be a dict {{name: policy}}, e.g. {{'K = 4': sl.FixedK(4)}}; "
                                f"got {type(policies).__name__}")
    if not policies:
        raise ValueError("policies must name at least one policy, e.g. {'K = 4': sl.FixedK(4)}")
    results = [simulate(pair, num_tokens=num_tokens, trials=trials, cost=cost, seed=seed, policy=policy)
               for policy in policies.values()]
    intervals = np.array([r.speedup_ci for r in results])
    return PolicyComparison(tuple(policies), np.array([r.speedup for r in results]), intervals[:, 0],
                            intervals[:, 1], np.array([r.mean_tokens_per_round for r in results]))
