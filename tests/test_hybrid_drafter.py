"""The hybrid drafter: copies after a long enough match, asks the trained head otherwise; exact under
greedy decoding, lossless under sampling, and the head's state right after rounds it did not draft."""

from __future__ import annotations

import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch  # noqa: F401  (skips without torch)
from test_real_sampling import PROMPT, THRESHOLD, VOCAB, exact_first_two, sampled_first_two
from test_trained_draft import train_tiny

from speclab.policies import FixedK
from speclab.real import FeatureDrafter, HybridDrafter, PromptLookupDrafter, SpeculativeDecoder, SuffixDrafter
from speclab.real.drafters.base import EMPTY, Draft
from speclab.real.drafters.hybrid import MIN_MATCH
from speclab.real.sampling import Sampling
from speclab.stats import chi_square_test


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0)


@pytest.fixture(scope="module")
def head(target):
    drafter, _ = train_tiny(target, epochs=1)          # a weak head is enough: exactness needs no skill
    return drafter


def fresh_head(head) -> FeatureDrafter:
    """The trained head's weights in a drafter of its own (no state shared between tests)."""
    return FeatureDrafter(head.target, head.head, head.vocab)


class Stub:
    """A model-free head drafter that proposes `tokens` and records what it was told."""

    def __init__(self, tokens=(9, 9, 9, 9, 9, 9, 9, 9)):
        self.tokens, self.asked, self.heard, self.forwards = list(tokens), [], [], 0

    def start(self, prompt_ids, eos=frozenset()):
        self.heard = []

    def propose(self, tokens, k, sampling=None, rng=None):
        self.asked.append(k)
        return Draft(self.tokens[:k]) if k else EMPTY

    def feedback(self, valid_length, n_drafted, n_accepted):
        self.heard.append((n_drafted, n_accepted))


def prompts_with_repeats() -> list:
    """Random prompts, two of them repeating a stretch, so both components get rounds."""
    a, b = random_prompt(40, 10), random_prompt(41, 7)
    return [a, a[:6] + b + a[:8], random_prompt(42, 12), b + b + b[:3]]


# ----------------------------------------------------------------------------- the decision

def test_a_long_enough_match_is_copied_and_a_short_one_goes_to_the_head():
    stub = Stub()
    hybrid = HybridDrafter(stub, SuffixDrafter(), min_match=4, head_k=2)
    context = [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4]             # "1 2 3 4" occurred, followed by 5
    hybrid.start(context)
    assert hybrid.propose(context, 3).tokens == [5, 6, 7]
    hybrid.feedback(len(context) + 1, 3, 3)
    short = [1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 4]               # only "2 3 4" occurred before
    hybrid.start(short)
    assert hybrid.propose(short, 3).tokens == [9, 9] and stub.asked[-1] == 2     # at most head_k
    hybrid.feedback(len(short), 2, 0)
    assert hybrid.split["head"] == {"rounds": 1, "drafted": 2, "accepted": 0}


def test_the_session_store_counts_as_context():
    suffix = SuffixDrafter()
    suffix.remember([8, 1, 2, 3, 4, 5, 6])
    hybrid = HybridDrafter(Stub(), suffix, min_match=4)
    context = [9, 1, 2, 3, 4]
    hybrid.start(context)
    assert hybrid.repeats(context) and hybrid.propose(context, 2).tokens == [5, 6]
    suffix.restore_store([8, 1, 2, 3, 4])                   # a match at the end of a stored text: no copy
    hybrid.start(context)
    assert not hybrid.repeats(context)


def test_every_component_hears_every_round_and_the_split_counts_them():
    stub = Stub()
    hybrid = HybridDrafter(stub, PromptLookupDrafter(), min_match=2, head_k=1)
    hybrid.start([1, 2, 3, 1, 2])
    assert hybrid.propose([1, 2, 3, 1, 2], 4).tokens == [3, 1, 2]        # copied
    hybrid.feedback(6, 3, 1)
    assert hybrid.propose([1, 2, 3, 1, 2, 3, 7], 4).tokens == [9]        # nothing to copy: head, capped at 1
    hybrid.feedback(8, 1, 1)
    assert hybrid.propose([1, 2, 3, 1, 2, 3, 7, 9], 0) is EMPTY
    hybrid.feedback(8, 0, 0)
    assert stub.heard == [(0, 0), (1, 1), (0, 0)]
    assert hybrid.split == {"copy": {"rounds": 1, "drafted": 3, "accepted": 1},
                            "head": {"rounds": 1, "drafted": 1, "accepted": 1},
                            "nothing": {"rounds": 1, "drafted": 0, "accepted": 0}}


def test_default_policy_is_the_longer_of_the_two_and_the_head_stays_capped(target, head):
    assert repr(HybridDrafter(fresh_head(head)).default_policy()) == repr(FixedK(7))       # suffix 7, head 2
    assert repr(HybridDrafter(fresh_head(head), PromptLookupDrafter()).default_policy()) == repr(FixedK(16))
    assert repr(HybridDrafter(Stub(), SuffixDrafter(), head_k=9).default_policy()) == repr(FixedK(9))
    hybrid = HybridDrafter(fresh_head(head))
    out = SpeculativeDecoder(target, hybrid).generate(random_prompt(44, 9), 24)
    head_rounds = [r for r in out.rounds if r.k and r.k <= 2]
    assert out.rounds[0].k <= 2 and head_rounds                         # round 1 has nothing to copy
    assert hybrid.forwards == hybrid.learned.forwards > 0


def test_the_session_store_is_the_copiers_and_can_be_put_back(target, head):
    hybrid = HybridDrafter(fresh_head(head))
    decoder = SpeculativeDecoder(target, hybrid)
    before = hybrid.saved_store()
    prompt = random_prompt(45, 8)
    decoder.generate(prompt, 16, k=3)
    decoder.generate(random_prompt(46, 8), 16, k=3)
    assert len(hybrid.saved_store()) > len(before) and len(hybrid.copier.saved_store()) > len(before)
    hybrid.restore_store(before)
    assert list(hybrid.saved_store()) == list(before)
    lookup = HybridDrafter(fresh_head(head), PromptLookupDrafter())
    assert lookup.saved_store() is None
    lookup.restore_store(None)                                      # nothing to put back, nothing done


def test_c_is_timed_on_the_heads_step(target, head):
    hybrid = HybridDrafter(fresh_head(head))
    prompt = random_prompt(47, 8)
    with torch.no_grad():
        features = target(torch.tensor([prompt[:-1]]), output_hidden_states=True).hidden_states[-1][0]
    token, _ = hybrid.draft_step_call(prompt, features)()
    assert token in hybrid.learned.vocab.tolist()


@pytest.mark.parametrize("bad, match", [(dict(min_match=0), "min_match"), (dict(min_match=65), "min_match"),
                                        (dict(min_match=2.5), "min_match"), (dict(min_match="4"), "min_match"),
                                        (dict(head_k=-1), "head_k"), (dict(copier=object()), "copier")])
def test_bad_options_name_themselves(bad, match):
    with pytest.raises(ValueError, match=match):
        HybridDrafter(Stub(), **bad)


def test_the_head_must_be_a_drafter_and_the_copier_must_copy(head):
    with pytest.raises(ValueError, match="head must be a drafter"):
        HybridDrafter("the head")
    feature = fresh_head(head)
    with pytest.raises(ValueError, match="copier must be a copying drafter"):
        HybridDrafter(Stub(), feature)
    assert MIN_MATCH == HybridDrafter(Stub()).min_match


# ----------------------------------------------------------------------------- exact and lossless

@pytest.mark.parametrize("k", [1, 3, 6])
def test_greedy_equals_hf_generate(target, head, k):
    hybrid = HybridDrafter(fresh_head(head), min_match=3)       # one hybrid for every prompt: the store grows
    lookup = HybridDrafter(fresh_head(head), PromptLookupDrafter(), min_match=2)
    used = {"copy": 0, "head": 0}
    for prompt in prompts_with_repeats():
        expected = hf_greedy(target, prompt, 32)
        for drafter in (hybrid, lookup):
            assert SpeculativeDecoder(target, drafter).generate(prompt, 32, k=k).token_ids == expected
            for who in used:
                used[who] += drafter.split[who]["rounds"]
    assert used["copy"] > 0 and used["head"] > 0


def test_the_heads_cache_holds_only_verified_entries_after_copied_rounds(target, head):
    hybrid = HybridDrafter(fresh_head(head), min_match=2)
    prompt = prompts_with_repeats()[1]
    out = SpeculativeDecoder(target, hybrid).generate(prompt, 40, k=4)
    assert hybrid.split["copy"]["rounds"] > 0 and hybrid.split["head"]["rounds"] > 0
    drafter = hybrid.learned
    known = drafter._known()
    assert known.shape[0] == len(out.prompt_ids) + len(out.token_ids) - 1      # a feature for every kept token
    fresh = fresh_head(head)
    fresh.start(out.prompt_ids, frozenset())
    fresh.accept_features(known)
    fresh.propose(out.prompt_ids + out.token_ids, 1, Sampling(), None)
    kept = drafter._cache.length
    assert kept == drafter._true_entries
    torch.testing.assert_close(drafter._cache.keys, fresh._cache.keys[:, :, :kept])
    torch.testing.assert_close(drafter._cache.values, fresh._cache.values[:, :, :kept])


@pytest.fixture(scope="module")
def small():
    """The sampling tests' tiny-vocabulary target and a head trained for it (q zero outside 4 of 6 tokens)."""
    model = tiny_gpt2(11, vocab=VOCAB, init=1.0)
    drafter, _ = train_tiny(model, vocab=VOCAB, vocab_size=4)
    return model, drafter


@pytest.mark.parametrize("min_match, first", [(2, "copy"), (4, "head")])
def test_sampling_is_lossless_whoever_drafts(small, min_match, first):
    model, head = small
    hybrid = HybridDrafter(FeatureDrafter(model, head.head, head.vocab), min_match=min_match)
    decoder = SpeculativeDecoder(model, hybrid)
    decoder.generate(PROMPT, 2, k=2, temperature=1.0, seed=0)          # only the first round drafts
    assert hybrid.split[first]["rounds"] == 1
    settings = dict(temperature=1.0)
    counts = sampled_first_two(decoder, settings)
    _, p_value = chi_square_test(counts, exact_first_two(model, settings))
    assert p_value > THRESHOLD, f"the hybrid ({first} first) is not lossless (p = {p_value:.2g})"
