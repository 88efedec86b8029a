"""A noisy neighbour on demand: one process that burns one core in irregular, seeded bursts.

    with burning(seed=0):          # 0.2-1.5 s busy, 0.2-1.5 s idle, drawn from a seeded Generator
        ...timed work...

Benchmarks use it to show that their figures survive a neighbour like the ones on a shared machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time

import numpy as np

BURST_SECONDS = (0.2, 1.5)


def burn(seed: int, stop) -> None:
    """Alternate a busy loop and a sleep, each lasting U(0.2, 1.5) s, until `stop` is set."""
    rng = np.random.default_rng(seed)
    while not stop.is_set():
        end = time.perf_counter() + rng.uniform(*BURST_SECONDS)
        x = 0
        while time.perf_counter() < end:
            x += 1
        stop.wait(rng.uniform(*BURST_SECONDS))


@contextlib.contextmanager
def burning(seed=None):
    """Run the burner in a child process for the duration of the block (seed None: no burner)."""
    if seed is None:
        yield None
        return
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=burn, args=(seed, stop), daemon=True)
    process.start()
    try:
        yield process
    finally:
        stop.set()
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
