"""The forty-line loop notebook 05 shows is speculative decoding: greedy output equal to the target's
own `generate` and to the package's runner, sampling that follows the target's law."""

import numpy as np
import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch  # noqa: F401
from test_real_sampling import PROMPT, THRESHOLD, VOCAB, exact_first_two

from speclab.real import SpeculativeDecoder
from speclab.real.by_hand import speculative_decode
from speclab.stats import chi_square_test


@pytest.fixture(scope="module")
def models():
    return tiny_gpt2(1, layers=2), tiny_gpt2(2, layers=1)


@pytest.mark.parametrize("k", [1, 3, 6])
@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_equals_the_targets_generate_and_the_runner(models, k, seed):
    target, draft = models
    prompt = random_prompt(seed, 7)
    mine = speculative_decode(target, draft, prompt, max_new_tokens=30, k=k)
    assert mine == hf_greedy(target, prompt, 30)
    assert mine == SpeculativeDecoder(target, draft).generate(prompt, 30, k=k).token_ids


def test_stops_after_the_end_of_sequence_token():
    target, draft = tiny_gpt2(3, eos=5), tiny_gpt2(4, eos=5)
    prompt = random_prompt(3, 6)
    expected = hf_greedy(target, prompt, 60)
    assert speculative_decode(target, draft, prompt, max_new_tokens=60, k=3) == expected


def test_sampling_follows_the_targets_law():
    target, draft = tiny_gpt2(0, vocab=VOCAB, layers=1, init=0.6), tiny_gpt2(5, vocab=VOCAB, layers=1, init=0.6)
    counts = np.zeros(VOCAB * VOCAB, dtype=np.int64)
    for seed in range(1000):
        x1, x2 = speculative_decode(target, draft, PROMPT, max_new_tokens=2, k=2, temperature=1.0, seed=seed)
        counts[x1 * VOCAB + x2] += 1
    _, p_value = chi_square_test(counts, exact_first_two(target, dict(temperature=1.0)))
    assert p_value > THRESHOLD


def test_same_seed_same_text(models):
    target, draft = models
    run = lambda seed: speculative_decode(target, draft, [1, 2, 3], max_new_tokens=12, k=3, temperature=1.0, seed=seed)
    assert run(7) == run(7)


@pytest.mark.parametrize("argument, value", [("k", 0), ("max_new_tokens", -1), ("temperature", -1.0), ("seed", "x")])
def test_bad_arguments_name_themselves(models, argument, value):
    target, draft = models
    with pytest.raises((ValueError, TypeError), match=argument):
        speculative_decode(target, draft, [1, 2], **{argument: value})


def test_a_draft_equal_to_the_target_is_always_accepted(models):
    """Every draft of a perfect draft is kept: k + 1 tokens per target pass (a wrong draft cache would not)."""
    target, _ = models
    passes = []
    hook = target.register_forward_hook(lambda *args: passes.append(1))
    try:
        out = speculative_decode(target, target, random_prompt(5, 6), max_new_tokens=32, k=3)
    finally:
        hook.remove()
    assert len(out) == 32 and len(passes) == 32 // 4 + 3 * (32 // 4)   # 8 verifying passes, 24 draft steps
