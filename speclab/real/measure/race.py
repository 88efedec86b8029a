"""A race: speculative decoders against the strongest plain decoding, in one call, with a verdict.

Plain decoding runs two ways (`generate`, and two-row passes that use a second core), every
decoder beside them in the same interleaved ABBA blocks. Each speedup is the median of the
ratios paired within a block, over the faster plain decoding, with a bootstrap interval that one
disrupted block cannot stretch; a speedup above the tokens per target pass is flagged, since no
decoder can beat an equally efficient plain decoding by more than that.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..._validate import ArgumentTypeError, as_count, short_repr
from ...interleave import Interleaved, Spread, bootstrap_spread, run_interleaved
from ..baselines import hf_generate, two_row_autoregressive

PLAIN = ("generate", "two-row plain")


@dataclass
class Race:
    """The timed runs of a race and what each decoder produced."""

    timed: Interleaved
    decoders: list                 # the racing decoders' names, in the order given
    identical: dict                # name -> output identical to generate's

    @property
    def plain(self) -> str:
        """The faster plain decoding of this run (the baseline of every speedup)."""
        return max(PLAIN, key=lambda name: self.timed.ratio("generate", name).median)

    def speedup(self, name: str, over: str | None = None) -> Spread:
        """Median speedup of `name` over `over` (default: the faster plain decoding), paired within each
        half block, with its 95% bootstrap interval."""
        return bootstrap_spread(self.timed.pass_ratios(over or self.plain, name))

    def tokens_per_pass(self, name: str) -> float:
        out = self.timed.results[name]
        return len(out.token_ids) / out.target_forwards

    def verdict(self, name: str) -> str:
        """One sentence: faster, slower, or neither, over the strongest plain decoding; or flagged."""
        speedup = self.speedup(name)
        if speedup.median > self.tokens_per_pass(name):
            return f"{name}: FLAGGED, {speedup.median:.2f}x is above its tokens per pass: noise, not speculation"
        if speedup.low > 1:
            return f"{name} is faster than plain decoding here"
        if speedup.high < 1:
            return f"{name} is slower than plain decoding here"
        return f"{name} is neither clearly faster nor slower than plain decoding here"

    def table(self) -> str:
        """One line per decoder (within 100 characters), then the baseline and the split."""
        blocks = self.timed.blocks
        lines = [f"{'decoder':<16}{'speedup [95%]':>20}{'over generate':>15}{'tokens/pass':>13}{'alpha':>7}"
                 f"{'same text':>11}"]
        for name in self.decoders:
            out = self.timed.results[name]
            alpha = f"{out.alpha:.2f}" if out.alpha_count else "-"
            speedup = self.speedup(name)
            interval = f"{speedup.median:.2f}x [{speedup.low:.2f}-{speedup.high:.2f}]"
            lines.append(f"{name[:15]:<16}{interval:>20}{self.speedup(name, 'generate').median:>14.2f}x"
                         f"{self.tokens_per_pass(name):>13.2f}{alpha:>7}{'yes' if self.identical[name] else 'NO':>11}")
        kernel = self.timed.ratio("generate", "two-row plain").median
        lines.append(f"over the faster plain decoding, {self.plain} (two-row: {kernel:.2f}x of generate); "
                     f"{blocks} ABBA blocks")
        return "\n".join(lines)


def race(target, decoders: dict, input_ids: list, max_new_tokens: int = 64, blocks: int = 6) -> Race:
    """Time every decoder of `decoders` (name -> SpeculativeDecoder) on `input_ids` against plain
    decoding, greedy, all in the same `blocks` ABBA blocks: at least 5, and with 6 (12 paired
    half-block samples) one disrupted block cannot move the 95% interval much."""
    if not isinstance(decoders, dict) or not decoders or any(name in PLAIN for name in decoders):
        raise ArgumentTypeError(f"decoders must be a non-empty dict of name -> SpeculativeDecoder, named other "
                                f"than {PLAIN}; got {short_repr(decoders)}")
    missing = [name for name, decoder in decoders.items() if not callable(getattr(decoder, "generate", None))]
    if missing:
        raise ArgumentTypeError(f"decoders[{missing[0]!r}] must have a generate method (a SpeculativeDecoder)")
    n_new = as_count(max_new_tokens, "max_new_tokens", minimum=1, maximum=4096)
    blocks = as_count(blocks, "blocks", minimum=5, maximum=100)
    calls = {"generate": lambda: hf_generate(target, input_ids, max_new_tokens=n_new),
             "two-row plain": lambda: two_row_autoregressive(target, input_ids, n_new)}
    for name, decoder in decoders.items():
        calls[name] = lambda decoder=decoder: decoder.generate(input_ids, max_new_tokens=n_new)
    timed = run_interleaved(calls, blocks)
    reference = timed.results["generate"].token_ids
    identical = {name: timed.results[name].token_ids == reference for name in decoders}
    return Race(timed, list(decoders), identical)
