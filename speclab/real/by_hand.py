"""Speculative decoding on two real models in about forty lines, the paper's steps in order.

Notebook 05 shows this source and checks it against the package's runner: same tokens under
greedy decoding, and the same rule (`speclab.verify`'s) under temperature. It keeps one KV cache
per model, drafts k tokens, verifies them in ONE cached target pass, accepts or resamples, and
crops both caches back to the tokens that were kept. No tricks of the runner (trees, policies,
two-row passes, fallback): the reader can hold all of it in their head.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache

from ._checks import check_model, check_same_vocab, check_temperature, eos_ids
from .._validate import as_count
from .kv_cache import cache_kwarg


def speculative_decode(target, draft, input_ids: list, max_new_tokens: int = 32, k: int = 4,
                       temperature: float = 0.0, seed: int = 0) -> list:
    """New token ids from the target, drafted by `draft` (same vocabulary), k drafts per round."""
    check_model(target, "target"), check_model(draft, "draft"), check_same_vocab(target, draft)
    k, n_new = as_count(k, "k", 1, 64), as_count(max_new_tokens, "max_new_tokens", 1, 100_000)
    temperature = check_temperature(temperature)
    rng = torch.Generator().manual_seed(as_count(seed, "seed"))
    eos, tokens, start = eos_ids(target), [int(t) for t in input_ids], len(input_ids)
    models = {"target": target, "draft": draft}
    caches = {"target": DynamicCache(), "draft": DynamicCache()}   # each holds tokens[:its length]

    def probs(name, sequence, last):   # run what the cache lacks; distributions of the last rows
        model, cache = models[name], caches[name]
        fed = torch.tensor([sequence[cache.get_seq_length():]])
        with torch.inference_mode():
            logits = model(fed, **{cache_kwarg(model): cache}, use_cache=True).logits[0, -last:]
        if temperature == 0:                      # greedy: all probability on the argmax
            return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).double()
        return torch.softmax(logits.double() / temperature, -1)

    def sample(dist):
        return int(torch.multinomial(dist, 1, generator=rng)) if temperature else int(dist.argmax())

    while len(tokens) - start < n_new:
        # Step 1: the draft proposes k tokens, one cached step each, keeping q for each.
        drafts, q = [], []
        for _ in range(k):
            q.append(probs("draft", tokens + drafts, 1)[0])
            drafts.append(sample(q[-1]))
        # Step 2: ONE target pass over the k drafts: p at every draft position, plus one more.
        p = probs("target", tokens + drafts, k + 1)
        # Step 3: keep draft x with probability min(1, p(x)/q(x)); stop at the first rejection.
        n = 0
        while n < k and torch.rand(1, generator=rng) < p[n, drafts[n]] / q[n][drafts[n]]:
            n += 1
        # Step 4: after a rejection, sample from norm(max(0, p - q)); else a bonus token from p.
        last = (p[n] - q[n]).clamp(min=0) if n < k else p[k]
        tokens += drafts[:n] + [sample(last / last.sum())]
        ends = [i for i, token in enumerate(tokens[start:]) if token in eos]
        if ends:                                  # an end-of-sequence token: the answer is done
            return tokens[start:start + min(ends[0] + 1, n_new)]
        # Step 5: crop both caches back to the kept tokens (the newest is in neither yet).
        for cache in caches.values():
            extra = cache.get_seq_length() - (len(tokens) - 1)
            if extra > 0:
                cache.crop(-extra)
    return tokens[start:start + n_new]
