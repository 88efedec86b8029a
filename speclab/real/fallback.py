"""Never slower than plain decoding: the decoder times its own rounds and stops speculating when it stops paying.

Engines switch speculation off when it does not pay (vLLM's `disable_by_batch_size`, for one); on a
shared CPU the reason is more often a busy neighbour taking the core that made verification cheap.
A neighbour comes and goes in bursts, so `FallbackWatch` measures the way speclab's benchmarks do,
paired and interleaved:

1. compare: run `pairs` speculative rounds and `pairs` plain rounds (k = 0) alternately, and note
   each speculative round's time over the next plain round's time: two rounds a tenth of a second
   apart see the same neighbour, so the ratio is fair even while the machine's speed changes;
2. estimate speculation's speedup as the tokens a speculative round emits (mean over every such
   round so far: acceptance does not depend on the clock) over the median of the last `history`
   time ratios (a median, so a burst that starts between the two rounds of a pair does not decide);
3. if even the optimistic estimate, with the mean tokens raised by one standard error, is below 1,
   decode plainly (a few rounds of a draft right half the time say little about its mean; a draft
   that is never right has no spread and is switched off at once) for `hold` rounds (doubling, up to `max_hold`, while
   speculation keeps losing), then go to 1; otherwise speculate for `recheck` rounds, then go to 1.
   The recheck doubles too, up to `max_recheck`, while speculation wins even at its worst (the mean
   tokens lowered by one standard error): each comparison spends `pairs` rounds decoding plainly,
   which is what a clear winner loses to the watch.

Greedy output is the target's whichever rounds run; under sampling the choice of round would
depend on the clock, so the decoder uses the watch for greedy decoding only.
"""

from __future__ import annotations

import collections
import math
import numbers
import statistics
import time

import numpy as np

from .._validate import ArgumentTypeError, as_count, short_repr
from ..limits import MAX_NEW_TOKENS


class FallbackWatch:
    """Decides, round by round, whether to speculate (k as the policy says) or decode plainly (k = 0)."""

    def __init__(self, pairs: int = 3, history: int = 9, hold: int = 8, max_hold: int = 64, recheck: int = 24,
                 max_recheck: int = 48, clock=time.perf_counter):
        self.pairs = as_count(pairs, "pairs", minimum=1, maximum=10_000)
        self.history = as_count(history, "history", minimum=1, maximum=100_000)
        self.first_hold = as_count(hold, "hold", minimum=1, maximum=100_000)
        self.max_hold = as_count(max_hold, "max_hold", minimum=self.first_hold, maximum=100_000)
        self.first_recheck = as_count(recheck, "recheck", minimum=1, maximum=100_000)
        self.max_recheck = as_count(max_recheck, "max_recheck", minimum=self.first_recheck, maximum=100_000)
        if not callable(clock):
            raise ArgumentTypeError(f"clock must be a function returning seconds; got {short_repr(clock)}")
        self.clock = clock
        self.hold, self.recheck = self.first_hold, self.first_recheck
        self.phase, self.left = "compare", 2 * self.pairs        # the phase and its rounds still to run
        self.ratios = collections.deque(maxlen=self.history)     # t(speculative round) / t(next plain round)
        self.spec_rounds = self.spec_tokens = self.spec_squares = 0   # every speculative round so far
        self.estimate = None                                     # speculation's speedup, last comparison
        self.switches = 0                                        # times speculation was switched off
        self._start = self._spec_seconds = None
        self._speculated = False                                 # what the round being timed does
        self._last_reading = None                                # the clock's last reading

    def speculating(self) -> bool:
        """Whether this round drafts (else it is a plain round, k = 0); starts the round's clock."""
        self._start = self._now()
        if self.phase == "compare":
            self._speculated = self.left % 2 == 0                # speculative, plain, speculative, ...
        else:
            self._speculated = self.phase == "speculate"
        return self._speculated

    def record(self, tokens: int) -> None:
        """The round just run emitted `tokens` (1 or more); move on to the next phase when this one is done."""
        tokens = as_count(tokens, "tokens", minimum=1, maximum=MAX_NEW_TOKENS)
        if self._start is None:
            raise ValueError("record() reports a round that speculating() started; call speculating() first")
        seconds = max(self._now() - self._start, 1e-12)
        self._start = None
        if not math.isfinite(seconds):
            raise ValueError("clock must return seconds: two of its readings differ by more than a float holds")
        speculated = self._speculated
        if speculated:
            self.spec_rounds += 1
            self.spec_tokens += tokens
            self.spec_squares += tokens * tokens
        if self.phase == "compare":
            if speculated:
                self._spec_seconds = seconds
            else:                                                # a pair is complete
                self.ratios.append(self._spec_seconds / (seconds / tokens))
        self.left -= 1
        if self.left <= 0:
            self._end_phase()

    def _now(self) -> float:
        """The clock's reading in seconds: a finite real number, never below the previous reading."""
        now = self.clock()
        if isinstance(now, (bool, np.bool_)) or not isinstance(now, numbers.Real) or not math.isfinite(now):
            raise ValueError(f"clock must return finite seconds (a real number); it returned {short_repr(now)}")
        if self._last_reading is not None and now < self._last_reading:
            raise ValueError(f"clock must never go backwards; it returned {now!r} after {self._last_reading!r} "
                             "(use a monotonic clock such as time.perf_counter)")
        self._last_reading = now
        return float(now)

    def _end_phase(self) -> None:
        if self.phase != "compare":                              # a hold or a speculative stretch ended
            self.phase, self.left = "compare", 2 * self.pairs
            return
        ratio = statistics.median(self.ratios)
        self.estimate = self._mean_tokens() / ratio
        if (self._mean_tokens() + self._tokens_error()) / ratio < 1.0:   # it loses, even at its best: hold off
            self.phase, self.left = "hold", self.hold
            self.switches += 1
            self.hold = min(2 * self.hold, self.max_hold)
        else:                                                    # it pays: keep it, compare again later
            self.phase, self.left = "speculate", self.recheck
            self.hold = self.first_hold
            clear = (self._mean_tokens() - self._tokens_error()) / ratio >= 1.0   # it wins even at its worst
            self.recheck = min(2 * self.recheck, self.max_recheck) if clear else self.first_recheck

    def _mean_tokens(self) -> float:
        return self.spec_tokens / self.spec_rounds

    def _tokens_error(self) -> float:
        """The standard error of the mean tokens per speculative round (infinite from one round)."""
        n = self.spec_rounds
        if n < 2:
            return float("inf")
        variance = max(self.spec_squares - self.spec_tokens ** 2 / n, 0.0) / (n - 1)
        return (variance / n) ** 0.5

    def __repr__(self) -> str:
        estimate = "no comparison yet" if self.estimate is None else f"speculation's speedup {self.estimate:.2f}x"
        return f"FallbackWatch(phase={self.phase}, switched off {self.switches} time(s); {estimate})"


def as_watch(fallback, default: bool, greedy: bool):
    """`generate`'s fallback argument as a FallbackWatch or None (see SpeculativeDecoder.generate)."""
    if fallback is None:
        return FallbackWatch() if default else None
    if fallback is False:
        return None
    if fallback is True or isinstance(fallback, FallbackWatch):
        if not greedy:
            raise ValueError("fallback needs greedy decoding (temperature 0): under sampling the clock would "
                             "decide which random draws are made, so the same seed would not give the same output")
        return FallbackWatch() if fallback is True else fallback
    raise ArgumentTypeError(f"fallback must be None, True, False or a FallbackWatch; got {short_repr(fallback)}")
