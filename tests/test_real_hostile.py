"""The real runner under hostile input: one clear error naming the argument, never a raw torch error.

And every finite temperature >= 0 works: one so small that logits / temperature overflows float32
gives the limit the distribution approaches, all mass on the argmax (so the output is greedy's).
"""

from __future__ import annotations

import numpy as np
import pytest

from real_fixtures import hf_greedy, random_prompt, tiny_gpt2, torch, transformers  # noqa: F401

from speclab.real import SpeculativeDecoder
from speclab.real.drafters.base import Draft
from speclab.real.sampling import Sampling


@pytest.fixture(scope="module")
def target():
    return tiny_gpt2(0, layers=2)


@pytest.fixture(scope="module")
def draft():
    return tiny_gpt2(1)


class ProposesThis:
    """A drafter that always proposes the same (possibly invalid) draft."""

    forwards = 0

    def __init__(self, tokens, q=None):
        self.draft = Draft(tokens, q)

    def start(self, prompt_ids, eos=frozenset()):
        pass

    def propose(self, tokens, k, sampling, rng):
        return self.draft

    def feedback(self, valid_length, n_drafted, n_accepted):
        pass


@pytest.mark.parametrize("prompt, words", [
    ([1, 2, 64], "prompt_or_input_ids must hold token ids in 0..63"),
    ([1, -2, 3], "prompt_or_input_ids must hold token ids in 0..63"),
    (torch.tensor([[5, 10**6]]), "got 1000000"),
    (None, "prompt_or_input_ids must be a string, a list of token ids"),
    ({"ids": [1, 2]}, "prompt_or_input_ids must be a string, a list of token ids"),
    ([[1, 2], [3]], "prompt_or_input_ids must be a string, a list of token ids"),
    (3.5, "prompt_or_input_ids must be a string, a list of token ids"),
    (list(range(1, 60)) * 5, "prompt_or_input_ids is too long: 295 tokens, and the model holds 256 positions"),
])
def test_bad_prompts_name_the_prompt(target, draft, prompt, words):
    with pytest.raises(ValueError) as info:
        SpeculativeDecoder(target, draft).generate(prompt, 4)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_tokenizer_dict_of_input_ids_is_a_prompt(target, draft):
    dec = SpeculativeDecoder(target, draft)
    assert dec.generate({"input_ids": torch.tensor([[3, 4, 5]])}, 6).token_ids == dec.generate([3, 4, 5], 6).token_ids


def test_a_prompt_beyond_the_model_blames_the_prompt_not_max_new_tokens(target, draft):
    with pytest.raises(ValueError, match="prompt_or_input_ids is too long: 257 tokens"):
        SpeculativeDecoder(target, draft).generate([1] * 257, 1)
    with pytest.raises(ValueError, match="max_new_tokens must be <= 1: the model holds 256 positions"):
        SpeculativeDecoder(target, draft).generate([1] * 256, 2)
    with pytest.raises(ValueError, match="max_new_tokens must be <= 2: the model holds 256 positions"):
        SpeculativeDecoder(target, draft).generate([1] * 255, 3)


def short_gpt2(seed: int, positions: int = 64):
    """A tiny GPT-2 that embeds only `positions` positions (the embedding fails beyond them)."""
    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=64, n_positions=positions, n_embd=32, n_layer=2, n_head=2,
                                     bos_token_id=0, eos_token_id=None, pad_token_id=0, initializer_range=0.3)
    return transformers.GPT2LMHeadModel(config).eval()


@pytest.mark.parametrize("k", [0, 1, 4])
def test_a_prompt_filling_the_model_still_gets_its_last_token(k):
    """The last new token is read from the logits at the last position and never fed back, so a
    prompt of L tokens on a model of L positions gets one; L - 1 tokens get two, with drafts too."""
    target, draft = short_gpt2(0), short_gpt2(1)
    for length, new in [(64, 1), (63, 2), (60, 5)]:
        prompt = random_prompt(length, length)
        out = SpeculativeDecoder(target, draft).generate(prompt, new, k=k)
        assert out.token_ids == hf_greedy(target, prompt, new)
    with pytest.raises(IndexError):                               # the rule is exact: one more position fails
        with torch.no_grad():
            target(torch.tensor([[1] * 65]))


@pytest.mark.parametrize("model", ["gpt2", None, 42, torch.nn.Linear(2, 2)])
def test_a_target_that_is_not_a_model(draft, model):
    with pytest.raises(TypeError, match="target must be a causal language model") as info:
        SpeculativeDecoder(model, draft)
    assert isinstance(info.value, ValueError)
    if model == "gpt2":
        assert "load_offline_model" in str(info.value)


@pytest.mark.parametrize("drafter, words", [
    (ProposesThis([5, 64]), "the drafter proposed 64, not a token id in 0..63"),
    (ProposesThis([-1]), "the drafter proposed -1"),
    (ProposesThis([1.5]), "the drafter proposed 1.5"),
    (ProposesThis([1] * 50), "the drafter must propose a list of at most k = 3 token ids"),
    (ProposesThis([2, 3], q=np.full((2, 10), 0.1)), "the drafter's q must have shape [2, 64]"),
])
@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_a_drafter_proposing_nonsense_is_caught(target, drafter, words, temperature):
    with pytest.raises(ValueError) as info:
        SpeculativeDecoder(target, drafter).generate([1, 2, 3], 8, k=3, temperature=temperature, seed=0)
    assert words in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"temperature": "0.5"}, "temperature must be"), ({"temperature": True}, "temperature must be"),
    ({"temperature": float("inf")}, "temperature must be"), ({"max_new_tokens": 10**9}, "max_new_tokens must be"),
    ({"k": 10**9}, "k must be a whole number >= 0 and <= 100,000"), ({"seed": "1"}, "seed must be"),
    ({"top_k": 2.5}, "top_k must be"), ({"top_p": "0.9"}, "top_p must be"),
])
def test_bad_generation_arguments_name_themselves(target, draft, kwargs, words):
    args = {"max_new_tokens": 4, **kwargs}
    with pytest.raises(ValueError, match=words):
        SpeculativeDecoder(target, draft).generate([1, 2, 3], **args)


# ----------------------------------------------------------------------------- tiny temperatures

@pytest.mark.parametrize("temperature", [1e-40, 1e-300, 5e-324])
def test_a_vanishing_temperature_puts_all_mass_on_the_argmax(temperature):
    logits = torch.tensor([[2.0, 5.0, -1.0, 4.999], [0.0, 0.0, -3.0, -1.0]])
    probs = Sampling(temperature).probs(logits)
    assert np.all(np.isfinite(probs))
    assert np.array_equal(probs[0], [0.0, 1.0, 0.0, 0.0])
    assert np.array_equal(probs[1], [0.5, 0.5, 0.0, 0.0])      # tied maxima share the mass, as T -> 0 does


def test_small_but_representable_temperatures_are_unchanged():
    """Where logits / T fits float32 the processing is the plain one, bit for bit."""
    logits = torch.tensor([[2.0, 5.0, -1.0, 4.9]])
    expected = torch.softmax((logits.float() / 0.01).double(), dim=-1).numpy()
    assert np.array_equal(Sampling(0.01).probs(logits), expected)


@pytest.mark.parametrize("temperature", [1e-40, 1e-300])
def test_decoding_at_a_vanishing_temperature_is_greedy(target, draft, temperature):
    prompt = random_prompt(5, 7)
    out = SpeculativeDecoder(target, draft).generate(prompt, 20, k=3, temperature=temperature, seed=0)
    assert out.token_ids == hf_greedy(target, prompt, 20)


def test_alpha_is_na_when_nothing_was_drafted(target, draft):
    out = SpeculativeDecoder(target, draft).generate([1, 2, 3], 5, k=0)
    assert out.n_drafted == 0 and np.isnan(out.alpha) and np.isnan(out.acceptance_rate)
    assert "alpha~n/a" in out.summary() and "nan" not in out.summary()


class AnswersNaN:
    start_k, max_k = 2, 4

    def next_k(self, k, n_accepted):
        return float("nan")


def test_a_foreign_policy_is_checked_in_the_real_runner_too(target, draft):
    with pytest.raises(ValueError, match="policy.next_k must return whole numbers in 0..max_k = 4; got nan"):
        SpeculativeDecoder(target, draft).generate([1, 2, 3], 10, policy=AnswersNaN())


# ----------------------------------------------------------------------------- huge temperatures

@pytest.mark.parametrize("temperature", [1e39, 1e300])
def test_a_huge_temperature_gives_the_uniform_limit_over_the_allowed_tokens(temperature):
    """float32(1e39) is inf: finite logits go to 0 (uniform, as Hugging Face's warper gives the target),
    and a masked -inf logit stays masked (-inf / inf would be NaN)."""
    inf = float("inf")
    probs = Sampling(temperature).probs(torch.tensor([[2.0, 5.0, -inf, 4.0], [-inf, 1.0, 3.0, -inf]]))
    assert np.array_equal(probs[0], [1 / 3, 1 / 3, 0.0, 1 / 3]) and np.array_equal(probs[1], [0.0, 0.5, 0.5, 0.0])


def test_a_masked_logit_stays_masked_at_every_temperature():
    inf = float("inf")
    logits = torch.tensor([[2.0, -inf, 1.0]])
    for temperature in (1e-40, 0.5, 1.0, 1e30):
        probs = Sampling(temperature).probs(logits)
        assert np.all(np.isfinite(probs)) and probs[0, 1] == 0.0 and abs(probs.sum() - 1) < 1e-12


# ----------------------------------------------------------------------------- the caller's model state

def test_greedy_decoding_runs_models_left_in_training_mode_in_eval_mode():
    """Dropout on (train mode) would make "greedy" output random; the decoder switches it off and
    gives every submodule back the mode the caller left it in."""
    target, draft = tiny_gpt2(0), tiny_gpt2(1)
    assert target.config.resid_pdrop > 0 and draft.config.attn_pdrop > 0
    target.train()
    draft.train()
    draft.transformer.h[0].eval()                               # a mixed state is restored as it was
    prompt = random_prompt(31, 9)
    runs = [SpeculativeDecoder(target, draft).generate(prompt, 24, k=3).token_ids for _ in range(2)]
    assert runs[0] == runs[1]
    assert target.training and draft.training and not draft.transformer.h[0].training
    assert all(m.training for m in target.modules())
    assert draft.transformer.h[1].training and not any(m.training for m in draft.transformer.h[0].modules())
    target.eval()
    assert runs[0] == hf_greedy(target, prompt, 24)


def test_dropout_would_change_the_output_in_training_mode():
    """The check above can fail: with dropout on, the target's own forward passes differ run to run."""
    target = tiny_gpt2(0).train()
    ids = torch.tensor([random_prompt(32, 9)])
    with torch.no_grad():
        assert not torch.equal(target(ids).logits, target(ids).logits)


# ----------------------------------------------------------------------------- deep errors, named

def test_objects_that_are_not_models_are_named_where_they_enter():
    from speclab.real.baselines import hf_generate, two_row_autoregressive
    from speclab.real.drafters.early_exit import EarlyExitDrafter

    for call in (lambda: EarlyExitDrafter("x", 1), lambda: two_row_autoregressive("smollm2", [1, 2], 3),
                 lambda: hf_generate("smollm2", [1, 2], 3)):
        with pytest.raises(TypeError, match="target must be a causal language model"):
            call()
    with pytest.raises(TypeError, match="assistant_model must be a causal language model"):
        hf_generate(tiny_gpt2(0), [1, 2], 3, assistant_model="gpt2")


@pytest.mark.parametrize("device", ["bogus", "cuda:x", "", 3, "meta"])
def test_load_offline_model_checks_the_device_before_loading(device, monkeypatch):
    from speclab.real import offline

    monkeypatch.setattr(offline, "is_cached", lambda: (_ for _ in ()).throw(AssertionError("loading began")))
    with pytest.raises(ValueError, match="device must be cpu, cuda, cuda:N or mps"):
        offline.load_offline_model(device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_load_offline_model_without_cuda_says_so(monkeypatch):
    from speclab.real import offline

    monkeypatch.setattr(offline, "is_cached", lambda: (_ for _ in ()).throw(AssertionError("loading began")))
    with pytest.raises(ValueError, match="no CUDA GPU"):
        offline.load_offline_model(device="cuda")


@pytest.mark.parametrize("dtype", ["int8", "float64x", torch.long, 16])
def test_load_offline_model_checks_the_dtype_before_loading(dtype, monkeypatch):
    from speclab.real import offline

    monkeypatch.setattr(offline, "is_cached", lambda: (_ for _ in ()).throw(AssertionError("loading began")))
    with pytest.raises(ValueError, match="dtype must be None or a floating torch dtype"):
        offline.load_offline_model(dtype=dtype)
