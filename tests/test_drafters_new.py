"""The suffix drafter and the quantized copy: exact under greedy, lossless under sampling, and
their own rules (longest match, majority, probability floor, bounded store; the copy leaves the
target alone), on tiny random models built in code."""

from __future__ import annotations

import copy

import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch  # noqa: F401  (skips without torch)
from test_real_sampling import PROMPT, THRESHOLD, VOCAB, exact_first_two, sampled_first_two

from speclab.real import DraftModelDrafter, QuantizedCopyDrafter, SpeculativeDecoder, SuffixDrafter
from speclab.stats import chi_square_test


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0, layers=3)


def dynamic_int8(model):
    return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


# ----------------------------------------------------------------------------- the suffix drafter's rule

def primed(*texts, **options) -> SuffixDrafter:
    drafter = SuffixDrafter(**options)
    for text in texts:
        drafter.remember(text)
    return drafter


def test_the_longest_match_wins_over_a_more_frequent_shorter_one():
    drafter = primed([1, 2, 3, 4, 5, 6], [9, 3, 7, 8], [9, 3, 7, 8])
    drafter.start([6, 2, 3])                      # "2 3" was seen once, "3" three times
    assert drafter.lookup([6, 2, 3], 5) == [4, 5]          # one draft per matched token (max_spec_factor 1)
    drafter.start([6, 1, 2, 3])
    assert drafter.lookup([6, 1, 2, 3], 5) == [4, 5, 6]
    assert drafter.lookup([6, 1, 2, 3], 2) == [4, 5]       # and never more than k


def test_the_majority_continuation_is_followed_and_the_latest_breaks_ties():
    drafter = primed([1, 2, 3, 4], [1, 2, 3, 8], [1, 2, 3, 8], [1, 2, 5, 6])
    drafter.start([1, 2, 3])
    assert drafter.lookup([1, 2, 3], 3) == [8]
    tie = primed([7, 1, 4], [7, 1, 5])
    tie.start([7, 1])
    assert tie.lookup([7, 1], 2) == [5]           # seen once each: the latest wins


def test_drafting_stops_when_the_draft_becomes_unlikely():
    texts = [[3, t] for t in range(10, 15)]       # five continuations of "3", a fifth each
    assert primed(*texts, min_prob=0.25).propose([3], 4).tokens == []
    assert primed(*texts, min_prob=0.2).propose([3], 4).tokens == [14]


def test_the_current_prompt_is_searched_without_matching_itself():
    drafter = SuffixDrafter()
    drafter.start(PROMPT)
    assert drafter.lookup(PROMPT, 2) == [3, 4]
    assert drafter.lookup([5, 6, 7], 3) == []


def test_the_store_is_bounded_and_drops_the_oldest():
    drafter = primed([1, 2, 3], [4, 5, 6], [7, 8, 9], max_tokens=8)
    assert drafter.stored_tokens == 8                          # 3 texts of 3 + separators = 12 > 8
    drafter.start([0, 7, 8])
    assert drafter.lookup([0, 7, 8], 1) == [9]
    drafter.start([0, 1, 2])
    assert drafter.lookup([0, 1, 2], 1) == []                  # the oldest text was dropped
    assert primed([1, 2, 3], max_tokens=0).stored_tokens == 0


def test_the_store_bound_holds_across_generations(target):
    drafter = SuffixDrafter(max_tokens=50)
    decoder = SpeculativeDecoder(target, drafter)
    for seed in range(4):
        decoder.generate(random_prompt(seed, 6), 20, k=3)
        assert drafter.stored_tokens <= 50
    drafter.start([1])
    assert drafter.stored_tokens == 50


def test_start_keeps_the_store_and_reset_can_empty_it(target):
    drafter = SuffixDrafter()
    decoder = SpeculativeDecoder(target, drafter)
    decoder.generate(random_prompt(1, 6), 16, k=3)
    decoder.generate(random_prompt(2, 6), 16, k=3)   # the first output is stored when this one starts
    kept = drafter.stored_tokens
    assert kept >= 12
    drafter.reset()
    assert drafter.stored_tokens == kept
    drafter.reset(store=True)
    assert drafter.stored_tokens == 0


def test_the_session_store_makes_a_repeated_question_cheap(target):
    drafter = SuffixDrafter()
    decoder = SpeculativeDecoder(target, drafter)
    prompt = random_prompt(11, 8)
    first = decoder.generate(prompt, 40, k=4)
    second = decoder.generate(prompt, 40, k=4)                 # at most 8 rounds x 4 drafts accepted
    assert second.token_ids == first.token_ids
    assert first.n_accepted <= 16 and second.n_accepted >= 24


@pytest.mark.parametrize("bad", [dict(max_tokens=-1), dict(max_depth=0), dict(max_spec_factor=-1.0),
                                 dict(min_prob=1.5), dict(max_tokens="many")])
def test_bad_options_name_themselves(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        SuffixDrafter(**bad)


@pytest.mark.parametrize("bad", [[1, -1], [1.5], ["a"]])
def test_only_token_ids_are_remembered(bad):
    with pytest.raises(ValueError, match="token_ids"):
        SuffixDrafter().remember(bad)


# ----------------------------------------------------------------------------- exact and lossless

def drafters(target):
    return {"suffix": SuffixDrafter(), "quantized int8": QuantizedCopyDrafter(target),
            "quantized int4": QuantizedCopyDrafter(target, bits=4),
            "dynamic int8 draft model": dynamic_int8(tiny_gpt2(1))}


@pytest.mark.parametrize("k", [1, 4])
def test_greedy_equals_hf_generate(target, k):
    made = drafters(target)                       # each drafter serves every prompt: the store grows
    for seed in range(3):
        prompt = random_prompt(seed, 5 + 3 * seed)
        expected = hf_greedy(target, prompt, 24)
        for name, drafter in made.items():
            assert SpeculativeDecoder(target, drafter).generate(prompt, 24, k=k).token_ids == expected, name


@pytest.fixture(scope="module")
def small():
    """The sampling tests' tiny-vocabulary target and its draft."""
    return tiny_gpt2(0, vocab=VOCAB, layers=1, init=0.6), tiny_gpt2(5, vocab=VOCAB, layers=1, init=0.6)


def test_suffix_sampling_matches_target(small):
    target, _ = small
    settings = dict(temperature=1.0)
    decoder = SpeculativeDecoder(target, SuffixDrafter())
    counts = sampled_first_two(decoder, settings)
    assert decoder.drafter.stored_tokens > 0      # later runs also draft from earlier outputs
    _, p_value = chi_square_test(counts, exact_first_two(target, settings))
    assert p_value > THRESHOLD


def test_quantized_copy_sampling_matches_target(small):
    """int4 (its own layer); the int8 copy runs the dynamically quantized path tested below."""
    target, _ = small
    settings = dict(temperature=0.8, top_k=4, top_p=0.9)
    counts = sampled_first_two(SpeculativeDecoder(target, QuantizedCopyDrafter(target, bits=4)), settings)
    _, p_value = chi_square_test(counts, exact_first_two(target, settings))
    assert p_value > THRESHOLD


def test_a_quantized_draft_model_samples_losslessly(small):
    """A dynamically quantized head has no weight tensor; the decoder reads its width all the same."""
    target, draft = small
    settings = dict(temperature=1.0)
    counts = sampled_first_two(SpeculativeDecoder(target, dynamic_int8(draft)), settings)
    _, p_value = chi_square_test(counts, exact_first_two(target, settings))
    assert p_value > THRESHOLD


# ----------------------------------------------------------------------------- the quantized copy

def test_a_quantized_head_of_another_vocabulary_is_refused(target):
    with pytest.raises(ValueError, match=r"\(80\).*\(64\)"):
        SpeculativeDecoder(target, DraftModelDrafter(dynamic_int8(tiny_gpt2(2, vocab=80))))


@pytest.mark.parametrize("bits", [8, 4])
def test_the_copy_is_quantized_and_the_target_untouched(target, bits):
    before = {name: tensor.clone() for name, tensor in target.state_dict().items()}
    kinds = [type(m) for m in target.modules()]
    drafter = QuantizedCopyDrafter(target, bits=bits)
    assert [type(m) for m in target.modules()] == kinds
    assert all(torch.equal(before[name], tensor) for name, tensor in target.state_dict().items())
    plain = (torch.nn.Linear, type(target.transformer.h[0].attn.c_attn))     # nn.Linear, GPT-2's Conv1D
    assert not any(isinstance(m, plain) for m in drafter.model.modules())
    ids = torch.tensor([random_prompt(3, 10)])
    with torch.no_grad():
        p, q = target(ids).logits, drafter.model(ids).logits
    assert 0 < (p - q).abs().max() < 0.5 * p.abs().max()      # close to the target, yet not equal


@pytest.mark.parametrize("bad", [dict(bits=3), dict(bits="8"), dict(bits=True)])
def test_bad_bits_are_refused(target, bad):
    with pytest.raises(ValueError, match="bits"):
        QuantizedCopyDrafter(target, **bad)


@pytest.mark.parametrize("bits", [8, 4])
def test_the_copy_holds_no_second_float_copy_of_the_weights(target, bits):
    """The target's linear and embedding weights are shared read-only while the copy is made, so a
    notebook never holds two float32 models at once; only small float tensors (norms) are copied."""
    drafter = QuantizedCopyDrafter(target, bits=bits)
    own = {t.data_ptr() for t in target.parameters()}
    copied = sum(t.numel() for t in drafter.model.parameters() if t.is_floating_point() and t.data_ptr() not in own)
    shared = sum(t.numel() for t in drafter.model.parameters() if t.data_ptr() in own)
    assert shared >= target.transformer.wte.weight.numel()        # the embedding, read-only
    assert copied < 0.05 * sum(t.numel() for t in target.parameters())
