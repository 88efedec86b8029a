"""Timing on a shared, noisy machine: interleaved ABBA blocks, paired ratios, medians with spread.

A ratio of two timings taken one after the other is not a measurement when a neighbour can burst
onto one side. Here every configuration runs once per block in a forward order and once more in
the reversed order (A B C C B A): a slowdown that drifts linearly, or that hits every other run,
falls equally on every configuration inside a block. The ratio of two configurations is taken per
block (paired), and the blocks are summarised by their median, with the min and max beside it,
so one burst that spoils a block moves the spread, not the figure.

numpy only; any benchmark can reuse it (`speclab.real.measure.pair`, `benchmarks/`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ._validate import ArgumentTypeError, as_count, as_real_array, as_real_in, short_repr
from .limits import MAX_BLOCKS, MAX_TIMED_RUNS


@dataclass(frozen=True)
class Spread:
    """A median with the smallest and largest sample beside it, and how many samples there were."""

    median: float
    low: float
    high: float
    n: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __format__(self, spec: str) -> str:
        spec = spec or ".2f"
        return f"{self.median:{spec}} [{self.low:{spec}}-{self.high:{spec}}]"

    def to_dict(self) -> dict:
        return {"median": _finite_or_none(self.median), "low": _finite_or_none(self.low),
                "high": _finite_or_none(self.high), "n": self.n}


def spread(samples) -> Spread:
    """Median (of the logs, so a ratio and its inverse summarise alike), min and max of samples.

    Samples are timings or ratios of them: finite numbers >= 0. No samples give an all-NaN spread
    (nothing was measured); a zero gives a zero median only if most samples are zero.
    """
    values = as_real_array(samples, "samples").ravel()
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"samples must be timings or ratios: finite numbers >= 0; got {short_repr(samples)}")
    if values.size == 0:
        return Spread(float("nan"), float("nan"), float("nan"), 0)
    with np.errstate(divide="ignore"):
        logs = np.log(values)
    return Spread(float(np.exp(np.median(logs))), float(values.min()), float(values.max()),
                  int(values.size))


@dataclass
class Interleaved:
    """Seconds of every run: seconds[block, pass, i] for configuration keys[i] (pass 0 forward, 1 reversed)."""

    keys: list
    seconds: np.ndarray
    results: dict                 # key -> what the first run of that configuration returned

    @property
    def blocks(self) -> int:
        return self.seconds.shape[0]

    def block_seconds(self, key) -> np.ndarray:
        """Per block: the seconds of both runs of `key` (forward and reversed pass) added."""
        return self.seconds[:, :, self.keys.index(key)].sum(axis=1)

    def paired_ratios(self, numerator_keys, denominator_keys) -> np.ndarray:
        """Per block: total seconds of `numerator_keys` over total seconds of `denominator_keys`.

        With the baseline as numerator this is a speedup (equal work on both sides), paired inside
        each block, so a slowdown that hits the whole block cancels.
        """
        top = sum(self.block_seconds(key) for key in _as_list(numerator_keys))
        bottom = sum(self.block_seconds(key) for key in _as_list(denominator_keys))
        return top / bottom

    def pass_ratios(self, numerator_keys, denominator_keys) -> np.ndarray:
        """Per pass of each block (forward and reversed): the same ratio, twice as many samples, each
        still paired within half a block; what a bootstrap interval needs to shrug off one bad block."""
        seconds = lambda keys: sum(self.seconds[:, :, self.keys.index(key)] for key in _as_list(keys)).ravel()
        return seconds(numerator_keys) / seconds(denominator_keys)

    def ratio(self, numerator_keys, denominator_keys) -> Spread:
        """The paired ratio's median over blocks, with its min and max."""
        return spread(self.paired_ratios(numerator_keys, denominator_keys))

    def minimum(self, key) -> float:
        """The fastest single run of `key`: noise only ever adds time, so this is a cross-check."""
        return float(self.seconds[:, :, self.keys.index(key)].min())


def abba_order(n_configs: int, blocks: int) -> list:
    """The run order: per block, indices 0..n-1 then n-1..0 (as (block, pass, index) triples)."""
    n_configs = as_count(n_configs, "n_configs", minimum=1)
    blocks = as_count(blocks, "blocks", minimum=1, maximum=MAX_BLOCKS)
    if 2 * n_configs * blocks > MAX_TIMED_RUNS:
        raise ValueError(f"2 * n_configs * blocks must be at most {MAX_TIMED_RUNS:,} timed runs; got 2 * "
                         f"{n_configs:,} * {blocks:,}")
    order = []
    for block in range(blocks):
        forward = list(range(n_configs))
        order += [(block, 0, i) for i in forward] + [(block, 1, i) for i in reversed(forward)]
    return order


def run_interleaved(calls: dict, blocks: int, clock=time.perf_counter, progress=None) -> Interleaved:
    """Time every call of `calls` (key -> zero-argument function) in `blocks` ABBA blocks.

    clock: a function returning seconds (injectable, so a test can make a clock that lies in a
    known way); progress: an object with `update()` (a tqdm bar), called after every run.
    """
    if not isinstance(calls, dict) or not calls:
        raise ArgumentTypeError(f"calls must be a non-empty dict of key -> zero-argument function; "
                                f"got {short_repr(calls)}")
    not_callable = [key for key, call in calls.items() if not callable(call)]
    if not_callable:
        raise ArgumentTypeError(f"calls must map each key to a zero-argument function; {short_repr(not_callable[0])} "
                                "maps to something else")
    if not callable(clock):
        raise ArgumentTypeError(f"clock must be a function returning seconds; got {short_repr(clock)}")
    if progress is not None and not callable(getattr(progress, "update", None)):
        raise ArgumentTypeError(f"progress must have an update() method (a tqdm bar) or be None; got {short_repr(progress)}")
    order = abba_order(len(calls), blocks)
    blocks = order[-1][0] + 1
    keys = list(calls)
    seconds = np.zeros((blocks, 2, len(keys)))
    results = {}
    for block, pass_, i in order:
        start = clock()
        result = calls[keys[i]]()
        seconds[block, pass_, i] = clock() - start
        results.setdefault(keys[i], result)
        if progress is not None:
            progress.update()
    return Interleaved(keys, seconds, results)


def _as_list(keys) -> list:
    """A list of keys, or one key (which may itself be a tuple)."""
    return keys if isinstance(keys, list) else [keys]


def _finite_or_none(value):
    """JSON has no NaN: an undefined number becomes None (null)."""
    value = float(value)
    return value if np.isfinite(value) else None


def bootstrap_spread(samples, confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> Spread:
    """The median of positive ratios with a percentile bootstrap interval of that median (over the
    logs, so a ratio and its inverse summarise alike): `low` and `high` are the interval, not the
    extremes, so one disrupted block among five moves them little. Seeded: same samples, same answer."""
    values = as_real_array(samples, "samples").ravel()
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"samples must be positive finite ratios; got {short_repr(samples)}")
    from scipy.stats import bootstrap

    logs = np.log(values)
    confidence = as_real_in(confidence, "confidence", 0.5, 0.999)
    if np.ptp(logs) == 0:                          # every resample alike: the interval is the value
        low = high = logs[0]
    else:
        found = bootstrap((logs,), np.median, confidence_level=confidence, method="percentile",
                          n_resamples=as_count(resamples, "resamples", minimum=100, maximum=100_000),
                          rng=np.random.default_rng(as_count(seed, "seed")))
        low, high = found.confidence_interval
    return Spread(float(np.exp(np.median(logs))), float(np.exp(low)), float(np.exp(high)), int(values.size))
