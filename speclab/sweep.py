"""A grid of simulations over draft agreement and k, for heatmaps and speedup-vs-acceptance plots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ._validate import as_count, as_count_array, as_unit_interval
from .simulator import CostModel, SyntheticPair, simulate


@dataclass(frozen=True)
class SweepResult:
    """Speedups and acceptance over agreements (rows) x k (columns)."""

    agreements: np.ndarray
    ks: np.ndarray
    speedup: np.ndarray           # [A, K] modelled speedup
    speedup_low: np.ndarray       # [A, K] 95% interval
    speedup_high: np.ndarray
    acceptance_rate: np.ndarray   # [A, K] accepted / drafted
    alpha: np.ndarray             # [A, K] measured alpha (mean sum min(p, q) over tested positions)
    cost: CostModel


def sweep(agreements, ks, num_tokens: int = 20, trials: int = 1000, cost: CostModel | None = None,
          seed: int = 0, vocab_size: int = 100, progress: bool = True) -> SweepResult:
    """Simulate every (agreement, k) cell with `trials` seeded trials; a tqdm bar shows progress."""
    agreements = np.atleast_1d(as_unit_interval(agreements, "agreements"))
    ks = np.atleast_1d(as_count_array(ks, "ks"))
    seed = as_count(seed, "seed")
    cost = CostModel() if cost is None else cost
    shape = (len(agreements), len(ks))
    grids = {name: np.zeros(shape) for name in ("speedup", "low", "high", "acceptance", "alpha")}
    with tqdm(total=grids["speedup"].size, desc="sweep", disable=not progress) as bar:
        for i, agreement in enumerate(agreements):
            pair = SyntheticPair(vocab_size=vocab_size, agreement=float(agreement), seed=seed)
            for j, k in enumerate(ks):
                res = simulate(pair, num_tokens, int(k), trials, cost, seed=seed + j)
                grids["speedup"][i, j] = res.speedup
                grids["low"][i, j], grids["high"][i, j] = res.speedup_ci
                grids["acceptance"][i, j] = res.acceptance_rate
                grids["alpha"][i, j] = res.alpha
                bar.update()
    return SweepResult(agreements, ks, grids["speedup"], grids["low"], grids["high"],
                       grids["acceptance"], grids["alpha"], cost)
