"""Where a speculative round's time goes: drafting, the target's pass, the draft's catch-up, the
cache crop, and the rest (the decoder's own bookkeeping), in units of one plain decoding step.

The speedup formula charges a round k c + t(k+1)/t(1) plain steps. A profile of real rounds shows
what it leaves out: every part is timed around the very calls the decoder makes (the drafter's
propose, feedback and accept_features, the target's cached forward and its crop), and whatever
the round's wall time holds beyond them is bookkeeping.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from ..kv_cache import CachedModel, synchronize

#: The parts of a round, in the order a round runs them (and a stacked bar draws them).
PARTS = ("drafting", "target pass", "draft catch-up", "cache crop", "bookkeeping")


@dataclass
class RoundProfile:
    """Seconds spent in each part over a whole generation, with the counts that normalise them."""

    seconds: dict                   # part -> seconds over the generation (PARTS, bookkeeping included)
    rounds: int                     # rounds that drafted at least one token
    all_rounds: int
    tokens: int
    target_passes: int
    step_seconds: float             # one plain decoding step (a one-token cached pass), median
    result: object = field(repr=False, default=None)    # the GenerationResult profiled

    def per_round_steps(self) -> dict:
        """Each part's time per round, in plain steps: what the round really costs, part by part."""
        return {part: s / self.all_rounds / self.step_seconds for part, s in self.seconds.items()}

    def round_steps(self) -> float:
        """A whole round, in plain steps."""
        return sum(self.per_round_steps().values())

    def table(self) -> str:
        """One line per part (within 100 characters): ms per round and plain steps per round."""
        per_round = self.per_round_steps()
        lines = [f"{self.all_rounds} rounds, {self.tokens} tokens, {self.tokens / self.target_passes:.2f} tokens "
                 f"per target pass; one plain step {1000 * self.step_seconds:.1f} ms"]
        for part in PARTS:
            ms = 1000 * self.seconds[part] / self.all_rounds
            lines.append(f"  {part:<15}{ms:8.2f} ms per round = {per_round[part]:5.2f} plain steps")
        lines.append(f"  {'a whole round':<15}{1000 * sum(self.seconds.values()) / self.all_rounds:8.2f} ms "
                     f"per round = {self.round_steps():5.2f} plain steps")
        return "\n".join(lines)

    def plot(self, charged: float | None = None, ax=None):
        """A stacked bar of one round's parts in plain steps, beside what the formula charges."""
        from ...plots.round_profile import plot_round_profile

        return plot_round_profile(self.per_round_steps(), charged=charged, ax=ax)


@contextlib.contextmanager
def _timed(owner, name: str, calls: dict, part: str, device, counts=lambda args: True):
    """Time every call of owner.name into the list calls[part] (an instance's method, or a class's);
    counts(args) picks the calls that belong to the part (a class's method also serves the draft)."""
    original = getattr(owner, name)
    is_class = isinstance(owner, type)

    def timed(*args, **kwargs):
        if not counts(args):
            return original(*args, **kwargs)
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            synchronize(device)
            calls[part].append(time.perf_counter() - start)

    setattr(owner, name, timed)
    try:
        yield
    finally:
        if is_class:
            setattr(owner, name, original)
        else:
            delattr(owner, name)          # back to the class's method


def plain_step_seconds(model, input_ids: list, repeats: int = 15) -> float:
    """The median seconds of one cached one-token pass on top of the prompt: one plain step."""
    import statistics

    import torch

    state = CachedModel(model)
    with torch.inference_mode():
        state.forward(input_ids[:-1] or input_ids, last_only=True)
        kept, times = state.length, []
        for _ in range(repeats + 2):
            state.crop(kept)
            start = time.perf_counter()
            state.forward(input_ids[-1:])
            synchronize(state.device)
            times.append(time.perf_counter() - start)
    return statistics.median(times[2:])          # the first two warm the caches


def profile_rounds(decoder, input_ids: list, max_new_tokens: int = 64, **generate_options) -> RoundProfile:
    """Run `decoder.generate(input_ids, max_new_tokens, **generate_options)` once with every part of
    its rounds timed, and measure one plain step of its target on the same prompt."""
    drafter, device = decoder.drafter, next(decoder.target.parameters()).device
    decoder.kernel(list(input_ids))          # the kernel is chosen (and timed) before the profile starts
    calls = {part: [] for part in PARTS}
    with contextlib.ExitStack() as stack:
        stack.enter_context(_timed(drafter, "propose", calls, "drafting", device))
        stack.enter_context(_timed(drafter, "feedback", calls, "draft catch-up", device))
        if callable(getattr(drafter, "accept_features", None)):
            stack.enter_context(_timed(drafter, "accept_features", calls, "draft catch-up", device))
        the_target = lambda args: args[0].model is decoder.target     # not a draft model's own cache
        stack.enter_context(_timed(CachedModel, "forward", calls, "target pass", device, the_target))
        stack.enter_context(_timed(CachedModel, "keep_path", calls, "cache crop", device, the_target))
        out = decoder.generate(input_ids, max_new_tokens=max_new_tokens, **generate_options)
    prefill = calls["target pass"].pop(0) if len(input_ids) > 1 else 0.0     # rounds only, not the prefill
    totals = {part: float(sum(calls[part])) for part in PARTS}
    totals["bookkeeping"] = max(out.seconds - prefill - sum(totals.values()), 0.0)
    return RoundProfile(totals, sum(1 for r in out.rounds if r.k), len(out.rounds), len(out.token_ids),
                        out.target_forwards, plain_step_seconds(decoder.target, list(input_ids)), out)
