"""Sampling is lossless: the first tokens of speculative sampling follow the target's own law.

A tiny-vocabulary target lets us enumerate the exact law of the first two tokens,
P(x1, x2) = p(x1) p(x2 | x1), under temperature / top-k / top-p (processed independently of the
package here), and compare it with many seeded runs by a chi-square test. The threshold 1e-4 makes
a false alarm negligible; the broken-rule test shows the same test does catch a lossy rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from real_fixtures import tiny_gpt2, torch

import sys

import speclab.verify  # noqa: F401  (the module; `speclab.verify` the attribute is the function)
from speclab.real import PromptLookupDrafter, SpeculativeDecoder
from speclab.stats import chi_square_test

VOCAB, RUNS, THRESHOLD = 6, 1000, 1e-4
PROMPT = [1, 2, 3, 4, 1, 2]          # ends with an n-gram seen before, so prompt lookup drafts


def processed(logits, temperature, top_k=None, top_p=None) -> np.ndarray:
    """softmax(logits / T) restricted to the top-k, then to the top-p nucleus (written independently)."""
    logits = np.asarray(logits, dtype=np.float64) / temperature
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(len(probs), dtype=bool)
    keep[order[: top_k or len(probs)]] = True
    probs = np.where(keep, probs, 0.0) / probs[keep].sum()
    if top_p is not None:
        cumulative = np.cumsum(probs[order])
        nucleus = order[: int(np.searchsorted(cumulative, top_p - 1e-12)) + 1]
        keep = np.zeros(len(probs), dtype=bool)
        keep[nucleus] = True
        probs = np.where(keep, probs, 0.0) / probs[keep].sum()
    return probs


def exact_first_two(model, settings) -> np.ndarray:
    """P(x1, x2) for every pair, flattened, from full (uncached) forward passes."""
    with torch.no_grad():
        first = processed(model(torch.tensor([PROMPT])).logits[0, -1], **settings)
        rows = [first[x] * processed(model(torch.tensor([PROMPT + [x]])).logits[0, -1], **settings)
                for x in range(VOCAB)]
    return np.concatenate(rows)


def sampled_first_two(decoder, settings, seed0: int = 0) -> np.ndarray:
    counts = np.zeros(VOCAB * VOCAB, dtype=np.int64)
    for seed in range(seed0, seed0 + RUNS):
        # 3 new tokens with k=2: the first round drafts 2 and so decides the first two tokens
        x1, x2, _ = decoder.generate(PROMPT, 3, k=2, seed=seed, **settings).token_ids
        counts[x1 * VOCAB + x2] += 1
    return counts


@pytest.fixture(scope="module")
def pair():
    return tiny_gpt2(0, vocab=VOCAB, layers=1, init=0.6), tiny_gpt2(5, vocab=VOCAB, layers=1, init=0.6)


SETTINGS = [dict(temperature=1.0), dict(temperature=0.8, top_k=4, top_p=0.9)]


@pytest.mark.parametrize("settings", SETTINGS, ids=["T=1", "T=0.8,top_k=4,top_p=0.9"])
def test_draft_model_sampling_matches_target(pair, settings):
    target, draft = pair
    p = exact_first_two(target, settings)
    counts = sampled_first_two(SpeculativeDecoder(target, draft), settings)
    _, p_value = chi_square_test(counts, p)
    assert p_value > THRESHOLD


def test_prompt_lookup_sampling_matches_target(pair):
    target, _ = pair
    settings = dict(temperature=1.0)
    decoder = SpeculativeDecoder(target, PromptLookupDrafter())
    assert decoder.drafter.lookup(PROMPT, 2) == [3, 4]    # the drafts really are proposed
    _, p_value = chi_square_test(sampled_first_two(decoder, settings), exact_first_two(target, settings))
    assert p_value > THRESHOLD


def test_the_chi_square_test_catches_a_rule_without_residual(pair, monkeypatch):
    """Sampling the correction from p instead of norm(max(0, p - q)) is lossy: the test must see it."""
    target, draft = pair
    settings = SETTINGS[0]
    monkeypatch.setattr(sys.modules["speclab.verify"], "residual", lambda p, q: p)
    _, p_value = chi_square_test(sampled_first_two(SpeculativeDecoder(target, draft), settings),
                                 exact_first_two(target, settings))
    print("p-value without residual:", p_value)
    assert p_value < THRESHOLD


def test_the_pair_disagrees_enough_for_the_test_to_matter(pair):
    """Sanity: alpha well below 1, so the residual does real work in the tests above."""
    target, draft = pair
    with torch.no_grad():
        p = processed(target(torch.tensor([PROMPT])).logits[0, -1], 1.0)
        q = processed(draft(torch.tensor([PROMPT])).logits[0, -1], 1.0)
    assert np.minimum(p, q).sum() < 0.8
