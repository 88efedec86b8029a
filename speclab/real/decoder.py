"""Speculative decoding on real models: a drafter proposes, the target verifies in one cached pass.

Each round (Leviathan et al. 2023, Algorithm 1):
    Step 1  the drafter proposes x_1..x_k (with q, or one-hot q for prompt lookup)
    Step 2  ONE target forward pass over [last token, x_1..x_k] gives p_1..p_{k+1}
            (greedy drafts may add alternatives for x_1: the pass then reads a tree, tree.py)
    Step 3  speclab.verify accepts a prefix and adds a correction or a bonus token
            (or, greedy, an alternative equal to the target's choice is accepted with its bonus)
    Step 4  both KV caches keep only the kept tokens; nothing is ever re-read
temperature 0 compares argmax p directly; temperature > 0 applies THE lossless rule to the
processed (temperature / top-k / top-p) distributions, so the output has the target's law.
"""

from __future__ import annotations

import contextlib
import functools
import time

import numpy as np
import torch

from .._validate import as_count
from ..limits import MAX_K
from ..policies import as_policy
from ..rounds import RoundRecord
from ..verify import Verification, count_greedy_matches, verify
from ._checks import (
    as_input_ids,
    check_draft,
    check_length,
    check_model,
    check_same_vocab,
    check_seed,
    eos_ids,
    vocab_size,
)
from .drafters.draft_model import DraftModelDrafter
from .drafters.base import Draft, default_policy
from .fallback import as_watch
from .kv_cache import CachedModel, synchronize
from .result import GenerationResult, mean_or_nan
from .sampling import Sampling


def as_drafter(target, drafter):
    """Accept a drafter object or a draft model (wrapped in DraftModelDrafter), checking the vocab."""
    if isinstance(drafter, torch.nn.Module):
        drafter = DraftModelDrafter(drafter)
    if not all(hasattr(drafter, name) for name in ("start", "propose", "feedback")):
        raise ValueError("drafter must be a draft model (a causal LM), PromptLookupDrafter(), "
                         f"EarlyExitDrafter(target, n_layers) or DraftModelDrafter(model); got {drafter!r}")
    if isinstance(drafter, DraftModelDrafter):
        check_same_vocab(target, drafter.model)
    return drafter


def drafter_modules(drafter) -> list:
    """The torch modules a drafter runs (a draft model, a feature head), for eval_mode."""
    found = (getattr(drafter, name, None) for name in ("model", "head", "target"))
    return [m for m in found if isinstance(m, torch.nn.Module)]


@contextlib.contextmanager
def eval_mode(*modules):
    """Run `modules` in eval mode (dropout off, so greedy decoding is deterministic), then give
    every submodule back the training flag the caller left it with."""
    saved = [(m, m.training) for module in modules for m in module.modules()]
    for module in modules:
        module.eval()
    try:
        yield
    finally:
        for m, training in saved:
            m.training = training


def pass_rows(last: int, draft: Draft):
    """The target pass's rows (the last token, the chain, the alternatives) and, when there are
    alternatives, each row's parent: the chain continues row 0 in order, each alternative hangs off row 0."""
    rows = [last] + draft.tokens + list(draft.alternatives)
    if not draft.alternatives:
        return rows, None
    return rows, [-1] + list(range(len(draft.tokens))) + [0] * len(draft.alternatives)


def take_alternative(v: Verification, logits, draft: Draft):
    """(verification, draft as recorded, kept rows). When the chain's first draft was rejected but an
    alternative is the target's choice, that alternative is accepted and its row gives the bonus token."""
    path = list(range(v.n_accepted + 1))
    choice = int(v.tokens[0])
    if v.n_accepted or choice not in draft.alternatives:
        return v, draft, path
    row = len(draft.tokens) + 1 + list(draft.alternatives).index(choice)
    bonus = int(logits[row].argmax())
    others = tuple(draft.tokens[:1]) + tuple(t for t in draft.alternatives if t != choice)
    accepted = Verification(1, np.asarray([choice, bonus], dtype=np.int64), 1, np.ones(1))
    return accepted, Draft([choice], None, others), [0, row]


class SpeculativeDecoder:
    """Generate with `target`, drafting with `drafter`; greedy output equals target.generate's.

    column_products: on a CPU, verification passes over 2-8 tokens can compute each linear layer as
    W @ x^T, which uses every core (see row_kernel.py). "auto" (the default) times both kernels on
    the target once per session, on a CPU, and keeps the faster (kernel_choice.py); True or False
    forces one, for comparison. On a GPU the stock kernel is used.
    """

    def __init__(self, target, drafter, tokenizer=None, column_products="auto"):
        check_model(target, "target")
        if column_products != "auto" and not isinstance(column_products, bool):
            raise ValueError(f"column_products must be 'auto', True or False; got {column_products!r}")
        self.column_products = column_products
        self.target = target
        self.drafter = as_drafter(target, drafter)
        self.tokenizer = tokenizer
        self.vocab_size = vocab_size(target)
        self.eos = eos_ids(target, tokenizer)

    def generate(self, prompt_or_input_ids, max_new_tokens: int = 64, k=None, temperature: float = 0.0,
                 top_k=None, top_p=None, seed=None, policy=None, fallback=None) -> GenerationResult:
        """Exactly max_new_tokens new tokens (fewer only when EOS is produced), for one sequence.

        prompt_or_input_ids: a string (needs the tokenizer), a list of ids, or a [1, T] tensor.
        k: the most drafts per round (a drafter may propose fewer); None (the default) uses the
        drafter's own good policy (`drafter.default_policy()`); `policy` (FixedK, AdaptiveK)
        overrides both. temperature 0 is greedy; otherwise top_k / top_p apply to both p and q.
        seed: same seed, same output (numpy Generator; None draws fresh entropy).
        fallback: decode plainly while speculation delivers fewer tokens per second than plain
        decoding does, as timed on this machine now (speclab.real.fallback). None (the default):
        on for greedy decoding with the drafter's own policy, off when you set k or a policy;
        True / False; or a FallbackWatch to choose its settings (greedy only: under sampling the
        clock would decide which random draws are made, and same seed would not mean same output).
        """
        prompt = as_input_ids(prompt_or_input_ids, self.tokenizer, self.vocab_size)
        max_new_tokens = check_length(self.target, len(prompt), max_new_tokens)
        own_policy = policy is None and k is None
        if own_policy:
            policy = default_policy(self.drafter)
        else:
            policy = as_policy(policy, None if k is None else as_count(k, "k", maximum=MAX_K))
        sampling = Sampling(temperature, top_k, top_p)
        watch = as_watch(fallback, default=sampling.greedy and own_policy,
                         greedy=sampling.greedy)
        rng = np.random.default_rng(check_seed(seed))
        column = self.kernel(prompt)                 # before the clock starts: timed once per target
        with torch.inference_mode(), eval_mode(self.target, *drafter_modules(self.drafter)):
            return self._run(prompt, max_new_tokens, policy, sampling, rng, watch, column)

    def kernel(self, prompt_ids) -> bool:
        """Whether verification passes use the column kernel: as set, or (auto) the faster one on
        this machine, timed once per target on a CPU before its first generation."""
        if self.column_products != "auto":
            return self.column_products
        if next(self.target.parameters()).device.type != "cpu":
            return False
        from .kernel_choice import faster_kernel

        with torch.inference_mode(), eval_mode(self.target):
            return faster_kernel(self.target, prompt_ids)

    # ------------------------------------------------------------------ the loop

    def _run(self, prompt, max_new_tokens, policy, sampling, rng, watch=None, column=True) -> GenerationResult:
        synchronize(self.target.device)
        start = time.perf_counter()
        target = CachedModel(self.target, column)
        self.drafter.start(prompt, self.eos)
        wants = getattr(self.drafter, "wants_features", False)   # a feature-level (EAGLE-style) drafter
        read = functools.partial(target.forward, features=True) if wants else target.forward
        if len(prompt) > 1:                       # prefill: the cache holds all but the last token
            out = read(prompt[:-1], last_only=True)
            if wants:
                self.drafter.accept_features(out[1])
        tokens, rounds, examined = list(prompt), [], []
        k, finished = policy.start_k, "length"
        while len(tokens) - len(prompt) < max_new_tokens:
            remaining = max_new_tokens - (len(tokens) - len(prompt))
            asked = min(k if watch is None or watch.speculating() else 0, remaining - 1)
            draft = check_draft(self.drafter.propose(tokens, asked, sampling, rng), asked, self.vocab_size,
                                sampling.greedy)                                         # Step 1
            rows, parents = pass_rows(tokens[-1], draft)
            logits = read(rows, parents=parents)                                         # Step 2
            if wants:
                logits, features = logits
            v, alphas = self._verify(logits, draft, sampling, rng)                       # Step 3
            v, draft, path = take_alternative(v, logits, draft)
            kept = len(tokens) + v.n_accepted
            if wants:                             # the target's features of the kept tokens
                self.drafter.accept_features(features[path])
            target.keep_path(len(tokens) - 1, path)                                      # Step 4
            self.drafter.feedback(kept, len(draft.tokens), v.n_accepted)
            record, emitted, hit_eos = self._record(v, draft, len(tokens) - len(prompt))
            rounds.append(record)
            tokens.extend(emitted)
            if watch is not None:
                watch.record(len(emitted))
            examined.extend(alphas)
            if hit_eos:
                finished = "eos"
                break
            if draft.tokens:
                k = policy.next_k(k, v.n_accepted)
        synchronize(self.target.device)
        return self._result(prompt, tokens, rounds, examined, time.perf_counter() - start, target, finished)

    def _verify(self, logits, draft, sampling, rng):
        """Verification plus, per examined draft position, sum_x min(p, q) (the alpha samples).

        Positions after the first rejection are not examined: their p is conditioned on a
        rejected prefix, so they say nothing about alpha.
        """
        m = len(draft.tokens)
        if sampling.greedy:                       # argmax on logits: no softmax needed
            best = logits.argmax(dim=-1).tolist()
            matches = [float(best[i] == draft.tokens[i]) for i in range(m)]
            n = count_greedy_matches(best, draft.tokens)
            v = Verification(n, np.asarray(draft.tokens[:n] + [best[n]], dtype=np.int64), m,
                             np.asarray(matches))
            return v, matches[: min(n + 1, m)]
        p = sampling.probs(logits)
        q = draft.q_rows(p.shape[-1])
        v = verify(p, q, np.asarray(draft.tokens, dtype=np.int64), rng)
        overlap = np.minimum(p[:m], q).sum(axis=-1)
        return v, overlap[: min(v.n_accepted + 1, m)].tolist()

    def _record(self, v, draft, position):
        """The round as a RoundRecord, the tokens it emits, and whether EOS ended the output.

        When an accepted draft is EOS, the output stops there and the record shows the drafts
        before it as accepted and the EOS as the round's last token.
        """
        emitted = [int(t) for t in v.tokens]
        cut = next((i for i, t in enumerate(emitted) if t in self.eos), None)
        if cut is None or cut == len(emitted) - 1:
            record = RoundRecord(draft.tokens, v.n_accepted, emitted[-1], position, v.accept_probs,
                                 draft.alternatives)
            return record, emitted, cut is not None
        record = RoundRecord(draft.tokens[:cut], cut, emitted[cut], position, v.accept_probs[:cut],
                             draft.alternatives)
        return record, emitted[: cut + 1], True

    def _result(self, prompt, tokens, rounds, examined, seconds, target, finished) -> GenerationResult:
        new = tokens[len(prompt):]
        tok = self.tokenizer
        return GenerationResult(
            token_ids=new,
            text=tok.decode(new, skip_special_tokens=True) if tok is not None else None,
            rounds=rounds,
            n_accepted=sum(r.n_accepted for r in rounds),
            n_drafted=sum(r.k for r in rounds),
            alpha=mean_or_nan(examined),
            alpha_sum=float(np.sum(examined)),
            alpha_count=len(examined),
            seconds=seconds,
            target_forwards=target.forwards,
            draft_forwards=self.drafter.forwards,
            finished_by=finished,
            prompt_ids=list(prompt),
            decode=(lambda t: tok.decode([t])) if tok is not None else None,
        )
