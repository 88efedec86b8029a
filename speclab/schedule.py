"""A batch-aware speculation schedule: the best k for each range of batch sizes, from the roofline.

At batch B a verification pass of k + 1 tokens per sequence costs `roofline.verify_cost_ratio`
plain steps: 1 while the weights dominate, growing once the arithmetic does. The speedup at each
batch (roofline.batch_speedup) therefore falls with B, the best k shrinks, and past some batch
no k pays. Given range boundaries (1, 8, 32, 128: ranges 1-7, 8-31, 32-127, 128 up), each range
gets the k with the largest mean speedup over its batch sizes, and batches past the last one
where some k still beats plain decoding get k = 0. The acceptance is one i.i.d. alpha, or a
measured rate per draft depth (speclab.engines.fit_profile's `conditional`), and then k
goes no deeper than the depths measured. vLLM takes such a schedule as
`num_speculative_tokens_per_batch_size` (see speclab.engines).
"""

from __future__ import annotations

import textwrap

from dataclasses import dataclass

import numpy as np

from . import roofline as rl
from ._validate import as_count, as_count_array, as_nonnegative, as_unit_interval

#: Bounds of one schedule: the largest batch size and k it evaluates, and the most range boundaries.
MAX_BATCH = 65_536
MAX_SCHEDULE_K = 32
MAX_BOUNDARIES = 64


@dataclass(frozen=True)
class BatchSchedule:
    """Inclusive (first batch, last batch, k) ranges covering 1..max_batch, and what they assume."""

    ranges: tuple
    off_above: int          # the largest batch where some k beats plain decoding (0: none does)
    alpha: tuple            # (alpha,) for i.i.d. acceptance, or the measured rate per depth
    cost: float
    params: float
    bandwidth: float
    peak_flops: float
    bytes_per_param: float
    kv_bytes: float
    k_max: int
    max_batch: int

    @property
    def max_k(self) -> int:
        """The largest k of the schedule (vLLM's num_speculative_tokens must be at least this)."""
        return max(k for _, _, k in self.ranges)

    def assumptions(self) -> str:
        """One comment per assumption (wrapped at 100 characters), for printing beside the schedule."""
        return "\n".join(textwrap.fill(line, 100, subsequent_indent="#   ", break_on_hyphens=False) for line in [
            f"# model: {self.params:.3g} parameters at {self.bytes_per_param:g} bytes each "
            f"({self.params * self.bytes_per_param / 1e9:.3g} GB of weights), "
            f"KV cache read per sequence per step: {self.kv_bytes / 2**20:.4g} MiB",
            f"# accelerator: {self.bandwidth / 1e12:.4g} TB/s memory bandwidth, "
            f"{self.peak_flops / 1e12:.4g} TFLOP/s peak (datasheet figures; real kernels reach less)",
            f"# acceptance {self._acceptance()}, draft cost c = {self.cost:g} of a target step "
            f"at the same batch, k = 0..{self.k_max}, batches 1..{self.max_batch}",
        ])


    def _acceptance(self) -> str:
        if len(self.alpha) == 1:
            return f"alpha = {self.alpha[0]:g} (i.i.d.)"
        return "per depth " + ", ".join(f"{r:.3g}" for r in self.alpha)


def batch_schedule(alpha, cost, batch_sizes, params=7e9, bandwidth=rl.H100_SXM.bandwidth,
                   peak_flops=rl.H100_SXM.peak_flops, bytes_per_param=2.0, kv_bytes=0.0, k_max=8,
                   max_batch=1024) -> BatchSchedule:
    """The schedule for range boundaries `batch_sizes` (1 is added when missing); see the module.

    alpha: one acceptance probability, or a list of measured rates, one per draft depth.
    """
    rates = np.atleast_1d(as_unit_interval(alpha, "alpha"))
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError("alpha must be one acceptance probability or a list of rates, one per draft depth")
    cost = as_nonnegative(cost, "cost", scalar=True)
    k_max = as_count(k_max, "k_max", minimum=1, maximum=MAX_SCHEDULE_K)
    k_max = k_max if rates.size == 1 else min(k_max, rates.size)
    max_batch = as_count(max_batch, "max_batch", minimum=1, maximum=MAX_BATCH)
    starts = _boundaries(batch_sizes, max_batch)
    batches = np.arange(1, max_batch + 1)
    ks = np.arange(1, k_max + 1)
    tokens = 1.0 + np.cumsum(np.cumprod(rates[np.minimum(ks - 1, rates.size - 1)]))
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.asarray(rl.verify_cost_ratio(params, bandwidth, peak_flops, ks[None, :], batches[:, None],
                                                bytes_per_param, kv_bytes))
        gains = tokens[None, :] / (ks[None, :] * cost + ratio)
    pays = gains.max(axis=1) > 1.0
    off_above = max_batch if pays.all() else int(np.argmin(pays))     # batches 1..off_above pay
    ranges = []
    for lo, hi in zip(starts, [s - 1 for s in starts[1:]] + [max_batch]):
        if lo > off_above:
            break
        hi = min(hi, off_above)
        mean = gains[lo - 1:hi].mean(axis=0)
        ranges.append((lo, hi, int(np.argmax(mean)) + 1 if mean.max() > 1.0 else 0))
    if off_above < max_batch:
        ranges.append((off_above + 1, max_batch, 0))
    return BatchSchedule(tuple(ranges), off_above, tuple(float(r) for r in rates), cost, float(params), float(bandwidth),
                         float(peak_flops), float(bytes_per_param), float(kv_bytes), k_max, max_batch)


def _boundaries(batch_sizes, max_batch: int) -> list:
    sizes = as_count_array(batch_sizes, "batch_sizes", minimum=1, maximum=max_batch)
    if sizes.ndim != 1 or sizes.size > MAX_BOUNDARIES:
        raise ValueError(f"batch_sizes must be a list of at most {MAX_BOUNDARIES} batch sizes (range starts)")
    return sorted({1, *map(int, sizes)})
