"""The baselines a speculative run is set beside, on the same input ids.

- `autoregressive`: the target alone, KV-cached, one token per forward pass (this package's
  runner with k = 0, so it pays exactly the same per-step overhead);
- `two_row_autoregressive`: the same, but every pass also reads one dummy token (then dropped), so
  on a CPU it gets the multi-core kernel verification passes get (row_kernel.py): the strict
  baseline that shows what a draft adds beyond that kernel;
- `hf_generate`: Hugging Face `generate` itself: plain KV-cached decoding, assisted generation
  with a draft model (`assistant_model=`), or its prompt lookup (`prompt_lookup_num_tokens=`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from ..policies import FixedK
from .._validate import as_count
from ..limits import MAX_K
from ._checks import as_input_ids, check_length, check_model, check_seed, vocab_size
from .drafters.base import Draft
from .kv_cache import synchronize
from .sampling import Sampling


@dataclass
class BaselineResult:
    """Token ids and wall-clock seconds of one baseline run."""

    name: str
    token_ids: list
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return len(self.token_ids) / self.seconds if self.seconds > 0 else float("nan")


def autoregressive(target, input_ids, max_new_tokens: int, temperature: float = 0.0,
                   top_k=None, top_p=None, seed=None, tokenizer=None) -> BaselineResult:
    """The target's own KV-cached decoding, through the same runner with no drafts."""
    from .decoder import SpeculativeDecoder
    from .drafters.prompt_lookup import PromptLookupDrafter

    out = SpeculativeDecoder(target, PromptLookupDrafter(), tokenizer).generate(
        input_ids, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, policy=FixedK(0))
    return BaselineResult("autoregressive", out.token_ids, out.seconds)


class DummyDrafter:
    """Drafts one fixed token every round (the last vocabulary id: rarely right), costing nothing."""

    name = "one dummy token per pass"
    forwards = 0

    def __init__(self, token: int):
        self.token = int(token)

    def start(self, prompt_ids, eos=frozenset()) -> None:
        pass

    def propose(self, tokens, k, sampling, rng):
        return Draft([self.token] if k > 0 else [], None)

    def feedback(self, valid_length: int, n_drafted: int, n_accepted: int) -> None:
        pass


def two_row_autoregressive(target, input_ids, max_new_tokens: int, tokenizer=None, *, temperature: float = 0.0,
                           top_k=None, top_p=None, seed=None) -> BaselineResult:
    """Plain decoding whose passes read two rows: the next token and a dummy one.

    The output is the target's own (greedy: its greedy output, a dummy that happens to be right is
    simply kept; sampling: the dummy is a one-hot draft, accepted with probability p(dummy) by the
    lossless rule, so the text is distributed as the target's samples).
    """
    from .decoder import SpeculativeDecoder

    check_model(target, "target")
    dummy = DummyDrafter(vocab_size(target) - 1)
    out = SpeculativeDecoder(target, dummy, tokenizer).generate(
        input_ids, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, policy=FixedK(1))
    return BaselineResult("two-row autoregressive", out.token_ids, out.seconds)


def hf_generate(target, input_ids, max_new_tokens: int, temperature: float = 0.0, top_k=None, top_p=None,
                seed=None, assistant_model=None, prompt_lookup_num_tokens=None, name=None) -> BaselineResult:
    """Hugging Face `generate` on one sequence (the target in eval mode); returns only the new tokens."""
    from .decoder import eval_mode

    check_model(target, "target")
    if assistant_model is not None:
        check_model(assistant_model, "assistant_model")
    if prompt_lookup_num_tokens is not None:
        prompt_lookup_num_tokens = as_count(prompt_lookup_num_tokens, "prompt_lookup_num_tokens", minimum=1,
                                            maximum=MAX_K)
    sampling = Sampling(temperature, top_k, top_p)
    prompt = as_input_ids(input_ids, None, vocab_size(target))
    max_new_tokens = check_length(target, len(prompt), max_new_tokens)
    seed = check_seed(seed)
    ids = torch.tensor([prompt], device=target.device)
    kwargs = dict(max_new_tokens=max_new_tokens, attention_mask=torch.ones_like(ids),
                  do_sample=not sampling.greedy, pad_token_id=_pad_id(target))
    if not sampling.greedy:
        kwargs.update(temperature=sampling.temperature, top_k=sampling.top_k or 0, top_p=sampling.top_p or 1.0)
    if assistant_model is not None:
        kwargs["assistant_model"] = assistant_model
    if prompt_lookup_num_tokens is not None:
        kwargs["prompt_lookup_num_tokens"] = prompt_lookup_num_tokens
    if seed is not None:
        torch.manual_seed(seed)  # HF generate samples from torch's global generator; there is no other way in
    synchronize(target.device)
    start = time.perf_counter()
    with torch.inference_mode(), eval_mode(target, *([assistant_model] if assistant_model is not None else [])):
        out = target.generate(ids, **kwargs)
    synchronize(target.device)
    label = name or ("hf assisted" if assistant_model is not None else
                     "hf prompt lookup" if prompt_lookup_num_tokens else "hf generate")
    return BaselineResult(label, out[0, ids.shape[1]:].tolist(), time.perf_counter() - start)


def _pad_id(model):
    config = model.generation_config
    if config.pad_token_id is not None:
        return config.pad_token_id
    eos = config.eos_token_id
    return eos[0] if isinstance(eos, (list, tuple)) else eos
