"""SpeculativeDecoder on tiny random GPT-2 models: greedy equality, caches, EOS, lengths, errors."""

from __future__ import annotations

import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch  # noqa: F401  (skips without torch)

from speclab.policies import AdaptiveK
from speclab.real import DraftModelDrafter, EarlyExitDrafter, PromptLookupDrafter, SpeculativeDecoder
from speclab.real.kv_cache import CachedModel


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0, layers=3)


@pytest.fixture(scope="module")
def draft():
    return tiny_gpt2(1)


def drafters(target, draft):
    return {"draft model": draft, "prompt lookup": PromptLookupDrafter(min_ngram=1),
            "early exit": EarlyExitDrafter(target, 1), "self": DraftModelDrafter(target)}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 3, 6])
def test_greedy_equals_hf_generate(target, draft, seed, k):
    prompt = random_prompt(seed, 5 + 3 * seed)
    expected = hf_greedy(target, prompt, 24)
    for name, drafter in drafters(target, draft).items():
        out = SpeculativeDecoder(target, drafter).generate(prompt, 24, k=k)
        assert out.token_ids == expected, name


def test_greedy_equals_hf_generate_with_adaptive_k(target, draft):
    prompt = random_prompt(11, 9)
    out = SpeculativeDecoder(target, draft).generate(prompt, 30, policy=AdaptiveK(start_k=2, max_k=8))
    assert out.token_ids == hf_greedy(target, prompt, 30)


def test_accepts_tensor_and_batch_of_one(target, draft):
    prompt = random_prompt(3, 6)
    dec = SpeculativeDecoder(target, draft)
    a = dec.generate(torch.tensor(prompt), 10).token_ids
    b = dec.generate(torch.tensor([prompt]), 10).token_ids
    assert a == b == dec.generate(prompt, 10).token_ids


def test_target_reads_each_token_once(target, draft, monkeypatch):
    """The KV cache is used: the target is fed prompt[:-1] once, then [last, drafts] per round."""
    fed = []
    original = CachedModel.forward

    def spy(self, token_ids, last_only=False, **options):
        if self.model is target:
            fed.append(len(token_ids))
        return original(self, token_ids, last_only, **options)

    monkeypatch.setattr(CachedModel, "forward", spy)
    prompt = random_prompt(5, 12)
    out = SpeculativeDecoder(target, draft).generate(prompt, 20, k=3)
    assert fed[0] == len(prompt) - 1
    assert fed[1:] == [r.k + 1 for r in out.rounds]
    assert out.target_forwards == len(out.rounds) + 1


def test_cache_crop_matches_a_fresh_forward(target):
    """Cropping the cache after a rejection leaves exactly the state of never having seen the drafts."""
    prompt = random_prompt(6, 10)
    with torch.inference_mode():
        cached = CachedModel(target)
        cached.forward(prompt)
        cached.forward([5, 6, 7])               # drafts that get rejected
        cached.crop(len(prompt) + 1)            # keep the first draft only
        assert cached.length == len(prompt) + 1
        logits = cached.forward([9])
        fresh = target(torch.tensor([prompt + [5, 9]])).logits[0, -1]
    torch.testing.assert_close(logits[-1], fresh, rtol=1e-4, atol=1e-5)


def test_draft_cache_is_cropped_so_self_drafting_is_always_accepted(target):
    """Drafting with the target itself: any stale draft-cache entry would cause a rejection."""
    out = SpeculativeDecoder(target, DraftModelDrafter(target)).generate(random_prompt(7, 8), 40, k=4)
    assert out.n_drafted > 0 and out.n_accepted == out.n_drafted
    assert out.alpha == 1.0
    assert len(out.rounds) == 8                 # 40 tokens, 5 per round


@pytest.mark.parametrize("k", [0, 1, 3, 7])
@pytest.mark.parametrize("max_new_tokens", [1, 5, 13])
def test_exactly_max_new_tokens(target, draft, k, max_new_tokens):
    out = SpeculativeDecoder(target, draft).generate(random_prompt(8, 6), max_new_tokens, k=k)
    assert len(out.token_ids) == max_new_tokens and out.finished_by == "length"
    assert [t for r in out.rounds for t in r.emitted] == out.token_ids


def test_zero_new_tokens(target, draft):
    out = SpeculativeDecoder(target, draft).generate(random_prompt(8, 6), 0)
    assert out.token_ids == [] and out.rounds == []


def _model_with_eos_at(step: int, seed: int = 0):
    """A tiny target whose EOS is the token its greedy output produces at `step` (first time)."""
    probe = tiny_gpt2(seed, layers=3)
    prompt = random_prompt(21, 7)
    reference = hf_greedy(probe, prompt, 30)
    eos = reference[step]
    first = reference.index(eos)
    model = tiny_gpt2(seed, layers=3, eos=eos)
    return model, prompt, reference[: first + 1]


@pytest.mark.parametrize("step", [4, 11])
def test_eos_ends_the_output(step):
    target, prompt, expected = _model_with_eos_at(step)
    assert hf_greedy(target, prompt, 30) == expected
    for drafter in (DraftModelDrafter(target), PromptLookupDrafter(min_ngram=1), tiny_gpt2(1)):
        out = SpeculativeDecoder(target, drafter).generate(prompt, 30, k=5)
        assert out.token_ids == expected and out.finished_by == "eos"
        assert [t for r in out.rounds for t in r.emitted] == out.token_ids


def test_eos_inside_an_accepted_draft_cuts_the_round():
    target, prompt, expected = _model_with_eos_at(11)
    out = SpeculativeDecoder(target, DraftModelDrafter(target)).generate(prompt, 30, k=20)
    # self-drafting accepts everything: EOS arrives as a draft and the output stops right there
    assert out.token_ids == expected
    assert out.rounds[-1].next_token == expected[-1]


def test_same_seed_same_sample(target, draft):
    dec = SpeculativeDecoder(target, draft)
    prompt = random_prompt(9, 6)
    runs = [dec.generate(prompt, 30, k=3, temperature=1.0, top_k=20, top_p=0.9, seed=s).token_ids
            for s in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_result_counts(target, draft):
    out = SpeculativeDecoder(target, draft).generate(random_prompt(10, 6), 25, k=3, temperature=0.7, seed=0)
    assert out.n_drafted == sum(r.k for r in out.rounds)
    assert out.n_accepted == sum(r.n_accepted for r in out.rounds)
    assert out.draft_forwards >= out.n_drafted
    assert 0.0 <= out.alpha <= 1.0 and out.seconds > 0
    assert out.text is None and "rounds" in out.summary()


# ----------------------------------------------------------------------------- bad input

def test_mismatched_vocabularies_name_both_sizes(target):
    with pytest.raises(ValueError, match=r"\(80\).*\(64\)"):
        SpeculativeDecoder(target, tiny_gpt2(2, vocab=80))


def test_batch_above_one_is_refused(target, draft):
    with pytest.raises(ValueError, match="batch size 2"):
        SpeculativeDecoder(target, draft).generate(torch.ones(2, 5, dtype=torch.long), 5)


@pytest.mark.parametrize("kwargs, name", [
    ({"k": -1}, "k"), ({"k": 1.5}, "k"), ({"temperature": -0.1}, "temperature"),
    ({"temperature": float("nan")}, "temperature"), ({"top_p": 0.0}, "top_p"), ({"top_p": 1.5}, "top_p"),
    ({"top_k": 0}, "top_k"), ({"max_new_tokens": -1}, "max_new_tokens"), ({"seed": -3}, "seed"),
    ({"policy": "fast"}, "policy"),
])
def test_bad_arguments_name_themselves(target, draft, kwargs, name):
    args = {"max_new_tokens": 5, **kwargs}
    with pytest.raises(ValueError, match=name):
        SpeculativeDecoder(target, draft).generate([1, 2, 3], **args)


def test_output_must_fit_the_model_positions(target, draft):
    # 256 positions, a 10-token prompt: 247 new tokens fit (the last one is never fed back), 248 do not
    with pytest.raises(ValueError, match="max_new_tokens must be <= 247"):
        SpeculativeDecoder(target, draft).generate(random_prompt(1, 10), 248)


def test_string_prompt_needs_a_tokenizer(target, draft):
    with pytest.raises(ValueError, match="tokenizer"):
        SpeculativeDecoder(target, draft).generate("hello", 5)


@pytest.mark.parametrize("bad", [[], [[1, 2], [3, 4]], torch.zeros(3)])
def test_bad_prompts(target, draft, bad):
    with pytest.raises(ValueError, match="prompt_or_input_ids"):
        SpeculativeDecoder(target, draft).generate(bad, 5)


def test_unknown_drafter(target):
    with pytest.raises(ValueError, match="drafter"):
        SpeculativeDecoder(target, "gpt2")
