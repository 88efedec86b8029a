"""Self-distillation data: the target answers built-in prompts, and we keep its tokens and features.

No dataset is needed because the draft's only job is to predict what THIS target would say next;
the target's own answers are exactly that text. Each prompt is answered greedily once and, for a
larger corpus, `variants - 1` more times by seeded sampling (different answers in the target's own
style). Generation is batched and KV-cached (Hugging Face generate); a hook on the base model
keeps the last hidden states of every forward, so no second pass over the text is needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..._validate import as_count, as_nonnegative
from .._checks import eos_ids
from ..kv_cache import last_hidden_states
from ..model_copy import in_dtype
from ..heldout import check_not_heldout
from ..prompts import chat_input_ids
from .prompts import held_out_prompts, training_prompts

#: The temperature of the sampled answers (variants after the first, greedy, one).
VARIANT_TEMPERATURE = 0.8
#: Answers written at once. Each holds its own KV cache (SmolLM2-135M in float32: about 5 MB at
#: 110 tokens, twice that while the cache grows), so 96 at once peak near 1 GB; 32 take a third
#: of that and about 20% longer (measured 2026-12-02: 1.64 vs 1.18 GB peak, 56 vs 66 s for 96 answers).
WRITE_BATCH = 96


@dataclass
class Sequence:
    """One answer: tokens x_0..x_{L-1}, features f_0..f_{L-2}, and where the generated part starts."""

    tokens: torch.Tensor          # [L] long
    features: torch.Tensor        # [L-1, hidden] float32
    first_generated: int          # index of the first generated token


@dataclass
class Corpus:
    """The training answers (greedy first, then the sampled variants, in that order), the held-out
    greedy answers, the seconds it took to write them, and how the corpus was made."""

    data: list
    held: list
    seconds: float
    eos: frozenset
    settings: dict

    def tokens(self, sequences=None) -> int:
        """Generated tokens in `sequences` (default: the whole training part)."""
        return int(sum(len(s.tokens) - s.first_generated for s in (self.data if sequences is None else sequences)))

    def first(self, n_tokens: int) -> list:
        """The shortest leading run of training answers holding at least `n_tokens` generated tokens."""
        total, out = 0, []
        for s in self.data:
            if total >= n_tokens:
                break
            out.append(s)
            total += len(s.tokens) - s.first_generated
        return out


def write_corpus(target, tokenizer=None, prompts=None, heldout=None, max_new_tokens: int = 96, variants: int = 1,
                 seed: int = 0, progress: bool = True, fast_writer: bool = True,
                 write_batch: int = WRITE_BATCH) -> Corpus:
    """The target answers every training prompt `variants` times (greedy, then sampled at
    VARIANT_TEMPERATURE, seeded) and every held-out prompt greedily (by the target itself),
    `write_batch` answers at a time (each holds its own KV cache: fewer use less memory)."""
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    write_batch = as_count(write_batch, "write_batch", minimum=1)
    variants = as_count(variants, "variants", minimum=1)
    seed = as_count(seed, "seed", minimum=0)
    train = training_prompts(seed=seed) if prompts is None else prompts
    check_not_heldout(readable(train, tokenizer), "prompts")        # the held-out set is never trained on
    train_ids = as_prompt_ids(train, tokenizer)
    heldout_ids = as_prompt_ids(held_out_prompts() if heldout is None else heldout, tokenizer)
    eos, pad = eos_ids(target, tokenizer), pad_id(target, tokenizer)
    begin = time.perf_counter()
    writer = _writer(target, fast_writer)
    data = []
    for v in range(variants):
        data += generate_sequences(writer, train_ids, max_new_tokens, eos, write_batch, pad, progress,
                                   temperature=VARIANT_TEMPERATURE if v else 0.0, seed=seed * 1_000_003 + v,
                                   desc="target writes training text" + (f" (variant {v + 1}/{variants})"
                                                                         if variants > 1 else ""))
    held = generate_sequences(target, heldout_ids, max_new_tokens, eos, write_batch, pad, progress,
                              desc="target writes held-out text")
    settings = {"n_prompts": len(train_ids), "max_new_tokens": max_new_tokens, "variants": variants,
                "temperature": VARIANT_TEMPERATURE, "seed": seed}
    return Corpus(data, held, time.perf_counter() - begin, frozenset(eos), settings)


def _writer(target, fast: bool):
    """A bfloat16 copy of a float32 CPU target (batched generation runs about twice as fast in
    bfloat16 on a CPU with AVX-512 BF16); the target itself otherwise."""
    weight = target.get_input_embeddings().weight
    if not fast or weight.device.type != "cpu" or weight.dtype != torch.float32 or not cpu_has_bf16():
        return target
    return in_dtype(target, torch.bfloat16)


def cpu_has_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def pad_id(target, tokenizer) -> int:
    for source in (tokenizer, getattr(target, "generation_config", None), target.config):
        value = getattr(source, "pad_token_id", None) if source is not None else None
        if value is not None:
            return int(value)
    return 0


def as_prompt_ids(prompts, tokenizer) -> list:
    """Strings become chat-formatted ids (needs the tokenizer); lists of ids pass through."""
    ids = []
    for prompt in prompts:
        if isinstance(prompt, str):
            if tokenizer is None:
                raise ValueError("prompts are strings, so pass the tokenizer (or give prompts as token-id lists)")
            ids.append(chat_input_ids(tokenizer, prompt))
        else:
            ids.append([int(t) for t in prompt])
    if not ids or any(len(p) == 0 for p in ids):
        raise ValueError("prompts must be a non-empty list of non-empty prompts")
    return ids


def readable(prompts, tokenizer) -> list:
    """Each prompt as the text the target is asked: strings as they are, token-id lists decoded
    with the tokenizer (None without one), so the held-out check sees every prompt it can."""
    return [prompt if isinstance(prompt, str) else None if tokenizer is None else _decoded(prompt, tokenizer)
            for prompt in prompts]


def _decoded(ids, tokenizer) -> str | None:
    """The text of token ids, or None when they are not ids the tokenizer reads (as_prompt_ids
    then names the problem)."""
    try:
        return tokenizer.decode([int(t) for t in ids])
    except (TypeError, ValueError, OverflowError, IndexError, KeyError):
        return None


def generate_sequences(target, prompt_ids: list, max_new_tokens: int, eos, batch_size: int = WRITE_BATCH,
                       pad_id: int = 0, progress: bool = True, desc: str = "target writes training text",
                       temperature: float = 0.0, seed: int = 0) -> list:
    """The target's answers to every prompt (greedy, or sampled at `temperature` from a seeded
    generator per batch), with their features, in batches (left padded)."""
    temperature = as_nonnegative(temperature, "temperature", scalar=True)
    out = []
    bar = tqdm(total=len(prompt_ids) * max_new_tokens, desc=desc, unit="tok", disable=not progress)
    for start in range(0, len(prompt_ids), batch_size):
        batch = prompt_ids[start: start + batch_size]
        if temperature > 0:
            torch.manual_seed(seed * 65_537 + start)     # generate samples from torch's global generator
        out.extend(_generate_batch(target, batch, max_new_tokens, eos, pad_id, temperature))
        bar.update(len(batch) * max_new_tokens)
    bar.close()
    return out


@torch.inference_mode()
def _generate_batch(target, batch: list, max_new_tokens: int, eos, pad_id: int, temperature: float = 0.0) -> list:
    device = next(target.parameters()).device
    width = max(len(p) for p in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, prompt in enumerate(batch):
        ids[row, width - len(prompt):] = torch.tensor(prompt)
        mask[row, width - len(prompt):] = 1
    with last_hidden_states(target) as seen:
        sampling = {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0} if temperature \
            else {"do_sample": False}
        generated = target.generate(ids.to(device), attention_mask=mask.to(device), **sampling,
                                    max_new_tokens=max_new_tokens, min_new_tokens=0, pad_token_id=pad_id,
                                    eos_token_id=sorted(eos) or None)
    features = torch.cat([f.float().cpu() for f in seen], dim=1)      # [B, width + new - 1, hidden]
    generated = generated.cpu()
    sequences = []
    for row, prompt in enumerate(batch):
        begin = width - len(prompt)
        new = generated[row, width:].tolist()
        end = next((i + 1 for i, t in enumerate(new) if t in eos), len(new))
        length = len(prompt) + end
        tokens = generated[row, begin: begin + length].clone()
        sequences.append(Sequence(tokens, features[row, begin: begin + length - 1].clone(), len(prompt)))
    return sequences
