"""Input checks for the real-model runner: one clear ValueError that names the argument."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .._validate import as_count, as_nonnegative


def check_temperature(temperature) -> float:
    """temperature must be a finite number >= 0; 0 means greedy decoding."""
    if isinstance(temperature, bool) or np.ndim(temperature) != 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0 = greedy); got {temperature!r}")
    return float(as_nonnegative(temperature, "temperature"))


def check_top_k(top_k):
    """top_k is None (off) or a whole number >= 1."""
    return None if top_k is None else as_count(top_k, "top_k", minimum=1)


def check_top_p(top_p):
    """top_p is None (off) or a number in (0, 1]."""
    if top_p is None:
        return None
    if isinstance(top_p, bool) or not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be None or a number in (0, 1]; got {top_p!r}")
    return float(top_p)


def check_seed(seed):
    """seed is None (fresh entropy) or a whole number >= 0."""
    return None if seed is None else as_count(seed, "seed", minimum=0)


def as_input_ids(prompt_or_input_ids, tokenizer) -> list:
    """Turn a string (needs a tokenizer), a list of ids, or a [1, T] / [T] tensor into a list of ids."""
    x = prompt_or_input_ids
    if isinstance(x, str):
        if tokenizer is None:
            raise ValueError("prompt_or_input_ids is a string, so pass tokenizer= to SpeculativeDecoder "
                             "(or pass token ids instead)")
        x = tokenizer(x, return_tensors="pt").input_ids
    if hasattr(x, "input_ids"):                      # a BatchEncoding from a tokenizer
        x = x["input_ids"]
    ids = torch.as_tensor(x) if not isinstance(x, torch.Tensor) else x
    if ids.ndim == 2:
        if ids.shape[0] != 1:
            raise ValueError(f"prompt_or_input_ids must hold one sequence (batch size 1); "
                             f"got batch size {ids.shape[0]}")
        ids = ids[0]
    if ids.ndim != 1 or ids.numel() == 0 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise ValueError(f"prompt_or_input_ids must be a non-empty string or 1-D / [1, T] token ids; "
                         f"got shape {tuple(ids.shape)} of {ids.dtype}")
    return [int(t) for t in ids.tolist()]


def check_length(model, prompt_length: int, max_new_tokens: int) -> int:
    """Prompt plus new tokens must fit the model's positions (GPT-2: 1024), or its embedding fails."""
    limit = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
    if limit and prompt_length + max_new_tokens > limit:
        raise ValueError(f"max_new_tokens must be <= {limit - prompt_length}: the model holds {limit} positions "
                         f"and the prompt takes {prompt_length}; got {max_new_tokens}")
    return max_new_tokens


def vocab_size(model) -> int:
    """The width of a model's logits: its output embedding rows, else config.vocab_size."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if head is not None and getattr(head, "weight", None) is not None:
        return int(head.weight.shape[0])
    return int(model.config.vocab_size)


def check_same_vocab(target, draft) -> int:
    """Draft and target must score the same vocabulary, or p and q cannot be compared."""
    v_target, v_draft = vocab_size(target), vocab_size(draft)
    if v_target != v_draft:
        raise ValueError(f"draft model vocabulary size ({v_draft}) must equal the target's ({v_target}): "
                         "speculative decoding compares p and q token by token")
    return v_target


def eos_ids(model, tokenizer=None) -> frozenset:
    """Token ids that end generation: the model's generation config, else the tokenizer's eos."""
    found = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if found is None:
        found = getattr(model.config, "eos_token_id", None)
    if found is None and tokenizer is not None:
        found = tokenizer.eos_token_id
    if found is None:
        return frozenset()
    return frozenset([int(found)] if isinstance(found, numbers.Integral) else [int(t) for t in found])
