"""Which draft? Every candidate measured the same way and placed on the theory's (alpha, c) map.

`survey(target, drafters, tokenizer)` measures every draft against ONE set of plain-decoding runs:
1. per draft, its step cost c and the target's t(n)/t(1) (interleaved, as measure_pair times them)
   and one untimed greedy run at the largest k, whose proposal lengths and acceptance per position
   let the theory pick the draft's k (speclab.proposals: a drafter asked for k proposes min(L, k));
2. plain decoding (the stock kernel, the two-row kernel and Hugging Face's `generate`) and every
   draft at its k on every prompt, all in the same ABBA
   blocks (speclab.interleave): each speedup is paired with the same baseline runs, over the
   strongest plain decoding, so the drafts are compared on equal terms, and the baseline is timed
   once instead of once per draft;
3. per draft and per prompt: alpha with its 95% Wilson interval, c, the k, the predicted and the
   measured speedup (over the strongest plain decoding, and over `generate`) and measure_pair's guards.
The prediction counts what the rounds proposed: how many drafts (0..k: a copying draft often has
nothing to say) and how often each position was accepted. The chain's closed form, which assumes k
drafts every round, is kept beside it (chain_predicted) to show what it would have promised.
Every draft is timed as a chain: runners-up a drafter would add (a tree) are left out (chain.py).
`plot()` draws the map (`speclab.plots.draft_map`); `to_json()` is what `speclab survey --json` prints.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..._validate import ArgumentTypeError, as_count, short_repr
from ...interleave import Interleaved, run_interleaved
from ...policies import FixedK
from ...proposals import effective_alpha, observed_proposals, proposal_speedup, proposal_speedups
from ..sampling import Sampling
from .pair import (GENERATE, STOCK, TWO_ROW, _check_ks, _check_room, _prompt_ids, _session_keeper, _summarize,
                   _timed_call, chain_decoder)
from .report import _jsonable
from .timing import pass_times, prefill_seconds


#: The widest a draft's name is shown in the table (longer names are cut), so a line fits 100 characters.
NAME_WIDTH = 24

@dataclass
class SurveyRow:
    """One draft: what it achieved at the k the theory picked for it, measured and predicted."""

    name: str
    alpha: float
    alpha_low: float
    alpha_high: float
    c: float
    best_k: int               # the k among ks the theory picks from an untimed run's proposals, c, t(n)/t(1)
    predicted: float          # speedup at best_k from the proposal lengths, acceptance per position, c, t(n)/t(1)
    measured: float           # median of paired ratios over the strongest plain decoding
    measured_low: float
    measured_high: float
    tokens_per_pass: float    # at best_k: tokens / target passes (a speedup above it is impossible)
    verify_cost: float        # t(best_k + 1) / t(1), timed beside this draft's step
    drafted: int = 0          # draft tokens proposed (0: alpha and the prediction are undefined, NaN)
    flags: list = field(default_factory=list)   # measure_pair's guards that fired: the measurement contradicts itself
    over_generate: float = float("nan")         # median of paired ratios over Hugging Face's generate
    predicted_tokens_per_pass: float = float("nan")   # from length_pmf and acceptance (speclab.proposals)
    chain_predicted: float = float("nan")       # the chain's promise: k drafts every round, each at alpha
    chain_tokens_per_pass: float = float("nan")       # expected_tokens(alpha, best_k)
    effective_alpha: float = float("nan")       # the alpha at which a chain of best_k emits as many tokens
    length_pmf: list = field(default_factory=list)    # P(L = l), l = 0..best_k: drafts proposed per round
    acceptance: list = field(default_factory=list)    # a_i: accepted / examined at draft position i
    pass_costs: list = field(default_factory=list)    # t(n)/t(1), n = 1..best_k + 1, timed beside this draft


@dataclass
class Survey:
    rows: list                # one SurveyRow per draft, pooled over the prompts
    prompt_rows: list         # one per draft and prompt, at the draft's k
    pass_costs: list          # t(n)/t(1) of the target, n = 1..max(ks)+1: the median over every draft's run
    baseline: str
    ks: list                  # the k values each draft's k is chosen among
    max_new_tokens: int
    threads: int
    kernel_gain: float = 1.0        # the strongest plain decoding over generate (the split's first factor)
    two_row_gain: float = float("nan")      # two-row plain decoding's tokens/s over the stock kernel's
    generate_gain: float = float("nan")     # generate's tokens/s over the stock kernel's

    def table(self) -> str:
        """One line per draft (then per draft and prompt); a flagged line is marked and its flags follow."""
        shown = self.rows + (self.prompt_rows if len(self.prompt_rows) > len(self.rows) else [])
        width = min(max([len("draft")] + [len(r.name) for r in shown]), NAME_WIDTH)
        lines = [f"every speedup over the strongest plain decoding ({self.baseline})",
                 f"  greedy, {self.max_new_tokens} new tokens, k chosen among {self.ks}, torch threads {self.threads}; "
                 "every draft timed as a chain",
                 f"  tokens/s over the stock kernel's: two-row plain {self.two_row_gain:.2f}x, generate "
                 f"{self.generate_gain:.2f}x",
                 f"  over generate = kernel gain {self.kernel_gain:.2f}x x measured",
                 "  pred.: the speedup predicted from how many drafts each round proposed (0..k) and the",
                 "  acceptance per position; tok/pass: tokens per target pass, measured (predicted)",
                 f"{'draft':<{width}}  {'alpha [95%]':<16} {'c':>5} {'k':>2} {'pred.':>6} "
                 f"{'measured [95%]':<18} {'tok/pass':>11} {'over gen':>8}"]
        for r in shown:
            alpha = f"{r.alpha:.2f} [{r.alpha_low:.2f}-{r.alpha_high:.2f}]" if r.drafted else "no drafts made"
            measured = f"{r.measured:5.2f}x [{r.measured_low:.2f}-{r.measured_high:.2f}]"
            lines.append(f"{_cut(r.name, width):<{width}}  {alpha:<16} {r.c:5.3f} {r.best_k:2d} {r.predicted:5.2f}x "
                         f"{measured:<18} {_tokens(r):>11} {r.over_generate:7.2f}x"
                         + (" *" if r.flags else ""))
        flagged = [f"  {r.name}: {flag}" for r in shown for flag in r.flags]
        lines += ["flags (*: a measurement that contradicts itself; do not read it as a speedup):"] + flagged \
            if flagged else ["flags: none (no measured speedup exceeds what its tokens per target pass allow)"]
        return "\n".join(lines)

    def to_json(self) -> str:
        """The survey as JSON; an undefined number (a draft that drafted nothing has no alpha) is null."""
        return json.dumps(_jsonable(asdict(self)), indent=1, allow_nan=False)

    def plot(self, by_prompt: bool = True, c_max: float | None = None, ax=None):
        """The map: one point per draft and prompt (by_prompt) or per draft; a draft that proposed
        nothing has no alpha and is left off (the table lists it). A draft whose proposals fall
        short of a chain is drawn hollow at its measured alpha and filled at its effective alpha."""
        from ...plots.draft_map import plot_draft_map

        top = max([r.c for r in self.rows] + [0.1])
        rows = [r for r in (self.prompt_rows if by_prompt else self.rows) if r.drafted]   # no drafts: no alpha
        return plot_draft_map(rows, self.pass_costs, c_max=c_max or min(1.0, 1.15 * top), ax=ax)


def survey(target, drafters: dict, tokenizer=None, prompts=None, ks=(1, 2, 3, 4), max_new_tokens: int = 48,
           repeats: int = 2, progress: bool = True, clock=time.perf_counter) -> Survey:
    """Measure every draft in `drafters` ({name: drafter or draft model}) against `target` on the
    same prompts and the same plain-decoding runs, each at the k among `ks` that the theory picks
    for it, and return a Survey (a table, JSON and the map). clock: the timer (for tests)."""
    from tqdm.auto import tqdm

    if not isinstance(drafters, dict) or not drafters or not all(isinstance(n, str) and n for n in drafters):
        raise ArgumentTypeError(f"drafters must be a non-empty dict of name -> drafter; got {short_repr(drafters)}")
    ks = _check_ks(ks)
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    blocks = as_count(repeats, "repeats", minimum=1)
    decoders = {name: chain_decoder(target, drafter, tokenizer) for name, drafter in drafters.items()}
    inputs, labels = _prompt_ids(prompts, tokenizer, next(iter(decoders.values())).vocab_size)
    _check_room(target, inputs, ks, max_new_tokens)
    timed_runs = 2 * blocks * len(inputs) * (len(PLAIN) + len(decoders))   # ABBA: each configuration twice a block
    bar = tqdm(total=1 + len(decoders) * (1 + len(inputs)) + timed_runs, desc="surveying drafts",
               disable=not progress)
    keepers = {name: _session_keeper(d.drafter) for name, d in decoders.items()}
    prefill = prefill_seconds(target, inputs, clock=clock)
    bar.update()
    passes, chosen = {}, {}
    for name, decoder in decoders.items():
        passes[name] = pass_times(target, decoder.drafter, inputs[0], max(ks) + 1, Sampling(), max(blocks, 3), clock,
                                  decoder.kernel(inputs[0]))    # the kernel the timed runs verify with
        bar.update()
        seen = _probe(decoder, inputs, max(ks), max_new_tokens, keepers[name], bar)
        chosen[name] = _theorys_k(seen.length_pmf, seen.acceptance, passes[name], ks)
    timed = run_interleaved(_calls(target, decoders, keepers, chosen, inputs, max_new_tokens), blocks, clock=clock,
                            progress=bar)
    bar.close()
    rows, prompt_rows = [], []
    for name, decoder in decoders.items():
        k = chosen[name]
        m = _summarize(decoder.drafter, [k], labels, _one_draft(timed, name, k), passes[name], prefill,
                       max_new_tokens, 0.0)
        rows.append(_row(name, m.pooled[0], m))
        prompt_rows += [_row(f"{name} · {r.prompt}", r, m) for r in m.rows]
    costs = [[g.median for g in p.growth] for p in passes.values()]
    return Survey(rows, prompt_rows, np.median(costs, axis=0).tolist(), m.baseline, ks, max_new_tokens,
                  torch.get_num_threads(), m.kernel_gain.median, m.two_row_gain.median, m.generate_gain.median)


def _probe(decoder, inputs, k, max_new_tokens, keep, bar):
    """Proposal lengths and acceptance per position over one untimed greedy run per prompt, at most
    k drafts per round (speclab.proposals.ObservedProposals)."""
    rounds = []
    for ids in inputs:
        keep()
        rounds += decoder.generate(ids, max_new_tokens, policy=FixedK(k)).rounds
        bar.update()
    return observed_proposals(rounds, k)


def _theorys_k(length_pmf, acceptance, passes, ks: list) -> int:
    """The k among `ks` with the largest expected speedup from the proposals seen at max(ks) (asked
    for k, a drafter proposes min(L, k)), c and the measured t(n)/t(1) (when no k pays, the one that
    loses least: the survey shows what each draft gives at its best)."""
    costs = [g.median for g in passes.growth]
    gains = proposal_speedups(length_pmf, acceptance, max(passes.c.median, 0.0), costs[: len(length_pmf)])
    return ks[int(np.argmax([gains[k] for k in ks]))]


def _calls(target, decoders, keepers, chosen, inputs, max_new_tokens) -> dict:
    """Every timed configuration: the plain decodings and every draft at its k, on every prompt."""
    greedy, calls = Sampling(), {}
    for j, ids in enumerate(inputs):
        for plain in PLAIN:
            calls[(j, plain)] = _timed_call(target, None, None, ids, plain, max_new_tokens, greedy, j)
        for name, decoder in decoders.items():
            calls[(j, name)] = _timed_call(target, decoder, keepers[name], ids, chosen[name], max_new_tokens, greedy, j)
    calls[(0, STOCK)]()                                          # warm-up, untimed
    return calls


def _one_draft(timed: Interleaved, name: str, k: int) -> Interleaved:
    """The runs of plain decoding and of draft `name`, keyed as measure_pair keys its own ((prompt, k))."""
    picked = [i for i, key in enumerate(timed.keys) if key[1] in PLAIN or key[1] == name]
    keys = [timed.keys[i] if timed.keys[i][1] != name else (timed.keys[i][0], k) for i in picked]
    results = {new: timed.results[timed.keys[i]] for new, i in zip(keys, picked)}
    return Interleaved(keys, timed.seconds[:, :, picked], results)


def _row(name: str, row, m) -> SurveyRow:
    """A SurveyRow from one measured Row (pooled or one prompt) of PairMeasurement `m`."""
    from ... import theory

    k = row.k
    low, high = row.alpha_interval
    growth = m.pass_growth[k].median if k < len(m.pass_growth) else float("nan")
    costs, c = [g.median for g in m.pass_growth[: k + 1]], max(float(m.c), 0.0)
    nan = float("nan")
    if row.drafted:
        chain_tokens = float(theory.expected_tokens(row.alpha, k))
        predicted = proposal_speedup(row.length_pmf, row.acceptance, c, costs)
        chain, effective = chain_tokens / (growth + k * c), effective_alpha(row.length_pmf, row.acceptance)
    else:
        chain_tokens = predicted = chain = effective = nan          # no drafts: no alpha, no prediction
    return SurveyRow(name, float(row.alpha), float(low), float(high), float(m.c), int(k), predicted,
                     row.measured.median, row.measured.low, row.measured.high,
                     float(row.tokens / row.rounds) if row.rounds else nan, float(growth),
                     int(row.drafted), list(row.flags),
                     row.measured_generate.median if row.measured_generate is not None else nan,
                     predicted_tokens_per_pass=float(row.proposal_tokens), chain_predicted=chain,
                     chain_tokens_per_pass=chain_tokens, effective_alpha=effective,
                     length_pmf=list(row.length_pmf), acceptance=list(row.acceptance), pass_costs=costs)


def _cut(name: str, width: int) -> str:
    """A name within `width` characters, cut with an ellipsis: the table stays within 100 characters."""
    return name if len(name) <= width else name[:width - 1] + "…"


def _tokens(r: SurveyRow) -> str:
    """Tokens per target pass, measured (predicted): "1.45 (1.52)"."""
    predicted = r.predicted_tokens_per_pass
    return f"{r.tokens_per_pass:.2f}" + (f" ({predicted:.2f})" if np.isfinite(predicted) else "")


#: The plain decodings every draft is paired with.
PLAIN = (STOCK, TWO_ROW, GENERATE)
