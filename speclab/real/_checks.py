"""Input checks for the real-model runner: one clear ValueError that names the argument."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .._validate import ArgumentTypeError, as_count, as_nonnegative, short_repr
from ..limits import MAX_NEW_TOKENS


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


def check_model(model, name: str) -> None:
    """A causal LM object (a torch module with a config), not a name or a path to one."""
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "config"):
        hint = (" (load it first, e.g. speclab.real.load_offline_model() or "
                "AutoModelForCausalLM.from_pretrained(name))") if isinstance(model, (str, bytes)) else ""
        raise ArgumentTypeError(f"{name} must be a causal language model (a transformers model object){hint}; "
                                f"got {short_repr(model)} ({type(model).__name__})")


def as_input_ids(prompt_or_input_ids, tokenizer, vocab_size: int | None = None) -> list:
    """Turn a string (needs a tokenizer), a list of ids, or a [1, T] / [T] tensor into a list of ids.

    With `vocab_size`, every id must lie in 0..vocab_size - 1 (the model's embedding rows).
    """
    x = prompt_or_input_ids
    if isinstance(x, str):
        if tokenizer is None:
            raise ValueError("prompt_or_input_ids is a string, so pass tokenizer= to SpeculativeDecoder "
                             "(or pass token ids instead)")
        x = tokenizer(x, return_tensors="pt").input_ids
    if hasattr(x, "input_ids") or (isinstance(x, dict) and "input_ids" in x):   # a tokenizer's BatchEncoding
        x = x["input_ids"]
    ids = _as_tensor(x)
    if ids.ndim == 2:
        if ids.shape[0] != 1:
            raise ValueError(f"prompt_or_input_ids must hold one sequence (batch size 1); "
                             f"got batch size {ids.shape[0]}")
        ids = ids[0]
    if ids.ndim != 1 or ids.numel() == 0 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise ValueError(f"prompt_or_input_ids must be a non-empty string or 1-D / [1, T] token ids; "
                         f"got shape {tuple(ids.shape)} of {ids.dtype}")
    ids = [int(t) for t in ids.tolist()]
    if vocab_size is not None and not all(0 <= t < vocab_size for t in ids):
        bad = next(t for t in ids if not 0 <= t < vocab_size)
        raise ValueError(f"prompt_or_input_ids must hold token ids in 0..{vocab_size - 1} (the model's "
                         f"vocabulary); got {bad}")
    return ids


def _as_tensor(x) -> torch.Tensor:
    """x as a tensor of token ids; a clear error for None, dicts, ragged lists and other objects."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, (list, tuple, np.ndarray)):
        try:
            return torch.as_tensor(np.asarray(x))
        except (TypeError, ValueError, RuntimeError, OverflowError):
            pass
    raise ArgumentTypeError("prompt_or_input_ids must be a string, a list of token ids or a [1, T] tensor; "
                            f"got {short_repr(x)} ({type(x).__name__})")


#: measure_pair / `speclab measure`: the largest k measured (it times target passes over 1..k+1 tokens).
MAX_MEASURED_K = 64


def position_limit(model):
    """How many positions the model embeds (GPT-2: 1024; SmolLM2: 8192), or None if it names no limit."""
    config = model.config
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    return int(limit) if isinstance(limit, numbers.Integral) and limit > 0 else None


def check_length(model, prompt_length: int, max_new_tokens) -> int:
    """The prompt and every new token but the last must fit the model's positions (GPT-2: 1024).

    The last new token is sampled from the logits at the position before it and never read
    back, so a prompt of L tokens leaves room for limit + 1 - L new ones: a prompt that fills
    the model still gets one. A prompt longer than the model is the prompt's fault, not max_new_tokens'.
    """
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", maximum=MAX_NEW_TOKENS)
    limit = position_limit(model)
    if limit and prompt_length > limit:
        raise ValueError(f"prompt_or_input_ids is too long: {prompt_length} tokens, and the model holds "
                         f"{limit} positions; pass at most {limit} tokens")
    if limit and prompt_length + max_new_tokens > limit + 1:
        raise ValueError(f"max_new_tokens must be <= {limit + 1 - prompt_length}: the model holds {limit} "
                         f"positions, the prompt takes {prompt_length}, and every new token but the last is "
                         f"read back; got {max_new_tokens}")
    return max_new_tokens


def check_device(device, name: str = "device"):
    """None (where the model already is), or a device torch knows and this machine has:
    cpu, cuda / cuda:N with a CUDA GPU present, mps where available. Returns a torch.device or None."""
    if device is None:
        return None
    allowed = f"{name} must be cpu, cuda, cuda:N or mps"
    if not isinstance(device, (str, torch.device)):
        raise ArgumentTypeError(f"{allowed}; got {short_repr(device)} ({type(device).__name__})")
    try:
        found = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"{allowed}; got {device!r}") from None
    if found.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name} {device} asked for, but this machine has no CUDA GPU (use cpu)")
        if found.index is not None and found.index >= torch.cuda.device_count():
            raise ValueError(f"{name} {device}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif found.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"{name} {device} asked for, but MPS is not available here (use cpu)")
    elif found.type != "cpu":
        raise ValueError(f"{allowed}; got {device!r}")
    return found


def check_draft(draft, k: int, vocab_size: int, greedy: bool = True):
    """A drafter's proposal: at most k token ids, each in 0..vocab_size - 1, q [len, V] if given, and
    alternatives (greedy only) that are distinct ids other than the first draft."""
    tokens = getattr(draft, "tokens", None)
    if not isinstance(tokens, list) or len(tokens) > max(k, 0):
        raise ValueError(f"the drafter must propose a list of at most k = {k} token ids; got {short_repr(tokens)}")
    bad = [t for t in tokens if isinstance(t, bool) or not isinstance(t, numbers.Integral) or not 0 <= t < vocab_size]
    if bad:
        raise ValueError(f"the drafter proposed {short_repr(bad[0])}, not a token id in 0..{vocab_size - 1} "
                         "(the target's vocabulary)")
    q = getattr(draft, "q", None)
    if q is not None and np.shape(q) != (len(tokens), vocab_size):
        raise ValueError(f"the drafter's q must have shape [{len(tokens)}, {vocab_size}] (one row per draft); "
                         f"got {np.shape(q)}")
    _check_alternatives(getattr(draft, "alternatives", ()), tokens, vocab_size, greedy)
    return draft


#: At most this many alternatives for the first position (each adds a row to the target's pass).
MAX_ALTERNATIVES = 7


def _check_alternatives(alternatives, tokens: list, vocab_size: int, greedy: bool) -> None:
    if not alternatives:
        return
    if not greedy:
        raise ValueError("the drafter proposed alternatives while sampling; alternatives are verified "
                         "under greedy decoding (temperature 0) only")
    alternatives = list(alternatives)
    if not tokens or len(alternatives) > MAX_ALTERNATIVES:
        raise ValueError(f"alternatives need a first draft and number at most {MAX_ALTERNATIVES}; "
                         f"got {short_repr(alternatives)}")
    bad = [t for t in alternatives if isinstance(t, bool) or not isinstance(t, numbers.Integral)
           or not 0 <= t < vocab_size]
    if bad or len(set(alternatives + tokens[:1])) != len(alternatives) + 1:
        raise ValueError("alternatives must be distinct token ids in 0..{} other than the first draft; got {}"
                         .format(vocab_size - 1, short_repr(alternatives)))


def vocab_size(model) -> int:
    """The width of a model's logits: its head's out_features (any head, quantized ones included,
    whose `weight` is a method, not a tensor), else config.vocab_size."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    width = getattr(head, "out_features", None)
    if isinstance(width, numbers.Integral):
        return int(width)
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
