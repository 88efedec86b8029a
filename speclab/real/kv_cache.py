"""A model plus its KV cache: feed new tokens, get their logits, crop after a rejection.

The prefix is never re-read: each forward pass sees only the tokens the cache lacks.
Written against the transformers 5 cache API (DynamicCache, negative `crop`).
"""

from __future__ import annotations

import contextlib
import inspect

import torch

from .row_kernel import bias_free_linears, column_products
from .tree import keep_path, tree_inputs


def cache_kwarg(model) -> str:
    """transformers >= 5.2x calls the argument `cache`; earlier 5.x calls it `past_key_values`."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def new_cache(model):
    """An empty DynamicCache shaped by the model's config (sliding windows included)."""
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config)
    except Exception:  # configs the cache cannot read: fall back to lazily created layers
        return DynamicCache()


class CachedModel:
    """A causal LM with a KV cache covering the first `length` tokens of the sequence."""

    def __init__(self, model, column_products: bool = True):
        self.model = model
        self.device = next(model.parameters()).device
        self.column_products = column_products     # few-token passes use every CPU core (row_kernel.py)
        self._linears = bias_free_linears(model) if column_products else []
        self.cache = new_cache(model)
        self.forwards = 0
        self._kwarg = cache_kwarg(model)

    @property
    def length(self) -> int:
        return self.cache.get_seq_length()

    def forward(self, token_ids: list, last_only: bool = False, features: bool = False, parents=None):
        """Run the new tokens through the model on top of the cache; logits [n, V] (or [1, V]).

        features=True also returns the last hidden states [n, hidden] (what the output head reads).
        parents: read the tokens as a tree, row i continuing row parents[i] (-1: the prefix); see tree.py.
        """
        ids = torch.tensor([token_ids], dtype=torch.long, device=self.device)
        kwargs = {self._kwarg: self.cache, "use_cache": True}
        if parents is not None:
            kwargs.update(tree_inputs(parents, self.length, self.device, self.model.dtype))
        if last_only:
            kwargs["logits_to_keep"] = 1
        self.forwards += 1
        with column_products(self._linears, len(token_ids), self.column_products):
            if not features:
                return self.model(input_ids=ids, **kwargs).logits[0]
            with last_hidden_states(self.model) as seen:
                logits = self.model(input_ids=ids, **kwargs).logits[0]
        return logits, seen[0][0]

    def keep_path(self, past: int, rows: list) -> None:
        """After a tree pass on top of `past` tokens: keep only the entries of `rows` (one path)."""
        keep_path(self.cache, past, rows)

    def crop(self, length: int) -> None:
        """Forget cached tokens beyond `length` (the rejected drafts)."""
        extra = self.length - length
        if extra > 0:
            self.cache.crop(-extra)


@contextlib.contextmanager
def last_hidden_states(model):
    """Collect the base model's last hidden states (post final norm) of every forward inside the block."""
    seen = []
    hook = model.base_model.register_forward_hook(lambda module, args, output: seen.append(output[0]))
    try:
        yield seen
    finally:
        hook.remove()


def synchronize(device) -> None:
    """Wait for queued GPU work so that wall-clock timings are honest."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
