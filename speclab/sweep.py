"""A grid of simulations over draft agreement and k, for heatmaps and speedup-vs-acceptance plots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ._validate import ArgumentTypeError, as_count, as_count_array, as_flag, as_unit_interval, check_memory
from .limits import MAX_K, MAX_SIMULATED_TOKENS, MAX_SWEEP_CELLS
from .simulator import CostModel, SyntheticPair, check_simulation_size, simulate, simulation_bytes


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
    """Simulate every (agreement, k) cell with `trials` seeded trials; a tqdm bar shows progress.

    agreements and ks are 1-D; the grid holds at most limits.MAX_SWEEP_CELLS cells and
    limits.MAX_SIMULATED_TOKENS simulated tokens in all, checked before the first cell runs.
    """
    agreements = np.atleast_1d(as_unit_interval(agreements, "agreements"))
    progress = as_flag(progress, "progress")
    ks = np.atleast_1d(as_count_array(ks, "ks", maximum=MAX_K))
    if agreements.ndim != 1 or ks.ndim != 1 or agreements.size == 0:
        raise ValueError(f"agreements and ks must be non-empty 1-D lists; got shapes {agreements.shape} and {ks.shape}")
    num_tokens, trials = check_simulation_size(num_tokens, trials)
    seed = as_count(seed, "seed")
    cost = CostModel() if cost is None else cost
    if not isinstance(cost, CostModel):
        raise ArgumentTypeError(f"cost must be a CostModel; got {type(cost).__name__}")
    shape = (len(agreements), len(ks))
    cells = shape[0] * shape[1]
    if cells > MAX_SWEEP_CELLS or cells * trials * num_tokens > MAX_SIMULATED_TOKENS:
        raise ValueError(f"a sweep may hold at most {MAX_SWEEP_CELLS:,} cells and {MAX_SIMULATED_TOKENS:,} "
                         f"simulated tokens; got {cells:,} cells x {trials:,} trials x {num_tokens:,} tokens")
    SyntheticPair(vocab_size=vocab_size, agreement=float(agreements[0]), seed=seed)   # checks vocab_size
    check_memory(simulation_bytes(vocab_size, num_tokens, trials, int(ks.max()), False),
                 f"one sweep cell ({trials:,} trials of {num_tokens:,} tokens)", "trials, num_tokens or vocab_size")
    grids = {name: np.zeros(shape) for name in ("speedup", "low", "high", "acceptance", "alpha")}
    with tqdm(total=grids["speedup"].size, desc="sweep", disable=not progress) as bar:
        for i, agreement in enumerate(agreements):
            pair = SyntheticPair(vocab_size=vocab_size, agreement=float(agreement), seed=seed)
            for j, k in enumerate(ks):
                res = simulate(pair, num_tokens, int(k), trials, cost, seed=seed + j, progress=False)
                grids["speedup"][i, j] = res.speedup
                grids["low"][i, j], grids["high"][i, j] = res.speedup_ci
                grids["acceptance"][i, j] = res.acceptance_rate
                grids["alpha"][i, j] = res.alpha
                bar.update()
    return SweepResult(agreements, ks, grids["speedup"], grids["low"], grids["high"],
                       grids["acceptance"], grids["alpha"], cost)
