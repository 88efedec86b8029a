"""Self-distillation data: the target answers built-in prompts, and we keep its tokens and features.

No dataset is needed because the draft's only job is to predict what THIS target would say next;
the target's own greedy answers are exactly that text. Generation is batched and KV-cached
(Hugging Face generate); a hook on the base model keeps the last hidden states of every forward,
so no second pass over the text is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..kv_cache import last_hidden_states
from ..prompts import chat_input_ids


@dataclass
class Sequence:
    """One answer: tokens x_0..x_{L-1}, features f_0..f_{L-2}, and where the generated part starts."""

    tokens: torch.Tensor          # [L] long
    features: torch.Tensor        # [L-1, hidden] float32
    first_generated: int          # index of the first generated token


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


def generate_sequences(target, prompt_ids: list, max_new_tokens: int, eos, batch_size: int = 96,
                       pad_id: int = 0, progress: bool = True, desc: str = "target writes training text") -> list:
    """The target's greedy answers to every prompt, with their features, in batches (left padded)."""
    out = []
    bar = tqdm(total=len(prompt_ids) * max_new_tokens, desc=desc, unit="tok", disable=not progress)
    for start in range(0, len(prompt_ids), batch_size):
        batch = prompt_ids[start: start + batch_size]
        out.extend(_generate_batch(target, batch, max_new_tokens, eos, pad_id))
        bar.update(len(batch) * max_new_tokens)
    bar.close()
    return out


@torch.inference_mode()
def _generate_batch(target, batch: list, max_new_tokens: int, eos, pad_id: int) -> list:
    device = next(target.parameters()).device
    width = max(len(p) for p in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, prompt in enumerate(batch):
        ids[row, width - len(prompt):] = torch.tensor(prompt)
        mask[row, width - len(prompt):] = 1
    with last_hidden_states(target) as seen:
        generated = target.generate(ids.to(device), attention_mask=mask.to(device), do_sample=False,
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
