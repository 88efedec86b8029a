"""Never slower than plain decoding: the decoder times its own rounds and stops speculating when it stops paying.

Engines switch speculation off when it does not pay (vLLM's `disable_by_batch_size`, for one); on a
shared CPU the reason is more often a busy neighbour taking the core that made verification cheap.
`FallbackWatch` measures what each kind of round actually delivers on this machine, now:

1. speculate for `window` rounds and note the tokens per second they gave;
2. decode plainly for `probe` rounds and note the same;
3. if speculation delivered fewer tokens per second than plain decoding, decode plainly for
   `hold` rounds (doubling, up to `max_hold`, while speculation keeps losing), then go to 1;
   otherwise keep speculating and go back to 2 after `recheck` rounds, since the machine changes.

Rates are totals over the phase (tokens / seconds), so one slow round does not decide alone.
Greedy output is the target's whichever rounds run; under sampling the choice of round would
depend on the clock, so the decoder uses the watch for greedy decoding only.
"""

from __future__ import annotations

import time

from .._validate import ArgumentTypeError, as_count, short_repr


class FallbackWatch:
    """Decides, round by round, whether to speculate (k as the policy says) or decode plainly (k = 0)."""

    def __init__(self, window: int = 6, probe: int = 3, hold: int = 8, max_hold: int = 64, recheck: int = 48,
                 clock=time.perf_counter):
        self.window = as_count(window, "window", minimum=1, maximum=10_000)
        self.probe = as_count(probe, "probe", minimum=1, maximum=10_000)
        self.first_hold = as_count(hold, "hold", minimum=1, maximum=100_000)
        self.max_hold = as_count(max_hold, "max_hold", minimum=self.first_hold, maximum=100_000)
        self.recheck = as_count(recheck, "recheck", minimum=1, maximum=100_000)
        if not callable(clock):
            raise ArgumentTypeError(f"clock must be a function returning seconds; got {short_repr(clock)}")
        self.clock = clock
        self.hold = self.first_hold
        self.phase, self.left = "speculate", self.window        # the phase and its rounds still to run
        self.rates = {"speculate": None, "plain": None}          # tokens per second, last full phase of each
        self._tokens = self._seconds = 0.0
        self._start = None
        self.switches = 0                                        # times speculation was switched off

    def speculating(self) -> bool:
        """Whether this round drafts (else it is a plain round, k = 0); starts the round's clock."""
        self._start = self.clock()
        return self.phase == "speculate"

    def record(self, tokens: int) -> None:
        """The round just run emitted `tokens`; move on to the next phase when this one is done."""
        self._tokens += tokens
        self._seconds += max(self.clock() - self._start, 1e-12)
        self.left -= 1
        if self.left <= 0:
            self._end_phase()

    def _end_phase(self) -> None:
        self.rates[self.phase if self.phase != "hold" else "plain"] = self._tokens / self._seconds
        self._tokens = self._seconds = 0.0
        if self.phase == "speculate":
            self.phase, self.left = "plain", self.probe
            return
        spec, plain = self.rates["speculate"], self.rates["plain"]
        if self.phase == "plain" and spec is not None and spec < plain:      # speculation lost: hold off
            self.phase, self.left = "hold", self.hold
            self.switches += 1
            self.hold = min(2 * self.hold, self.max_hold)
        elif self.phase == "plain":                                          # it pays: keep it, recheck later
            self.phase, self.left = "speculate", self.recheck
            self.hold = self.first_hold
        else:                                                                # a hold ended: try again
            self.phase, self.left = "speculate", self.window

    def __repr__(self) -> str:
        rates = ", ".join(f"{k} {v:.1f} tok/s" for k, v in self.rates.items() if v is not None)
        return f"FallbackWatch(phase={self.phase}, switched off {self.switches} time(s); {rates or 'no rates yet'})"


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
