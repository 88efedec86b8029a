"""Measure a draft/target pair on a noisy machine and set the theory beside what happened.

1. cost model: target passes over 1..max(k)+1 tokens and one draft step, interleaved (timing.py)
2. runs: on every prompt, plain decoding three ways (the runner with k = 0 on the stock kernel,
   two-row passes that get the multi-core kernel verification gets, and Hugging Face's `generate`)
   and the runner at each k, all interleaved in ABBA blocks (speclab.interleave), so every speedup
   is a paired ratio; the headline baseline is the fastest plain decoding, `generate` a second
   column, and the split kernel gain x drafting gain = speedup over `generate` is reported
3. per prompt and pooled: tokens per round, rounds without drafts, alpha, the proposal lengths and
   acceptance per position (speclab.proposals), the replay prediction and the one-alpha formula
   beside the measured median and its spread (prediction.py)
Every k is timed as a chain of up to k drafts: a drafter's runners-up (a tree) are left out (chain.py).
4. guards: a row that contradicts itself is flagged and never recommended
"""

from __future__ import annotations

import textwrap
import time

import numpy as np
import torch

from ..._validate import as_count
from ...interleave import Spread, bootstrap_spread, run_interleaved, spread
from ...measured_k import best_k
from ...policies import FixedK
from ...proposals import observed_proposals
from . import prediction
from .._checks import MAX_MEASURED_K, as_input_ids, position_limit
from ..baselines import autoregressive, hf_generate, two_row_autoregressive
from ..decoder import SpeculativeDecoder, as_drafter
from .chain import chain_only
from .report import PROMPT_LABEL_WIDTH, PairMeasurement, Row
from ..prompts import PROMPTS, chat_input_ids
from ..sampling import Sampling
from .timing import pass_times, prefill_seconds


def measure_pair(target, drafter, tokenizer=None, prompts=None, ks=(1, 2, 4, 8), max_new_tokens: int = 64,
                 temperature: float = 0.0, top_k=None, top_p=None, seed: int = 0, repeats: int = 3,
                 progress: bool = True, clock=time.perf_counter, baseline: str = "fastest") -> PairMeasurement:
    """Measure alpha, c and t(n), predict the speedup per k and prompt, and measure it, interleaved.

    prompts: strings (chat-formatted when the tokenizer has a template) or token-id lists;
    default: the four prompts of speclab.real.prompts.
    repeats: ABBA blocks; each runs the baseline and every k twice on every prompt.
    clock: the timer (seconds); injectable for tests.
    baseline: "fastest" times three plain decodings (the stock kernel, the two-row kernel and
    `generate`) and states every speedup over the fastest, with `generate` as a second column;
    "stock" times the stock one only.
    """
    from tqdm.auto import tqdm

    ks = _check_ks(ks)
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}; got {baseline!r}")
    plain = [STOCK, TWO_ROW, GENERATE] if baseline == "fastest" else [STOCK]
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    blocks = as_count(repeats, "repeats", minimum=1)
    sampling = Sampling(temperature, top_k, top_p)
    decoder = chain_decoder(target, drafter, tokenizer)
    inputs, labels = _prompt_ids(prompts, tokenizer, decoder.vocab_size)
    _check_room(target, inputs, ks, max_new_tokens)
    bar = tqdm(total=1 + 2 * blocks * len(inputs) * (len(ks) + len(plain)), desc="measuring pair",
               disable=not progress)
    same_session = _session_keeper(decoder.drafter)
    passes = pass_times(target, decoder.drafter, inputs[0], max(ks) + 1, sampling, max(blocks, 3), clock,
                        decoder.kernel(inputs[0]))              # the kernel the timed runs verify with
    prefill = prefill_seconds(target, inputs, clock=clock)
    bar.update()

    calls = {(j, k): _timed_call(target, decoder, same_session, ids, k, max_new_tokens, sampling, seed + j)
             for j, ids in enumerate(inputs) for k in plain + ks}
    calls[(0, 0)]()                                              # warm-up, untimed
    timed = run_interleaved(calls, blocks, clock=clock, progress=bar)
    bar.close()
    return _summarize(decoder.drafter, ks, labels, timed, passes, prefill, max_new_tokens, sampling.temperature)


def chain_decoder(target, drafter, tokenizer=None) -> SpeculativeDecoder:
    """A decoder whose rounds are chains of up to k drafts: `drafter`'s runners-up are left out."""
    return SpeculativeDecoder(target, chain_only(as_drafter(target, drafter)), tokenizer)


def _timed_call(target, decoder, keep, ids, k, max_new_tokens, sampling, seed):
    """One timed configuration as a zero-argument call: plain decoding on the stock or the two-row
    kernel or by `generate` (k = STOCK, TWO_ROW, GENERATE), or `decoder` at k drafts per round, its
    session restored by `keep`."""
    settings = dict(temperature=sampling.temperature, top_k=sampling.top_k, top_p=sampling.top_p, seed=seed)
    if k == GENERATE:
        return lambda: hf_generate(target, ids, max_new_tokens, **settings)
    if k == STOCK:
        return lambda: autoregressive(target, ids, max_new_tokens, **settings)
    if k == TWO_ROW:
        return lambda: two_row_autoregressive(target, ids, max_new_tokens, **settings)

    def speculate():
        keep()
        return decoder.generate(ids, max_new_tokens, policy=FixedK(k), **settings)
    return speculate


def _session_keeper(drafter):
    """A call that gives a drafter which learns from earlier outputs (SuffixDrafter) back the store
    it had when the measurement began; without it every repeat of a prompt would draft from that
    prompt's earlier answer, and the measured alpha would be the best case. A no-op for others."""
    if not hasattr(drafter, "restore_store"):
        return lambda: None
    saved = drafter.saved_store()
    return lambda: drafter.restore_store(saved)


def _summarize(drafter, ks, labels, timed, passes, prefill, max_new_tokens, temperature) -> PairMeasurement:
    """Per-prompt rows, pooled rows, guards and the recommendation."""
    n = len(labels)
    t1 = passes.seconds[0].median
    # a pass over n tokens does a one-token pass's work and more: t(n) < t(1) is timing noise, no saving
    extra = [max(g.median - 1.0, 0.0) * t1 for g in passes.growth]
    stock = [_Run(timed, (j, STOCK)) for j in range(n)]
    two_row, generate = (_plain_runs(timed, n, key) for key in (TWO_ROW, GENERATE))
    two_row_gain, generate_gain = (_paired_rate_ratio(runs, stock) if runs else Spread(*[float("nan")] * 3, 0)
                                   for runs in (two_row, generate))
    candidates = [(stock, STOCK_NAME, 1.0)] + [(runs, label, gain.median) for runs, label, gain in (
        (two_row, TWO_ROW_NAME, two_row_gain), (generate, GENERATE_NAME, generate_gain)) if runs]
    headline, name, _ = max(candidates, key=lambda c: c[2])     # the fastest plain decoding (stock on ties)
    reference = generate or stock                               # the second column: `generate` when timed
    kernel_gain = spread([1.0] * timed.blocks) if headline is reference else _paired_rate_ratio(headline, reference)
    # a pass of the headline's kind costs t(2)/t(1) one-token passes when it reads two rows
    headline_pass = passes.growth[1].median if headline is two_row else 1.0
    rows, pooled = [], []
    for k in ks:
        runs = [_Run(timed, (j, k)) for j in range(n)]
        replays = [[prediction.replay(r.draft_counts, r.acceptance(k), b.step(blk, prefill[j]), extra,
                                      passes.draft_seconds.median, prefill[j]) for blk in range(timed.blocks)]
                   for j, (r, b) in enumerate(zip(runs, stock))]
        growth = passes.growth[k].median / headline_pass
        for j in range(n):
            rows.append(_row(labels[j], k, [runs[j]], [headline[j]], [stock[j]], [replays[j]], [prefill[j]], growth,
                             [generate[j]] if generate else None))
        row = _row("all prompts", k, runs, headline, stock, replays, prefill, growth, generate)
        alpha = _pooled_alpha(runs)
        row.formula = prediction.formula_speedup(alpha, k, passes.c.median, growth)
        pooled.append(row)
    every = [_Run(timed, key) for key in timed.keys if key[1] > 0]
    alpha = _pooled_alpha(every)
    drafted = sum(r.out.n_drafted for r in every)
    growth_k = [max(passes.growth[k].median - 1.0, 0.0) / k for k in ks]
    return PairMeasurement(
        drafter=getattr(drafter, "name", type(drafter).__name__), ks=list(ks), blocks=timed.blocks, alpha=alpha,
        acceptance_rate=sum(r.out.n_accepted for r in every) / drafted if drafted else float("nan"),
        c=passes.c.median, target_step_seconds=t1, draft_step_seconds=passes.draft_seconds.median,
        target_pass_seconds=[s.median for s in passes.seconds], pass_growth=list(passes.growth),
        verify_growth=growth_k, formula_speedup=[r.formula for r in pooled],
        predicted_speedup=[r.predicted.median for r in pooled], measured_speedup=[r.measured.median for r in pooled],
        pooled=pooled, rows=rows, baseline=name, kernel_gain=kernel_gain, two_row_gain=two_row_gain,
        generate_gain=generate_gain, reference=GENERATE_NAME if generate else STOCK_NAME,
        measured_stock_speedup=[r.measured_stock.median for r in pooled],
        predicted_k=best_k([alpha if np.isfinite(alpha) else 0.0], max(passes.c.median, 0.0),
                           [g.median for g in passes.growth[: max(ks) + 1]]),
        recommended_k=_recommend(ks, pooled, rows), threads=torch.get_num_threads(),
        baseline_tokens_per_second=sum(b.tokens for b in headline) / sum(np.median(b.seconds) for b in headline),
        n_prompts=n, max_new_tokens=max_new_tokens, temperature=temperature)


class _Run:
    """One configuration on one prompt: its result and its seconds per block (mean of the two runs)."""

    def __init__(self, timed, key):
        self.out = timed.results[key]
        self.seconds = timed.block_seconds(key) / 2.0
        self.pass_seconds = timed.seconds[:, :, timed.keys.index(key)].ravel()   # each run of each block

    @property
    def tokens(self) -> int:
        return len(self.out.token_ids)

    @property
    def draft_counts(self) -> list:
        return [len(r.draft_tokens) for r in getattr(self.out, "rounds", [])]

    @property
    def alpha(self) -> float:
        count = getattr(self.out, "alpha_count", 0)
        return self.out.alpha_sum / count if count else float("nan")

    @property
    def rounds(self) -> list:
        return list(getattr(self.out, "rounds", []))

    def acceptance(self, k: int) -> list:
        """a_i, i = 1..k: how often the run's i-th draft was accepted when the target examined it."""
        return observed_proposals(self.rounds, k).acceptance.tolist() if self.rounds else [0.0] * k

    def step(self, block: int, prefill: float) -> float:
        """Seconds per token of this (baseline) run in `block`, prefill taken out."""
        return max(self.seconds[block] - prefill, 0.0) / self.tokens


def _plain_runs(timed, n: int, key: int):
    """The runs of plain decoding `key` (TWO_ROW, GENERATE) on every prompt, or None when it was not timed."""
    return [_Run(timed, (j, key)) for j in range(n)] if (0, key) in timed.results else None


def _paired_rate_ratio(runs, base):
    """Per half block (each pass of each ABBA block), pooled tokens/s of `runs` over pooled tokens/s of
    `base` (a paired ratio): its median with a 95% bootstrap interval, which one disrupted block
    cannot stretch the way a min-max range is stretched."""
    tokens, base_tokens = sum(r.tokens for r in runs), sum(b.tokens for b in base)
    rates = (tokens / sum(r.pass_seconds for r in runs)) / (base_tokens / sum(b.pass_seconds for b in base))
    return bootstrap_spread(rates)


def _row(label, k, runs, base, stock, replays, prefill, growth, generate=None) -> Row:
    """A Row over one or several prompts: pooled counts, paired speedups over the headline baseline
    `base`, over the stock plain decoding and over `generate` (when timed), predictions, gap, guards
    (growth: the verification pass over one of the headline baseline's passes)."""
    tokens = sum(r.tokens for r in runs)
    rounds = sum(len(r.draft_counts) for r in runs)
    no_draft = sum(d == 0 for r in runs for d in r.draft_counts)
    blocks = len(runs[0].seconds)
    predicted = [prediction.predicted_speedup([rep[b] for rep in replays], [s.tokens for s in base],
                                              [s.seconds[b] for s in base]) for b in range(blocks)]
    m, p = _paired_rate_ratio(runs, base), spread(predicted)
    predicted_tokens = sum(float(np.median([rep[b].tokens for b in range(blocks)])) for rep in replays)
    token_ratio = tokens / predicted_tokens
    spec_seconds = sum(float(np.median(r.seconds)) - f for r, f in zip(runs, prefill))
    pred_seconds = sum(float(np.median([rep[b].seconds for b in range(blocks)])) - f
                       for rep, f in zip(replays, prefill))
    time_ratio = pred_seconds / spec_seconds if spec_seconds > 0 else float("nan")
    accepted = sum(r.out.n_accepted for r in runs)
    seen = observed_proposals([record for r in runs for record in r.rounds], k)
    flags = prediction.guard_flags(m.median, tokens / rounds, accepted, growth, k,
                                   prediction.growth_floor(torch.get_num_threads()))
    return Row(prompt=label, k=k, tokens=tokens, rounds=rounds, no_draft_rounds=no_draft / rounds,
               drafted=sum(r.out.n_drafted for r in runs), accepted=accepted, alpha=_pooled_alpha(runs),
               examined=sum(getattr(r.out, "alpha_count", 0) for r in runs),
               predicted=p, measured=m, measured_stock=_paired_rate_ratio(runs, stock),
               measured_generate=_paired_rate_ratio(runs, generate) if generate else None,
               predicted_tokens=predicted_tokens, token_ratio=token_ratio,
               time_ratio=time_ratio,
               explanation=prediction.explain_gap(m.low, m.high, p.median, token_ratio, time_ratio), flags=flags,
               length_pmf=seen.length_pmf.tolist(), acceptance=seen.acceptance.tolist(),
               proposal_tokens=seen.tokens)


#: Keys of the plain decodings among the timed configurations (k >= 1 are speculative runs).
STOCK, TWO_ROW, GENERATE = 0, -1, -2
STOCK_NAME, TWO_ROW_NAME, GENERATE_NAME = ("plain decoding, stock kernel", "plain decoding, two-row kernel",
                                           "Hugging Face generate")
BASELINES = ("fastest", "stock")


def _pooled_alpha(runs) -> float:
    """alpha over several runs, each weighted by its examined drafts (accepted over tested, for greedy)."""
    count = sum(getattr(r.out, "alpha_count", 0) for r in runs)
    return sum(r.out.alpha_sum for r in runs) / count if count else float("nan")


def _recommend(ks, pooled, rows) -> int:
    """The k with the best measured median among rows without flags whose whole spread beats 1; else 0."""
    flagged = {r.k for r in rows if r.flags} | {r.k for r in pooled if r.flags}
    trusted = [r for r in pooled if r.k not in flagged and r.measured.low > 1.0]
    return max(trusted, key=lambda r: r.measured.median).k if trusted else 0


def _check_ks(ks) -> list:
    """ks as a sorted list of distinct whole numbers in 1..MAX_MEASURED_K (passes over 1..k+1 tokens are timed)."""
    if isinstance(ks, (str, bytes, dict, set)) or (np.ndim(ks) == 0 and not isinstance(ks, (int, np.integer))):
        raise ValueError(f"ks must be a list of whole numbers in 1..{MAX_MEASURED_K}, e.g. (1, 2, 4, 8); got {ks!r}")
    ks = [as_count(k, "ks", minimum=1, maximum=MAX_MEASURED_K) for k in (ks if np.ndim(ks) else [ks])]
    if not ks:
        raise ValueError("ks must list at least one k >= 1, e.g. (1, 2, 4, 8)")
    return sorted(set(ks))


def _check_room(target, inputs: list, ks: list, max_new_tokens: int) -> None:
    """Every prompt and its new tokens (all but the last are read back), and the timed passes over
    k + 1 tokens after the first prompt, must fit the target's positions."""
    limit = position_limit(target)
    if not limit:
        return
    longest = max(len(ids) for ids in inputs)
    if longest > limit:
        raise ValueError(f"prompts: a prompt of {longest} tokens does not fit the target's {limit} positions")
    if longest + max_new_tokens > limit + 1:
        raise ValueError(f"max_new_tokens must be <= {limit + 1 - longest}: the target holds {limit} positions and "
                         f"the longest prompt takes {longest}; got {max_new_tokens}")
    if len(inputs[0]) + max(ks) + 1 > limit:
        raise ValueError(f"ks must be <= {limit - 1 - len(inputs[0])}: passes over k + 1 tokens after the first "
                         f"prompt ({len(inputs[0])} tokens) are timed, within the target's {limit} positions; "
                         f"got {max(ks)}")


def _prompt_ids(prompts, tokenizer, vocab_size=None) -> tuple:
    """Token ids per prompt (strings through the chat template when there is one) and a short label each."""
    if prompts is None:
        if tokenizer is None:
            raise ValueError("prompts must be given as token ids when no tokenizer is passed")
        prompts = list(PROMPTS.values())
    if isinstance(prompts, str) or not isinstance(prompts, (list, tuple)) or not prompts:
        raise ValueError(f"prompts must be a non-empty list of strings or token-id lists; got {prompts!r:.80}")
    names = {text: name for name, text in PROMPTS.items()}
    ids, labels = [], []
    for i, prompt in enumerate(prompts):
        if isinstance(prompt, str) and tokenizer is not None:
            ids.append(chat_input_ids(tokenizer, prompt))
            labels.append(names.get(prompt, textwrap.shorten(prompt, width=PROMPT_LABEL_WIDTH, placeholder="…")))
        else:
            ids.append(as_input_ids(prompt, tokenizer, vocab_size))
            labels.append(names.get(prompt, f"prompt {i + 1}") if isinstance(prompt, str) else f"prompt {i + 1}")
    return ids, labels
