"""Core speed and accuracy figures, printed in one run (no timed unit tests: this machine is noisy).

1. The reference notebook's benchmark grid (agreements x k, 20 tokens) at 1,000 trials per cell.
   For scale, the same grid with one trial per cell in a scalar Python loop that calls
   `speclab.verify` once per round (the reference's shape, minus its sleeps).
2. `simulate_iid` at 10^6 rounds.
3. The largest relative gap between Monte Carlo and theory at 2x10^5 rounds.
"""

from __future__ import annotations

import time

import numpy as np

import speclab as sl

AGREEMENTS = [0.3, 0.5, 0.7, 0.85, 0.95]
KS = [1, 2, 3, 4, 5, 6, 8]


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def scalar_loop_trial(pair, num_tokens, k, rng):
    """One trial decoded round by round in Python, calling the rule once per round."""
    p_all, q_all = pair.distributions(num_tokens + k + 1)
    emitted = 0
    while emitted < num_tokens:
        kk = min(k, num_tokens - emitted - 1)
        q = q_all[emitted:emitted + kk]
        drafts = np.array([rng.choice(len(row), p=row) for row in q], dtype=np.int64)
        emitted += len(sl.verify(p_all[emitted:emitted + kk + 1], q, drafts, rng).tokens)


def scalar_grid():
    rng = np.random.default_rng(0)
    for agreement in AGREEMENTS:
        pair = sl.SyntheticPair(agreement=agreement)
        for k in KS:
            scalar_loop_trial(pair, 20, k, rng)


def main():
    print("speclab core benchmark")
    cells = len(AGREEMENTS) * len(KS)
    sl.sweep(AGREEMENTS, KS, num_tokens=20, trials=10, progress=False)  # warm the caches
    grid_s = best_of(lambda: sl.sweep(AGREEMENTS, KS, num_tokens=20, trials=1000, progress=False))
    loop_s = best_of(scalar_grid)
    print(f"grid {len(AGREEMENTS)}x{len(KS)} cells, 20 tokens, 1000 trials/cell : {grid_s:.3f} s wall"
          f"  (goal < 1 s; {cells * 1000 * 20 / grid_s:,.0f} tokens/s)")
    print(f"same grid, 1 trial/cell, scalar Python loop  : {loop_s:.3f} s wall"
          f"  (vectorized does {1000 * loop_s / grid_s:,.0f}x the trials per second)")

    iid_s = best_of(lambda: sl.simulate_iid(0.8, 4, 0.1, rounds=1_000_000, seed=0))
    print(f"simulate_iid, 10^6 rounds (alpha 0.8, k 4)    : {iid_s:.3f} s wall  (goal < 0.5 s)")

    worst, where = 0.0, None
    for alpha in (0.3, 0.5, 0.7, 0.9):
        for k in (1, 2, 4, 8):
            res = sl.simulate_iid(alpha, k, 0.1, rounds=200_000, seed=1)
            gap = abs(res.speedup / res.theory_speedup - 1.0)
            if gap > worst:
                worst, where = gap, (alpha, k)
    print(f"max |MC/theory - 1| speedup, 2x10^5 rounds    : {100 * worst:.3f}% at alpha={where[0]}, k={where[1]}"
          f"  (goal < 1%)")


if __name__ == "__main__":
    main()
